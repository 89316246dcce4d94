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

func TestPublishesOnTimeAndNotBefore(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	in := r.connect("ada_x")
	now := r.clock.Now()
	due := r.schedule(in, now, "hello now")
	later := r.schedule(in, now.Add(time.Hour), "hello later")
	pub := r.publisher()

	r.tick(pub)
	p := r.get(due)
	wantStatus(t, p, "published", "")
	if len(p.XPostIds) != 1 || p.XUsername != "ada_x" || p.PublishedAt == nil || !p.PublishedAt.Equal(now) {
		t.Fatalf("published post: %+v", p)
	}
	got := r.xPosts()["hello now"]
	if len(got) != 1 || got[0].ID != p.XPostIds[0] || got[0].Username != "ada_x" {
		t.Fatalf("X received %+v", got)
	}
	wantStatus(t, r.get(later), "scheduled", "")
	if len(r.xPosts()["hello later"]) != 0 {
		t.Fatal("published an hour early")
	}

	r.clock.Advance(time.Hour - time.Millisecond)
	r.tick(pub)
	wantStatus(t, r.get(later), "scheduled", "")
	r.clock.Advance(time.Millisecond)
	r.tick(pub)
	wantStatus(t, r.get(later), "published", "")
	if r.tweetRequests() != 2 {
		t.Fatalf("%d POST /2/tweets, want 2", r.tweetRequests())
	}
}

func TestThreadGoesOutInOrder(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	in := r.connect("ada_x")
	parts := texts("thread", 5)
	id := r.schedule(in, r.clock.Now(), parts...)
	r.tick(r.publisher())
	p := r.get(id)
	wantStatus(t, p, "published", "")
	if len(p.XPostIds) != 5 {
		t.Fatalf("saved %d ids", len(p.XPostIds))
	}
	x := r.xPosts()
	for i, text := range parts {
		got := x[text]
		if len(got) != 1 || got[0].ID != p.XPostIds[i] {
			t.Fatalf("part %d on X: %+v", i+1, got)
		}
		wantReply := ""
		if i > 0 {
			wantReply = p.XPostIds[i-1]
		}
		if got[0].InReplyToID != wantReply {
			t.Fatalf("part %d replies to %q, want %q", i+1, got[0].InReplyToID, wantReply)
		}
	}
}

func TestEditRescheduleAndDeleteOfDuePostsTakeEffect(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	in := r.connect("ada_x")
	at := r.clock.Now().Add(time.Minute)
	edited := r.schedule(in, at, "first draft")
	moved := r.schedule(in, at, "moved")
	deleted := r.schedule(in, at, "deleted")

	// The person edits all three a moment before they are due.
	p := r.get(edited)
	if _, err := r.q.PostUpdate(ctx, dbq.PostUpdateParams{ID: edited, WorkspaceID: r.userID, Version: p.Version,
		Parts: []string{"final text"}, PartMedia: []string{}, Status: "scheduled", ScheduledAt: &at, DueAt: &at, Now: r.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	tomorrow := at.Add(24 * time.Hour)
	p = r.get(moved)
	if _, err := r.q.PostUpdate(ctx, dbq.PostUpdateParams{ID: moved, WorkspaceID: r.userID, Version: p.Version,
		Parts: p.Parts, PartMedia: p.PartMedia, Status: "scheduled", ScheduledAt: &tomorrow, DueAt: &tomorrow, Now: r.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.q.PostDelete(ctx, dbq.PostDeleteParams{ID: deleted, WorkspaceID: r.userID}); err != nil {
		t.Fatal(err)
	}

	r.clock.Advance(time.Minute)
	r.tick(r.publisher())
	x := r.xPosts()
	if len(x["final text"]) != 1 || len(x["first draft"]) != 0 {
		t.Fatalf("the edit did not take effect: %v", x)
	}
	if len(x["moved"]) != 0 || len(x["deleted"]) != 0 {
		t.Fatalf("a rescheduled or deleted post went out: %v", x)
	}
	wantStatus(t, r.get(moved), "scheduled", "")
}

func TestUnauthorizedNeedsReconnectWithoutRetryStorm(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	in := r.connect("ada_x")
	first := r.schedule(in, r.clock.Now(), "one")
	r.x.Revoke("ada_x")
	pub := r.publisher()
	r.tick(pub)
	p := r.get(first)
	wantStatus(t, p, "failed", "reconnect_required")
	if p.LastErrorXStatus != 401 || p.LastErrorXTitle != "Unauthorized" {
		t.Fatalf("X's own answer not kept: %d %q", p.LastErrorXStatus, p.LastErrorXTitle)
	}
	integ, _ := r.q.IntegrationGetByID(ctx, in)
	if integ.Status != "needs_reconnect" || integ.StatusReason == "" {
		t.Fatalf("integration %s (%q)", integ.Status, integ.StatusReason)
	}
	// Later posts of that account fail at their time without calling X.
	for i := range 3 {
		r.schedule(in, r.clock.Now().Add(time.Duration(i+1)*time.Minute), "more")
	}
	r.clock.Advance(5 * time.Minute)
	r.tick(pub)
	if n := r.tweetRequests(); n != 1 {
		t.Fatalf("%d calls to X after the 401, want only the first", n)
	}
}

func TestXRejections(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	in := r.connect("ada_x")
	pub := r.publisher()
	cases := []struct {
		fault  *fakex.Response
		kind   dbq.PostErrorKind
		status int32
	}{
		{fakex.Duplicate(), "duplicate", 403},
		{fakex.Forbidden(), "rejected", 403},
		{fakex.BadRequest(), "rejected", 400},
		{fakex.UsageCapped(), "usage_capped", 429},
	}
	for _, tc := range cases {
		r.x.Inject(fakex.Fault{PathPrefix: "/2/tweets", Response: tc.fault})
		id := r.schedule(in, r.clock.Now(), "text for "+string(tc.kind))
		r.tick(pub)
		p := r.get(id)
		wantStatus(t, p, "failed", tc.kind)
		if p.LastErrorXStatus != tc.status || p.LastErrorXDetail == "" {
			t.Fatalf("%s: X status %d detail %q", tc.kind, p.LastErrorXStatus, p.LastErrorXDetail)
		}
	}
}

func TestRateLimitDefersOnlyThatAccount(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	a := r.connect("ada_a")
	b := r.connect("bob_b")
	r.x.SetRateLimit("ada_a", 1, 15*time.Minute)
	pub := r.publisher(func(c *publisher.Config) { c.Workers = 1 }) // one at a time: a deterministic order
	now := r.clock.Now()
	a1 := r.schedule(a, now, "a1")
	a2 := r.schedule(a, now.Add(time.Millisecond), "a2")
	a3 := r.schedule(a, now.Add(2*time.Minute), "a3")
	b1 := r.schedule(b, now.Add(2*time.Millisecond), "b1")
	r.clock.Advance(2 * time.Millisecond)
	r.tick(pub)

	wantStatus(t, r.get(a1), "published", "")
	wantStatus(t, r.get(b1), "published", "")
	p := r.get(a2)
	wantStatus(t, p, "scheduled", "rate_limited")
	reset := *p.DueAt
	if !reset.After(now.Add(10*time.Minute)) || p.Attempts != 0 {
		t.Fatalf("a2 waits until %v with %d attempts counted", reset, p.Attempts)
	}
	// a3 (due before the reset) waits too, without asking X.
	if got := r.get(a3); !got.DueAt.Equal(reset) {
		t.Fatalf("a3 due %v, want the reset %v", got.DueAt, reset)
	}
	b2 := r.schedule(b, r.clock.Now().Add(time.Minute), "b2")
	r.clock.Advance(3 * time.Minute)
	before := r.tweetRequests()
	r.tick(pub)
	wantStatus(t, r.get(b2), "published", "")
	if r.tweetRequests() != before+1 {
		t.Fatal("the rate-limited account was called again before its reset")
	}
	// At the reset X allows one more (the limit is 1 per window): one goes,
	// the other waits for the next window, and both are out after it.
	r.clock.Set(reset)
	r.tick(pub)
	published := 0
	var waiting dbq.Post
	for _, id := range []string{a2, a3} {
		if p := r.get(id); p.Status == "published" {
			published++
		} else {
			waiting = p
		}
	}
	if published != 1 || waiting.Status != "scheduled" || !waiting.DueAt.After(reset) {
		t.Fatalf("after the reset: %d published, the other %s due %v", published, waiting.Status, waiting.DueAt)
	}
	r.clock.Set(*waiting.DueAt)
	r.tick(pub)
	wantStatus(t, r.get(a2), "published", "")
	wantStatus(t, r.get(a3), "published", "")
	if n := len(r.xPosts()); n != 5 {
		t.Fatalf("X has %d posts, want 5", n)
	}
}

func TestServerErrorsRetryWithBackoffThenFail(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	in := r.connect("ada_x")
	r.x.Inject(fakex.Fault{PathPrefix: "/2/tweets", Times: fakex.Forever, Response: fakex.ServerError(503)})
	pub := r.publisher(func(c *publisher.Config) { c.RetryBase = 10 * time.Second; c.MaxAttempts = 4 })
	id := r.schedule(in, r.clock.Now(), "flaky")
	for attempt := 1; attempt <= 3; attempt++ {
		r.tick(pub)
		p := r.get(id)
		wantStatus(t, p, "scheduled", "x_unavailable")
		wait := p.DueAt.Sub(r.clock.Now())
		base := 10 * time.Second << (attempt - 1)
		if p.Attempts != int32(attempt) || wait < base*8/10 || wait > base*12/10 {
			t.Fatalf("attempt %d: attempts %d, next in %v (want %v ±20%%)", attempt, p.Attempts, wait, base)
		}
		// X may have created the post before answering 503: it stays in
		// doubt, and X is read before every resend.
		if p.InFlightPart == nil {
			t.Fatalf("attempt %d: a 5xx left nothing in doubt", attempt)
		}
		if reads := r.timelineReads(); reads != attempt-1 {
			t.Fatalf("attempt %d: %d reads of X before resending, want %d", attempt, reads, attempt-1)
		}
		r.clock.Set(*p.DueAt)
	}
	r.tick(pub) // the 4th and last send: 503 again; one more look at X follows
	p := r.get(id)
	wantStatus(t, p, "scheduled", "x_unavailable")
	r.clock.Set(*p.DueAt)
	r.tick(pub)
	p = r.get(id)
	wantStatus(t, p, "failed", "x_unavailable")
	if !strings.Contains(p.LastErrorMessage, "not on X") || p.InFlightPart != nil {
		t.Fatalf("the failure does not say X was checked: %q (in flight %v)", p.LastErrorMessage, p.InFlightPart)
	}
	if r.tweetRequests() != 4 || r.timelineReads() != 4 {
		t.Fatalf("%d sends and %d reads, want 4 and 4", r.tweetRequests(), r.timelineReads())
	}
	// X recovers; the person retries (PostRetry) and it goes out.
	r.x.ClearFaults()
	if _, err := r.q.PostRetry(ctx, dbq.PostRetryParams{ID: id, WorkspaceID: r.userID, Now: r.clock.DB()}); err != nil {
		t.Fatal(err)
	}
	r.tick(pub)
	wantStatus(t, r.get(id), "published", "")
	if n := len(r.xPosts()["flaky"]); n != 1 {
		t.Fatalf("X has the post %d times", n)
	}
}

func TestUnreachableXIsRetried(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	in := r.connect("ada_x")
	r.xURL = "http://127.0.0.1:1" // nothing listens there
	id := r.schedule(in, r.clock.Now(), "nowhere")
	r.tick(r.publisher())
	p := r.get(id)
	wantStatus(t, p, "scheduled", "x_unavailable")
	if p.InFlightPart != nil {
		t.Fatal("a send that never left is still marked in flight")
	}
}

// TestUnknownOutcomesAreSettledByReadingX: whatever broke the answer, the
// post ends published exactly once, found on X or sent again.
func TestUnknownOutcomesAreSettledByReadingX(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	in := r.connect("ada_x")
	pub := r.publisher()
	r.x.Inject(fakex.Fault{PathPrefix: "/2/tweets", Action: fakex.DropAfterHandling})
	dropped := r.schedule(in, r.clock.Now(), "dropped after posting")
	r.tick(pub)
	r.x.Inject(fakex.Fault{PathPrefix: "/2/tweets", Action: fakex.Hang})
	hung := r.schedule(in, r.clock.Now(), "hung")
	r.tick(pub) // the client's 2 s timeout ends it
	r.x.Inject(fakex.Fault{PathPrefix: "/2/tweets", Action: fakex.DropBeforeHandling})
	lost := r.schedule(in, r.clock.Now(), "lost before X handled it")
	r.tick(pub)
	for _, id := range []string{dropped, hung, lost} {
		p := r.get(id)
		wantStatus(t, p, "scheduled", "unconfirmed")
		if p.InFlightPart == nil || !strings.Contains(p.LastErrorMessage, "checks X") {
			t.Fatalf("post %s: in flight %v, message %q", id, p.InFlightPart, p.LastErrorMessage)
		}
	}
	if r.timelineReads() != 0 {
		t.Fatal("X was read before the recheck time")
	}

	r.clock.Advance(5 * time.Second)
	r.tick(pub)
	if n := r.timelineReads(); n != 1 {
		t.Fatalf("%d reads of X for three posts of one account, want 1", n)
	}
	x := r.xPosts()
	for _, id := range []string{dropped, hung, lost} {
		p := r.get(id)
		wantStatus(t, p, "published", "")
		got := x[p.Parts[0]]
		if len(got) != 1 || got[0].ID != p.XPostIds[0] {
			t.Fatalf("%q: X has %+v, the post saved %v", p.Parts[0], got, p.XPostIds)
		}
	}
	// Sent once each, and the one X never handled once more.
	if n := r.tweetRequests(); n != 4 {
		t.Fatalf("%d sends, want 4", n)
	}
}

func TestMissedWindow(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	in := r.connect("ada_x")
	stale := r.schedule(in, r.clock.Now().Add(-25*time.Hour), "yesterday's news")
	late := r.schedule(in, r.clock.Now().Add(-23*time.Hour), "late but fine")
	r.tick(r.publisher())
	wantStatus(t, r.get(stale), "failed", "missed")
	wantStatus(t, r.get(late), "published", "")
	if len(r.xPosts()["yesterday's news"]) != 0 {
		t.Fatal("a post 25 hours late was published")
	}
}

func TestTwoPublishersPublishEachPostOnce(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ins := []string{r.connect("ada_a"), r.connect("bob_b")}
	r.x.SetLatency(2 * time.Millisecond)
	const n = 200
	for i := range n {
		r.schedule(ins[i%2], r.clock.Now(), texts("post", n)[i])
	}
	a, b := r.publisher(), r.publisher()
	var wg sync.WaitGroup
	for _, p := range []*publisher.Publisher{a, b} {
		wg.Add(1)
		go func() { defer wg.Done(); r.tick(p) }()
	}
	wg.Wait()
	x := r.xPosts()
	if len(x) != n {
		t.Fatalf("X has %d distinct posts, want %d", len(x), n)
	}
	for text, got := range x {
		if len(got) != 1 {
			t.Fatalf("%q published %d times", text, len(got))
		}
	}
	if r.tweetRequests() != n {
		t.Fatalf("%d sends for %d posts", r.tweetRequests(), n)
	}
}

func TestRecoveryAfterACrash(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	in := r.connect("ada_x")
	pub := r.publisher()
	thread := r.schedule(in, r.clock.Now(), texts("resumed", 4)...)
	onX := r.schedule(in, r.clock.Now(), texts("on x", 3)...)
	notOnX := r.schedule(in, r.clock.Now(), texts("not on x", 3)...)
	// What a publisher killed mid-thread leaves: parts 1-2 on X and saved;
	// for `thread` nothing in flight; for the others part 3 in flight, which
	// reached X for `onX` (the answer was lost with the process) and not
	// for `notOnX`.
	crash := func(id, prefix string, inFlight *int32, sendThird bool) []string {
		var ids []string
		for i := range 2 {
			ids = append(ids, r.sendDirect(in, texts(prefix, 3)[i], ids))
		}
		if sendThird {
			r.sendDirect(in, texts(prefix, 3)[2], ids)
		}
		if _, err := r.pool.Exec(ctx, `UPDATE posts SET status = 'publishing', due_at = NULL, lease_owner = 'dead',
			lease_expires_at = $2, x_post_ids = $3, x_username = 'ada_x', in_flight_part = $4, in_flight_since = $5, attempts = 1 WHERE id = $1`,
			id, r.clock.Now().Add(time.Second), ids, inFlight, r.clock.Now()); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	two := int32(2)
	threadIDs := crash(thread, "resumed", nil, false)
	crash(onX, "on x", &two, true)
	crash(notOnX, "not on x", &two, false)
	sends := r.tweetRequests()

	r.tick(pub) // leases still valid: nothing happens
	wantStatus(t, r.get(thread), "publishing", "")
	r.clock.Advance(2 * time.Second)
	r.tick(pub)

	p := r.get(thread)
	wantStatus(t, p, "published", "")
	if len(p.XPostIds) != 4 || p.XPostIds[0] != threadIDs[0] || p.XPostIds[1] != threadIDs[1] {
		t.Fatalf("resumed thread ids %v", p.XPostIds)
	}
	x := r.xPosts()
	if got := x["resumed part 3"]; len(got) != 1 || got[0].InReplyToID != threadIDs[1] {
		t.Fatalf("part 3 after resume: %+v", got)
	}
	for _, id := range []string{thread, onX, notOnX} {
		p := r.get(id)
		wantStatus(t, p, "published", "")
		for i, text := range p.Parts {
			if got := x[text]; len(got) != 1 || got[0].ID != p.XPostIds[i] {
				t.Fatalf("%q: X has %+v, the post saved %v", text, got, p.XPostIds)
			}
		}
	}
	// Sent: parts 3 and 4 of the thread, part 3 of notOnX. Read: X once.
	if n := r.tweetRequests() - sends; n != 3 {
		t.Fatalf("%d sends after the crash, want 3", n)
	}
	if n := r.timelineReads(); n != 1 {
		t.Fatalf("%d reads of X, want 1", n)
	}
}

// sendDirect posts text to the fake as the account would (reply to the last of ids).
func (r *rig) sendDirect(integrationID, text string, ids []string) string {
	r.t.Helper()
	row, err := r.q.IntegrationGetByID(ctx, integrationID)
	if err != nil {
		r.t.Fatal(err)
	}
	creds, err := openCreds(r, row)
	if err != nil {
		r.t.Fatal(err)
	}
	reply := ""
	if len(ids) > 0 {
		reply = ids[len(ids)-1]
	}
	id, err := r.client().CreatePost(ctx, creds, text, reply)
	if err != nil {
		r.t.Fatal(err)
	}
	return id
}
