package xclient_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/betterplan/betterplan/internal/fakex"
	"github.com/betterplan/betterplan/internal/xclient"
)

// TestHTTPErrorKinds covers every kind X can answer with, using the fake's
// real behaviour where it has one and an injected X body otherwise.
func TestHTTPErrorKinds(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, fakex.Options{}, nil)
	alice := e.connect("alice")

	t.Run("unauthorized: revoked token", func(t *testing.T) {
		bob := e.connect("bob")
		e.fake.Revoke("bob")
		_, err := e.client.CreatePost(ctx, bob, "hi", "")
		xe := wantKind(t, err, xclient.Unauthorized)
		if xe.Status != 401 || xe.Detail != "Unauthorized" || xe.IsRetryable() || !xe.MayHaveReachedX() {
			t.Fatalf("%+v", xe)
		}
	})
	t.Run("unauthorized: bad token secret", func(t *testing.T) {
		_, err := e.client.Me(ctx, xclient.Credentials{Token: alice.Token, Secret: "nope"})
		wantKind(t, err, xclient.Unauthorized)
	})
	t.Run("forbidden: too long", func(t *testing.T) {
		_, err := e.client.CreatePost(ctx, alice, strings.Repeat("a", 281), "")
		xe := wantKind(t, err, xclient.Forbidden)
		if xe.Status != 403 || xe.Detail != "You are not permitted to perform this action." || xe.Title != "Forbidden" {
			t.Fatalf("%+v", xe)
		}
	})
	t.Run("forbidden: read-only app permissions", func(t *testing.T) {
		e.fake.Inject(fakex.Fault{Response: &fakex.Response{Status: 403, Body: `{"title":"Forbidden","status":403,"detail":"Your client app is not configured with the appropriate oauth1 app permissions for this endpoint.","type":"https://api.x.com/2/problems/oauth1-permissions"}`}})
		_, err := e.client.CreatePost(ctx, alice, "x", "")
		xe := wantKind(t, err, xclient.Forbidden)
		if !strings.HasSuffix(xe.Type, "/oauth1-permissions") {
			t.Fatalf("%+v", xe)
		}
	})
	t.Run("duplicate: real", func(t *testing.T) {
		if _, err := e.client.CreatePost(ctx, alice, "same words", ""); err != nil {
			t.Fatal(err)
		}
		_, err := e.client.CreatePost(ctx, alice, "same words", "")
		xe := wantKind(t, err, xclient.Duplicate)
		if xe.Status != 403 || xe.IsRetryable() {
			t.Fatalf("%+v", xe)
		}
	})
	t.Run("duplicate: v1 code 187", func(t *testing.T) {
		e.fake.Inject(fakex.Fault{Response: &fakex.Response{Status: 403, Body: `{"errors":[{"code":187,"message":"Status is a duplicate."}]}`}})
		_, err := e.client.CreatePost(ctx, alice, "x", "")
		if xe := wantKind(t, err, xclient.Duplicate); xe.Code != 187 {
			t.Fatalf("%+v", xe)
		}
	})
	t.Run("usage capped", func(t *testing.T) {
		e.fake.Inject(fakex.Fault{Response: fakex.UsageCapped()})
		_, err := e.client.CreatePost(ctx, alice, "x", "")
		if xe := wantKind(t, err, xclient.UsageCapped); xe.IsRetryable() {
			t.Fatal("usage cap is monthly; not retryable")
		}
	})
	t.Run("bad request: reply to missing post", func(t *testing.T) {
		_, err := e.client.CreatePost(ctx, alice, "orphan", "12345")
		xe := wantKind(t, err, xclient.BadRequest)
		if xe.Status != 400 || !strings.HasSuffix(xe.Type, "/invalid-request") || !strings.Contains(xe.Detail, "reply.in_reply_to_tweet_id") {
			t.Fatalf("%+v", xe)
		}
	})
	t.Run("bad request: delete unknown post is 404", func(t *testing.T) {
		err := e.client.DeletePost(ctx, alice, "12345")
		if xe := wantKind(t, err, xclient.BadRequest); xe.Status != 404 {
			t.Fatalf("%+v", xe)
		}
	})
	t.Run("bad request: malformed id is refused locally", func(t *testing.T) {
		before := len(e.fake.Requests())
		wantKind(t, e.client.DeletePost(ctx, alice, "../users/me"), xclient.BadRequest)
		if len(e.fake.Requests()) != before {
			t.Fatal("a request was sent")
		}
	})
	t.Run("server error", func(t *testing.T) {
		e.fake.Inject(fakex.Fault{Response: fakex.ServerError(503)})
		_, err := e.client.CreatePost(ctx, alice, "x", "")
		xe := wantKind(t, err, xclient.ServerError)
		if xe.Status != 503 || !xe.IsRetryable() {
			t.Fatalf("%+v", xe)
		}
	})
	t.Run("201 without an id is ambiguous", func(t *testing.T) {
		e.fake.Inject(fakex.Fault{Response: &fakex.Response{Status: 201, Body: `{"data":{}}`}})
		_, err := e.client.CreatePost(ctx, alice, "x", "")
		if xe := wantKind(t, err, xclient.Ambiguous); xe.Status != 201 || xe.IsRetryable() {
			t.Fatalf("%+v", xe)
		}
	})
	t.Run("html from a proxy", func(t *testing.T) {
		e.fake.Inject(fakex.Fault{Response: &fakex.Response{Status: 502, Body: "<html><body><h1>502 Bad Gateway</h1></body></html>"}})
		_, err := e.client.Me(ctx, alice)
		if xe := wantKind(t, err, xclient.ServerError); !strings.Contains(xe.Detail, "502 Bad Gateway") {
			t.Fatalf("%+v", xe)
		}
	})
}

func TestRateLimited(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, fakex.Options{}, nil)
	alice := e.connect("alice")
	e.fake.SetRateLimit("alice", 1, 15*time.Minute)
	if _, err := e.client.CreatePost(ctx, alice, "one", ""); err != nil {
		t.Fatal(err)
	}
	_, err := e.client.CreatePost(ctx, alice, "two", "")
	xe := wantKind(t, err, xclient.RateLimited)
	// The fake's 24-hour windows still have room, so the 15-minute reset wins.
	if want := e.clock().Add(15 * time.Minute); !xe.ResetAt.Equal(want) {
		t.Fatalf("ResetAt = %v, want %v", xe.ResetAt, want)
	}
	if xe.Status != 429 || !xe.IsRetryable() || !strings.Contains(xe.Error(), "resets ") {
		t.Fatalf("%+v / %v", xe, xe)
	}
	if len(e.fake.Posts()) != 1 {
		t.Fatal("the limited post was created")
	}

	reset := e.clock().Add(3 * time.Hour)
	e.fake.Inject(fakex.Fault{Response: fakex.RateLimited(reset)})
	_, err = e.client.Me(ctx, alice)
	if xe := wantKind(t, err, xclient.RateLimited); !xe.ResetAt.Equal(reset) {
		t.Fatalf("ResetAt = %v, want %v", xe.ResetAt, reset)
	}
}

// TestNotReached: failures before anything was written are NotReached,
// found out from what net/http wrote, not from error text.
func TestNotReached(t *testing.T) {
	ctx := context.Background()
	creds := xclient.Credentials{Token: "1-t", Secret: "s"}
	t.Run("connection refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		c := newClient(t, "http://"+addr, nil)
		_, err = c.CreatePost(ctx, creds, "x", "")
		xe := wantKind(t, err, xclient.NotReached)
		if !xe.IsRetryable() || xe.MayHaveReachedX() || xe.Status != 0 {
			t.Fatalf("%+v", xe)
		}
		_, _, err = c.RequestToken(ctx, "oob")
		wantKind(t, err, xclient.NotReached)
	})
	t.Run("TLS handshake fails", func(t *testing.T) {
		srv := httptest.NewUnstartedServer(http.NotFoundHandler())
		srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake failure is the point
		srv.StartTLS()                                   // with a certificate we don't trust
		defer srv.Close()
		c := newClient(t, srv.URL, nil)
		_, err := c.CreatePost(ctx, creds, "x", "")
		wantKind(t, err, xclient.NotReached)
	})
	t.Run("cancelled before sending", func(t *testing.T) {
		e := newEnv(t, fakex.Options{}, nil)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := e.client.CreatePost(cctx, e.connect("alice"), "x", "")
		wantKind(t, err, xclient.NotReached)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err does not wrap context.Canceled: %v", err)
		}
		if len(e.fake.Requests()) != 0 {
			t.Fatal("the fake saw a request")
		}
	})
}

func TestAmbiguous(t *testing.T) {
	ctx := context.Background()
	t.Run("connection dropped after the post was made", func(t *testing.T) {
		e := newEnv(t, fakex.Options{}, nil)
		alice := e.connect("alice")
		e.fake.Inject(fakex.Fault{Action: fakex.DropAfterHandling})
		_, err := e.client.CreatePost(ctx, alice, "did it post?", "")
		xe := wantKind(t, err, xclient.Ambiguous)
		if xe.IsRetryable() || !xe.MayHaveReachedX() {
			t.Fatalf("%+v", xe)
		}
		if len(e.fake.Posts()) != 1 {
			t.Fatal("the fake should have the post")
		}
	})
	t.Run("connection dropped before handling", func(t *testing.T) {
		// The client cannot tell this from the case above; only the fake
		// knows nothing was posted.
		e := newEnv(t, fakex.Options{}, nil)
		alice := e.connect("alice")
		e.fake.Inject(fakex.Fault{Action: fakex.DropBeforeHandling})
		_, err := e.client.CreatePost(ctx, alice, "did it post?", "")
		wantKind(t, err, xclient.Ambiguous)
		if len(e.fake.Posts()) != 0 {
			t.Fatal("nothing should be posted")
		}
	})
	t.Run("timeout while X hangs", func(t *testing.T) {
		e := newEnv(t, fakex.Options{}, func(c *xclient.Config) { c.Timeout = 200 * time.Millisecond })
		alice := e.connect("alice")
		e.fake.Inject(fakex.Fault{Action: fakex.Hang})
		start := time.Now()
		_, err := e.client.CreatePost(ctx, alice, "slow", "")
		wantKind(t, err, xclient.Ambiguous)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("does not wrap DeadlineExceeded: %v", err)
		}
		if d := time.Since(start); d < 200*time.Millisecond || d > 3*time.Second {
			t.Fatalf("took %v with a 200ms timeout", d)
		}
		if len(e.fake.Posts()) != 1 {
			t.Fatal("the fake should have the post")
		}
		// Reads are safe to repeat after an unknown outcome.
		e.fake.Inject(fakex.Fault{Action: fakex.Hang})
		_, err = e.client.Me(ctx, alice)
		if xe := wantKind(t, err, xclient.Ambiguous); !xe.IsRetryable() {
			t.Fatal("Me is idempotent")
		}
	})
	t.Run("token calls without a context still time out", func(t *testing.T) {
		// dghubble's RequestToken takes no context; ours must still honour one.
		e := newEnv(t, fakex.Options{}, nil)
		e.fake.SetLatency(5 * time.Second)
		cctx, cancel := context.WithTimeout(ctx, 150*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, _, err := e.client.RequestToken(cctx, "oob")
		wantKind(t, err, xclient.Ambiguous)
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("RequestToken ignored the context: took %v", d)
		}
		// The deadline has passed: nothing is sent at all.
		_, err = e.client.AccessToken(cctx, "a", "b", "c")
		wantKind(t, err, xclient.NotReached)
		if !errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "[redacted]") {
			t.Fatalf("AccessToken: %v", err)
		}
	})
	t.Run("server accepts, reads, and kills the connection", func(t *testing.T) {
		addr := killingServer(t, "")
		_, err := newClient(t, "http://"+addr, nil).CreatePost(ctx, xclient.Credentials{Token: "1-t", Secret: "s"}, "x", "")
		if xe := wantKind(t, err, xclient.Ambiguous); xe.Status != 0 {
			t.Fatalf("%+v", xe)
		}
	})
	t.Run("201 whose body breaks off", func(t *testing.T) {
		addr := killingServer(t, "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"data\":{\"id\":")
		_, err := newClient(t, "http://"+addr, nil).CreatePost(ctx, xclient.Credentials{Token: "1-t", Secret: "s"}, "x", "")
		if xe := wantKind(t, err, xclient.Ambiguous); xe.Status != 201 {
			t.Fatalf("%+v", xe)
		}
	})
}

// killingServer accepts connections, reads one request, writes partial
// (possibly empty) and closes.
func killingServer(t *testing.T, partial string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				req, err := http.ReadRequest(bufio.NewReader(conn))
				if err != nil {
					return
				}
				io.Copy(io.Discard, req.Body)
				io.WriteString(conn, partial)
			}()
		}
	}()
	return ln.Addr().String()
}

func newClient(t *testing.T, baseURL string, tweak func(*xclient.Config)) *xclient.Client {
	t.Helper()
	cfg := xclient.Config{BaseURL: baseURL, ConsumerKey: consumerKey, ConsumerSecret: consumerSecret, Timeout: 3 * time.Second}
	if tweak != nil {
		tweak(&cfg)
	}
	c, err := xclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
