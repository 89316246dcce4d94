package main

import (
	"testing"
	"time"
)

func TestHostSteal(t *testing.T) {
	stat := func(steal0, steal1 string) []byte {
		return []byte("cpu  100 0 50 800 0 0 0 " + steal0 + " 0 0\n" +
			"cpu0 50 0 25 400 0 0 0 " + steal0 + " 0 0\n" +
			"cpu1 50 0 25 400 0 0 0 " + steal1 + " 0 0\n" +
			"intr 1 2 3\n")
	}
	a := parseSteal(stat("10", "3"))
	if a.steal != 10 || a.total != 960 || len(a.perCPU) != 2 || a.perCPU[1] != 3 {
		t.Fatalf("parsed %+v", a)
	}
	var h hostSteal
	h.add(a, parseSteal(stat("11", "7"))) // cpu0 lost 10 ms, cpu1 40 ms
	h.add(a, parseSteal(stat("12", "5"))) // 20 ms each: no stall
	if h.worst != 40*time.Millisecond || h.stalls != 1 {
		t.Fatalf("worst %s, stalls %d; want 40ms and 1", h.worst, h.stalls)
	}
	if !h.noteworthy() {
		t.Fatal("a 40 ms stall is not noteworthy")
	}
	h.share = 0.005
	if got, want := h.String(), "host steal 0.5%, up to 40 ms of a CPU's 100 ms (1× ≥ 30 ms)"; got != want {
		t.Fatalf("String() = %q, want %q", got, want)
	}
	if (hostSteal{share: 0.005, worst: 20 * time.Millisecond}).noteworthy() {
		t.Fatal("0.5% in 20 ms slices is noteworthy")
	}
}
