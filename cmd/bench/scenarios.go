package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/betterplan/betterplan/internal/mediainfo/mediatest"
)

// scenario is one row of the table, with the targets of issue 4 (zero:
// no target for that column).
type scenario struct {
	name, about string
	run         func(context.Context, *world) (result, error)

	burst    bool // all due at once: drain and posts/s measure the publisher
	replicas int  // publisher processes (0: one)
	bouncer  bool // through PgBouncer in transaction mode

	lagP99   time.Duration // p99 of arrival at X − scheduled time
	drainMax time.Duration // last post created on X − first due time
	qpsMax   float64       // publisher statements per second
	cpuMax   float64       // CPU seconds over the window, publisher and PostgreSQL each
}

var scenarios = []scenario{
	{name: "spread", about: "3,000 posts spread uniformly over one minute, created before they are due",
		run: runSpread, lagP99: 20 * time.Millisecond},
	{name: "short-lead", about: "10 posts/s for 30 s, each due 1 s after it is created",
		run: runShortLead, lagP99: 20 * time.Millisecond},
	{name: "burst", about: "10,000 posts due at the same second",
		run: runBurst, drainMax: 2500 * time.Millisecond},
	{name: "media", about: "200 posts with an image each and 10 with a 20 MB video, due over one minute, created a minute before the first (the pre-upload's 15-minute horizon holds them all)",
		run: runMedia, lagP99: 20 * time.Millisecond},
	// Scale-out: the same burst shared by replicas (the posts each sent are
	// in the details), and through a pooler.
	{name: "burst-2", about: "the burst, 2 publisher replicas", run: runBurst, replicas: 2},
	{name: "burst-3", about: "the burst, 3 publisher replicas", run: runBurst, replicas: 3},
	{name: "burst-pgbouncer", about: "the burst, the publisher's pools through PgBouncer in transaction mode (LISTEN direct)", run: runBurst, bouncer: true},
	// "Almost no CPU": at most 1% of one core over the window.
	{name: "idle", about: "100,000 posts due tomorrow, nothing due, measured for 30 s",
		run: runIdle, qpsMax: 1, cpuMax: 0.01 * idleWindow.Seconds()},
}

// peerScenarios are those a peer can run: text posts (the peer does no
// media), the targets left to the ratio.
var peerScenarios = []scenario{
	{name: "spread", about: aboutScenario("spread"), run: runSpread},
	{name: "short-lead", about: aboutScenario("short-lead"), run: runShortLead},
	{name: "burst", about: aboutScenario("burst"), run: runBurst, burst: true},
	{name: "idle", about: aboutScenario("idle"), run: runIdle},
}

// aboutScenario is the description of the scenario called name.
func aboutScenario(name string) string {
	for _, sc := range scenarios {
		if sc.name == name {
			return sc.about
		}
	}
	panic("bench: no scenario " + name)
}

const idleWindow = 30 * time.Second

func runSpread(ctx context.Context, w *world) (result, error) {
	const n = 3000
	if err := w.warmUp(ctx); err != nil {
		return result{}, err
	}
	// Far enough ahead for the COPY to finish well before the first is due.
	first := time.Now().Add(3 * time.Second).Truncate(time.Millisecond)
	posts := make([]plannedPost, n)
	for i := range posts {
		posts[i] = plannedPost{text: fmt.Sprintf("spread %d", i), due: first.Add(time.Duration(i) * time.Minute / n)}
	}
	if err := w.copyPosts(ctx, posts); err != nil {
		return result{}, err
	}
	if err := sleepUntil(ctx, first.Add(-100*time.Millisecond)); err != nil {
		return result{}, err
	}
	return w.drain(ctx, "spread ", posts, nil, 10*time.Second)
}

func runShortLead(ctx context.Context, w *world) (result, error) {
	const rate, seconds = 10, 30
	if err := w.warmUp(ctx); err != nil {
		return result{}, err
	}
	var posts []plannedPost
	create := func() error {
		tick := time.NewTicker(time.Second / rate)
		defer tick.Stop()
		for i := range rate * seconds {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-tick.C:
			}
			// PostgreSQL keeps microseconds: truncate so the lag is exact.
			created := time.Now().Truncate(time.Microsecond)
			p := plannedPost{text: fmt.Sprintf("short lead %d", i), due: created.Add(time.Second)}
			if err := w.insertPost(ctx, i, p, created); err != nil {
				return err
			}
			posts = append(posts, p)
		}
		return nil
	}
	return w.drain(ctx, "short lead ", nil, func() ([]plannedPost, error) { return posts, create() }, 10*time.Second)
}

func runBurst(ctx context.Context, w *world) (result, error) {
	const n = 10000
	if err := w.warmUp(ctx); err != nil {
		return result{}, err
	}
	due := time.Now().Add(3 * time.Second).Truncate(time.Second).Add(time.Second)
	posts := make([]plannedPost, n)
	for i := range posts {
		posts[i] = plannedPost{text: fmt.Sprintf("burst %d", i), due: due}
	}
	if err := w.copyPosts(ctx, posts); err != nil {
		return result{}, err
	}
	if time.Now().After(due.Add(-100 * time.Millisecond)) {
		return result{}, fmt.Errorf("loading %d posts took too long: they were due before the measurement began", n)
	}
	if err := sleepUntil(ctx, due.Add(-100*time.Millisecond)); err != nil {
		return result{}, err
	}
	// Generous, so a slow drain is measured rather than cut off.
	res, err := w.drain(ctx, "burst ", posts, nil, 30*time.Second)
	if err == nil && len(w.pubs) > 1 {
		var shares []string
		for _, p := range w.pubs {
			n, err := publishedBy(ctx, p.addr)
			if err != nil {
				return res, err
			}
			shares = append(shares, fmt.Sprint(n))
		}
		res.note = fmt.Sprintf("posts published per replica (warm-up included): %s", strings.Join(shares, " + "))
	}
	if err == nil && w.bouncer != nil {
		res.note = "CPU publisher includes PgBouncer's process; LISTEN went direct (DATABASE_LISTEN_URL)"
	}
	return res, err
}

// runMedia: the publisher uploads the files to X ahead of the posts' time
// (they are within its 15-minute horizon at once), so at the time each post
// is only POST /2/tweets naming them, as fast as text.
func runMedia(ctx context.Context, w *world) (result, error) {
	const images, videos = 200, 10
	if err := w.warmUp(ctx); err != nil {
		return result{}, err
	}
	var files []benchFile
	for i := range images {
		files = append(files, benchFile{name: fmt.Sprintf("image%d.png", i), kind: "image", mime: "image/png", data: mediatest.PNG(640, 360+i)})
	}
	for i := range videos {
		files = append(files, benchFile{name: fmt.Sprintf("video%d.mp4", i), kind: "video", mime: "video/mp4", data: mediatest.MP4(20 << 20), durationMS: 5000})
	}
	start := time.Now()
	first := start.Add(60 * time.Second).Truncate(time.Millisecond)
	ids, err := w.storeMedia(ctx, files)
	if err != nil {
		return result{}, err
	}
	// Spread over the minute as the spread scenario's text posts are; the
	// videos are mixed in.
	posts := make([]plannedPost, len(ids))
	for i, id := range ids {
		at := (i*37 + 11) % len(ids)
		posts[i] = plannedPost{text: fmt.Sprintf("media %d", i), due: first.Add(time.Duration(at) * time.Minute / time.Duration(len(ids))), media: []string{id}}
	}
	if err := w.copyPosts(ctx, posts); err != nil {
		return result{}, err
	}
	if err := w.awaitUploads(ctx, len(ids), first.Add(-time.Second)); err != nil {
		return result{}, err
	}
	ahead := time.Since(start)
	if err := sleepUntil(ctx, first.Add(-100*time.Millisecond)); err != nil {
		return result{}, err
	}
	res, err := w.drain(ctx, "media ", posts, nil, 10*time.Second)
	res.note = fmt.Sprintf("pre-upload: %d images and %d × 20 MB videos were on X %.1fs after the posts were created (the first due %.0fs after)",
		images, videos, ahead.Seconds(), first.Sub(start).Seconds())
	return res, err
}

func runIdle(ctx context.Context, w *world) (result, error) {
	const n = 100_000
	tomorrow := time.Now().Add(24 * time.Hour).Truncate(time.Millisecond)
	posts := make([]plannedPost, n)
	for i := range posts {
		posts[i] = plannedPost{text: fmt.Sprintf("idle %d", i), due: tomorrow.Add(time.Duration(i) * 24 * time.Hour / n)}
	}
	if err := w.copyPosts(ctx, posts); err != nil {
		return result{}, err
	}
	if err := w.settleTable(ctx); err != nil {
		return result{}, err
	}
	// Let the publisher take in the 100,000 notifications of the load: that
	// is the load's cost, not idling's.
	if err := sleepUntil(ctx, time.Now().Add(3*time.Second)); err != nil {
		return result{}, err
	}
	a, err := w.sample(ctx)
	if err != nil {
		return result{}, err
	}
	if err := sleepUntil(ctx, a.at.Add(idleWindow)); err != nil {
		return result{}, err
	}
	b, err := w.sample(ctx)
	if err != nil {
		return result{}, err
	}
	counts, err := w.statuses(ctx, "idle ")
	if err != nil {
		return result{}, err
	}
	res := w.outcome(nil, diff(a, b), counts)
	res.posts, res.idle, res.wantStatus = n, true, "scheduled"
	return res, nil
}

// drain measures a scenario whose posts all go out: the window opens just
// before the first is due (after create, if given, has started them off)
// and closes once X has created every post or grace after the last was due.
func (w *world) drain(ctx context.Context, prefix string, posts []plannedPost, create func() ([]plannedPost, error), grace time.Duration) (result, error) {
	var bgBefore background
	var bucketsBefore map[float64]int
	if tracing() {
		// Read before the window opens: the bench's statements stay out of
		// it, and the warm-up posts out of the publisher's histogram.
		var err error
		if bgBefore, err = w.background(ctx); err != nil {
			return result{}, err
		}
		bucketsBefore, _ = lagBuckets(ctx, w.pubs[0].addr)
	}
	a, err := w.sample(ctx)
	if err != nil {
		return result{}, err
	}
	if secs := os.Getenv("BENCH_PROFILE"); secs != "" && !w.c.handOver {
		go w.profile(ctx, secs)
	}
	var stopTrace func() []tracePoint
	if tracing() && create == nil {
		stopTrace = w.trace(ctx, prefix, posts[0].due)
	}
	if create != nil {
		if posts, err = create(); err != nil {
			return result{}, err
		}
	}
	last := posts[0].due
	for _, p := range posts {
		last = later(last, p.due)
	}
	if err := w.awaitCreated(ctx, prefix, len(posts), last.Add(grace)); err != nil {
		return result{}, err
	}
	var timeline []tracePoint
	var buckets map[float64]int
	if stopTrace != nil {
		timeline = stopTrace()
		buckets, _ = lagBuckets(ctx, w.pubs[0].addr)
		for le, n := range bucketsBefore {
			buckets[le] -= n
		}
	}
	// The publisher records each outcome just after X answers: keep those
	// statements in the window.
	if err := sleepUntil(ctx, time.Now().Add(250*time.Millisecond)); err != nil {
		return result{}, err
	}
	b, err := w.sample(ctx)
	if err != nil {
		return result{}, err
	}
	counts, err := w.awaitStatus(ctx, prefix, "published", len(posts), 15*time.Second)
	if err != nil {
		return result{}, err
	}
	res := w.outcome(posts, diff(a, b), counts)
	res.wantStatus, res.timeline, res.lagBuckets = "published", timeline, buckets
	res.coldLag = w.coldLag
	if tracing() {
		bg, err := w.background(ctx)
		if err != nil {
			return result{}, err
		}
		res.background = bg.since(bgBefore)
	}
	return res, nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// profile saves a CPU profile of the (first) publisher over the next secs
// seconds to the work directory (BENCH_PROFILE=secs; read it with go tool
// pprof).
func (w *world) profile(ctx context.Context, secs string) {
	saveProfile(ctx, w.pubs[0].addr, secs, filepath.Join(w.h.work, w.name+".pprof"))
}

// saveProfile saves the CPU profile /debug/pprof/profile at addr takes
// over secs seconds to path.
func saveProfile(ctx context.Context, addr, secs, path string) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/debug/pprof/profile?seconds="+secs, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		progress("profile: %v", err)
		return
	}
	defer resp.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		progress("profile: %v", err)
		return
	}
	defer f.Close()
	if _, err := io.Copy(f, resp.Body); err != nil {
		progress("profile: %v", err)
		return
	}
	progress("CPU profile in %s", path)
}
