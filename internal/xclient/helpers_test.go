package xclient_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/betterplan/betterplan/internal/fakex"
	"github.com/betterplan/betterplan/internal/xclient"
)

// Distinctive so a leak is easy to spot in any string.
const (
	consumerKey    = "ck-PUBLIC-consumer-key"
	consumerSecret = "cs-SECRET-must-never-appear-0x5e"
)

// env is our client talking to the fake X over real HTTP.
type env struct {
	t      *testing.T
	fake   *fakex.Server
	srv    *httptest.Server
	client *xclient.Client
	logs   *syncBuffer

	mu  sync.Mutex
	now time.Time
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newEnv(t *testing.T, opts fakex.Options, tweak func(*xclient.Config)) *env {
	t.Helper()
	e := &env{t: t, now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), logs: &syncBuffer{}}
	opts.ConsumerKey, opts.ConsumerSecret = consumerKey, consumerSecret
	opts.Now = e.clock
	e.fake = fakex.New(opts)
	e.srv = httptest.NewServer(e.fake)
	t.Cleanup(func() {
		e.fake.Close()
		e.srv.Close()
	})
	cfg := xclient.Config{
		BaseURL:        e.srv.URL,
		ConsumerKey:    consumerKey,
		ConsumerSecret: consumerSecret,
		Timeout:        5 * time.Second,
		Logger:         slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if tweak != nil {
		tweak(&cfg)
	}
	c, err := xclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.client = c
	return e
}

func (e *env) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *env) connect(username string) xclient.Credentials {
	_, tok, sec := e.fake.IssueCredentials(username)
	return xclient.Credentials{Token: tok, Secret: sec}
}

// wantKind asserts err is an *xclient.Error of kind k and returns it.
func wantKind(t *testing.T, err error, k xclient.Kind) *xclient.Error {
	t.Helper()
	var xe *xclient.Error
	if !errors.As(err, &xe) {
		t.Fatalf("err = %v (%T), want *xclient.Error", err, err)
	}
	if xe.Kind != k {
		t.Fatalf("kind = %v, want %v (error: %v)", xe.Kind, k, err)
	}
	if xclient.KindOf(err) != k {
		t.Fatalf("KindOf = %v", xclient.KindOf(err))
	}
	return xe
}
