// Package publisher sends due posts to X. Any number of publishers share one
// PostgreSQL: each claims due rows with FOR UPDATE SKIP LOCKED under a lease,
// so every post is handled by exactly one of them, and the posts table is the
// only schedule there is.
//
// A publisher sleeps until the next due time (a timer), wakes early when a
// post becomes due sooner (LISTEN posts_due, fed by a trigger), and polls
// slowly as a backstop. Every due and lease comparison uses PostgreSQL's
// clock; the process's clock only measures how long to sleep.
//
// Before a part goes to X it is marked in flight (the claim marks the first).
// When the outcome of a send is unknown (a timeout, a broken connection, a
// 5xx, a publisher that died with the part in flight) the mark stays, and
// before the part is sent again the publisher reads the account's recent
// posts on X (reconcile.go): found, its id is recorded; not there, it is
// sent again. Nothing is sent twice and nothing is left to a person unless X
// cannot be read.
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

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/oklog/ulid/v2"
	"gocloud.dev/blob"

	"github.com/betterplan/betterplan/db/dbq"
	"github.com/betterplan/betterplan/internal/clock"
	"github.com/betterplan/betterplan/internal/secretbox"
	"github.com/betterplan/betterplan/internal/xclient"
	"github.com/betterplan/betterplan/internal/xweb"
)

// Config configures a Publisher. Zero durations and counts take the defaults.
type Config struct {
	Pool *pgxpool.Pool
	// LoopPool, if set, serves the loop's own queries (schedule, claims,
	// recovery) so claiming never waits behind the workers' writes.
	LoopPool *pgxpool.Pool
	// Listen, if set, is the connection LISTEN uses (a session: direct to
	// PostgreSQL when the pools go through a pooler in transaction mode);
	// Pool's otherwise.
	Listen *pgx.ConnConfig
	X      *xclient.Client
	// XWeb is where links in messages point (x.com or the sandbox).
	XWeb xweb.Site
	Keys *secretbox.Keyring
	Log  *slog.Logger
	// Now overrides the database's clock in every query (tests); nil means
	// PostgreSQL's now().
	Now clock.Clock
	// Wall is the process's clock, used only to turn database times into
	// how long to sleep; nil is time.Now. (Tests skew it.)
	Wall clock.Clock

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
	// RecheckAfter is how long after a send with an unknown outcome X is
	// read to find out (default 5s): X's timeline may lag a moment behind.
	RecheckAfter time.Duration
	// MissedAfter: a post this late is failed as missed, not published late
	// (default 24h).
	MissedAfter time.Duration
	// StatementTimeout bounds every database statement (default 5s).
	StatementTimeout time.Duration
	// Bucket holds media bytes (MEDIA_BUCKET_URL); nil when no post has
	// media (tests of text posts).
	Bucket *blob.Bucket
	// Uploads bounds the media uploads to X at once (default 8).
	Uploads int
	// MediaHorizon is how long before a post's time its images and GIFs
	// go to X (default 15m); VideoHorizon the same for video (default 1h).
	MediaHorizon time.Duration
	VideoHorizon time.Duration
	// MediaWait: a post whose files X has not finished this long after its
	// time fails (default 30m); until then it waits for them.
	MediaWait time.Duration
	// ShutdownTimeout bounds how long Run waits for posts in flight once
	// its context ends (default 20s); what is unfinished then is left to
	// lease recovery and reconciliation.
	ShutdownTimeout time.Duration
}

// Publisher claims due posts and publishes them.
type Publisher struct {
	cfg       Config
	q         *dbq.Queries // workers' writes
	lq        *dbq.Queries // the loop's queries
	published *publishedWriter
	metrics   *metrics

	// hard ends the work in flight: cancelled only when a shutdown runs out
	// of time, so a post being sent is never abandoned half-way otherwise.
	hard       context.Context
	cancelHard context.CancelFunc

	sem chan struct{} // one token per post being published
	wg  sync.WaitGroup
	// uploads has a token per media upload job running (stage.go).
	uploads   chan struct{}
	stageWG   sync.WaitGroup
	stageWake *wakeup
	stopping  atomic.Bool
	done      chan struct{} // a worker finished: capacity may be free again

	lastPoll atomic.Int64 // unix nanos (process clock) of the last successful poll
	dbOffset atomic.Int64 // database time minus process time at the last poll, in ns
	// nextLease is the next lease expiry (database time, unix micros: the
	// far-off "never" overflows nanos) the last poll saw; leases taken
	// since end later.
	nextLease atomic.Int64
	listenOK  atomic.Bool
	// keyProblem says which credential key this publisher lacks (a post
	// it could not open was released); /healthz reports it.
	keyProblem atomic.Pointer[string]
}

// never stands for "nothing pending" in PostSchedulerState.
var never = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// New checks cfg and returns a Publisher.
func New(cfg Config) (*Publisher, error) {
	if cfg.Pool == nil || cfg.X == nil || cfg.Keys == nil || cfg.Log == nil {
		return nil, errors.New("publisher: Pool, X, Keys and Log are required")
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
	def(&cfg.RecheckAfter, 5*time.Second)
	def(&cfg.MissedAfter, 24*time.Hour)
	def(&cfg.StatementTimeout, 5*time.Second)
	def(&cfg.ShutdownTimeout, 20*time.Second)
	def(&cfg.MediaHorizon, 15*time.Minute)
	def(&cfg.VideoHorizon, time.Hour)
	def(&cfg.MediaWait, 30*time.Minute)
	if cfg.Uploads <= 0 {
		cfg.Uploads = 8
	}
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
	p := &Publisher{
		cfg:       cfg,
		q:         q,
		lq:        dbq.New(cfg.LoopPool),
		metrics:   newMetrics(),
		sem:       make(chan struct{}, cfg.Workers),
		done:      make(chan struct{}, 1),
		uploads:   make(chan struct{}, cfg.Uploads),
		stageWake: newWakeup(),
	}
	p.hard, p.cancelHard = context.WithCancel(context.Background())
	p.published = newPublishedWriter(p)
	return p, nil
}

// Owner is this replica's lease name.
func (p *Publisher) Owner() string { return p.cfg.Owner }

// Tick publishes everything due now and returns when those posts are
// finished: one round of the loop without the waiting, for tests that move
// a manual clock.
func (p *Publisher) Tick(ctx context.Context) error {
	if _, err := p.recover(ctx); err != nil {
		return err
	}
	if p.cfg.Bucket != nil {
		if _, err := p.stageRound(ctx); err != nil {
			return err
		}
		p.stageWG.Wait()
	}
	for {
		n, _, err := p.claimAndStart(p.cfg.Workers)
		if err != nil {
			return err
		}
		p.wg.Wait()
		if n == 0 {
			_, err := p.seriesRound(ctx)
			return err
		}
	}
}

// Run publishes until ctx ends. Then it stops claiming, lets the posts in
// flight finish (threads stop after the current part and are released for
// another replica) for at most ShutdownTimeout, and returns.
func (p *Publisher) Run(ctx context.Context) error {
	wake := newWakeup()
	listenCtx, stopListen := context.WithCancel(context.WithoutCancel(ctx))
	defer stopListen()
	go p.listen(listenCtx, wake, p.stageWake)
	stageCtx, stopStaging := context.WithCancel(ctx)
	defer stopStaging()
	if p.cfg.Bucket != nil {
		go p.stageLoop(stageCtx)
	}
	go p.seriesLoop(stageCtx)

	p.cfg.Log.Info("publisher started", "owner", p.cfg.Owner, "workers", p.cfg.Workers,
		"lease", p.cfg.Lease, "safety_poll", p.cfg.SafetyPoll)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	retry := 50 * time.Millisecond // after a failed round; grows while PostgreSQL stays away
	refill := false                // woken because a worker freed up while posts were waiting
	due := false                   // woken at a post's due time
	for ctx.Err() == nil {
		pl, err := p.round(ctx, refill, due)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			p.cfg.Log.Error("publisher round failed; retrying", "err", err, "in", retry)
			pl = plan{next: p.dbNow().Add(retry)}
			retry = min(retry*2, 5*time.Second)
		} else {
			retry = 50 * time.Millisecond
		}
		var done <-chan struct{}
		if pl.atCapacity {
			done = p.done // a finished worker frees capacity for more due posts
		}
		resetTimer(timer, pl.next.Sub(p.dbNow()))
		refill, due = false, false
	wait:
		for {
			select {
			case <-ctx.Done():
				break wait
			case <-timer.C:
				due = pl.due
				break wait
			case <-done:
				refill = true
				break wait
			case <-wake.c:
				if at, ok := wake.take(); ok && at.Before(pl.next) {
					pl.next, pl.due = at, true
					resetTimer(timer, at.Sub(p.dbNow()))
				}
			}
		}
	}
	p.stopping.Store(true)
	p.cfg.Log.Info("publisher stopping: finishing posts in flight", "in_flight", len(p.sem), "uploads", len(p.uploads), "at_most", p.cfg.ShutdownTimeout)
	if !p.waitWorkers(p.cfg.ShutdownTimeout) {
		p.cfg.Log.Warn("publisher stopping: posts still in flight after the shutdown timeout; leaving them to lease recovery", "in_flight", len(p.sem))
		p.cancelHard()
		p.waitWorkers(2 * time.Second)
	}
	p.cancelHard()
	p.cfg.Log.Info("publisher stopped")
	return nil
}

// waitWorkers waits for every worker, at most d; it reports whether they all finished.
func (p *Publisher) waitWorkers(d time.Duration) bool {
	finished := make(chan struct{})
	go func() { p.wg.Wait(); p.stageWG.Wait(); close(finished) }()
	select {
	case <-finished:
		return true
	case <-time.After(d):
		return false
	}
}

// plan says when the loop runs next, in database time.
type plan struct {
	next       time.Time
	atCapacity bool // due posts are waiting for a worker to finish
	due        bool // next is a post's due time: claim straight away then
}

// dbNow estimates the database's time from the process's clock and the
// offset seen at the last schedule read: only to decide how long to sleep.
func (p *Publisher) dbNow() time.Time {
	return p.cfg.Wall.Now().Add(time.Duration(p.dbOffset.Load()))
}

// round recovers dead leases, starts every due post it has capacity for and
// says when to run again. With refill (a worker just finished while posts
// were waiting) it claims straight away, skipping the schedule read while
// that is fresh: under a burst the read would cost one query per refill.
func (p *Publisher) round(ctx context.Context, refill, due bool) (plan, error) {
	if (refill || due) && time.Since(time.Unix(0, p.lastPoll.Load())) < time.Second {
		if free := p.cfg.Workers - len(p.sem); free > 0 {
			n, nextDue, err := p.claimAndStart(free)
			if err != nil {
				return plan{}, err
			}
			if n == free {
				return plan{next: p.dbNow().Add(p.cfg.SafetyPoll), atCapacity: true}, nil
			}
			if n > 0 && n < maxClaim {
				// Every due post is claimed and the claim said when the
				// next is due: no schedule read (half the statements of a
				// steady stream of posts).
				return p.plan(p.dbNow(), nextDue, p.lastNextLease()), nil
			}
		}
	}
	for {
		sctx, cancel := context.WithTimeout(ctx, p.cfg.StatementTimeout)
		st, err := p.lq.PostSchedulerState(sctx, dbq.PostSchedulerStateParams{Now: p.cfg.Now.DB(), Never: never})
		cancel()
		if err != nil {
			return plan{}, fmt.Errorf("read schedule: %w", err)
		}
		now := st.DbNow
		p.dbOffset.Store(int64(now.Sub(p.cfg.Wall.Now())))
		p.lastPoll.Store(time.Now().UnixNano())
		p.setNextLease(st.NextLeaseExpiry)
		p.metrics.lastPoll.SetToCurrentTime()
		p.metrics.backlog.Set(float64(st.Backlog))
		if !st.NextLeaseExpiry.After(now) {
			if _, err := p.recover(ctx); err != nil {
				return plan{}, err
			}
			continue // recovered posts are due now
		}
		if !st.NextDue.After(now) {
			free := p.cfg.Workers - len(p.sem)
			if free <= 0 {
				return plan{next: now.Add(p.cfg.SafetyPoll), atCapacity: true}, nil
			}
			n, nextDue, err := p.claimAndStart(free)
			if err != nil {
				return plan{}, err
			}
			if n == free {
				return plan{next: now.Add(p.cfg.SafetyPoll), atCapacity: true}, nil
			}
			if n == maxClaim {
				continue // more may be due
			}
			if n > 0 {
				// Claimed every due post; the claim read when the next is
				// due. Leases taken since st was read end later than any
				// in st.
				return p.plan(now, nextDue, st.NextLeaseExpiry), nil
			}
		}
		return p.plan(now, st.NextDue, st.NextLeaseExpiry), nil
	}
}

// setNextLease keeps the next lease expiry a schedule read saw, for the
// claims between reads.
func (p *Publisher) setNextLease(t time.Time) { p.nextLease.Store(t.UnixMicro()) }

func (p *Publisher) lastNextLease() time.Time { return time.UnixMicro(p.nextLease.Load()).UTC() }

// plan wakes at the next due time or lease expiry, or after the safety poll.
func (p *Publisher) plan(now, nextDue, nextLease time.Time) plan {
	pl := plan{next: now.Add(p.cfg.SafetyPoll)}
	if nextDue.Before(pl.next) {
		pl.next, pl.due = nextDue, true
	}
	if nextLease.Before(pl.next) {
		pl.next, pl.due = nextLease, false
	}
	return pl
}

// recover puts posts whose publisher died (lease expired) back on the
// schedule; a part they left in flight is looked up on X before any resend.
func (p *Publisher) recover(ctx context.Context) (int, error) {
	sctx, cancel := context.WithTimeout(ctx, p.cfg.StatementTimeout)
	defer cancel()
	rows, err := p.lq.PostRecoverExpired(sctx, p.cfg.Now.DB())
	if err != nil {
		return 0, fmt.Errorf("recover expired leases: %w", err)
	}
	for _, r := range rows {
		if r.InFlightPart != nil {
			p.cfg.Log.Warn("recovered a post whose publisher stopped while it was in flight; X will be checked before it is sent again",
				"post_id", r.ID, "part", *r.InFlightPart+1)
		} else {
			p.cfg.Log.Warn("recovered a post whose publisher stopped", "post_id", r.ID)
		}
	}
	p.metrics.recovered.Add(float64(len(rows)))
	return len(rows), nil
}

// maxClaim bounds one claim: its rows arrive in one result.
const maxClaim = 500

// claimAndStart claims up to limit due posts and starts publishing each,
// returning how many it claimed and, when it claimed any, when the next
// post is due. Posts with a part in doubt are first looked
// up on X, one read per X account.
func (p *Publisher) claimAndStart(limit int) (n int, nextDue time.Time, err error) {
	if p.stopping.Load() || limit <= 0 {
		return 0, time.Time{}, nil
	}
	// Not cancelled by shutdown: a claim that commits while its caller
	// gives up would leave rows publishing with nobody sending them. It has
	// a deadline all the same; rows a timed-out claim did commit are
	// recovered when the lease ends.
	start := time.Now()
	sctx, cancel := context.WithTimeout(p.hard, p.cfg.StatementTimeout)
	rows, err := p.lq.PostClaimDue(sctx, dbq.PostClaimDueParams{
		Now: p.cfg.Now.DB(), Lim: int32(min(limit, maxClaim)), Owner: p.cfg.Owner, LeaseSecs: p.cfg.Lease.Seconds(), Never: never,
	})
	cancel()
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("claim due posts: %w", err)
	}
	doubtful := map[string][]*attempt{}
	for _, row := range rows {
		p.sem <- struct{}{}
		p.wg.Add(1)
		p.metrics.inFlight.Inc()
		a := p.newAttempt(row, start.Add(p.cfg.Lease))
		if a.doubt && row.IntegrationID != nil {
			doubtful[*row.IntegrationID] = append(doubtful[*row.IntegrationID], a)
			continue
		}
		go p.work(a, nil)
	}
	for _, group := range doubtful {
		go p.reconcile(group)
	}
	if len(rows) > 0 {
		nextDue = rows[0].NextDue
	}
	return len(rows), nextDue, nil
}

// work publishes one claimed post and frees its worker.
func (p *Publisher) work(a *attempt, res *resolution) {
	defer func() {
		<-p.sem
		p.metrics.inFlight.Dec()
		p.wg.Done()
		select {
		case p.done <- struct{}{}:
		default:
		}
	}()
	p.publish(a, res)
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
