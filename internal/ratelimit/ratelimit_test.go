package ratelimit_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/betterplan/betterplan/internal/apierr"
	"github.com/betterplan/betterplan/internal/apitest"
	"github.com/betterplan/betterplan/internal/clock"
	"github.com/betterplan/betterplan/internal/ratelimit"
)

var ctx = context.Background()

func TestParseRule(t *testing.T) {
	for in, want := range map[string]string{
		"10/1h":      "10 per hour",
		" 600 / 10m": "600 per 10 minutes",
		"20/15m":     "20 per 15 minutes",
		"1/1s":       "1 per second",
		"5/90s":      "5 per 90 seconds",
		"3/1500ms":   "3 per 1.5s",
		"7/24h":      "7 per 24 hours",
	} {
		r, err := ratelimit.ParseRule(in)
		if err != nil || r.String() != want {
			t.Errorf("ParseRule(%q) = %v, %v; want %s", in, r, err, want)
		}
		if back, err := ratelimit.ParseRule(r.Spec()); err != nil || back != r {
			t.Errorf("Spec %q does not read back: %v %v", r.Spec(), back, err)
		}
	}
	for _, bad := range []string{"", "10", "10/", "/1h", "0/1h", "-1/1h", "x/1h", "10/1", "10/0s", "10/500ms", "10/25h", "2000000/1h"} {
		if _, err := ratelimit.ParseRule(bad); err == nil || !strings.Contains(err.Error(), "count/window like 10/1h") {
			t.Errorf("ParseRule(%q): %v", bad, err)
		}
	}
}

func newLimiter(t *testing.T) (*ratelimit.Limiter, *clock.Manual, func(string) int) {
	t.Helper()
	pool := apitest.Pool(t, apitest.DB(t))
	clk := clock.NewManual(apitest.Epoch)
	rows := func(where string) int {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM rate_limits WHERE `+where).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	return ratelimit.New(pool, clk.Now, slog.New(slog.NewTextHandler(io.Discard, nil))), clk, rows
}

func TestAllowCountsPerKeyAndWindow(t *testing.T) {
	t.Parallel()
	l, clk, rows := newLimiter(t)
	allow := func(key string) (bool, time.Duration) {
		t.Helper()
		ok, wait, err := l.Allow(ctx, key, 3, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return ok, wait
	}
	for i := range 3 {
		if ok, _ := allow("a"); !ok {
			t.Fatalf("call %d refused", i+1)
		}
		clk.Advance(10 * time.Second)
	}
	ok, wait := allow("a")
	if ok || wait != 30*time.Second {
		t.Fatalf("4th call: ok=%v wait=%v, want refused for the 30s left of the window", ok, wait)
	}
	if ok, _ := allow("b"); !ok {
		t.Fatal("another key shares the count")
	}
	// Refusals do not push the window out.
	for range 10 {
		allow("a")
	}
	clk.Advance(30 * time.Second)
	if ok, _ := allow("a"); !ok {
		t.Fatal("refused after the window ended")
	}
	if n := rows("true"); n != 2 {
		t.Fatalf("%d rows for 2 keys", n)
	}
}

func TestAllowIsAtomic(t *testing.T) {
	t.Parallel()
	l, _, _ := newLimiter(t)
	var allowed atomic.Int32
	var wg sync.WaitGroup
	for range 60 {
		wg.Go(func() {
			ok, _, err := l.Allow(ctx, "burst", 10, time.Hour)
			if err != nil {
				t.Error(err)
			}
			if ok {
				allowed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := allowed.Load(); n != 10 {
		t.Fatalf("%d of 60 concurrent calls allowed, want exactly 10", n)
	}
}

func TestEndedWindowsArePruned(t *testing.T) {
	t.Parallel()
	l, clk, rows := newLimiter(t)
	for _, k := range []string{"x", "y", "z"} {
		if _, _, err := l.Allow(ctx, k, 1, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := l.Allow(ctx, "long", 1, time.Hour); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Minute)
	if _, _, err := l.Allow(ctx, "fresh", 1, time.Minute); err != nil {
		t.Fatal(err)
	}
	if n := rows("true"); n != 2 {
		t.Fatalf("%d rows after pruning, want the hour-long one and the fresh one", n)
	}
	if n := rows("key IN ('long', 'fresh')"); n != 2 {
		t.Fatal("pruned a live window")
	}
}

func TestEnforceSaysWhatAndWhen(t *testing.T) {
	t.Parallel()
	l, clk, _ := newLimiter(t)
	lim := l.For("sign_up", ratelimit.Rule{Limit: 2, Window: time.Hour}, "sign-ups from this network address")
	for range 2 {
		if err := lim.Enforce(ctx, "198.51.100.1"); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(20 * time.Minute)
	// What the caller gets: the error as the api's error mapping sends it.
	err := apierr.Connect(ctx, slog.New(slog.DiscardHandler), "test", lim.Enforce(ctx, "198.51.100.1"))
	var cerr *connect.Error
	if !errors.As(err, &cerr) || cerr.Code() != connect.CodeResourceExhausted {
		t.Fatalf("3rd sign-up: %v, want resource_exhausted", err)
	}
	want := "too many sign-ups from this network address: the limit is 2 per hour; try again in 40m0s"
	if cerr.Message() != want || cerr.Meta().Get("Retry-After") != "2400" {
		t.Fatalf("%q Retry-After %q; want %q and 2400", cerr.Message(), cerr.Meta().Get("Retry-After"), want)
	}
	if err := lim.Enforce(ctx, "198.51.100.2"); err != nil {
		t.Fatalf("another address: %v", err)
	}
}
