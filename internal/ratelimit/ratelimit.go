// Package ratelimit counts calls per key in fixed windows kept in
// PostgreSQL: every api replica shares one count, and windows are timed by
// the database's clock, not each process's.
package ratelimit

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/betterplan/betterplan/db/dbq"
	"github.com/betterplan/betterplan/internal/apierr"
	"github.com/betterplan/betterplan/internal/clock"
)

// pruneEvery is how often a process deletes ended windows; rows of keys that
// come back are reused anyway, so this only bounds forgotten keys.
const pruneEvery = time.Minute

// Bounds of a Rule, so a typo cannot switch a limit off or make it absurd.
const (
	MaxLimit  = 1_000_000
	MinWindow = time.Second
	MaxWindow = 24 * time.Hour
)

// Rule is a number of calls allowed per window.
type Rule struct {
	Limit  int
	Window time.Duration
}

// ParseRule reads "count/window", e.g. "10/1h" or "600/10m".
func ParseRule(s string) (Rule, error) {
	n, w, ok := strings.Cut(strings.TrimSpace(s), "/")
	limit, err := strconv.Atoi(strings.TrimSpace(n))
	if !ok || err != nil || limit < 1 || limit > MaxLimit {
		return Rule{}, fmt.Errorf("must be count/window like 10/1h, with a count from 1 to %d", MaxLimit)
	}
	window, err := time.ParseDuration(strings.TrimSpace(w))
	if err != nil || window < MinWindow || window > MaxWindow {
		return Rule{}, fmt.Errorf("must be count/window like 10/1h, with a window from %s to %s", MinWindow, MaxWindow)
	}
	return Rule{Limit: limit, Window: window}, nil
}

// Spec is the rule as ParseRule reads it: "10/1h0m0s".
func (r Rule) Spec() string { return fmt.Sprintf("%d/%s", r.Limit, r.Window) }

// String is the rule for people: "10 per hour", "600 per 10 minutes".
func (r Rule) String() string { return fmt.Sprintf("%d per %s", r.Limit, per(r.Window)) }

func per(d time.Duration) string {
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{time.Hour, "hour"}, {time.Minute, "minute"}, {time.Second, "second"}} {
		if d%u.d == 0 {
			if n := d / u.d; n != 1 {
				return fmt.Sprintf("%d %ss", n, u.name)
			}
			return u.name
		}
	}
	return d.String()
}

// Limiter counts calls in the database.
type Limiter struct {
	q   *dbq.Queries
	now clock.Clock
	log *slog.Logger

	mu        sync.Mutex
	lastPrune time.Time
}

// New returns a Limiter on pool. now is the test clock (nil: the database's).
func New(pool *pgxpool.Pool, now clock.Clock, log *slog.Logger) *Limiter {
	return &Limiter{q: dbq.New(pool), now: now, log: log}
}

// Allow counts one call against key and reports whether it is within limit
// calls per window; when it is not, retryAfter is how long until the window
// ends. Refused calls do not extend the window.
func (l *Limiter) Allow(ctx context.Context, key string, limit int, window time.Duration) (ok bool, retryAfter time.Duration, err error) {
	if limit < 1 || window < MinWindow {
		return false, 0, fmt.Errorf("ratelimit: bad rule %d per %s for %q", limit, window, key)
	}
	row, err := l.q.RateLimitHit(ctx, dbq.RateLimitHitParams{
		Key: key, WindowSeconds: window.Seconds(), Now: l.now.DB(), MaxCount: int32(min(limit, math.MaxInt32-1) + 1),
	})
	if err != nil {
		return false, 0, fmt.Errorf("ratelimit: count a call: %w", err)
	}
	l.maybePrune(ctx)
	if int(row.Count) <= limit {
		return true, 0, nil
	}
	return false, time.Duration(row.SecondsLeft * float64(time.Second)), nil
}

// maybePrune deletes ended windows at most once per pruneEvery per process.
// A failure is only logged: the call itself was counted.
func (l *Limiter) maybePrune(ctx context.Context) {
	now := l.now.Now()
	l.mu.Lock()
	due := now.Sub(l.lastPrune) >= pruneEvery
	if due {
		l.lastPrune = now
	}
	l.mu.Unlock()
	if !due {
		return
	}
	if n, err := l.q.RateLimitPrune(ctx, l.now.DB()); err != nil {
		l.log.WarnContext(ctx, "prune ended rate-limit windows", "err", err)
	} else if n > 0 {
		l.log.DebugContext(ctx, "pruned ended rate-limit windows", "rows", n)
	}
}

// Limit is one Rule on one kind of call, as a service holds it.
type Limit struct {
	l    *Limiter
	name string // key prefix
	rule Rule
	what string // the calls, for people: "posts created"
}

// For returns the Limit of rule on the calls called name (the key prefix,
// e.g. "create_post"); what names them in refusals ("posts created").
func (l *Limiter) For(name string, rule Rule, what string) *Limit {
	return &Limit{l: l, name: name, rule: rule, what: what}
}

// Rule is the limit's rule.
func (x *Limit) Rule() Rule { return x.rule }

// Enforce counts one call by subject (a user id, a client address) and, over
// the limit, returns a resource_exhausted error that says what the limit is
// and when to retry, with Retry-After. Other errors are the database's.
func (x *Limit) Enforce(ctx context.Context, subject string) error {
	ok, wait, err := x.l.Allow(ctx, x.name+":"+subject, x.rule.Limit, x.rule.Window)
	if err != nil || ok {
		return err
	}
	secs := max(int64(math.Ceil(wait.Seconds())), 1)
	x.l.log.WarnContext(ctx, "rate limited", "limit", x.name, "rule", x.rule.Spec(), "retry_after_s", secs)
	return apierr.Throttled(fmt.Sprintf("too many %s: the limit is %s; try again in %s",
		x.what, x.rule, time.Duration(secs)*time.Second), time.Duration(secs)*time.Second)
}
