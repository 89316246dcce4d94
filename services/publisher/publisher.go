// Package publisher sends due posts to X. Any number of publishers share one
// PostgreSQL: each claims due rows with FOR UPDATE SKIP LOCKED under a lease,
// so every post is handled by exactly one of them, and the posts table is the
// only schedule there is.
//
// A publisher sleeps until the next due time (a timer), wakes early when a
// post becomes due sooner (LISTEN posts_due, fed by a trigger), and polls
// slowly as a backstop. Before a part goes to X its index is committed as
// "in flight"; a publisher that dies mid-send leaves that mark behind, and
// whoever recovers the expired lease marks the post unconfirmed instead of
// sending it twice.
package publisher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/oklog/ulid/v2"

	"github.com/betterplan/betterplan/db/dbq"
	"github.com/betterplan/betterplan/internal/clock"
	"github.com/betterplan/betterplan/internal/secretbox"
	"github.com/betterplan/betterplan/internal/xclient"
)

// Config configures a Publisher. Zero durations and counts take the defaults.
type Config struct {
	Pool *pgxpool.Pool
	// LoopPool, if set, serves the loop's own queries (schedule, claims,
	// recovery) so claiming never waits behind the workers' writes.
	LoopPool *pgxpool.Pool
	X        *xclient.Client
	Keys     *secretbox.Keyring
	Log      *slog.Logger
	Now      clock.Clock // clock.Real when nil

	// Owner names this replica in leases; a unique default is made.
	Owner string
	// Workers bounds the posts sent to X at once (default 512).
	Workers int
	// Lease is how long a claim lasts without progress before another
	// publisher may recover the post (default 30s). Each saved part renews it.
	Lease time.Duration
	// SafetyPoll is the backstop poll interval when nothing is due (default 30s).
	SafetyPoll time.Duration
	// MaxAttempts bounds sends of a post while X is unavailable (default 5).
	MaxAttempts int
	// RetryBase is the first retry delay; it doubles per attempt, with
	// jitter, up to RetryMax (defaults 30s and 15m).
	RetryBase time.Duration
	RetryMax  time.Duration
	// MissedAfter: a post this late is failed as missed, not published late
	// (default 24h).
	MissedAfter time.Duration
}

// Publisher claims due posts and publishes them.
type Publisher struct {
	cfg       Config
	q         *dbq.Queries // workers' writes
	lq        *dbq.Queries // the loop's queries
	published *publishedWriter
	metrics   *metrics

	sem      chan struct{} // one token per post being published
	wg       sync.WaitGroup
	stopping atomic.Bool
	done     chan struct{} // a worker finished: capacity may be free again

	lastPoll atomic.Int64 // unix nanos of the last successful poll
	listenOK atomic.Bool
}

// never stands for "nothing pending" in PostSchedulerState.
var never = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// New checks cfg and returns a Publisher.
func New(cfg Config) (*Publisher, error) {
	if cfg.Pool == nil || cfg.X == nil || cfg.Keys == nil || cfg.Log == nil {
		return nil, errors.New("publisher: Pool, X, Keys and Log are required")
	}
	if cfg.Now == nil {
		cfg.Now = clock.Real
	}
	if cfg.Owner == "" {
		host, _ := os.Hostname()
		cfg.Owner = fmt.Sprintf("%s/%d/%s", host, os.Getpid(), ulid.Make().String()[20:])
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.Lease, 30*time.Second)
	def(&cfg.SafetyPoll, 30*time.Second)
	def(&cfg.RetryBase, 30*time.Second)
	def(&cfg.RetryMax, 15*time.Minute)
	def(&cfg.MissedAfter, 24*time.Hour)
	if cfg.Workers <= 0 {
		cfg.Workers = 512
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.LoopPool == nil {
		cfg.LoopPool = cfg.Pool
	}
	q := dbq.New(cfg.Pool)
	return &Publisher{
		cfg:       cfg,
		q:         q,
		lq:        dbq.New(cfg.LoopPool),
		published: newPublishedWriter(q, cfg.Owner),
		metrics:   newMetrics(),
		sem:       make(chan struct{}, cfg.Workers),
		done:      make(chan struct{}, 1),
	}, nil
}

// Owner is this replica's lease name.
func (p *Publisher) Owner() string { return p.cfg.Owner }

// Tick publishes everything due now and returns when those posts are
// finished: one round of the loop without the waiting, for tests that move
// a manual clock.
func (p *Publisher) Tick(ctx context.Context) error {
	if _, err := p.lq.PostRecoverExpired(ctx, p.cfg.Now()); err != nil {
		return fmt.Errorf("recover expired leases: %w", err)
	}
	for {
		n, err := p.claimAndStart(ctx, p.cfg.Workers)
		if err != nil {
			return err
		}
		p.wg.Wait()
		if n == 0 {
			return nil
		}
	}
}

// Run publishes until ctx ends. Then it stops claiming, lets the posts in
// flight finish (threads stop after the current part and are released for
// another replica), and returns.
func (p *Publisher) Run(ctx context.Context) error {
	wake := newWakeup()
	listenCtx, stopListen := context.WithCancel(context.WithoutCancel(ctx))
	defer stopListen()
	go p.listen(listenCtx, wake)

	p.cfg.Log.Info("publisher started", "owner", p.cfg.Owner, "workers", p.cfg.Workers,
		"lease", p.cfg.Lease, "safety_poll", p.cfg.SafetyPoll)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	retry := 50 * time.Millisecond // after a failed round; grows while PostgreSQL stays away
	refill := false                // woken because a worker freed up while posts were waiting
	for ctx.Err() == nil {
		next, atCapacity, err := p.round(ctx, refill)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			p.cfg.Log.Error("publisher round failed; retrying", "err", err, "in", retry)
			next = p.cfg.Now().Add(retry)
			retry = min(retry*2, 5*time.Second)
		} else {
			retry = 50 * time.Millisecond
		}
		var done <-chan struct{}
		if atCapacity {
			done = p.done // a finished worker frees capacity for more due posts
		}
		resetTimer(timer, next.Sub(p.cfg.Now()))
		refill = false
	wait:
		for {
			select {
			case <-ctx.Done():
				break wait
			case <-timer.C:
				break wait
			case <-done:
				refill = true
				break wait
			case <-wake.c:
				if due, ok := wake.take(); ok && due.Before(next) {
					next = due
					resetTimer(timer, due.Sub(p.cfg.Now()))
				}
			}
		}
	}
	p.stopping.Store(true)
	p.cfg.Log.Info("publisher stopping: finishing posts in flight")
	p.wg.Wait()
	p.cfg.Log.Info("publisher stopped")
	return nil
}

// round recovers dead leases, starts every due post it has capacity for and
// says when to run again; atCapacity means due posts are waiting for a
// worker to finish. With refill (a worker just finished while posts were
// waiting) it claims straight away, skipping the schedule read while that
// is fresh: under a burst the read would cost one query per refill.
func (p *Publisher) round(ctx context.Context, refill bool) (next time.Time, atCapacity bool, err error) {
	if refill && time.Since(time.Unix(0, p.lastPoll.Load())) < time.Second {
		if free := p.cfg.Workers - len(p.sem); free > 0 {
			n, err := p.claimAndStart(ctx, free)
			if err != nil {
				return p.cfg.Now(), false, err
			}
			if n == free {
				return p.cfg.Now().Add(p.cfg.SafetyPoll), true, nil
			}
		}
	}
	for {
		now := p.cfg.Now()
		st, err := p.lq.PostSchedulerState(ctx, dbq.PostSchedulerStateParams{Now: now, Never: never})
		if err != nil {
			return now, false, fmt.Errorf("read schedule: %w", err)
		}
		p.lastPoll.Store(time.Now().UnixNano())
		p.metrics.lastPoll.SetToCurrentTime()
		p.metrics.backlog.Set(float64(st.Backlog))
		if !st.NextLeaseExpiry.After(now) {
			rows, err := p.lq.PostRecoverExpired(ctx, now)
			if err != nil {
				return now, false, fmt.Errorf("recover expired leases: %w", err)
			}
			for _, r := range rows {
				p.cfg.Log.Warn("recovered a post whose publisher stopped", "post_id", r.ID, "status", r.Status)
				if r.Status == "unconfirmed" {
					p.metrics.failed.WithLabelValues(kindUnconfirmed).Inc()
				}
			}
			continue // recovered posts may be due now
		}
		if !st.NextDue.After(now) {
			free := p.cfg.Workers - len(p.sem)
			if free <= 0 {
				return now.Add(p.cfg.SafetyPoll), true, nil
			}
			n, err := p.claimAndStart(ctx, free)
			if err != nil {
				return now, false, err
			}
			if n == free {
				return now.Add(p.cfg.SafetyPoll), true, nil
			}
			if n > 0 {
				continue // claimed every due post: read the next due time
			}
		}
		next = now.Add(p.cfg.SafetyPoll)
		if st.NextDue.Before(next) {
			next = st.NextDue
		}
		if st.NextLeaseExpiry.Before(next) {
			next = st.NextLeaseExpiry
		}
		return next, false, nil
	}
}

// claimAndStart claims up to limit due posts and starts publishing each in
// its own goroutine, returning how many it claimed.
func (p *Publisher) claimAndStart(ctx context.Context, limit int) (int, error) {
	if p.stopping.Load() || limit <= 0 {
		return 0, nil
	}
	now := p.cfg.Now()
	// Not cancellable: a claim that commits while its caller gives up would
	// leave rows publishing with nobody sending them.
	rows, err := p.lq.PostClaimDue(context.WithoutCancel(ctx), dbq.PostClaimDueParams{
		Now: now, Lim: int32(min(limit, 500)), Owner: p.cfg.Owner, LeaseUntil: now.Add(p.cfg.Lease),
	})
	if err != nil {
		return 0, fmt.Errorf("claim due posts: %w", err)
	}
	for _, row := range rows {
		p.sem <- struct{}{}
		p.wg.Add(1)
		p.metrics.inFlight.Inc()
		go func() {
			defer func() {
				<-p.sem
				p.metrics.inFlight.Dec()
				p.wg.Done()
				select {
				case p.done <- struct{}{}:
				default:
				}
			}()
			// In-flight sends finish even when shutdown begins.
			p.publish(context.WithoutCancel(ctx), row)
		}()
	}
	return len(rows), nil
}

// backoff is the delay before retry n (1-based): doubling, capped, ±20% jitter.
func (p *Publisher) backoff(attempt int) time.Duration {
	d := p.cfg.RetryBase << min(attempt-1, 20)
	if d > p.cfg.RetryMax || d <= 0 {
		d = p.cfg.RetryMax
	}
	jitter := 0.8 + 0.4*rand.Float64()
	return time.Duration(float64(d) * jitter)
}

func resetTimer(t *time.Timer, d time.Duration) {
	if !t.Stop() {
		select {
		case <-t.C:
		default:
		}
	}
	t.Reset(max(d, 0))
}
