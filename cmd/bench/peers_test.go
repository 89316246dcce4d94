package main

import (
	"strings"
	"testing"
	"time"
)

// TestPeerReport: the ratio says how many times better ours is, in the
// right direction for each column, and a column where the peer is better is
// a MISS.
func TestPeerReport(t *testing.T) {
	burst := scenario{name: "burst", burst: true}
	win := usage{window: 10 * time.Second, queries: 100, pub: cpu{user: 1}, pg: cpu{user: 2}}
	ours := result{name: "burst", sc: burst, c: contender{name: "betterplan"}, posts: 1000, wantStatus: "published",
		statuses: map[string]int{"published": 1000}, lag: latencies{p50: 10 * time.Millisecond, p99: 20 * time.Millisecond, max: 30 * time.Millisecond},
		drain: 2 * time.Second, sending: time.Second, u: win}
	peer := ours
	peer.c = contender{name: "river", handOver: true}
	peer.lag.p99 = 40 * time.Millisecond // worse: ratio 2.00×
	peer.drain = 4 * time.Second         // posts/s 250 against our 500: 2.00×
	peer.u.pg = cpu{user: 1}             // better than ours: 0.50×, and 0.67× per post: two MISSes
	peer.statuses = map[string]int{"published": 999}

	var b strings.Builder
	missed := printPeerReport(&b, "header", []result{ours, peer})
	out := b.String()
	var ratio string
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, " ratio ") {
			ratio = line
		}
	}
	for _, want := range []string{"2.00× [≥1.0 PASS]", "0.50× [≥1.0 MISS]", "0.67× [≥1.0 MISS]", "1.00× [≥1.0 PASS]"} {
		if !strings.Contains(ratio, want) {
			t.Errorf("ratio row lacks %q:\n%s", want, ratio)
		}
	}
	// CPU postgres, CPU per post, and the peer's 999/1000 published.
	if missed != 3 {
		t.Errorf("missed = %d, want 3:\n%s", missed, out)
	}
	if !strings.Contains(out, "999/1000 published [all MISS]") {
		t.Errorf("the peer's unpublished post is not flagged:\n%s", out)
	}
}
