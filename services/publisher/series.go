package publisher

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/betterplan/betterplan/db"
	"github.com/betterplan/betterplan/db/dbq"
	"github.com/betterplan/betterplan/internal/queue"
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
		n, err := p.evergreen(sctx, q, now)
		made += n
		return err
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

// evergreen puts a copy of each evergreen post just published back at the
// end of its account's queue, no sooner than its days after; a queue that
// takes no posts (paused, no times) gets it as a draft.
func (p *Publisher) evergreen(ctx context.Context, q *dbq.Queries, now time.Time) (int, error) {
	due, err := q.PostEvergreenDue(ctx)
	if err != nil {
		return 0, err
	}
	for _, post := range due {
		next := ""
		if post.IntegrationID != nil && post.PublishedAt != nil && len(post.EvergreenTexts) > 0 {
			notBefore := post.PublishedAt.Add(time.Duration(*post.EvergreenDays) * 24 * time.Hour)
			round := post.EvergreenRound + 1
			arg := dbq.PostEvergreenCopyParams{ID: ulid.Make().String(), WorkspaceID: post.WorkspaceID, AuthorID: post.AuthorID,
				IntegrationID: post.IntegrationID, PartMedia: post.PartMedia, EvergreenDays: post.EvergreenDays,
				EvergreenTexts: post.EvergreenTexts, EvergreenRound: round, Now: now}
			occ, _, err := queue.AtEnd(ctx, q, *post.IntegrationID, notBefore, now)
			switch {
			case errors.Is(err, queue.ErrClosed):
				arg.Parts = []string{series.Render(post.EvergreenTexts, int(round), notBefore.UTC())}
			case err != nil:
				return 0, err
			default:
				arg.Parts = []string{series.Render(post.EvergreenTexts, int(round), occ.Local)}
				arg.At, arg.QueueSlot = &occ.At, &occ.Local
			}
			copied, err := q.PostEvergreenCopy(ctx, arg)
			if err != nil {
				return 0, fmt.Errorf("evergreen copy of %s: %w", post.ID, err)
			}
			next = copied.ID
		}
		if err := q.PostEvergreenDone(ctx, dbq.PostEvergreenDoneParams{ID: post.ID, Next: &next}); err != nil {
			return 0, err
		}
	}
	return len(due), nil
}
