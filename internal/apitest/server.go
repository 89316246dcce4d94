package apitest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5/pgxpool"
	"gocloud.dev/blob"

	accountv1 "github.com/betterplan/betterplan/gen/betterplan/account/v1"
	"github.com/betterplan/betterplan/gen/betterplan/account/v1/accountv1connect"
	"github.com/betterplan/betterplan/gen/betterplan/integration/v1/integrationv1connect"
	"github.com/betterplan/betterplan/gen/betterplan/post/v1/postv1connect"
	"github.com/betterplan/betterplan/gen/betterplan/workspace/v1/workspacev1connect"
	"github.com/betterplan/betterplan/internal/apiserver"
	"github.com/betterplan/betterplan/internal/blobstore"
	"github.com/betterplan/betterplan/internal/callheader"
	"github.com/betterplan/betterplan/internal/clientaddr"
	"github.com/betterplan/betterplan/internal/clock"
	"github.com/betterplan/betterplan/internal/config"
	"github.com/betterplan/betterplan/internal/fakex"
	"github.com/betterplan/betterplan/internal/logging"
	"github.com/betterplan/betterplan/internal/secretbox"
	"github.com/betterplan/betterplan/internal/xclient"
	"github.com/betterplan/betterplan/services/workspace"
)

// Epoch is where every test's manual clock starts.
var Epoch = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// Env is a running api server on its own database.
type Env struct {
	URL        string // http://127.0.0.1:port
	MetricsURL string // the api's /metrics, on a listener of its own as METRICS_ADDR is
	DBURL      string
	Pool       *pgxpool.Pool
	Clock      *clock.Manual
	Logs       *Logs
	// DBProxy is set when Options.DBProxy was.
	DBProxy *Proxy
	// X is the fake X the api talks to (over real HTTP), XURL its address.
	X    *fakex.Server
	XURL string
	// Keys are the api's credential-encryption keys.
	Keys *secretbox.Keyring
	// Bucket holds media bytes; BucketURL is its MEDIA_BUCKET_URL.
	Bucket    *blob.Bucket
	BucketURL string
}

// Options change how Start builds the server.
type Options struct {
	AppURL string // default: the test server's own URL
	// NoX starts the api without X keys, as when X_CLIENT_ID is unset.
	NoX bool
	// DBProxy routes the server's database connections through a TCP proxy
	// the test can cut (Env.DBProxy), to see how the api behaves when
	// PostgreSQL goes away.
	DBProxy bool
	// TrustedProxies is TRUSTED_PROXIES, one entry each (default none; the
	// test client is 127.0.0.1).
	TrustedProxies []string
	// Limits are the rate limits; a zero rule is the production default.
	Limits config.RateLimits
	// Mail sends invitation emails (nil: none, as without SMTP_URL).
	Mail workspace.Mailer
	// BucketURL is MEDIA_BUCKET_URL (default: a file:// temporary directory;
	// S3Bucket gives an S3 one).
	BucketURL string
}

// Start runs the real api handler and HTTP server (HTTP/1.1 and h2c) on a
// loopback port, on a fresh database, until the test ends.
func Start(t testing.TB, opts Options) *Env {
	t.Helper()
	dbURL := DB(t)
	env := &Env{DBURL: dbURL, Clock: clock.NewManual(Epoch), Logs: &Logs{}}
	poolURL := dbURL
	if opts.DBProxy {
		env.DBProxy, poolURL = NewProxy(t, dbURL)
	}
	env.Pool = Pool(t, poolURL)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	env.URL = "http://" + ln.Addr().String()
	if opts.AppURL == "" {
		opts.AppURL = env.URL
	}
	log := logging.New(env.Logs, slog.LevelDebug)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	env.Keys, _ = secretbox.NewKeyring(key)
	env.X = fakex.New(fakex.Options{Now: env.Clock.Now, Logger: log.With("component", "fakex")})
	xsrv := httptest.NewServer(env.X)
	t.Cleanup(xsrv.Close)
	env.XURL = xsrv.URL
	var x *xclient.Client
	if !opts.NoX {
		x, err = xclient.New(xclient.Config{
			BaseURL: env.XURL, ConsumerKey: fakex.DefaultConsumerKey, ConsumerSecret: fakex.DefaultConsumerSecret, Logger: log,
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	env.BucketURL = opts.BucketURL
	if env.BucketURL == "" {
		env.BucketURL = "file://" + filepath.ToSlash(t.TempDir())
	}
	if env.Bucket, err = blobstore.Open(context.Background(), env.BucketURL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Bucket.Close() })
	var proxies []netip.Prefix
	for _, e := range opts.TrustedProxies {
		p, err := clientaddr.ParseProxy(e)
		if err != nil {
			t.Fatal(err)
		}
		proxies = append(proxies, p)
	}
	h := apiserver.New(apiserver.Deps{
		Pool: env.Pool, Log: log, Now: env.Clock.Now,
		AppURL: opts.AppURL, SecureCookies: strings.HasPrefix(opts.AppURL, "https:"),
		Keys: env.Keys, X: x, TrustedProxies: proxies, Limits: opts.Limits, Mail: opts.Mail,
		Bucket: env.Bucket,
	})
	t.Cleanup(h.Close) // before the pool closes
	metricsLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	env.MetricsURL = "http://" + metricsLn.Addr().String()
	srv := apiserver.NewHTTPServer(ln.Addr().String(), h.API, log)
	metricsSrv := apiserver.NewHTTPServer(metricsLn.Addr().String(), h.Metrics, log)
	for s, l := range map[*http.Server]net.Listener{srv: ln, metricsSrv: metricsLn} {
		go func() {
			if err := s.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				t.Errorf("serve: %v", err)
			}
		}()
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		_ = metricsSrv.Shutdown(ctx)
		if t.Failed() {
			t.Logf("server logs:\n%s", env.Logs.String())
		}
	})
	return env
}

// HTTPClient is an HTTP/1.1 client with its own cookie jar, like a browser.
func (e *Env) HTTPClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second}
}

// H2CClient speaks HTTP/2 without TLS, as gRPC needs.
func (e *Env) H2CClient() *http.Client {
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: &http.Transport{Protocols: &p}, Timeout: 30 * time.Second}
}

// Account returns an AccountService client over the Connect protocol with
// token (if any) as a bearer token.
func (e *Env) Account(token string, opts ...connect.ClientOption) accountv1connect.AccountServiceClient {
	return accountv1connect.NewAccountServiceClient(e.HTTPClient(), e.URL, append(opts, WithBearer(token))...)
}

// Integration returns an IntegrationService client (see Account).
func (e *Env) Integration(token string, opts ...connect.ClientOption) integrationv1connect.IntegrationServiceClient {
	return integrationv1connect.NewIntegrationServiceClient(e.HTTPClient(), e.URL, append(opts, WithBearer(token))...)
}

// Post returns a PostService client (see Account).
func (e *Env) Post(token string, opts ...connect.ClientOption) postv1connect.PostServiceClient {
	return postv1connect.NewPostServiceClient(e.HTTPClient(), e.URL, append(opts, WithBearer(token))...)
}

// Workspace returns a WorkspaceService client (see Account).
func (e *Env) Workspace(token string, opts ...connect.ClientOption) workspacev1connect.WorkspaceServiceClient {
	return workspacev1connect.NewWorkspaceServiceClient(e.HTTPClient(), e.URL, append(opts, WithBearer(token))...)
}

// PersonalWorkspace is the id of the personal workspace of the user whose
// token this is (the one sign-up made).
func (e *Env) PersonalWorkspace(t testing.TB, token string) string {
	t.Helper()
	res, err := e.Account(token).GetMe(context.Background(), connect.NewRequest(&accountv1.GetMeRequest{}))
	if err != nil {
		t.Fatalf("GetMe: %v", err)
	}
	for _, m := range res.Msg.GetWorkspaces() {
		if m.GetWorkspace().GetPersonalOf() == res.Msg.GetUser().GetId() {
			return m.GetWorkspace().GetId()
		}
	}
	t.Fatalf("no personal workspace in %v", res.Msg.GetWorkspaces())
	return ""
}

// SignUp creates a user and returns its session token.
func (e *Env) SignUp(t testing.TB, email string) string {
	t.Helper()
	res, err := e.Account("").SignUp(context.Background(), connect.NewRequest(&accountv1.SignUpRequest{
		Email: email, Password: "correct horse battery", DisplayName: email,
	}))
	if err != nil {
		t.Fatalf("sign up %s: %v", email, err)
	}
	return res.Msg.GetSessionToken()
}

// WithBearer sends "Authorization: Bearer token" on every call, unary or
// streaming (nothing when token is "").
func WithBearer(token string) connect.ClientOption { return callheader.Bearer(token) }

// WithHeader sends header key: value on every call, unary or streaming,
// e.g. X-Forwarded-For.
func WithHeader(key, value string) connect.ClientOption { return callheader.With(key, value) }

// Metric reads the value of an unlabelled metric (a counter or gauge) from
// the api's /metrics.
func (e *Env) Metric(t testing.TB, name string) float64 {
	t.Helper()
	res, err := http.Get(e.MetricsURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metric %s: %q: %v", name, v, err)
			}
			return f
		}
	}
	t.Fatalf("/metrics has no %s", name)
	return 0
}

// Logs collects log lines written concurrently.
type Logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything logged so far.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Queue returns a QueueService client (see Account).
func (e *Env) Queue(token string, opts ...connect.ClientOption) postv1connect.QueueServiceClient {
	return postv1connect.NewQueueServiceClient(e.HTTPClient(), e.URL, append(opts, WithBearer(token))...)
}

// Series returns a SeriesService client (see Account).
func (e *Env) Series(token string, opts ...connect.ClientOption) postv1connect.SeriesServiceClient {
	return postv1connect.NewSeriesServiceClient(e.HTTPClient(), e.URL, append(opts, WithBearer(token))...)
}
