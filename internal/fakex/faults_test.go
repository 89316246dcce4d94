package fakex_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/betterplan/betterplan/internal/fakex"
)

// rawPost sends POST /2/tweets and returns the transport error, if any.
func (f *fixture) rawPost(ctx context.Context, hc *http.Client, text string) (*http.Response, error) {
	req, _ := http.NewRequestWithContext(ctx, "POST", f.srv.URL+"/2/tweets", bytes.NewReader([]byte(`{"text":"`+text+`"}`)))
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err == nil {
		resp.Body.Close()
	}
	return resp, err
}

func (f *fixture) postTexts() []string {
	var texts []string
	for _, p := range f.fake.Posts() {
		texts = append(texts, p.Text)
	}
	return texts
}

func TestFaultRespond(t *testing.T) {
	f := newFixture(t, fakex.Options{})
	_, alice := f.connect("alice")
	_, bob := f.connect("bob")
	reset := f.clock().Add(7 * time.Minute)

	cases := []struct {
		name       string
		resp       *fakex.Response
		status     int
		bodyPrefix string
	}{
		{"unauthorized", fakex.Unauthorized(), 401, v2Unauthorized},
		{"duplicate", fakex.Duplicate(), 403, v2Duplicate},
		{"forbidden", fakex.Forbidden(), 403, v2Forbidden},
		{"rate limited", fakex.RateLimited(reset), 429, v2TooMany},
		{"usage capped", fakex.UsageCapped(), 429, `{"title":"UsageCapExceeded"`},
		{"server error", fakex.ServerError(503), 503, `{"title":"Service Unavailable"`},
		{"bad request", fakex.BadRequest(), 400, `{"errors":[`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.fake.Inject(fakex.Fault{Method: "POST", PathPrefix: "/2/tweets", Response: tc.resp})
			r := f.post(alice, "fault "+tc.name)
			if r.status != tc.status || !strings.HasPrefix(r.body, tc.bodyPrefix) {
				t.Fatalf("got %d %s", r.status, r.body)
			}
			if r.header.Get("x-rate-limit-limit") == "" || r.header.Get("x-user-limit-24hour-reset") == "" {
				t.Errorf("canned /2 answer lacks rate-limit headers")
			}
			// Once by default: the retry goes through, and the faulted
			// attempt created nothing.
			postID(t, f.post(alice, "fault "+tc.name))
			if n := strings.Count(strings.Join(f.postTexts(), "\n"), "fault "+tc.name); n != 1 {
				t.Fatalf("%d posts with that text", n)
			}
		})
	}
	t.Run("rate limited reset header", func(t *testing.T) {
		f.fake.Inject(fakex.Fault{Response: fakex.RateLimited(reset)})
		r := f.post(alice, "x")
		if r.header.Get("x-rate-limit-remaining") != "0" || r.header.Get("x-rate-limit-reset") != strconv.FormatInt(reset.Unix(), 10) {
			t.Fatalf("headers %v", r.header)
		}
	})
	t.Run("matching and Times", func(t *testing.T) {
		f.fake.Inject(fakex.Fault{Username: "BOB", Times: 2, Response: fakex.ServerError(500)})
		postID(t, f.post(alice, "alice unaffected"))
		if r := f.do(bob, "GET", "/2/users/me", "", ""); r.status != 500 {
			t.Fatalf("bob 1: %d", r.status)
		}
		if r := f.post(bob, "bob 2"); r.status != 500 {
			t.Fatalf("bob 2: %d", r.status)
		}
		postID(t, f.post(bob, "bob 3"))

		f.fake.Inject(fakex.Fault{Method: "DELETE", Times: fakex.Forever, Response: fakex.ServerError(502)})
		for range 3 {
			if r := f.do(alice, "DELETE", "/2/tweets/1", "", ""); r.status != 502 {
				t.Fatalf("forever fault: %d", r.status)
			}
		}
		f.fake.ClearFaults()
		if r := f.do(alice, "DELETE", "/2/tweets/1", "", ""); r.status != 404 {
			t.Fatalf("after ClearFaults: %d", r.status)
		}
	})
	t.Run("v1 body on OAuth endpoint", func(t *testing.T) {
		f.fake.Inject(fakex.Fault{PathPrefix: "/oauth/request_token", Response: fakex.UnauthorizedV1()})
		_, _, err := f.oauthConfig("oob").RequestToken()
		if err == nil || !strings.Contains(err.Error(), v1InvalidToken) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("Requests records the fault", func(t *testing.T) {
		reqs := f.fake.Requests()
		var n int
		for _, r := range reqs {
			if r.Fault == "respond" {
				n++
			}
		}
		if n == 0 {
			t.Fatal("no request recorded as faulted")
		}
	})
}

func TestFaultDropBeforeHandling(t *testing.T) {
	f := newFixture(t, fakex.Options{})
	_, alice := f.connect("alice")
	f.fake.Inject(fakex.Fault{Action: fakex.DropBeforeHandling})
	if _, err := f.rawPost(context.Background(), alice, "dropped before"); err == nil {
		t.Fatal("request succeeded; want a broken connection")
	}
	if len(f.fake.Posts()) != 0 {
		t.Fatal("a post was created")
	}
	reqs := f.fake.Requests()
	if len(reqs) != 1 || reqs[0].Fault != "drop-before-handling" || reqs[0].Status != 0 || reqs[0].Username != "alice" {
		t.Fatalf("requests = %+v", reqs)
	}
}

func TestFaultDropAfterHandling(t *testing.T) {
	f := newFixture(t, fakex.Options{})
	_, alice := f.connect("alice")
	f.fake.Inject(fakex.Fault{Action: fakex.DropAfterHandling, PathPrefix: "/2/tweets"})
	if _, err := f.rawPost(context.Background(), alice, "dropped after"); err == nil {
		t.Fatal("request succeeded; want a broken connection")
	}
	if got := f.postTexts(); len(got) != 1 || got[0] != "dropped after" {
		t.Fatalf("posts = %v; the post should exist", got)
	}
	if r := f.fake.Requests()[0]; r.Status != 201 || r.Fault != "drop-after-handling" {
		t.Fatalf("request = %+v", r)
	}
	// Retrying the same text now hits X's duplicate check.
	wantBody(t, f.post(alice, "dropped after"), 403, v2Duplicate)
}

func TestFaultHang(t *testing.T) {
	f := newFixture(t, fakex.Options{})
	_, alice := f.connect("alice")
	f.fake.Inject(fakex.Fault{Action: fakex.Hang})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := f.rawPost(ctx, alice, "hung")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
	if time.Since(start) < 200*time.Millisecond {
		t.Fatal("returned before the deadline")
	}
	if got := f.postTexts(); len(got) != 1 || got[0] != "hung" {
		t.Fatalf("posts = %v; the post should exist", got)
	}
	// The record is there at once; FinishedAt once the fake lets go, when
	// the client gave up (not when the post was handled, right away).
	waitFor(t, "the hung request to finish", func() bool { return !f.fake.Requests()[0].FinishedAt.IsZero() })
	if r := f.fake.Requests()[0]; r.FinishedAt.Before(start.Add(150*time.Millisecond)) || r.Fault != "hang" || r.Status != 201 {
		t.Fatalf("request = %+v", r)
	}
}

func TestFaultRespondAfterHandling(t *testing.T) {
	f := newFixture(t, fakex.Options{})
	_, alice := f.connect("alice")
	f.fake.Inject(fakex.Fault{Action: fakex.RespondAfterHandling, PathPrefix: "/2/tweets", Response: fakex.ServerError(503)})
	r := f.post(alice, "created despite the 503")
	if r.status != 503 || !strings.HasPrefix(r.body, `{"title":"Service Unavailable"`) {
		t.Fatalf("got %d %s, want the canned 503", r.status, r.body)
	}
	if r.header.Get("x-rate-limit-remaining") == "" || r.header.Get("x-user-limit-24hour-reset") == "" {
		t.Errorf("canned answer lacks rate-limit headers: %v", r.header)
	}
	if got := f.postTexts(); len(got) != 1 || got[0] != "created despite the 503" {
		t.Fatalf("posts = %v; the post should exist", got)
	}
	if req := f.fake.Requests()[0]; req.Status != 201 || req.Fault != "respond-after-handling" {
		t.Fatalf("request = %+v", req)
	}
	// The client retries as X's "wait and retry" suggests, and learns the
	// truth from the duplicate check.
	wantBody(t, f.post(alice, "created despite the 503"), 403, v2Duplicate)
}

func TestLatency(t *testing.T) {
	f := newFixture(t, fakex.Options{})
	_, alice := f.connect("alice")
	f.fake.SetLatency(150 * time.Millisecond)
	start := time.Now()
	postID(t, f.post(alice, "slow"))
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("took %v, want >= 150ms", d)
	}
	f.fake.SetLatency(0)
	start = time.Now()
	postID(t, f.post(alice, "fast"))
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Fatalf("took %v after SetLatency(0)", d)
	}
}

// A client that gives up (or is killed) while the fake is "slow" does not
// stop the post: X finishes a request it has fully received.
func TestLatencyOutlivesTheClient(t *testing.T) {
	f := newFixture(t, fakex.Options{})
	_, alice := f.connect("alice")
	f.fake.SetLatency(300 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := f.rawPost(ctx, alice, "sent by a client that gave up"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the client's deadline", err)
	}
	if len(f.fake.Posts()) != 0 {
		t.Fatal("posted before the latency was over")
	}
	waitFor(t, "the post", func() bool { return len(f.fake.Posts()) == 1 })
	if r := f.fake.Requests()[0]; r.Status != 201 {
		t.Fatalf("request = %+v", r)
	}

	// Close cuts a long latency short (the request is still handled), so
	// a test's cleanup does not wait for it.
	f.fake.SetLatency(time.Hour)
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	if _, err := f.rawPost(ctx2, alice, "released by Close"); err == nil {
		t.Fatal("answered within an hour's latency")
	}
	f.fake.Close()
	waitFor(t, "the post after Close", func() bool { return len(f.fake.Posts()) == 2 })
}

func TestInjectRespondWithoutResponsePanics(t *testing.T) {
	for _, a := range []fakex.Action{fakex.Respond, fakex.RespondAfterHandling} {
		func() {
			f := newFixture(t, fakex.Options{})
			defer func() {
				if recover() == nil {
					t.Fatalf("%v: no panic", a)
				}
			}()
			f.fake.Inject(fakex.Fault{Action: a})
		}()
	}
}

// waitFor polls cond for up to 5 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
