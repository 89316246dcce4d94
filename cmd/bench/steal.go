package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// CPU time the hypervisor gave to other machines while this VM wanted to
// run (steal), from /proc/stat. Its share of a window hides what decides a
// p99: a CPU paused for tens of milliseconds makes every request of that
// moment wait, and at 500 requests/s a few such pauses are the whole 1%.
const (
	stallInterval = 100 * time.Millisecond // how often each CPU's steal is read
	stallMin      = 30 * time.Millisecond  // stolen from one CPU within one interval: a stall
	userHZTick    = 10 * time.Millisecond  // /proc/stat counts in USER_HZ, 100 on Linux
)

// stealTicks are /proc/stat's counters: the machine's CPU time and stolen
// time, and each CPU's stolen time.
type stealTicks struct {
	total, steal uint64
	perCPU       []uint64
}

func readSteal() stealTicks {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return stealTicks{}
	}
	return parseSteal(b)
}

func parseSteal(b []byte) stealTicks {
	var t stealTicks
	s := bufio.NewScanner(bytes.NewReader(b))
	for s.Scan() {
		f := strings.Fields(s.Text())
		if len(f) < 9 || !strings.HasPrefix(f[0], "cpu") {
			continue
		}
		// user nice system idle iowait irq softirq steal
		steal, _ := strconv.ParseUint(f[8], 10, 64)
		if f[0] != "cpu" {
			t.perCPU = append(t.perCPU, steal)
			continue
		}
		t.steal = steal
		for _, v := range f[1:9] {
			n, _ := strconv.ParseUint(v, 10, 64)
			t.total += n
		}
	}
	return t
}

// hostSteal is what the hypervisor took during a window.
type hostSteal struct {
	share  float64       // of all the machine's CPU time
	worst  time.Duration // the most one CPU lost within one stallInterval
	stalls int           // intervals in which a CPU lost at least stallMin
}

// watchSteal reads the steal every stallInterval until the function it
// returns is called, which gives the window's hostSteal.
func watchSteal() func() hostSteal {
	first := readSteal()
	stop, done := make(chan struct{}), make(chan hostSteal)
	go func() {
		var h hostSteal
		prev := first
		t := time.NewTicker(stallInterval)
		defer t.Stop()
		for {
			var stopped bool
			select {
			case <-t.C:
			case <-stop:
				stopped = true
			}
			cur := readSteal()
			h.add(prev, cur)
			prev = cur
			if stopped {
				if cur.total > first.total {
					h.share = float64(cur.steal-first.steal) / float64(cur.total-first.total)
				}
				done <- h
				return
			}
		}
	}()
	return func() hostSteal {
		close(stop)
		return <-done
	}
}

// add counts one interval's stalls.
func (h *hostSteal) add(prev, cur stealTicks) {
	for i := range min(len(prev.perCPU), len(cur.perCPU)) {
		lost := time.Duration(cur.perCPU[i]-prev.perCPU[i]) * userHZTick
		h.worst = max(h.worst, lost)
		if lost >= stallMin {
			h.stalls++
		}
	}
}

// noteworthy reports whether the host took enough to matter to a p99.
func (h hostSteal) noteworthy() bool { return h.share > apiStealNote || h.stalls > 0 }

func (h hostSteal) String() string {
	s := fmt.Sprintf("host steal %.1f%%", 100*h.share)
	if h.worst > 0 {
		s += fmt.Sprintf(", up to %d ms of a CPU's %d ms", h.worst.Milliseconds(), stallInterval.Milliseconds())
	}
	if h.stalls > 0 {
		s += fmt.Sprintf(" (%d× ≥ %d ms)", h.stalls, stallMin.Milliseconds())
	}
	return s
}
