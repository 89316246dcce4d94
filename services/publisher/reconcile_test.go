package publisher_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/betterplan/betterplan/db/dbq"
	"github.com/betterplan/betterplan/internal/fakex"
	"github.com/betterplan/betterplan/services/publisher"
)

// TestXCreatedThePostAndAnswered5xx: X created the post and still answered
// 503. The post is not sent again blindly: X is read, the post is found and
// recorded; a thread goes on with the next part.
func TestXCreatedThePostAndAnswered5xx(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ada, bob := r.connect("ada_x"), r.connect("bob_x")
	pub := r.publisher()
	created503 := fakex.Fault{Method: "POST", PathPrefix: "/2/tweets", Action: fakex.RespondAfterHandling, Response: fakex.ServerError(503)}
	r.x.Inject(created503)
	single := r.schedule(ada, r.clock.Now(), "created, then 503")
	r.tick(pub)
	// The thread's part 2 meets the same: inject the fault as part 1 is created.
	thread := r.schedule(bob, r.clock.Now(), texts("thread", 3)...)
	r.onPost.Store(new(func(p fakex.Post) {
		if p.Text == "thread part 1" {
			r.x.Inject(created503)
		}
	}))
	r.tick(pub)
	r.onPost.Store(nil)
	for _, id := range []string{single, thread} {
		p := r.get(id)
		wantStatus(t, p, "scheduled", "x_unavailable")
		if p.InFlightPart == nil {
			t.Fatalf("post %s: a 503 left nothing in doubt", id)
		}
	}

	r.clock.Advance(time.Hour)
	r.tick(pub)
	x := r.xPosts()
	for _, id := range []string{single, thread} {
		p := r.get(id)
		wantStatus(t, p, "published", "")
		for i, text := range p.Parts {
			got := x[text]
			if len(got) != 1 || got[0].ID != p.XPostIds[i] {
				t.Fatalf("%q: X has %+v, the post saved %v", text, got, p.XPostIds)
			}
			if i > 0 && got[0].InReplyToID != p.XPostIds[i-1] {
				t.Fatalf("%q replies to %s", text, got[0].InReplyToID)
			}
		}
	}
	// single: 1 send; thread: parts 1, 2, then 3 after the check. One read per account.
	if n, reads := r.tweetRequests(), r.timelineReads(); n != 4 || reads != 2 {
		t.Fatalf("%d sends and %d reads, want 4 and 2", n, reads)
	}
}

// TestOneReadPerAccount: posts in doubt are settled with one read of X per
// account, not one per post.
func TestOneReadPerAccount(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	accounts := []string{r.connect("ada_x"), r.connect("bob_x")}
	r.x.Inject(fakex.Fault{Method: "POST", PathPrefix: "/2/tweets", Action: fakex.DropAfterHandling, Times: 10})
	var ids []string
	for i := range 20 {
		ids = append(ids, r.schedule(accounts[i%2], r.clock.Now(), texts("post", 20)[i]))
	}
	pub := r.publisher(func(c *publisher.Config) { c.Workers = 64 })
	r.tick(pub)
	r.clock.Advance(time.Minute)
	r.tick(pub)
	x := r.xPosts()
	for _, id := range ids {
		p := r.get(id)
		wantStatus(t, p, "published", "")
		if got := x[p.Parts[0]]; len(got) != 1 || got[0].ID != p.XPostIds[0] {
			t.Fatalf("%q: X has %+v, saved %v", p.Parts[0], got, p.XPostIds)
		}
	}
	if reads := r.timelineReads(); reads != 2 {
		t.Fatalf("%d reads of X for 10 posts in doubt on 2 accounts, want 2", reads)
	}
}

// TestUnreadableX: when X cannot be read, a post in doubt is left to a
// person (unconfirmed, saying why and what to check) instead of being sent
// twice; a plain retry checks X again, and X's rate limit is waited out.
func TestUnreadableX(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	in := r.connect("ada_x")
	pub := r.publisher()
	r.x.Inject(fakex.Fault{Method: "POST", PathPrefix: "/2/tweets", Action: fakex.DropAfterHandling})
	id := r.schedule(in, r.clock.Now(), "is it there?")
	r.tick(pub)

	// X's read limit: the post waits for the reset, uncounted.
	reset := r.clock.Now().Add(10 * time.Minute).Truncate(time.Second)
	r.x.Inject(fakex.Fault{Method: "GET", PathPrefix: "/2/users/", Response: fakex.RateLimited(reset)})
	r.clock.Advance(time.Minute)
	r.tick(pub)
	p := r.get(id)
	wantStatus(t, p, "scheduled", "rate_limited")
	if !p.DueAt.Equal(reset) || p.Attempts != 1 || p.InFlightPart == nil {
		t.Fatalf("due %v (want %v), attempts %d, in flight %v", p.DueAt, reset, p.Attempts, p.InFlightPart)
	}

	// No read access: unconfirmed, with the reason and what to do.
	r.x.Inject(fakex.Fault{Method: "GET", PathPrefix: "/2/users/", Response: fakex.Forbidden()})
	r.clock.Set(reset)
	r.tick(pub)
	p = r.get(id)
	wantStatus(t, p, "unconfirmed", "unconfirmed")
	for _, want := range []string{"could not read @ada_x's posts", "https://x.com/ada_x", "retry with force"} {
		if !strings.Contains(p.LastErrorMessage, want) {
			t.Fatalf("message %q lacks %q", p.LastErrorMessage, want)
		}
	}
	if p.LastErrorXStatus != 403 {
		t.Fatalf("X's answer not kept: %d", p.LastErrorXStatus)
	}
	r.clock.Advance(48 * time.Hour)
	r.tick(pub)
	if n := r.tweetRequests(); n != 1 {
		t.Fatalf("%d sends: an unconfirmed post went out again on its own", n)
	}

	// The person retries without force: X is read again, the post found.
	if _, err := r.q.PostRetry(ctx, dbq.PostRetryParams{ID: id, WorkspaceID: r.userID, Now: r.clock.DB()}); err != nil {
		t.Fatal(err)
	}
	r.tick(pub)
	p = r.get(id)
	wantStatus(t, p, "published", "")
	if got := r.xPosts()["is it there?"]; len(got) != 1 || got[0].ID != p.XPostIds[0] || r.tweetRequests() != 1 {
		t.Fatalf("X has %+v, saved %v, %d sends", got, p.XPostIds, r.tweetRequests())
	}
}

// TestLeaseLostWhileSending: a publisher stalls mid-send past its lease;
// another takes the post over. The post ends published once, with the id
// of the post X created, and the stalled publisher notices it lost the post.
func TestLeaseLostWhileSending(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	in := r.connect("ada_x")
	slow := r.publisher(func(c *publisher.Config) { c.Lease = 10 * time.Second })
	other := r.publisher(func(c *publisher.Config) { c.Lease = 10 * time.Second })
	id := r.schedule(in, r.clock.Now(), "slow to answer")
	r.x.SetLatency(400 * time.Millisecond)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); r.tick(slow) }()
	deadline := time.Now().Add(5 * time.Second)
	for r.x.InFlight(strings.TrimPrefix(r.xURL, "http://")) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the send never reached X")
		}
		time.Sleep(time.Millisecond)
	}
	// The lease ends while X is still working on the request.
	r.clock.Advance(11 * time.Second)
	r.tick(other)
	wg.Wait()
	r.x.SetLatency(0)
	if !strings.Contains(r.logs.String(), "lease lost") {
		t.Fatal("the stalled publisher did not notice it lost the post")
	}
	// Whatever the order of the two sends, X has the text once and the
	// post ends published with that id (at most one more look at X).
	r.clock.Advance(time.Minute)
	r.tick(other)
	p := r.get(id)
	wantStatus(t, p, "published", "")
	if got := r.xPosts()["slow to answer"]; len(got) != 1 || got[0].ID != p.XPostIds[0] {
		t.Fatalf("X has %+v, the post saved %v", got, p.XPostIds)
	}
}

// TestDisconnectMidThread: once the account is disconnected, no further
// part goes out, and the post says what was published before it stopped.
func TestDisconnectMidThread(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	in := r.connect("ada_x")
	id := r.schedule(in, r.clock.Now(), texts("thread", 4)...)
	r.onPost.Store(new(func(p fakex.Post) {
		if p.Text == "thread part 2" { // the person disconnects while part 2 is being created
			if _, err := r.q.IntegrationDelete(ctx, dbq.IntegrationDeleteParams{ID: in, WorkspaceID: r.userID}); err != nil {
				t.Error(err)
			}
		}
	}))
	r.tick(r.publisher())
	p := r.get(id)
	wantStatus(t, p, "failed", "integration_disconnected")
	if len(p.XPostIds) != 2 {
		t.Fatalf("saved %d parts, want the 2 that went out", len(p.XPostIds))
	}
	for _, want := range []string{"part 3 and later were not sent", "Parts 1-2 are on X", p.XPostIds[1]} {
		if !strings.Contains(p.LastErrorMessage, want) {
			t.Fatalf("message %q lacks %q", p.LastErrorMessage, want)
		}
	}
	if n := len(r.xPosts()); n != 2 || r.tweetRequests() != 2 {
		t.Fatalf("X got %d posts from %d sends after the disconnect, want 2 and 2", n, r.tweetRequests())
	}
}

// TestDoubtfulPostTooLateIsNotSent: a post in doubt from a publisher that
// died more than a day ago is looked up on X; not there, it fails as
// missed instead of going out a day late.
func TestDoubtfulPostTooLateIsNotSent(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	in := r.connect("ada_x")
	id := r.schedule(in, r.clock.Now().Add(-25*time.Hour), "yesterday's news")
	if _, err := r.pool.Exec(ctx, `UPDATE posts SET in_flight_part = 0, in_flight_since = $2 WHERE id = $1`,
		id, r.clock.Now().Add(-25*time.Hour)); err != nil {
		t.Fatal(err)
	}
	r.tick(r.publisher())
	p := r.get(id)
	wantStatus(t, p, "failed", "missed")
	if r.tweetRequests() != 0 || r.timelineReads() != 1 {
		t.Fatalf("%d sends and %d reads, want 0 and 1", r.tweetRequests(), r.timelineReads())
	}
}
