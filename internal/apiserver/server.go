// Package apiserver assembles the api process's HTTP handlers: the public
// one (the Connect services over Connect, gRPC and gRPC-Web, gRPC reflection
// and health, the web app, CORS, client addresses, request ids, size limits
// and access logs) and the metrics endpoint, served on a port of its own.
package apiserver

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"sync"
	"time"

	"connectrpc.com/connect"
	connectcors "connectrpc.com/cors"
	"connectrpc.com/grpchealth"
	"connectrpc.com/grpcreflect"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/klauspost/compress/gzip"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/cors"
	"gocloud.dev/blob"

	"github.com/betterplan/betterplan/db/dbq"
	"github.com/betterplan/betterplan/gen/betterplan/account/v1/accountv1connect"
	"github.com/betterplan/betterplan/gen/betterplan/integration/v1/integrationv1connect"
	"github.com/betterplan/betterplan/gen/betterplan/media/v1/mediav1connect"
	"github.com/betterplan/betterplan/gen/betterplan/post/v1/postv1connect"
	"github.com/betterplan/betterplan/gen/betterplan/workspace/v1/workspacev1connect"
	"github.com/betterplan/betterplan/internal/apierr"
	"github.com/betterplan/betterplan/internal/auth"
	"github.com/betterplan/betterplan/internal/clientaddr"
	"github.com/betterplan/betterplan/internal/clock"
	"github.com/betterplan/betterplan/internal/config"
	"github.com/betterplan/betterplan/internal/httpstream"
	"github.com/betterplan/betterplan/internal/logging"
	"github.com/betterplan/betterplan/internal/password"
	"github.com/betterplan/betterplan/internal/ratelimit"
	"github.com/betterplan/betterplan/internal/rpcvalidate"
	"github.com/betterplan/betterplan/internal/secretbox"
	"github.com/betterplan/betterplan/internal/xclient"
	"github.com/betterplan/betterplan/internal/xweb"
	"github.com/betterplan/betterplan/services/account"
	"github.com/betterplan/betterplan/services/integration"
	mediasvc "github.com/betterplan/betterplan/services/media"
	"github.com/betterplan/betterplan/services/post"
	"github.com/betterplan/betterplan/services/workspace"
	"github.com/betterplan/betterplan/web"
)

// MaxRequestBytes bounds every request body; no RPC of ours needs more.
const MaxRequestBytes = 1 << 20

// Deps is what the api needs from the outside world.
type Deps struct {
	Pool   *pgxpool.Pool
	Log    *slog.Logger
	Now    clock.Clock
	AppURL string // the web app's origin, allowed by CORS
	// SecureCookies sets the Secure flag on cookies (APP_URL is https).
	SecureCookies bool
	// Keys encrypt X credentials at rest.
	Keys *secretbox.Keyring
	// X talks to X (or the sandbox); nil when no X keys are configured.
	X *xclient.Client
	// XWeb is where links to X's pages point (x.com or the sandbox).
	XWeb xweb.Site
	// TrustedProxies may name the client in X-Forwarded-For.
	TrustedProxies []netip.Prefix
	// PasswordHashConcurrency bounds the argon2 runs at once (0: the default).
	PasswordHashConcurrency int
	// Limits are the per-caller rate limits; a zero rule is the default.
	Limits config.RateLimits
	// Watch tunes PostService.WatchPosts (zero: the defaults).
	Watch post.WatchOptions
	// Mail sends invitation emails; nil when SMTP is not configured.
	Mail workspace.Mailer
	// Bucket holds media bytes (MEDIA_BUCKET_URL).
	Bucket *blob.Bucket
}

// Handlers are the api's two HTTP faces.
type Handlers struct {
	// API is everything the public port serves.
	API http.Handler
	// Metrics serves GET /metrics (Prometheus). It tells whoever reads it
	// about traffic and errors, so it goes on a port of its own
	// (METRICS_ADDR, loopback by default), never the public one.
	Metrics http.Handler

	stop func()
}

// Close stops the background work (the credentials cache's LISTEN
// connection) and waits for it; call it before closing the pool.
func (h Handlers) Close() { h.stop() }

// New returns the api's handlers.
func New(d Deps) Handlers {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	passwords := password.NewHasher(d.PasswordHashConcurrency)
	reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "betterplan_password_hashes_total",
			Help: "argon2 runs (sign-up hashes and sign-in checks), at most PASSWORD_HASH_CONCURRENCY at once.",
		}, func() float64 { return float64(passwords.Runs()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "betterplan_password_hash_waiting",
			Help: "Requests waiting for a turn to run argon2.",
		}, func() float64 { return float64(passwords.Waiting()) }),
	)
	limits := withDefaults(d.Limits)
	limiter := ratelimit.New(d.Pool, d.Now, d.Log)

	cookies := auth.Cookies{Secure: d.SecureCookies}
	q := dbq.New(d.Pool)
	authn := auth.NewInterceptor(q, d.Now, cookies, d.Log, account.PublicProcedures...)
	listenCtx, stopListening := context.WithCancel(context.Background())
	listened := make(chan struct{})
	go func() {
		defer close(listened)
		authn.Listen(listenCtx, d.Pool.Config().ConnConfig)
	}()
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "betterplan_auth_cache_hits_total",
		Help: "Requests whose session or API token was served from the credentials cache, not looked up.",
	}, func() float64 { return float64(authn.CacheHits()) }))
	// Requests are checked against their proto rules after authentication,
	// so a caller without credentials learns nothing but "unauthenticated"
	// (decoding comes before any interceptor, though: a body that is not a
	// request at all is invalid_argument even then). The codecs refuse
	// unknown JSON fields and enum names that the default one drops, and
	// name the field of a decoding error.
	opts := []connect.HandlerOption{
		connect.WithInterceptors(newObserver(d.Log, reg), authn, rpcvalidate.NewInterceptor(), apierr.NewInterceptor(d.Log)),
		connect.WithReadMaxBytes(MaxRequestBytes),
		// Gzip costs more CPU than it saves on small messages (most are),
		// and its fastest level shrinks a page of posts nearly as well as
		// the default at a fraction of the CPU (make bench-api);
		// klauspost's does it in a third of the standard library's time.
		connect.WithCompressMinBytes(1024),
		connect.WithCompression("gzip",
			func() connect.Decompressor { return &gzip.Reader{} },
			func() connect.Compressor {
				w, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
				return w
			}),
	}
	opts = append(opts, rpcvalidate.Codecs()...)

	mux := http.NewServeMux()
	services := []string{accountv1connect.AccountServiceName, integrationv1connect.IntegrationServiceName, postv1connect.PostServiceName,
		workspacev1connect.WorkspaceServiceName, mediav1connect.MediaServiceName, postv1connect.QueueServiceName, postv1connect.SeriesServiceName}
	mux.Handle(accountv1connect.NewAccountServiceHandler(account.New(account.Deps{
		Pool: d.Pool, Now: d.Now, Cookies: cookies, Log: d.Log, Passwords: passwords,
		SignUps: limiter.For("sign_up", limits.SignUp, "sign-ups from this network address"),
		Revoked: authn.Forget,
	}), opts...))
	integrations := integration.New(integration.Deps{
		Pool: d.Pool, Now: d.Now, Log: d.Log, Keys: d.Keys, X: d.X, XWeb: d.XWeb,
		AppURL: d.AppURL, SecureCookies: d.SecureCookies, SessionUser: authn.Authenticate,
		Starts: limiter.For("start_x_authorization", limits.StartXAuthorization, "X authorizations started"),
	})
	mux.Handle(integrationv1connect.NewIntegrationServiceHandler(integrations, opts...))
	mux.Handle("GET "+integration.CallbackPath, integrations.Callback())
	// WatchPosts' streams share one LISTEN connection per process.
	hub := post.NewHub(d.Pool.Config().ConnConfig, d.Log, d.Watch)
	posts := post.New(d.Pool, d.Now, d.Log, limiter.For("create_post", limits.CreatePost, "posts created"), hub, d.XWeb, d.AppURL)
	mux.Handle(postv1connect.NewPostServiceHandler(posts, opts...))
	mux.Handle(postv1connect.NewQueueServiceHandler(post.NewQueue(posts), opts...))
	mux.Handle(postv1connect.NewSeriesServiceHandler(post.NewSeries(posts), opts...))

	mux.Handle(workspacev1connect.NewWorkspaceServiceHandler(workspace.New(workspace.Deps{
		Pool: d.Pool, Now: d.Now, Log: d.Log, AppURL: d.AppURL, Mail: d.Mail,
		Invites: limiter.For("create_invitation", limits.CreateInvitation, "invitations sent"),
	}), opts...))

	media := mediasvc.New(mediasvc.Deps{
		Pool: d.Pool, Now: d.Now, Log: d.Log, Bucket: d.Bucket, Origin: d.AppURL, Authenticate: authn.Authenticate,
	})
	mux.Handle(mediav1connect.NewMediaServiceHandler(media, opts...))

	reflector := grpcreflect.NewStaticReflector(append(services, grpchealth.HealthV1ServiceName)...)
	mux.Handle(grpcreflect.NewHandlerV1(reflector))
	mux.Handle(grpcreflect.NewHandlerV1Alpha(reflector))
	checked := map[string]bool{}
	for _, s := range services {
		checked[s] = true
	}
	mux.Handle(grpchealth.NewHandler(&dbChecker{pool: d.Pool, services: checked}))
	web.Mount(mux) // the web app at /app/, and / redirects there

	corsOpts := cors.Options{
		AllowedOrigins:   []string{d.AppURL},
		AllowedMethods:   append(connectcors.AllowedMethods(), http.MethodPut, http.MethodHead), // PUT: media bytes
		AllowedHeaders:   append(connectcors.AllowedHeaders(), "Authorization", logging.RequestIDHeader),
		ExposedHeaders:   append(connectcors.ExposedHeaders(), logging.RequestIDHeader),
		AllowCredentials: true,
		MaxAge:           int((2 * time.Hour).Seconds()),
	}
	corsed := cors.New(corsOpts).Handler(mux)
	corsMedia := cors.New(corsOpts)
	clients := clientaddr.NewResolver(d.TrustedProxies)
	metrics := http.NewServeMux()
	metrics.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	// Go's profiles, on the operator's port only (make bench-api reads
	// where the CPU goes with BENCH_PROFILE).
	metrics.HandleFunc("GET /debug/pprof/", pprof.Index)
	metrics.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	// Media bytes are the one body bigger than MaxRequestBytes: their
	// handler bounds each upload by the size announced for it.
	files := corsMedia.Handler(media.ContentHandler())
	limited := http.MaxBytesHandler(corsed, MaxRequestBytes+4096)
	api := http.NewServeMux()
	api.Handle("/api/media/", files)
	api.Handle("/", limited)
	return Handlers{
		API:     logging.Middleware(clients.Middleware(api)),
		Metrics: metrics,
		stop:    func() { stopListening(); <-listened },
	}
}

// withDefaults fills the rules left zero.
func withDefaults(l config.RateLimits) config.RateLimits {
	d := config.DefaultRateLimits()
	for _, r := range []struct{ got, def *ratelimit.Rule }{
		{&l.SignUp, &d.SignUp}, {&l.CreatePost, &d.CreatePost}, {&l.StartXAuthorization, &d.StartXAuthorization},
		{&l.CreateInvitation, &d.CreateInvitation},
	} {
		if *r.got == (ratelimit.Rule{}) {
			*r.got = *r.def
		}
	}
	return l
}

// StreamProcedures are the server-streaming RPCs: they outlive the
// server's WriteTimeout (see internal/httpstream).
var StreamProcedures = []string{postv1connect.PostServiceWatchPostsProcedure}

// NewHTTPServer serves h on addr with HTTP/1.1 and h2c (gRPC needs HTTP/2),
// with timeouts so a slow client cannot hold a connection forever. The
// StreamProcedures are exempt from WriteTimeout (each message has its own
// write deadline instead) and end when Shutdown begins, so a graceful
// shutdown does not wait for them.
func NewHTTPServer(addr string, h http.Handler, log *slog.Logger) *http.Server {
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	shutdown := make(chan struct{})
	srv := &http.Server{
		Addr:              addr,
		Handler:           httpstream.Middleware(h, StreamProcedures, shutdown),
		Protocols:         &protocols,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	var once sync.Once
	srv.RegisterOnShutdown(func() { once.Do(func() { close(shutdown) }) })
	return srv
}
