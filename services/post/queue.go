package post

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/betterplan/betterplan/db"
	"github.com/betterplan/betterplan/db/dbq"
	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
	"github.com/betterplan/betterplan/gen/betterplan/post/v1/postv1connect"
	"github.com/betterplan/betterplan/internal/access"
	"github.com/betterplan/betterplan/internal/apierr"
	"github.com/betterplan/betterplan/internal/auth"
	"github.com/betterplan/betterplan/internal/queue"
)

// Queue implements QueueService with the post service's helpers: queued
// posts are ordinary scheduled posts that also hold a slot (queue_slot).
type Queue struct{ s *Service }

// NewQueue returns the QueueService handler.
func NewQueue(s *Service) *Queue { return &Queue{s: s} }

var _ postv1connect.QueueServiceHandler = (*Queue)(nil)

// horizon bounds how far ahead a free slot is looked for.
const horizon = 2000

const (
	defaultQueueList = 28
	maxQueueList     = 200
)

var errNoSchedule = apierr.New(connect.CodeFailedPrecondition,
	"this X account has no posting times yet: set its posting schedule (UpdatePostingSchedule) first")

// account is an X account's queue as a request sees it.
type account struct {
	integ    dbq.Integration
	role     dbq.WorkspaceRole
	exists   bool // a schedule is stored
	paused   bool
	loc      *time.Location
	schedule queue.Schedule
}

// load reads the account, the caller's role and its schedule; lock holds
// the schedule row until the transaction ends (queue changes take turns).
func (qs *Queue) load(ctx context.Context, q *dbq.Queries, integrationID string, lock bool) (account, error) {
	if integrationID == "" {
		return account{}, apierr.Invalid("integration_id", "is required: the X account (Integration.id)")
	}
	row, err := q.IntegrationGetForMember(ctx, dbq.IntegrationGetForMemberParams{ID: integrationID, UserID: auth.UserID(ctx)})
	if errors.Is(db.Classify(err), db.ErrNotFound) {
		return account{}, errNoIntegration
	}
	if err != nil {
		return account{}, err
	}
	a := account{integ: row.Integration, role: row.Role}
	a.schedule, a.paused, err = queue.Load(ctx, q, integrationID, lock)
	switch {
	case errors.Is(err, queue.ErrClosed): // none stored yet
		a.loc = qs.userZone(ctx, q)
		a.schedule = queue.Schedule{Loc: a.loc}
		return a, nil
	case err != nil:
		return account{}, err
	}
	a.exists, a.loc = true, a.schedule.Loc
	return a, nil
}

// userZone is the caller's zone from their settings (UTC when unset).
func (qs *Queue) userZone(ctx context.Context, q *dbq.Queries) *time.Location {
	u, err := q.UserGet(ctx, auth.UserID(ctx))
	if err == nil && u.TimeZone != "" {
		if loc, err := time.LoadLocation(u.TimeZone); err == nil {
			return loc
		}
	}
	return time.UTC
}

func (a account) slotProto(o queue.Occurrence, p *postv1.Post) *postv1.QueueSlot {
	return &postv1.QueueSlot{Time: timestamppb.New(o.At), LocalTime: o.Local.Format("2006-01-02T15:04"), TimeZone: a.loc.String(), Post: p}
}

// occurrence is the slot a post holds, from its stored local time.
func (a account) occurrence(p dbq.Post) queue.Occurrence {
	l := *p.QueueSlot
	at := queue.Resolve(a.loc, l.Year(), l.Month(), l.Day(), l.Hour()*60+l.Minute())
	return queue.Occurrence{Local: l, At: at}
}

// holders are the account's posts holding coming slots, soonest first.
func (qs *Queue) holders(ctx context.Context, q *dbq.Queries, a account, now time.Time) ([]dbq.Post, error) {
	from := queue.Wall(now, a.loc)
	return q.PostQueueHolders(ctx, dbq.PostQueueHoldersParams{IntegrationID: &a.integ.ID, FromLocal: &from})
}

// take puts a post in an occurrence (its slot must be free).
func (qs *Queue) take(ctx context.Context, q *dbq.Queries, p dbq.Post, o queue.Occurrence) (dbq.Post, error) {
	local := o.Local
	row, err := q.PostQueueTake(ctx, dbq.PostQueueTakeParams{ID: p.ID, WorkspaceID: p.WorkspaceID, QueueSlot: &local, At: o.At, Now: qs.s.now.Now()})
	switch {
	case errors.Is(db.Classify(err), db.ErrConflict):
		return dbq.Post{}, apierr.New(connect.CodeAborted, "another post took that slot at the same moment; try again")
	case errors.Is(db.Classify(err), db.ErrNotFound):
		return dbq.Post{}, errState("the post changed while the queue was being arranged; reload it and try again")
	}
	return row, err
}

// GetPostingSchedule implements QueueService.GetPostingSchedule.
func (qs *Queue) GetPostingSchedule(ctx context.Context, req *connect.Request[postv1.GetPostingScheduleRequest]) (*connect.Response[postv1.GetPostingScheduleResponse], error) {
	a, err := qs.load(ctx, qs.s.q, req.Msg.GetIntegrationId(), false)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&postv1.GetPostingScheduleResponse{Schedule: a.proto()}), nil
}

var weekdays = map[postv1.Weekday]time.Weekday{
	postv1.Weekday_WEEKDAY_MONDAY: time.Monday, postv1.Weekday_WEEKDAY_TUESDAY: time.Tuesday, postv1.Weekday_WEEKDAY_WEDNESDAY: time.Wednesday,
	postv1.Weekday_WEEKDAY_THURSDAY: time.Thursday, postv1.Weekday_WEEKDAY_FRIDAY: time.Friday, postv1.Weekday_WEEKDAY_SATURDAY: time.Saturday,
	postv1.Weekday_WEEKDAY_SUNDAY: time.Sunday,
}

func weekdayProto(d time.Weekday) postv1.Weekday {
	for k, v := range weekdays {
		if v == d {
			return k
		}
	}
	return postv1.Weekday_WEEKDAY_UNSPECIFIED
}

func (a account) proto() *postv1.PostingSchedule {
	out := &postv1.PostingSchedule{IntegrationId: a.integ.ID, TimeZone: a.loc.String(), Paused: a.paused}
	slots := slices.Clone(a.schedule.Slots)
	// Monday first.
	slices.SortFunc(slots, func(x, y queue.Slot) int {
		return ((int(x.Weekday)+6)%7*1440 + x.Minute) - ((int(y.Weekday)+6)%7*1440 + y.Minute)
	})
	for _, sl := range slots {
		out.Slots = append(out.Slots, &postv1.PostingSlot{Weekday: weekdayProto(sl.Weekday), LocalTime: sl.Clock()})
	}
	return out
}

// ParseZone reads an IANA zone name a person chose.
func parseZone(name string) (*time.Location, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, apierr.Invalid("time_zone", "is required: an IANA zone like Europe/Berlin")
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		return nil, apierr.Invalid("time_zone", fmt.Sprintf("%q is not an IANA time zone name (like Europe/Berlin or America/New_York)", apierr.Clip(name)))
	}
	return loc, nil
}

// UpdatePostingSchedule implements QueueService.UpdatePostingSchedule.
func (qs *Queue) UpdatePostingSchedule(ctx context.Context, req *connect.Request[postv1.UpdatePostingScheduleRequest]) (*connect.Response[postv1.UpdatePostingScheduleResponse], error) {
	msg := req.Msg
	loc, err := parseZone(msg.GetTimeZone())
	if err != nil {
		return nil, err
	}
	var slots []queue.Slot
	for i, sl := range msg.GetSlots() {
		min, err := queue.ParseClock(sl.GetLocalTime())
		if err != nil {
			return nil, apierr.Invalid(fmt.Sprintf("slots[%d].local_time", i), err.Error())
		}
		s := queue.Slot{Weekday: weekdays[sl.GetWeekday()], Minute: min}
		if !slices.Contains(slots, s) {
			slots = append(slots, s)
		}
	}
	now := qs.s.now.Now()
	var (
		a     account
		moved []*postv1.Move
	)
	err = db.InTx(ctx, qs.s.pool, func(q *dbq.Queries) error {
		if a, err = qs.load(ctx, q, msg.GetIntegrationId(), true); err != nil {
			return err
		}
		if err := access.Require(a.role, dbq.WorkspaceRoleEditor, "changing posting schedules"); err != nil {
			return err
		}
		old := a
		before, err := qs.holders(ctx, q, old, now)
		if err != nil {
			return err
		}
		if _, err := q.PostingScheduleUpsert(ctx, dbq.PostingScheduleUpsertParams{IntegrationID: a.integ.ID, TimeZone: loc.String(), Paused: msg.GetPaused(), Now: now}); err != nil {
			return err
		}
		if err := q.PostingSlotsClear(ctx, a.integ.ID); err != nil {
			return err
		}
		for _, sl := range slots {
			if err := q.PostingSlotAdd(ctx, dbq.PostingSlotAddParams{IntegrationID: a.integ.ID, Weekday: int16(sl.Weekday), Minute: int16(sl.Minute)}); err != nil {
				return err
			}
		}
		a.exists, a.paused, a.loc, a.schedule = true, msg.GetPaused(), loc, queue.Schedule{Loc: loc, Slots: slots}
		moved, err = qs.rearrange(ctx, q, old, a, before, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := qs.s.withMedia(ctx, a.integ.WorkspaceID, movedPosts(moved)...); err != nil {
		return nil, err
	}
	qs.s.log.InfoContext(ctx, "posting schedule updated", "integration_id", a.integ.ID, "zone", loc.String(), "slots", len(slots), "paused", a.paused, "moved", len(moved))
	return connect.NewResponse(&postv1.UpdatePostingScheduleResponse{Schedule: a.proto(), Moved: moved}), nil
}

// rearrange fits the queue's posts to a changed schedule: pausing holds
// them; otherwise a post keeps its slot while the slot still exists in the
// same zone, and the others (their slot removed, the zone changed, or held
// by a pause) take the next free slots, in queue order.
func (qs *Queue) rearrange(ctx context.Context, q *dbq.Queries, old, a account, before []dbq.Post, now time.Time) ([]*postv1.Move, error) {
	var moved []*postv1.Move
	if a.paused {
		if err := q.PostQueueHold(ctx, dbq.PostQueueHoldParams{IntegrationID: &a.integ.ID, Now: now}); err != nil {
			return nil, err
		}
		for _, p := range before {
			if p.Status == dbq.PostStatusScheduled {
				moved = append(moved, &postv1.Move{PostId: p.ID, From: old.slotProto(old.occurrence(p), nil)})
			}
		}
		return moved, nil
	}
	sameZone := old.exists && old.loc.String() == a.loc.String()
	taken := map[time.Time]bool{}
	var again []dbq.Post
	for _, p := range before {
		l := *p.QueueSlot
		keep := sameZone && p.Status == dbq.PostStatusScheduled && slices.Contains(a.schedule.Slots, queue.Slot{Weekday: l.Weekday(), Minute: l.Hour()*60 + l.Minute()})
		if keep {
			taken[l] = true
			continue
		}
		again = append(again, p)
	}
	if len(again) == 0 {
		return nil, nil
	}
	ids := make([]string, len(again))
	for i, p := range again {
		ids[i] = p.ID
	}
	if err := q.PostQueueRelease(ctx, dbq.PostQueueReleaseParams{Ids: ids, WorkspaceID: a.integ.WorkspaceID}); err != nil {
		return nil, err
	}
	occ := a.schedule.Next(now, horizon)
	for _, p := range again {
		var from *postv1.QueueSlot
		if p.Status == dbq.PostStatusScheduled {
			from = old.slotProto(old.occurrence(p), nil)
		}
		// A post whose slot was removed goes to the next free slot after
		// it; one held by a pause, to the first free slot from now.
		after := now
		if p.Status == dbq.PostStatusScheduled && p.ScheduledAt != nil && p.ScheduledAt.After(now) {
			after = *p.ScheduledAt
		}
		o, ok := firstFree(occ, taken, after)
		if !ok {
			if len(a.schedule.Slots) == 0 {
				return nil, errState("the schedule has no posting times left for the queue's posts: keep at least one time, or pause the queue")
			}
			return nil, errState("there are not enough free slots in the coming weeks for the queue's posts")
		}
		taken[o.Local] = true
		row, err := qs.take(ctx, q, p, o)
		if err != nil {
			return nil, err
		}
		moved = append(moved, &postv1.Move{PostId: p.ID, From: from, To: a.slotProto(o, qs.s.postToProto(row))})
	}
	return moved, nil
}

// firstFree is the first occurrence at or after `after` that no post holds.
func firstFree(occ []queue.Occurrence, taken map[time.Time]bool, after time.Time) (queue.Occurrence, bool) {
	for _, o := range occ {
		if o.At.Before(after) || taken[o.Local] {
			continue
		}
		return o, true
	}
	return queue.Occurrence{}, false
}

func movedPosts(moved []*postv1.Move) []*postv1.Post {
	var out []*postv1.Post
	for _, m := range moved {
		if p := m.GetTo().GetPost(); p != nil {
			out = append(out, p)
		}
	}
	return out
}

// ListQueue implements QueueService.ListQueue.
func (qs *Queue) ListQueue(ctx context.Context, req *connect.Request[postv1.ListQueueRequest]) (*connect.Response[postv1.ListQueueResponse], error) {
	n := int(req.Msg.GetCount())
	switch {
	case n == 0:
		n = defaultQueueList
	case n < 0 || n > maxQueueList:
		return nil, apierr.Invalid("count", fmt.Sprintf("must be 1 to %d (or unset for %d)", maxQueueList, defaultQueueList))
	}
	a, err := qs.load(ctx, qs.s.q, req.Msg.GetIntegrationId(), false)
	if err != nil {
		return nil, err
	}
	now := qs.s.now.Now()
	hold, err := qs.holders(ctx, qs.s.q, a, now)
	if err != nil {
		return nil, err
	}
	out := &postv1.ListQueueResponse{Schedule: a.proto()}
	bySlot := map[time.Time]dbq.Post{}
	for _, p := range hold {
		if p.Status == dbq.PostStatusDraft && a.paused {
			out.Held = append(out.Held, qs.s.postToProto(p))
			continue
		}
		if p.Status == dbq.PostStatusScheduled {
			bySlot[*p.QueueSlot] = p
		}
	}
	if !a.paused {
		for _, o := range a.schedule.Next(now, n) {
			var pp *postv1.Post
			if p, ok := bySlot[o.Local]; ok {
				pp = qs.s.postToProto(p)
			}
			out.Slots = append(out.Slots, a.slotProto(o, pp))
		}
	}
	var posts []*postv1.Post
	for _, sl := range out.Slots {
		if sl.Post != nil {
			posts = append(posts, sl.Post)
		}
	}
	if err := qs.s.withMedia(ctx, a.integ.WorkspaceID, append(posts, out.Held...)...); err != nil {
		return nil, err
	}
	return connect.NewResponse(out), nil
}

// queued loads a post for a queue change (editor) with its account, locked.
// Everything goes through the transaction's q: a second connection per
// waiting request would starve the pool while the lock is held.
func (qs *Queue) queued(ctx context.Context, q *dbq.Queries, postID, action string) (dbq.Post, account, error) {
	if postID == "" {
		return dbq.Post{}, account{}, apierr.Invalid("post_id", "is required")
	}
	row, err := q.PostGetForMember(ctx, dbq.PostGetForMemberParams{ID: postID, UserID: auth.UserID(ctx)})
	if errors.Is(db.Classify(err), db.ErrNotFound) {
		return dbq.Post{}, account{}, errNoPost
	}
	if err != nil {
		return dbq.Post{}, account{}, err
	}
	p, role := row.Post, row.Role
	if err := access.Require(role, dbq.WorkspaceRoleEditor, action); err != nil {
		return dbq.Post{}, account{}, err
	}
	if p.IntegrationID == nil {
		return dbq.Post{}, account{}, errDisconnected
	}
	a, err := qs.load(ctx, q, *p.IntegrationID, true)
	if err != nil {
		return dbq.Post{}, account{}, err
	}
	switch {
	case !a.exists || len(a.schedule.Slots) == 0:
		return dbq.Post{}, account{}, errNoSchedule
	case a.paused:
		return dbq.Post{}, account{}, errState(fmt.Sprintf("the queue of @%s is paused: resume it (UpdatePostingSchedule) to change it", a.integ.Username))
	}
	if err := qs.s.holdActive(ctx, q, p); err != nil {
		return dbq.Post{}, account{}, err
	}
	return p, a, nil
}

// queueable says why a post cannot take a slot.
func queueable(p dbq.Post) error {
	switch p.Status {
	case dbq.PostStatusDraft, dbq.PostStatusScheduled, dbq.PostStatusFailed:
		if len(p.XPostIds) > 0 {
			return errState("part of this thread is already on X; retry it instead of queueing it")
		}
		return nil
	case dbq.PostStatusPendingApproval:
		return errState("the post is waiting for approval: approve it (or send it back) first")
	}
	return editable(p)
}

// AddToQueue implements QueueService.AddToQueue.
func (qs *Queue) AddToQueue(ctx context.Context, req *connect.Request[postv1.AddToQueueRequest]) (*connect.Response[postv1.AddToQueueResponse], error) {
	now := qs.s.now.Now()
	var (
		row  dbq.Post
		a    account
		slot queue.Occurrence
	)
	err := db.InTx(ctx, qs.s.pool, func(q *dbq.Queries) (err error) {
		row, a, slot, err = qs.enqueue(ctx, q, req.Msg.GetPostId(), now)
		return err
	})
	if err != nil {
		return nil, err
	}
	post, err := qs.s.full(ctx, row)
	if err != nil {
		return nil, err
	}
	qs.s.log.InfoContext(ctx, "post added to the queue", "post_id", row.ID, "at", slot.At, "local", slot.Local.Format("2006-01-02T15:04"), "zone", a.loc.String())
	return connect.NewResponse(&postv1.AddToQueueResponse{Post: post, Slot: a.slotProto(slot, nil)}), nil
}

// enqueue gives a post the next free slot, in the caller's transaction.
func (qs *Queue) enqueue(ctx context.Context, q *dbq.Queries, postID string, now time.Time) (dbq.Post, account, queue.Occurrence, error) {
	p, a, err := qs.queued(ctx, q, postID, "adding posts to the queue")
	if err != nil {
		return dbq.Post{}, account{}, queue.Occurrence{}, err
	}
	if err := queueable(p); err != nil {
		return dbq.Post{}, account{}, queue.Occurrence{}, err
	}
	if p.QueueSlot != nil && p.Status == dbq.PostStatusScheduled && p.ScheduledAt != nil && p.ScheduledAt.After(now) {
		return dbq.Post{}, account{}, queue.Occurrence{}, errState(fmt.Sprintf("the post is already in the queue (%s); move it with ReorderQueue", a.occurrence(p).Local.Format("Mon 2 Jan 15:04")))
	}
	taken, err := qs.takenSlots(ctx, q, a, now)
	if err != nil {
		return dbq.Post{}, account{}, queue.Occurrence{}, err
	}
	// One more slot than the posts holding slots has a free one.
	o, ok := firstFree(a.schedule.Next(now, len(taken)+1), taken, now)
	if !ok {
		return dbq.Post{}, account{}, queue.Occurrence{}, errState("every slot of the coming weeks is taken: add posting times to the schedule")
	}
	row, err := qs.take(ctx, q, p, o)
	if err != nil {
		return dbq.Post{}, account{}, queue.Occurrence{}, err
	}
	return row, a, o, qs.s.addActivity(ctx, q, row.ID, dbq.PostActivityKindScheduled, "added to the queue")
}

// takenSlots are the coming slots posts hold.
func (qs *Queue) takenSlots(ctx context.Context, q *dbq.Queries, a account, now time.Time) (map[time.Time]bool, error) {
	hold, err := qs.holders(ctx, q, a, now)
	if err != nil {
		return nil, err
	}
	taken := map[time.Time]bool{}
	for _, p := range hold {
		taken[*p.QueueSlot] = true
	}
	return taken, nil
}

// ShareNext implements QueueService.ShareNext.
func (qs *Queue) ShareNext(ctx context.Context, req *connect.Request[postv1.ShareNextRequest]) (*connect.Response[postv1.ShareNextResponse], error) {
	now := qs.s.now.Now()
	var (
		row   dbq.Post
		a     account
		first queue.Occurrence
		moved []*postv1.Move
	)
	err := db.InTx(ctx, qs.s.pool, func(q *dbq.Queries) error {
		p, acc, err := qs.queued(ctx, q, req.Msg.GetPostId(), "changing the queue")
		if err != nil {
			return err
		}
		a = acc
		if err := queueable(p); err != nil {
			return err
		}
		hold, err := qs.holders(ctx, q, a, now)
		if err != nil {
			return err
		}
		bySlot := map[time.Time]dbq.Post{}
		for _, h := range hold {
			if h.ID != p.ID {
				bySlot[*h.QueueSlot] = h
			}
		}
		// The post takes the first slot; each post in the way takes the
		// next slot, until one lands in a free slot (or the post's own).
		var chain []dbq.Post
		var slots []queue.Occurrence
		carry, placed := p, false
		for _, o := range a.schedule.Next(now, len(hold)+1) { // a free one is among them
			chain, slots = append(chain, carry), append(slots, o)
			next, ok := bySlot[o.Local]
			if !ok {
				placed = true
				break
			}
			carry = next
		}
		if !placed {
			return errState("every slot of the coming weeks is taken: add posting times to the schedule")
		}
		first = slots[0]
		ids := []string{p.ID}
		for _, c := range chain[1:] {
			ids = append(ids, c.ID)
		}
		if err := q.PostQueueRelease(ctx, dbq.PostQueueReleaseParams{Ids: ids, WorkspaceID: p.WorkspaceID}); err != nil {
			return err
		}
		for i, c := range chain {
			got, err := qs.take(ctx, q, c, slots[i])
			if err != nil {
				return err
			}
			if i == 0 {
				row = got
				continue
			}
			moved = append(moved, &postv1.Move{PostId: c.ID, From: a.slotProto(a.occurrence(c), nil), To: a.slotProto(slots[i], qs.s.postToProto(got))})
		}
		return qs.s.addActivity(ctx, q, row.ID, dbq.PostActivityKindScheduled, "shared next in the queue")
	})
	if err != nil {
		return nil, err
	}
	post, err := qs.s.full(ctx, row)
	if err != nil {
		return nil, err
	}
	if err := qs.s.withMedia(ctx, a.integ.WorkspaceID, movedPosts(moved)...); err != nil {
		return nil, err
	}
	return connect.NewResponse(&postv1.ShareNextResponse{Post: post, Slot: a.slotProto(first, nil), Moved: moved}), nil
}

// ReorderQueue implements QueueService.ReorderQueue.
func (qs *Queue) ReorderQueue(ctx context.Context, req *connect.Request[postv1.ReorderQueueRequest]) (*connect.Response[postv1.ReorderQueueResponse], error) {
	ts := req.Msg.GetSlotTime()
	if ts == nil || ts.CheckValid() != nil {
		return nil, apierr.Invalid("slot_time", "is required: the time of the slot to move the post to (QueueSlot.time from ListQueue)")
	}
	target := ts.AsTime()
	now := qs.s.now.Now()
	var (
		a     account
		moved []*postv1.Move
	)
	err := db.InTx(ctx, qs.s.pool, func(q *dbq.Queries) error {
		p, acc, err := qs.queued(ctx, q, req.Msg.GetPostId(), "changing the queue")
		if err != nil {
			return err
		}
		a = acc
		if p.QueueSlot == nil || p.Status != dbq.PostStatusScheduled || p.ScheduledAt == nil || !p.ScheduledAt.After(now) {
			return errState("the post is not in the queue: add it first (AddToQueue)")
		}
		var to queue.Occurrence
		found := false
		for _, o := range a.schedule.Next(now, horizon) {
			if o.At.Equal(target) {
				to, found = o, true
				break
			}
		}
		if !found {
			return apierr.Invalid("slot_time", "is not one of the queue's coming slots (ListQueue lists them)")
		}
		from := a.occurrence(p)
		if from.Local.Equal(to.Local) {
			return nil
		}
		hold, err := qs.holders(ctx, q, a, now)
		if err != nil {
			return err
		}
		var other *dbq.Post
		for i := range hold {
			if hold[i].QueueSlot.Equal(to.Local) {
				other = &hold[i]
			}
		}
		ids := []string{p.ID}
		if other != nil {
			if other.Status != dbq.PostStatusScheduled {
				return errState("that slot is held by a post that is not scheduled")
			}
			ids = append(ids, other.ID)
		}
		if err := q.PostQueueRelease(ctx, dbq.PostQueueReleaseParams{Ids: ids, WorkspaceID: p.WorkspaceID}); err != nil {
			return err
		}
		got, err := qs.take(ctx, q, p, to)
		if err != nil {
			return err
		}
		moved = append(moved, &postv1.Move{PostId: p.ID, From: a.slotProto(from, nil), To: a.slotProto(to, qs.s.postToProto(got))})
		if other != nil {
			// The two swap.
			got, err := qs.take(ctx, q, *other, from)
			if err != nil {
				return err
			}
			moved = append(moved, &postv1.Move{PostId: other.ID, From: a.slotProto(to, nil), To: a.slotProto(from, qs.s.postToProto(got))})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := qs.s.withMedia(ctx, a.integ.WorkspaceID, movedPosts(moved)...); err != nil {
		return nil, err
	}
	return connect.NewResponse(&postv1.ReorderQueueResponse{Moved: moved}), nil
}

// ShuffleQueue implements QueueService.ShuffleQueue.
func (qs *Queue) ShuffleQueue(ctx context.Context, req *connect.Request[postv1.ShuffleQueueRequest]) (*connect.Response[postv1.ShuffleQueueResponse], error) {
	now := qs.s.now.Now()
	var (
		a     account
		moved []*postv1.Move
	)
	err := db.InTx(ctx, qs.s.pool, func(q *dbq.Queries) error {
		var err error
		if a, err = qs.load(ctx, q, req.Msg.GetIntegrationId(), true); err != nil {
			return err
		}
		if err := access.Require(a.role, dbq.WorkspaceRoleEditor, "changing the queue"); err != nil {
			return err
		}
		if a.paused {
			return errState(fmt.Sprintf("the queue of @%s is paused: resume it to change it", a.integ.Username))
		}
		hold, err := qs.holders(ctx, q, a, now)
		if err != nil {
			return err
		}
		var posts []dbq.Post
		for _, p := range hold {
			if p.Status == dbq.PostStatusScheduled {
				posts = append(posts, p)
			}
		}
		if len(posts) < 2 {
			return nil
		}
		slots := make([]queue.Occurrence, len(posts))
		ids := make([]string, len(posts))
		for i, p := range posts {
			slots[i], ids[i] = a.occurrence(p), p.ID
		}
		order := rand.Perm(len(posts))
		if err := q.PostQueueRelease(ctx, dbq.PostQueueReleaseParams{Ids: ids, WorkspaceID: a.integ.WorkspaceID}); err != nil {
			return err
		}
		for i, p := range posts {
			to := slots[order[i]]
			got, err := qs.take(ctx, q, p, to)
			if err != nil {
				return err
			}
			if order[i] != i {
				moved = append(moved, &postv1.Move{PostId: p.ID, From: a.slotProto(slots[i], nil), To: a.slotProto(to, qs.s.postToProto(got))})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := qs.s.withMedia(ctx, a.integ.WorkspaceID, movedPosts(moved)...); err != nil {
		return nil, err
	}
	return connect.NewResponse(&postv1.ShuffleQueueResponse{Moved: moved}), nil
}
