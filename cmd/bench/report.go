package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// result is one scenario's measurements.
type result struct {
	name       string
	sc         scenario
	c          contender
	posts      int
	idle       bool
	lag        latencies // arrival at X − scheduled time
	ack        latencies // X created it (after its 20 ms) − scheduled time
	drain      time.Duration
	sending    time.Duration // last post created on X − first post arrived at X
	u          usage
	dups       int   // texts sent to X more than once
	missing    int   // scheduled texts X never created
	xRequests  int   // POST /2/tweets received (idle: must stay 0)
	xConns     int64 // TCP connections the publisher opened to X
	statuses   map[string]int
	wantStatus string
	timeline   []tracePoint // with BENCH_TRACE
	lagBuckets map[float64]int
	lags       []time.Duration // sorted arrival lags
	late       []latePost      // over the lag target, by due time
	coldLag    time.Duration   // worst lag of the warm-up posts after the publisher started
	background string          // autovacuum and checkpoints in the window (BENCH_TRACE)
	note       string          // what else the scenario measured
}

type latePost struct{ at, lag time.Duration } // at: due time − first due time

type latencies struct{ p50, p99, max time.Duration }

// outcome matches what X saw against the plan. posts is nil when nothing
// was due.
func (w *world) outcome(posts []plannedPost, u usage, statuses map[string]int) result {
	arrived, created := w.x.arrivals(), w.x.createdAt()
	res := result{posts: len(posts), u: u, statuses: statuses, xConns: w.x.conns.Load()}
	for _, times := range arrived {
		res.xRequests += len(times)
	}
	var lags, acks []time.Duration
	var firstDue, firstArrived, lastCreated time.Time
	for _, p := range posts {
		if firstDue.IsZero() || p.due.Before(firstDue) {
			firstDue = p.due
		}
		if len(arrived[p.text]) > 1 || len(created[p.text]) > 1 {
			res.dups++
		}
		c := created[p.text]
		if len(c) == 0 {
			res.missing++
			continue
		}
		at := slices.MinFunc(arrived[p.text], time.Time.Compare)
		if firstArrived.IsZero() || at.Before(firstArrived) {
			firstArrived = at
		}
		lag := at.Sub(p.due)
		lags = append(lags, lag)
		if w.lateAfter > 0 && lag > w.lateAfter {
			res.late = append(res.late, latePost{at: p.due.Sub(posts[0].due), lag: lag})
		}
		acks = append(acks, c[0].Sub(p.due))
		lastCreated = later(lastCreated, c[0])
	}
	res.lag, res.ack, res.lags = summarize(lags), summarize(acks), lags
	if !lastCreated.IsZero() {
		res.drain = lastCreated.Sub(firstDue)
		res.sending = lastCreated.Sub(firstArrived)
	}
	return res
}

// summarize takes nearest-rank percentiles.
func summarize(d []time.Duration) latencies {
	if len(d) == 0 {
		return latencies{}
	}
	slices.Sort(d)
	rank := func(p float64) time.Duration {
		i := int(p*float64(len(d))+0.999999) - 1
		return d[min(max(i, 0), len(d)-1)]
	}
	return latencies{p50: rank(0.50), p99: rank(0.99), max: d[len(d)-1]}
}

// label names the row's scenario, with its publisher when that is not
// our one process.
func (r result) label() string {
	switch {
	case r.c.handOver:
		return r.name + " · " + r.c.name
	case r.c.replicas > 1:
		return fmt.Sprintf("%s · %d publishers", r.name, r.c.replicas)
	}
	return r.name
}

// verdicts counts the targets met and missed over the whole report.
type verdicts struct{ pass, miss int }

// check formats a measured value next to its target with PASS or MISS.
func (v *verdicts) check(value, target string, ok bool) string {
	if ok {
		v.pass++
		return value + " [" + target + " PASS]"
	}
	v.miss++
	return value + " [" + target + " MISS]"
}

func (c cpu) String() string { return fmt.Sprintf("%.2f+%.2fs", c.user, c.sys) }

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }

// printReport prints the table and the details and returns how many
// targets were missed.
func printReport(out io.Writer, header string, results []result) (missed int) {
	var v verdicts
	fmt.Fprintln(out, header)
	fmt.Fprintln(out)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tposts\tlag p50\tlag p99\tlag max\tp99 at X's answer\tdrain\tposts/s\tqueries/s\tCPU publisher\tCPU postgres\tduplicates\tmissing\tin the database\t")
	for _, r := range results {
		fmt.Fprintln(tw, strings.Join(row(&v, r), "\t")+"\t")
	}
	tw.Flush()
	fmt.Fprintf(out, "\ntargets: %d PASS, %d MISS\n\n%s", v.pass, v.miss, legend)
	printDetails(out, results)
	return v.miss
}

const legend = `lag: X received the request (stamped by the fake before its 20 ms answer delay) − scheduled time.
p99 at X's answer: the same, taken when X created the post (OnPost, after the delay).
drain: last post created on X − first due time; posts/s = posts / drain.
queries/s: the publisher's statements in the scenario database (pg_stat_statements calls, the
  bench's own tagged statements excluded) / window. CPU: utime+stime deltas from /proc of the
  publisher process, and of the postmaster plus all its children (reaped ones via cutime/cstime).
duplicates: texts sent to X more than once; missing: scheduled texts X never created.
in the database: posts with the expected status once the window closed.
`

func row(v *verdicts, r result) []string {
	const none = "-"
	sc := r.sc
	secs := r.u.window.Seconds()
	cols := []string{r.name, fmt.Sprint(r.posts), none, none, none, none, none, none}
	if !r.idle {
		cols[2], cols[4], cols[5] = ms(r.lag.p50), ms(r.lag.max), ms(r.ack.p99)
		cols[3] = ms(r.lag.p99)
		if sc.lagP99 > 0 {
			cols[3] = v.check(ms(r.lag.p99), "≤"+ms(sc.lagP99), r.lag.p99 <= sc.lagP99 && r.missing == 0)
		}
		cols[6] = fmt.Sprintf("%.2fs", r.drain.Seconds())
		if sc.drainMax > 0 {
			cols[6] = v.check(cols[6], fmt.Sprintf("≤%.1fs", sc.drainMax.Seconds()), r.drain <= sc.drainMax && r.missing == 0)
		}
		if r.drain > 0 {
			cols[7] = fmt.Sprintf("%.0f", float64(r.posts-r.missing)/r.drain.Seconds())
		}
	}
	qps := fmt.Sprintf("%.2f", float64(r.u.queries)/secs)
	if sc.qpsMax > 0 {
		qps = v.check(qps, fmt.Sprintf("≤%g", sc.qpsMax), float64(r.u.queries)/secs <= sc.qpsMax)
	}
	pub, pg := fmt.Sprintf("%.2fs", r.u.pub.total()), fmt.Sprintf("%.2fs", r.u.pg.total())
	if sc.cpuMax > 0 {
		target := fmt.Sprintf("≤%.1fs", sc.cpuMax)
		pub = v.check(pub, target, r.u.pub.total() <= sc.cpuMax)
		pg = v.check(pg, target, r.u.pg.total() <= sc.cpuMax)
	}
	var dups, missing string
	if r.idle {
		// Nothing was due: anything X received was sent early.
		dups, missing = v.check(fmt.Sprintf("%d sent", r.xRequests), "=0", r.xRequests == 0), none
	} else {
		dups = v.check(fmt.Sprint(r.dups), "=0", r.dups == 0)
		missing = v.check(fmt.Sprint(r.missing), "=0", r.missing == 0)
	}
	db := v.check(fmt.Sprintf("%d/%d %s", r.statuses[r.wantStatus], r.posts, r.wantStatus), "all", r.statuses[r.wantStatus] == r.posts)
	return append(cols, qps, pub, pg, dups, missing, db)
}

// printDetails shows where the time went: what explains a MISS.
func printDetails(out io.Writer, results []result) {
	fmt.Fprintln(out, "\nper scenario (window = what queries/s and CPU cover):")
	for _, r := range results {
		fmt.Fprintf(out, "  %s: window %.1fs; CPU user+sys: publisher %s, postgres %s, bench/fake X %s; new TCP connections to X: %d; bench statements excluded: %d\n",
			r.name, r.u.window.Seconds(), r.u.pub, r.u.pg, r.u.bench, r.xConns, r.u.benchStmts)
		if r.note != "" {
			fmt.Fprintf(out, "    %s\n", r.note)
		}
		if r.coldLag > 0 {
			fmt.Fprintf(out, "    cold start (10 warm-up posts right after the publisher started, not in the table): lag max %s\n", ms(r.coldLag))
		}
		stmts := slices.SortedFunc(slices.Values(r.u.stmts), func(a, b stmtDelta) int { return cmp.Compare(b.execMS, a.execMS) })
		for _, s := range stmts[:min(len(stmts), 6)] {
			fmt.Fprintf(out, "    %-20s %7d calls  %7.3f ms mean  %8.1f ms max  %9.1f ms total\n", s.name, s.calls, s.execMS/float64(s.calls), s.maxMS, s.execMS)
		}
		printTrace(out, r.timeline)
		printLagSplit(out, r.lagBuckets, r.lags, r.posts)
		printLate(out, r.late)
		if r.background != "" {
			fmt.Fprintf(out, "    during the window: %s\n", r.background)
		}
	}
}
