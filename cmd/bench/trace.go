package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// tracePoint is the state of a drain at one moment: whether the publisher
// keeps every worker busy (then the time per post is the limit) or has idle
// workers while posts are due (then claiming them is).
type tracePoint struct {
	at       time.Duration // since the first post was due
	inFlight int           // posts the publisher is sending (its /healthz)
	created  int           // posts X has created so far
}

// tracing is on with BENCH_TRACE=1: polling /healthz costs the publisher a
// little CPU, so the table is measured without it.
func tracing() bool { return os.Getenv("BENCH_TRACE") != "" }

// trace samples every 100 ms until stop is called and returns the points.
func (w *world) trace(ctx context.Context, prefix string, origin time.Time) (stop func() []tracePoint) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan []tracePoint, 1)
	go func() {
		var pts []tracePoint
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				done <- pts
				return
			case <-tick.C:
			}
			if n, err := inFlight(ctx, w.pubs[0].addr); err == nil {
				pts = append(pts, tracePoint{at: time.Since(origin), inFlight: n, created: w.x.created(prefix)})
			}
		}
	}()
	return func() []tracePoint {
		cancel()
		return <-done
	}
}

func inFlight(ctx context.Context, addr string) (int, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/healthz", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var body struct {
		InFlight int `json:"in_flight"`
	}
	err = json.NewDecoder(resp.Body).Decode(&body)
	return body.InFlight, err
}

// printTrace shows about 30 points, at least half a second apart.
func printTrace(out io.Writer, pts []tracePoint) {
	if len(pts) == 0 {
		return
	}
	step := max(5, len(pts)/30)
	var b strings.Builder
	for i, p := range pts {
		if i%step == 0 || i == len(pts)-1 {
			fmt.Fprintf(&b, " %.1fs:%d/%d", p.at.Seconds(), p.inFlight, p.created)
		}
	}
	fmt.Fprintf(out, "    timeline (since first due: in flight/created on X):%s\n", b.String())
}

// lagBuckets reads the publisher's publish-lag histogram (due time → the
// worker starting to send, measured inside the publisher): le → count.
func lagBuckets(ctx context.Context, addr string) (map[float64]int, error) {
	lines, err := metricLines(ctx, addr)
	if err != nil {
		return nil, err
	}
	out := map[float64]int{}
	const prefix = `betterplan_publisher_publish_lag_seconds_bucket{le="`
	for _, line := range lines {
		rest, ok := strings.CutPrefix(line, prefix)
		if !ok {
			continue
		}
		var le float64
		var n int
		if _, err := fmt.Sscanf(strings.Replace(rest, `"} `, " ", 1), "%g %d", &le, &n); err == nil {
			out[le] = n
		}
	}
	return out, nil
}

// printLagSplit shows, per bucket bound, the share of posts the publisher
// had started sending by then against the share that had reached X: a gap
// between the two is time spent between the worker starting and X
// receiving the request (HTTP client, connection set-up, CPU queueing).
func printLagSplit(out io.Writer, buckets map[float64]int, arrivals []time.Duration, posts int) {
	if len(buckets) == 0 || posts == 0 {
		return
	}
	var b strings.Builder
	for _, le := range []float64{.005, .01, .02, .05, .1, .25, .5, 1, 2.5, 5, 10} {
		n, ok := buckets[le]
		if !ok {
			continue
		}
		reached := 0
		for _, d := range arrivals {
			if d.Seconds() <= le {
				reached++
			}
		}
		fmt.Fprintf(&b, " ≤%gs:%d%%/%d%%", le, 100*n/posts, 100*reached/posts)
	}
	fmt.Fprintf(out, "    started sending/reached X:%s\n", b.String())
}

// printLate lists the posts over the lag target by when they were due:
// clustered, they point at one stall (a checkpoint, autovacuum, a slow
// commit); spread out, at a per-post cost.
func printLate(out io.Writer, late []latePost) {
	if len(late) == 0 {
		return
	}
	var b strings.Builder
	for _, l := range late[:min(len(late), 40)] {
		fmt.Fprintf(&b, " +%.2fs:%s", l.at.Seconds(), ms(l.lag))
	}
	fmt.Fprintf(out, "    over target (%d; due at +s since first: lag):%s\n", len(late), b.String())
}

// background is cluster work that competes with the publisher: autovacuum
// and autoanalyze of posts, and checkpoints.
type background struct{ vacuums, analyzes, checkpoints int64 }

func (w *world) background(ctx context.Context) (background, error) {
	var b background
	err := w.pool.QueryRow(ctx, benchTag+` SELECT
	  (SELECT autovacuum_count FROM pg_stat_user_tables WHERE relname = 'posts'),
	  (SELECT autoanalyze_count FROM pg_stat_user_tables WHERE relname = 'posts'),
	  (SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter)`).Scan(&b.vacuums, &b.analyzes, &b.checkpoints)
	return b, err
}

func (b background) since(a background) string {
	return fmt.Sprintf("%d autovacuum and %d autoanalyze of posts, %d checkpoints",
		b.vacuums-a.vacuums, b.analyzes-a.analyzes, b.checkpoints-a.checkpoints)
}

// publishedBy reads a publisher's published_total counter.
func publishedBy(ctx context.Context, addr string) (int, error) {
	n, err := metricValue(ctx, addr, "betterplan_publisher_published_total")
	return int(n), err
}

// metricLines reads a process's /metrics (Prometheus text), line by line.
func metricLines(ctx context.Context, addr string) ([]string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return strings.Split(string(b), "\n"), nil
}

// metricValue reads an unlabelled counter or gauge (0 when absent).
func metricValue(ctx context.Context, addr, name string) (float64, error) {
	lines, err := metricLines(ctx, addr)
	if err != nil {
		return 0, err
	}
	for _, line := range lines {
		if rest, ok := strings.CutPrefix(line, name+" "); ok {
			var n float64
			_, err := fmt.Sscanf(rest, "%g", &n)
			return n, err
		}
	}
	return 0, nil
}
