package fakex_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dghubble/oauth1"

	"github.com/betterplan/betterplan/internal/fakex"
)

const (
	testKey    = "test-consumer-key"
	testSecret = "test-consumer-secret"
)

// fixture is a fake X behind a real HTTP server, with a settable clock.
type fixture struct {
	t    *testing.T
	fake *fakex.Server
	srv  *httptest.Server

	mu  sync.Mutex
	now time.Time
}

func newFixture(t *testing.T, opts fakex.Options) *fixture {
	t.Helper()
	f := &fixture{t: t, now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	if opts.ConsumerKey == "" {
		opts.ConsumerKey, opts.ConsumerSecret = testKey, testSecret
	}
	if opts.Now == nil {
		opts.Now = f.clock
	}
	f.fake = fakex.New(opts)
	f.srv = httptest.NewServer(f.fake)
	t.Cleanup(func() {
		f.fake.Close()
		f.srv.Close()
	})
	return f
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

func (f *fixture) oauthConfig(callback string) *oauth1.Config {
	return &oauth1.Config{
		ConsumerKey:    testKey,
		ConsumerSecret: testSecret,
		CallbackURL:    callback,
		Endpoint: oauth1.Endpoint{
			RequestTokenURL: f.srv.URL + "/oauth/request_token",
			AuthorizeURL:    f.srv.URL + "/oauth/authorize",
			AccessTokenURL:  f.srv.URL + "/oauth/access_token",
		},
	}
}

// userClient is an *http.Client that signs with dghubble, an independent
// implementation of the same spec.
func (f *fixture) userClient(token, secret string) *http.Client {
	return f.oauthConfig("").Client(context.Background(), oauth1.NewToken(token, secret))
}

type response struct {
	status int
	header http.Header
	body   string
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, r.body)
	}
	return m
}

func (f *fixture) do(hc *http.Client, method, path, contentType, body string) response {
	f.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := hc.Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, string(b)}
}

func (f *fixture) post(hc *http.Client, text string) response {
	f.t.Helper()
	b, _ := json.Marshal(map[string]string{"text": text})
	return f.do(hc, "POST", "/2/tweets", "application/json", string(b))
}

func (f *fixture) reply(hc *http.Client, text, to string) response {
	f.t.Helper()
	b, _ := json.Marshal(map[string]any{"text": text, "reply": map[string]string{"in_reply_to_tweet_id": to}})
	return f.do(hc, "POST", "/2/tweets", "application/json", string(b))
}

// connect gives username credentials and a signing client.
func (f *fixture) connect(username string) (userID string, hc *http.Client) {
	id, tok, sec := f.fake.IssueCredentials(username)
	return id, f.userClient(tok, sec)
}

func postID(t *testing.T, r response) string {
	t.Helper()
	if r.status != http.StatusCreated {
		t.Fatalf("create post: status %d: %s", r.status, r.body)
	}
	data, _ := r.json(t)["data"].(map[string]any)
	id, _ := data["id"].(string)
	if id == "" {
		t.Fatalf("no data.id in %s", r.body)
	}
	return id
}

func wantBody(t *testing.T, r response, status int, body string) {
	t.Helper()
	if r.status != status || strings.TrimSpace(r.body) != body {
		t.Fatalf("got %d %s\nwant %d %s", r.status, r.body, status, body)
	}
}

// X's bodies, as the reference quotes them.
const (
	v2Unauthorized = `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`
	v2Duplicate    = `{"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403}`
	v2Forbidden    = `{"detail":"You are not permitted to perform this action.","type":"about:blank","title":"Forbidden","status":403}`
	v2TooMany      = `{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}`
	v1CouldNotAuth = `{"errors":[{"code":32,"message":"Could not authenticate you."}]}`
	v1InvalidToken = `{"errors":[{"code":89,"message":"Invalid or expired token."}]}`
	badVerifier    = `Error processing your OAuth request: Invalid oauth_verifier parameter`
)

func mustUint(t *testing.T, s string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o600) }
