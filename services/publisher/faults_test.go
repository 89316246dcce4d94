package publisher_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/betterplan/betterplan/db/dbq"
	"github.com/betterplan/betterplan/internal/apitest"
	"github.com/betterplan/betterplan/internal/clock"
	"github.com/betterplan/betterplan/internal/credential"
	"github.com/betterplan/betterplan/internal/secretbox"
	"github.com/betterplan/betterplan/services/publisher"
)

// TestUnknownKeyReleasesThePost: a publisher that lacks the key that
// sealed an account's credentials neither fails the post nor touches the
// account: it releases the post for a publisher that has the key and turns
// its /healthz red, saying which key is missing.
func TestUnknownKeyReleasesThePost(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	in := r.connect("ada_x")
	id := r.schedule(in, r.clock.Now(), "sealed with a key this publisher lacks")
	otherKey := make([]byte, 32)
	_, _ = rand.Read(otherKey)
	ring, _ := secretbox.NewKeyring(otherKey)
	keyless := r.publisher(func(c *publisher.Config) { c.Keys = ring })
	r.tick(keyless)

	p := r.get(id)
	wantStatus(t, p, "scheduled", "internal")
	if p.Attempts != 0 || !p.DueAt.After(r.clock.Now()) || p.InFlightPart != nil {
		t.Fatalf("released post: attempts %d, due %v, in flight %v", p.Attempts, p.DueAt, p.InFlightPart)
	}
	integ, err := r.q.IntegrationGetByID(ctx, in)
	if err != nil || integ.Status != "active" || integ.StatusReason != "" {
		t.Fatalf("the account was touched: %+v %v", integ, err)
	}
	if r.tweetRequests() != 0 {
		t.Fatal("X was called")
	}
	srv := httptest.NewServer(keyless.Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), r.keys.CurrentKeyID()) {
		t.Fatalf("healthz %d %s: want 503 naming key id %s", res.StatusCode, body, r.keys.CurrentKeyID())
	}

	// A publisher with the key publishes it once it is due again.
	r.clock.Set(*p.DueAt)
	r.tick(r.publisher())
	wantStatus(t, r.get(id), "published", "")
}

// TestKeyRotation: the start-up check refuses keys that cannot open what
// is stored; reseal moves every credential to the current key, after which
// the old key can go.
func TestKeyRotation(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	in := r.connect("ada_x")
	r.connect("bob_x")
	newKey := make([]byte, 32)
	_, _ = rand.Read(newKey)
	onlyNew, _ := secretbox.NewKeyring(newKey)
	both, _ := secretbox.NewKeyring(newKey, r.keyB64)

	err := credential.CheckKeys(ctx, r.q, onlyNew)
	if err == nil || !strings.Contains(err.Error(), r.keys.CurrentKeyID()) || !strings.Contains(err.Error(), "2 X account(s)") {
		t.Fatalf("start-up check with the wrong key: %v", err)
	}
	if err := credential.CheckKeys(ctx, r.q, both); err != nil {
		t.Fatalf("start-up check with the old key as an old key: %v", err)
	}
	n, err := credential.Reseal(ctx, r.q, both, slog.New(slog.DiscardHandler))
	if err != nil || n != 2 {
		t.Fatalf("reseal: %d, %v", n, err)
	}
	if n, err := credential.Reseal(ctx, r.q, both, slog.New(slog.DiscardHandler)); err != nil || n != 0 {
		t.Fatalf("a second reseal re-sealed %d (%v)", n, err)
	}
	if err := credential.CheckKeys(ctx, r.q, onlyNew); err != nil {
		t.Fatalf("after reseal the new key alone should do: %v", err)
	}
	id := r.schedule(in, r.clock.Now(), "after the rotation")
	r.tick(r.publisher(func(c *publisher.Config) { c.Keys = onlyNew }))
	wantStatus(t, r.get(id), "published", "")
}

// TestClockSkew: a publisher whose clock is 10 minutes fast runs beside a
// correct one. Due times and leases are PostgreSQL's, so nothing goes out
// early and neither takes the other's posts.
func TestClockSkew(t *testing.T) {
	t.Parallel()
	r := newRealTimeRig(t)
	in := r.connect("ada_x")
	r.x.SetLatency(300 * time.Millisecond) // sends outlast nothing but hold leases a while
	fast := r.publisher(func(c *publisher.Config) {
		c.Now = nil
		c.Wall = func() time.Time { return time.Now().Add(10 * time.Minute) }
		c.Lease = 2 * time.Second
	})
	correct := r.publisher(func(c *publisher.Config) { c.Now = nil; c.Lease = 2 * time.Second })
	due := map[string]time.Time{}
	for i := range 40 {
		at := time.Now().Add(time.Second + time.Duration(i)*50*time.Millisecond)
		due[texts("skew", 40)[i]] = at
		r.scheduleAt(in, at, texts("skew", 40)[i])
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 2)
	for _, p := range []*publisher.Publisher{fast, correct} {
		go func() { done <- p.Run(runCtx) }()
	}
	r.waitForPosts(t, 40)
	stop()
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	for _, req := range r.x.Requests() {
		if req.Method != "POST" || req.Path != "/2/tweets" {
			continue
		}
		var body struct{ Text string }
		_ = json.Unmarshal(req.JSON, &body)
		// The fake stamps arrival before its latency: ReceivedAt is X's clock.
		// Wall clocks, as PostgreSQL compares them (Round(0) drops Go's
		// monotonic reading, which drifts from the wall clock when NTP
		// slews it mid-test).
		if req.ReceivedAt.Round(0).Before(due[body.Text].Round(0)) {
			t.Fatalf("%q reached X %v before its time", body.Text, due[body.Text].Sub(req.ReceivedAt))
		}
	}
	if n := r.tweetRequests(); n != 40 {
		t.Fatalf("%d sends for 40 posts: a lease was taken over", n)
	}
	if strings.Contains(r.logs.String(), "recovered a post") {
		t.Fatal("a publisher recovered a live post")
	}
	var published, attempts int
	if err := r.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status = 'published'), coalesce(sum(attempts), 0) FROM posts`).Scan(&published, &attempts); err != nil {
		t.Fatal(err)
	}
	if published != 40 || attempts != 40 {
		t.Fatalf("%d published with %d attempts, want 40 and 40", published, attempts)
	}
}

// TestDatabaseCutMidBurst: PostgreSQL goes away for a moment while posts
// are being sent. Every post that reached X ends published, once; none is
// left unconfirmed.
func TestDatabaseCutMidBurst(t *testing.T) {
	t.Parallel()
	r := newRealTimeRig(t)
	in := r.connect("ada_x")
	proxy, url := apitest.NewProxy(t, r.dbURL)
	pool := apitest.Pool(t, url)
	r.x.SetLatency(50 * time.Millisecond)
	const n = 150
	for i := range n {
		r.scheduleAt(in, time.Now(), texts("burst", n)[i])
	}
	pub := r.publisher(func(c *publisher.Config) {
		c.Pool, c.LoopPool, c.Now, c.Workers, c.Lease = pool, pool, nil, 32, 10*time.Second
	})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- pub.Run(runCtx) }()
	r.waitForPosts(t, 40)
	proxy.Cut()
	time.Sleep(1500 * time.Millisecond)
	proxy.Restore()
	r.waitForPosts(t, n)
	deadline := time.Now().Add(30 * time.Second)
	for {
		var left int
		if err := r.pool.QueryRow(ctx, `SELECT count(*) FROM posts WHERE status <> 'published'`).Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d posts not published 30 s after the database came back", left)
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for text, got := range r.xPosts() {
		if len(got) != 1 {
			t.Fatalf("%q reached X %d times", text, len(got))
		}
	}
	if n := r.tweetRequests(); n != len(r.x.Posts()) {
		t.Fatalf("%d sends for %d posts", n, len(r.x.Posts()))
	}
	if !strings.Contains(r.logs.String(), "database write failed; retrying") {
		t.Fatal("the cut never hit a write: the test proves nothing")
	}
}

// TestHungDatabase: PostgreSQL stops answering (connections stay open)
// while a post is on its way to X. Nothing waits forever: shutdown returns
// within its bound, and once the database is back the post is found on X
// and recorded, not sent again.
func TestHungDatabase(t *testing.T) {
	t.Parallel()
	r := newRealTimeRig(t)
	in := r.connect("ada_x")
	proxy, url := apitest.NewProxy(t, r.dbURL)
	pool := apitest.Pool(t, url)
	pub := r.publisher(func(c *publisher.Config) {
		c.Pool, c.LoopPool, c.Now, c.Lease, c.SafetyPoll = pool, pool, nil, 2*time.Second, 200*time.Millisecond
		c.StatementTimeout, c.ShutdownTimeout = time.Second, 3*time.Second
	})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- pub.Run(runCtx) }()
	r.x.SetLatency(800 * time.Millisecond)
	id := r.scheduleAt(in, time.Now(), "sent while the database hangs")
	for deadline := time.Now().Add(10 * time.Second); r.x.InFlight(strings.TrimPrefix(r.xURL, "http://")) == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the post never reached X")
		}
	}
	proxy.Freeze()
	time.Sleep(time.Second) // X answers; the worker's write and the loop's poll meet the hang
	stopped := time.Now()
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10 s of shutdown while the database hung")
	}
	t.Logf("shutdown took %v with the database hung", time.Since(stopped).Round(time.Millisecond))
	if !strings.Contains(r.logs.String(), "could not be recorded") {
		t.Fatal("the hang never hit the worker's write: the test proves nothing")
	}
	// Statements held during the hang reach PostgreSQL now; the post's
	// lease ends, and the next publisher finds the part on X.
	proxy.Restore()
	time.Sleep(2500 * time.Millisecond)
	r.x.SetLatency(0)
	r.tick(r.publisher(func(c *publisher.Config) { c.Now = clock.Real }))
	p := r.get(id)
	wantStatus(t, p, "published", "")
	if got := r.xPosts()[p.Parts[0]]; len(got) != 1 || got[0].ID != p.XPostIds[0] || r.tweetRequests() != 1 {
		t.Fatalf("X has %+v from %d sends, the post saved %v", got, r.tweetRequests(), p.XPostIds)
	}
}

// scheduleAt inserts a post due at the real time at (for publishers on the
// database's clock).
func (r *rig) scheduleAt(integrationID string, at time.Time, parts ...string) string {
	r.t.Helper()
	row, err := r.q.PostCreate(ctx, dbq.PostCreateParams{
		ID: ulid.Make().String(), WorkspaceID: r.userID, IntegrationID: &integrationID, Status: "scheduled",
		Parts: parts, IsThread: len(parts) > 1, ScheduledAt: &at, DueAt: &at,
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return row.ID
}
