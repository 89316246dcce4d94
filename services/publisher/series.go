package publisher

import (
	"context"
	"fmt"
	"time"

	"github.com/betterplan/betterplan/db"
	"github.com/betterplan/betterplan/db/dbq"
	"github.com/betterplan/betterplan/internal/series"
)

// seriesLoop keeps each recurring series series.Ahead occurrences ahead:
// once one has gone out, the next is made (an ordinary scheduled post).
// It wakes a little after the soonest waiting occurrence's time, and on
// the safety poll. Replicas share the work: a series is locked while one
// tops it up, and the others skip it.
func (p *Publisher) seriesLoop(ctx context.Context) {
	timer := time.NewTimer(time.Second)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		next, err := p.seriesRound(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			p.cfg.Log.Error("recurring posts: top-up failed; retrying", "err", err)
			next = p.dbNow().Add(5 * time.Second)
		}
		// The post due then is published a moment later.
		resetTimer(timer, min(next.Add(2*time.Second).Sub(p.dbNow()), p.cfg.SafetyPoll))
	}
}

// seriesRound makes the occurrences series lack and says when to look again.
func (p *Publisher) seriesRound(ctx context.Context) (time.Time, error) {
	now := p.dbNow()
	if p.cfg.Now != nil {
		now = p.cfg.Now.Now()
	}
	sctx, cancel := context.WithTimeout(ctx, 4*p.cfg.StatementTimeout)
	defer cancel()
	made := 0
	err := db.InTx(sctx, p.cfg.Pool, func(q *dbq.Queries) error {
		rows, err := q.SeriesNeedingMore(sctx, series.Ahead)
		if err != nil {
			return err
		}
		for _, r := range rows {
			posts, err := series.TopUp(sctx, q, r.PostSeries, int(r.Pending), now)
			if err != nil {
				return fmt.Errorf("series %s: %w", r.PostSeries.ID, err)
			}
			made += len(posts)
		}
		return nil
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("top up recurring posts: %w", err)
	}
	if made > 0 {
		p.cfg.Log.Info("recurring posts: next occurrences made", "posts", made)
	}
	next, err := p.q.SeriesNextWake(sctx, never)
	if err != nil {
		return time.Time{}, fmt.Errorf("read recurring posts' schedule: %w", err)
	}
	return next, nil
}
