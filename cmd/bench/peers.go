package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"
)

// peerColumn is one measured column of the side-by-side table.
type peerColumn struct {
	name   string
	higher bool // higher is better (else lower is)
	drain  bool // only for scenarios whose posts go out
	rate   bool // only for the burst: elsewhere the schedule sets it
	value  func(result) float64
	format func(float64) string
}

func msValue(f float64) string   { return fmt.Sprintf("%.1fms", f) }
func perSecond(f float64) string { return fmt.Sprintf("%.0f", f) }
func seconds(f float64) string   { return fmt.Sprintf("%.2fs", f) }

var peerColumns = []peerColumn{
	{name: "lag p50", drain: true, value: func(r result) float64 { return msF(r.lag.p50) }, format: msValue},
	{name: "lag p99", drain: true, value: func(r result) float64 { return msF(r.lag.p99) }, format: msValue},
	{name: "lag max", drain: true, value: func(r result) float64 { return msF(r.lag.max) }, format: msValue},
	{name: "drain", rate: true, drain: true, value: func(r result) float64 { return r.drain.Seconds() }, format: seconds},
	{name: "posts/s", rate: true, higher: true, drain: true, value: func(r result) float64 { return rate(r.posts-r.missing, r.drain.Seconds()) }, format: perSecond},
	{name: "posts/s sending", rate: true, higher: true, drain: true, value: func(r result) float64 { return rate(r.posts-r.missing, r.sending.Seconds()) }, format: perSecond},
	{name: "queries/s", value: func(r result) float64 { return float64(r.u.queries) / r.u.window.Seconds() }, format: func(f float64) string { return fmt.Sprintf("%.2f", f) }},
	{name: "CPU publisher", value: func(r result) float64 { return r.u.pub.total() }, format: seconds},
	{name: "CPU postgres", value: func(r result) float64 { return r.u.pg.total() }, format: seconds},
	{name: "CPU µs/post", drain: true, value: func(r result) float64 { return 1e6 * (r.u.pub.total() + r.u.pg.total()) / float64(max(1, r.posts)) },
		format: func(f float64) string { return fmt.Sprintf("%.0f", f) }},
}

func msF(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func rate(n int, secs float64) float64 {
	if secs <= 0 {
		return 0
	}
	return float64(n) / secs
}

// printPeerReport prints, per scenario, our row, the peer's row and the
// ratio (how many times better ours is: peer/ours where lower is better,
// ours/peer where higher is), each ratio checked against ≥1.0×. It returns
// how many checks failed.
func printPeerReport(out io.Writer, header string, results []result) (missed int) {
	var v verdicts
	fmt.Fprintln(out, header)
	fmt.Fprintln(out)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	head := []string{"scenario", "publisher"}
	for _, c := range peerColumns {
		head = append(head, c.name)
	}
	head = append(head, "duplicates", "missing", "in the database")
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for i := 0; i+1 < len(results); i += 2 {
		ours, peer := results[i], results[i+1]
		for _, r := range []result{ours, peer} {
			cols := []string{r.name, r.c.name}
			for _, c := range peerColumns {
				cols = append(cols, cell(c, r, c.format(c.value(r))))
			}
			cols = append(cols, correctness(&v, r)...)
			fmt.Fprintln(tw, strings.Join(cols, "\t")+"\t")
		}
		cols := []string{"", "ratio"}
		for _, c := range peerColumns {
			if cell(c, ours, "") == "-" {
				cols = append(cols, "-")
				continue
			}
			cols = append(cols, ratio(&v, c, ours, peer))
		}
		fmt.Fprintln(tw, strings.Join(cols, "\t")+"\t")
	}
	tw.Flush()
	fmt.Fprintf(out, "\nchecks: %d PASS, %d MISS\n\n%s%s", v.pass, v.miss, peerLegend, legend)
	printDetails(out, results)
	return v.miss
}

const peerLegend = `ratio: how many times better ours is (peer ÷ ours where lower is better, ours ÷ peer for
  posts/s), checked against ≥1.0×. drain and posts/s are shown for the burst only: elsewhere
  the schedule sets them. posts/s sending: posts / (last created on X − first arrival at X),
  the rate once sending started. CPU µs/post: (publisher + PostgreSQL CPU) / posts.
`

func cell(c peerColumn, r result, s string) string {
	if c.drain && r.idle || c.rate && !r.sc.burst {
		return "-"
	}
	return s
}

func ratio(v *verdicts, c peerColumn, ours, peer result) string {
	a, b := c.value(ours), c.value(peer)
	if c.higher {
		a, b = b, a
	}
	// a is ours where lower is better: the ratio is b/a.
	var x float64
	switch {
	case a == b:
		x = 1
	case a <= 0:
		x = math.Inf(1)
	default:
		x = b / a
	}
	s := fmt.Sprintf("%.2f×", x)
	if math.IsInf(x, 1) {
		s = "∞"
	}
	return v.check(s, "≥1.0", x >= 1 && ours.missing == 0)
}

// correctness is the columns every publisher must get exactly right.
func correctness(v *verdicts, r result) []string {
	var dups string
	if r.idle {
		dups = v.check(fmt.Sprintf("%d sent", r.xRequests), "=0", r.xRequests == 0)
	} else {
		dups = v.check(fmt.Sprint(r.dups), "=0", r.dups == 0)
	}
	missing := "-"
	if !r.idle {
		missing = v.check(fmt.Sprint(r.missing), "=0", r.missing == 0)
	}
	db := v.check(fmt.Sprintf("%d/%d %s", r.statuses[r.wantStatus], r.posts, r.wantStatus), "all", r.statuses[r.wantStatus] == r.posts)
	return []string{dups, missing, db}
}
