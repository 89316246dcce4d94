package queue

import (
	"context"
	"errors"
	"time"

	"github.com/betterplan/betterplan/db"
	"github.com/betterplan/betterplan/db/dbq"
)

// ErrClosed: the account has no posting times, or its queue is paused.
var ErrClosed = errors.New("the account's queue takes no posts (no posting times, or paused)")

// Load reads an account's stored schedule and whether it is paused
// (ErrClosed when none is stored); lock holds its row until the
// transaction ends (queue changes of one account take turns).
func Load(ctx context.Context, q *dbq.Queries, integrationID string, lock bool) (Schedule, bool, error) {
	var row dbq.PostingSchedule
	var err error
	if lock {
		row, err = q.PostingScheduleLock(ctx, integrationID)
	} else {
		row, err = q.PostingScheduleGet(ctx, integrationID)
	}
	if errors.Is(db.Classify(err), db.ErrNotFound) {
		return Schedule{}, false, ErrClosed
	}
	if err != nil {
		return Schedule{}, false, err
	}
	loc, err := time.LoadLocation(row.TimeZone)
	if err != nil {
		return Schedule{}, false, err
	}
	slots, err := q.PostingSlotsList(ctx, integrationID)
	if err != nil {
		return Schedule{}, false, err
	}
	s := Schedule{Loc: loc}
	for _, sl := range slots {
		s.Slots = append(s.Slots, Slot{Weekday: time.Weekday(sl.Weekday), Minute: int(sl.Minute)})
	}
	return s, row.Paused, nil
}

// AtEnd is the free slot at the end of an account's queue, not before
// notBefore, with the schedule row locked: where an evergreen post goes
// back. ErrClosed when the queue takes no posts.
func AtEnd(ctx context.Context, q *dbq.Queries, integrationID string, notBefore, now time.Time) (Occurrence, *time.Location, error) {
	s, paused, err := Load(ctx, q, integrationID, true)
	if err != nil {
		return Occurrence{}, nil, err
	}
	if paused || len(s.Slots) == 0 {
		return Occurrence{}, nil, ErrClosed
	}
	from := Wall(now, s.Loc)
	holders, err := q.PostQueueHolders(ctx, dbq.PostQueueHoldersParams{IntegrationID: &integrationID, FromLocal: &from})
	if err != nil {
		return Occurrence{}, nil, err
	}
	// Slots strictly after `after`: notBefore itself may be taken, the
	// last queued post's slot may not.
	after := notBefore.Add(-time.Nanosecond)
	if now.After(after) {
		after = now
	}
	for _, h := range holders {
		if h.Status == dbq.PostStatusScheduled && h.ScheduledAt != nil && !h.ScheduledAt.Before(after) {
			after = *h.ScheduledAt
		}
	}
	next := s.Next(after, 1)
	if len(next) == 0 {
		return Occurrence{}, nil, ErrClosed
	}
	return next[0], s.Loc, nil
}
