package xclient_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/betterplan/betterplan/internal/fakex"
	"github.com/betterplan/betterplan/internal/xclient"
)

func (e *env) advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = e.now.Add(d)
}

// postMany creates n posts a minute apart, every fifth a reply to the one
// before (a thread part), and returns the fake's records of them.
func (e *env) postMany(creds xclient.Credentials, n int) []fakex.Post {
	e.t.Helper()
	ctx := context.Background()
	prev := ""
	for i := range n {
		replyTo := ""
		if i%5 == 4 {
			replyTo = prev
		}
		id, err := e.client.CreatePost(ctx, creds, fmt.Sprintf("post %d", i), replyTo)
		if err != nil {
			e.t.Fatalf("post %d: %v", i, err)
		}
		prev = id
		e.advance(time.Minute)
	}
	return e.fake.Posts()
}

// timelineQueries returns the query of every timeline request the fake got.
func (e *env) timelineQueries() []url.Values {
	var out []url.Values
	for _, r := range e.fake.Requests() {
		if r.Method == "GET" && strings.HasSuffix(r.Path, "/tweets") {
			out = append(out, r.Query)
		}
	}
	return out
}

func userID(t *testing.T, e *env, creds xclient.Credentials) string {
	t.Helper()
	me, err := e.client.Me(context.Background(), creds)
	if err != nil {
		t.Fatal(err)
	}
	return me.ID
}

func TestUserPosts(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, fakex.Options{}, nil)
	alice := e.connect("alice")
	aliceID := userID(t, e, alice)
	sent := e.postMany(alice, 250)
	slices.Reverse(sent) // newest first, as X returns them

	t.Run("every page, newest first", func(t *testing.T) {
		before := len(e.timelineQueries())
		got, err := e.client.UserPosts(ctx, alice, aliceID, time.Time{}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 250 {
			t.Fatalf("got %d posts, want 250", len(got))
		}
		for i, p := range got {
			want := sent[i]
			if p.ID != want.ID || p.Text != want.Text || !p.CreatedAt.Equal(want.ReceivedAt) || p.InReplyToID != want.InReplyToID {
				t.Fatalf("post %d = %+v, want %+v", i, p, want)
			}
		}
		if got[0].InReplyToID == "" && got[1].InReplyToID == "" && got[2].InReplyToID == "" && got[3].InReplyToID == "" && got[4].InReplyToID == "" {
			t.Fatal("no thread parts among the posts read")
		}
		qs := e.timelineQueries()[before:]
		if len(qs) != 3 {
			t.Fatalf("%d requests for 250 posts, want 3 pages", len(qs))
		}
		for i, q := range qs {
			if q.Get("max_results") != "100" || q.Get("tweet.fields") != "created_at,referenced_tweets" || q.Has("exclude") || q.Has("start_time") {
				t.Errorf("page %d query = %v", i, q)
			}
			if (i == 0) == q.Has("pagination_token") {
				t.Errorf("page %d: pagination_token %q", i, q.Get("pagination_token"))
			}
		}
	})
	t.Run("maxPages stops early", func(t *testing.T) {
		before := len(e.timelineQueries())
		got, err := e.client.UserPosts(ctx, alice, aliceID, time.Time{}, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 200 || got[199].ID != sent[199].ID || len(e.timelineQueries())-before != 2 {
			t.Fatalf("got %d posts in %d requests", len(got), len(e.timelineQueries())-before)
		}
	})
	t.Run("since", func(t *testing.T) {
		at := sent[40].ReceivedAt // the 41st newest
		before := len(e.timelineQueries())
		for _, tc := range []struct {
			name  string
			since time.Time
			want  int
		}{
			{"exactly at a post", at, 41},
			{"rounded down to the second", at.Add(999 * time.Millisecond), 41},
			{"a second later", at.Add(time.Second), 40},
			{"in another time zone", at.In(time.FixedZone("", -5*3600)), 41},
			{"after everything", sent[0].ReceivedAt.Add(time.Hour), 0},
			{"before X existed", time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC), 250},
		} {
			got, err := e.client.UserPosts(ctx, alice, aliceID, tc.since, 10)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if len(got) != tc.want {
				t.Errorf("%s: %d posts, want %d", tc.name, len(got), tc.want)
			}
		}
		if st := e.timelineQueries()[before].Get("start_time"); st != at.UTC().Format(time.RFC3339) {
			t.Errorf("start_time = %q, want whole seconds in UTC", st)
		}
	})
	t.Run("text as X returns it", func(t *testing.T) {
		const text = "Q&A <live> at https://example.com/live?a=1&b=2 today"
		id, err := e.client.CreatePost(ctx, alice, text, "")
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.client.UserPosts(ctx, alice, aliceID, time.Time{}, 1)
		if err != nil {
			t.Fatal(err)
		}
		if got[0].ID != id || !regexp.MustCompile(`^Q&amp;A &lt;live&gt; at https://t\.co/[A-Za-z0-9]{10} today$`).MatchString(got[0].Text) {
			t.Fatalf("newest post = %+v", got[0])
		}
	})
	t.Run("another user's posts", func(t *testing.T) {
		bob := e.connect("bob")
		got, err := e.client.UserPosts(ctx, bob, aliceID, time.Time{}, 1)
		if err != nil || len(got) != 100 {
			t.Fatalf("bob reading alice: %d posts, %v", len(got), err)
		}
		got, err = e.client.UserPosts(ctx, bob, userID(t, e, bob), time.Time{}, 1)
		if err != nil || len(got) != 0 {
			t.Fatalf("bob's own empty timeline: %v, %v", got, err)
		}
	})
}

func TestUserPostsErrors(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, fakex.Options{}, nil)
	alice := e.connect("alice")
	aliceID := userID(t, e, alice)
	e.postMany(alice, 150) // two pages
	var errs []error

	t.Run("arguments", func(t *testing.T) {
		before := len(e.fake.Requests())
		_, err := e.client.UserPosts(ctx, alice, "me", time.Time{}, 1)
		wantKind(t, err, xclient.BadRequest)
		_, err = e.client.UserPosts(ctx, alice, aliceID, time.Time{}, 0)
		wantKind(t, err, xclient.BadRequest)
		if len(e.fake.Requests()) != before {
			t.Fatal("invalid arguments were sent to X")
		}
	})
	t.Run("unknown user", func(t *testing.T) {
		_, err := e.client.UserPosts(ctx, alice, "123456789", time.Time{}, 1)
		xe := wantKind(t, err, xclient.BadRequest)
		if xe.Detail != "Could not find user with id: [123456789]." || xe.Title != "Not Found Error" || xe.Status != 200 {
			t.Fatalf("%+v", xe)
		}
		errs = append(errs, err)
	})
	t.Run("rate limited on the second page", func(t *testing.T) {
		e.fake.SetRateLimit("alice", 1, 15*time.Minute)
		defer e.fake.SetRateLimit("alice", 0, 0)
		posts, err := e.client.UserPosts(ctx, alice, aliceID, time.Time{}, 5)
		xe := wantKind(t, err, xclient.RateLimited)
		if posts != nil {
			t.Errorf("partial result %d posts with an error", len(posts))
		}
		if want := e.clock().Add(15 * time.Minute); !xe.ResetAt.Equal(want) || !xe.IsRetryable() {
			t.Fatalf("ResetAt = %v, want %v; retryable %v", xe.ResetAt, want, xe.IsRetryable())
		}
		errs = append(errs, err)
	})
	for _, tc := range []struct {
		name  string
		fault fakex.Fault
		kind  xclient.Kind
		retry bool
	}{
		{"app without read access", fakex.Fault{Response: &fakex.Response{Status: 403,
			Body: `{"title":"Forbidden","status":403,"detail":"Your client app is not configured with the appropriate oauth1 app permissions for this endpoint.","type":"https://api.twitter.com/2/problems/oauth1-permissions"}`}},
			xclient.Forbidden, false},
		{"usage capped", fakex.Fault{Response: fakex.UsageCapped()}, xclient.UsageCapped, false},
		{"server error", fakex.Fault{Response: fakex.ServerError(503)}, xclient.ServerError, true},
		// Forever: Go's transport retries a GET once on a reused
		// connection that broke, which is fine for a read.
		{"connection dropped after handling", fakex.Fault{Action: fakex.DropAfterHandling, Times: fakex.Forever}, xclient.Ambiguous, true},
		{"not JSON", fakex.Fault{Response: &fakex.Response{Status: 200, Body: "<html>proxy</html>"}}, xclient.BadResponse, false},
		{"post without id", fakex.Fault{Response: &fakex.Response{Status: 200, Body: `{"data":[{"text":"x","created_at":"2026-03-01T12:00:00.000Z"}],"meta":{"result_count":1}}`}}, xclient.BadResponse, false},
		{"post without created_at", fakex.Fault{Response: &fakex.Response{Status: 200, Body: `{"data":[{"id":"1","text":"x"}],"meta":{"result_count":1}}`}}, xclient.BadResponse, false},
		{"no meta", fakex.Fault{Response: &fakex.Response{Status: 200, Body: `{}`}}, xclient.BadResponse, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.fault.PathPrefix = "/2/users/"
			e.fake.Inject(tc.fault)
			_, err := e.client.UserPosts(ctx, alice, aliceID, time.Time{}, 5)
			e.fake.ClearFaults()
			if xe := wantKind(t, err, tc.kind); xe.IsRetryable() != tc.retry {
				t.Fatalf("IsRetryable = %v: %v", xe.IsRetryable(), err)
			}
			errs = append(errs, err)
		})
	}
	t.Run("revoked", func(t *testing.T) {
		e.fake.Revoke("alice")
		_, err := e.client.UserPosts(ctx, alice, aliceID, time.Time{}, 5)
		if xe := wantKind(t, err, xclient.Unauthorized); xe.Status != 401 {
			t.Fatalf("%+v", xe)
		}
		errs = append(errs, err)
	})

	for _, err := range errs {
		for _, s := range []string{alice.Token, alice.Secret, consumerSecret} {
			if strings.Contains(err.Error(), s) || strings.Contains(fmt.Sprintf("%+v", err), s) {
				t.Errorf("error leaks a credential: %v", err)
			}
		}
	}
	if logs := e.logs.String(); strings.Contains(logs, alice.Token) || strings.Contains(logs, alice.Secret) {
		t.Error("logs leak a credential")
	}
}

// Every page gets the whole per-request timeout, not a share of one.
func TestUserPostsTimeoutPerPage(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, fakex.Options{}, func(c *xclient.Config) { c.Timeout = 400 * time.Millisecond })
	alice := e.connect("alice")
	aliceID := userID(t, e, alice)
	e.postMany(alice, 250) // three pages

	e.fake.SetLatency(200 * time.Millisecond)
	start := time.Now()
	got, err := e.client.UserPosts(ctx, alice, aliceID, time.Time{}, 5)
	if err != nil || len(got) != 250 {
		t.Fatalf("%d posts, %v", len(got), err)
	}
	if d := time.Since(start); d < 600*time.Millisecond {
		t.Fatalf("three slow pages took only %v", d)
	}

	e.fake.SetLatency(time.Second)
	_, err = e.client.UserPosts(ctx, alice, aliceID, time.Time{}, 5)
	xe := wantKind(t, err, xclient.Ambiguous)
	if !errors.Is(err, context.DeadlineExceeded) || !xe.IsRetryable() {
		t.Fatalf("slow page: %v (retryable %v)", err, xe.IsRetryable())
	}
}
