package post_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
	workspacev1 "github.com/betterplan/betterplan/gen/betterplan/workspace/v1"
	"github.com/betterplan/betterplan/internal/apitest"
)

// weekdaySlots is Monday to Friday at each of the times.
func weekdaySlots(times ...string) []*postv1.PostingSlot {
	var out []*postv1.PostingSlot
	for d := postv1.Weekday_WEEKDAY_MONDAY; d <= postv1.Weekday_WEEKDAY_FRIDAY; d++ {
		for _, t := range times {
			out = append(out, &postv1.PostingSlot{Weekday: d, LocalTime: t})
		}
	}
	return out
}

func (u *user) setSchedule(zone string, paused bool, slots []*postv1.PostingSlot) *postv1.UpdatePostingScheduleResponse {
	u.t.Helper()
	res, err := u.env.Queue(u.token).UpdatePostingSchedule(ctx, connect.NewRequest(&postv1.UpdatePostingScheduleRequest{
		IntegrationId: u.integID, TimeZone: zone, Slots: slots, Paused: paused}))
	if err != nil {
		u.t.Fatal(err)
	}
	return res.Msg
}

func (u *user) enqueue(id string) *postv1.AddToQueueResponse {
	u.t.Helper()
	res, err := u.env.Queue(u.token).AddToQueue(ctx, connect.NewRequest(&postv1.AddToQueueRequest{PostId: id}))
	if err != nil {
		u.t.Fatal(err)
	}
	return res.Msg
}

func (u *user) queue(n int32) *postv1.ListQueueResponse {
	u.t.Helper()
	res, err := u.env.Queue(u.token).ListQueue(ctx, connect.NewRequest(&postv1.ListQueueRequest{IntegrationId: u.integID, Count: n}))
	if err != nil {
		u.t.Fatal(err)
	}
	return res.Msg
}

// queued maps post id → local slot time, from ListQueue.
func queued(l *postv1.ListQueueResponse) map[string]string {
	out := map[string]string{}
	for _, s := range l.GetSlots() {
		if s.GetPost() != nil {
			out[s.GetPost().GetId()] = s.GetLocalTime()
		}
	}
	return out
}

var berlin = func() *time.Location { l, _ := time.LoadLocation("Europe/Berlin"); return l }()

// TestQueueAcrossDST: a Berlin weekday schedule gets 20 posts; each takes
// the next free slot at 09:00, 12:30 or 17:00 Berlin time across the last
// Sunday of March, and the publisher sends each at that local minute.
func TestQueueAcrossDST(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	env.Clock.Set(time.Date(2026, 3, 25, 11, 0, 0, 0, time.UTC)) // Wednesday 12:00 in Berlin
	u := newUser(t, env, "ada@example.com", "ada_x")
	s := u.setSchedule("Europe/Berlin", false, weekdaySlots("09:00", "12:30", "17:00"))
	if len(s.GetSchedule().GetSlots()) != 15 || s.GetSchedule().GetTimeZone() != "Europe/Berlin" {
		t.Fatalf("schedule: %v", s.GetSchedule())
	}
	var ids []string
	var prev time.Time
	for i := range 20 {
		d := u.draft(fmt.Sprintf("queued post %d", i))
		res := u.enqueue(d.GetId())
		at := res.GetPost().GetScheduledTime().AsTime()
		local := at.In(berlin)
		if !at.After(prev) || !slices.Contains([]string{"09:00", "12:30", "17:00"}, local.Format("15:04")) ||
			local.Weekday() == time.Saturday || local.Weekday() == time.Sunday ||
			res.GetSlot().GetTimeZone() != "Europe/Berlin" || res.GetSlot().GetLocalTime() != local.Format("2006-01-02T15:04") ||
			res.GetPost().GetStatus() != postv1.Status_STATUS_SCHEDULED {
			t.Fatalf("post %d: %s (Berlin %s), slot %v", i, at, local.Format(time.RFC1123), res.GetSlot())
		}
		prev = at
		ids = append(ids, d.GetId())
	}
	// The first is Wednesday 12:30 CET; after the clocks change, 09:00 is 07:00 UTC.
	first := u.get(ids[0]).GetScheduledTime().AsTime()
	if first != time.Date(2026, 3, 25, 11, 30, 0, 0, time.UTC) {
		t.Fatalf("first slot %s, want Wednesday 12:30 CET", first)
	}
	if got := u.get(ids[8]).GetScheduledTime().AsTime(); got != time.Date(2026, 3, 30, 7, 0, 0, 0, time.UTC) {
		t.Fatalf("ninth slot %s, want Monday 30 March 09:00 CEST (07:00 UTC)", got)
	}

	p := startPublisher(t, env)
	for _, id := range ids {
		env.Clock.Set(u.get(id).GetScheduledTime().AsTime())
		if err := p.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		if got := u.get(id); got.GetStatus() != postv1.Status_STATUS_PUBLISHED {
			t.Fatalf("%s: %v at its slot", id, got.GetStatus())
		}
	}
	for _, xp := range env.X.Posts() {
		local := xp.ReceivedAt.In(berlin).Format("15:04")
		if !slices.Contains([]string{"09:00", "12:30", "17:00"}, local) {
			t.Errorf("%q reached X at %s Berlin time", xp.Text, xp.ReceivedAt.In(berlin))
		}
	}
	if n := len(env.X.Posts()); n != 20 {
		t.Fatalf("%d posts on X, want 20", n)
	}
}

// TestQueueOperations: empty slots listed, share next, reorder (move and
// swap), shuffle, a removed slot's posts moving on, pause and resume.
func TestQueueOperations(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	env.Clock.Set(time.Date(2026, 6, 1, 6, 0, 0, 0, time.UTC)) // Monday 08:00 in Berlin
	u := newUser(t, env, "ada@example.com", "ada_x")
	u.setSchedule("Europe/Berlin", false, weekdaySlots("09:00", "17:00"))
	var ids []string
	for i := range 4 {
		ids = append(ids, u.enqueue(u.draft(fmt.Sprintf("post %d", i)).GetId()).GetPost().GetId())
	}
	l := u.queue(6)
	want := []string{"2026-06-01T09:00", "2026-06-01T17:00", "2026-06-02T09:00", "2026-06-02T17:00", "2026-06-03T09:00", "2026-06-03T17:00"}
	for i, s := range l.GetSlots() {
		if s.GetLocalTime() != want[i] || (i < 4) != (s.GetPost() != nil) || s.GetTimeZone() != "Europe/Berlin" {
			t.Fatalf("slot %d: %v, want %s (filled: %v)", i, s, want[i], i < 4)
		}
	}

	// Share next: the new post is first, the four move down one slot each.
	nx, err := env.Queue(u.token).ShareNext(ctx, connect.NewRequest(&postv1.ShareNextRequest{PostId: u.draft("urgent").GetId()}))
	if err != nil || nx.Msg.GetSlot().GetLocalTime() != want[0] || len(nx.Msg.GetMoved()) != 4 {
		t.Fatalf("share next: %v %v", nx, err)
	}
	got := queued(u.queue(6))
	for i, id := range ids {
		if got[id] != want[i+1] {
			t.Fatalf("after share next, post %d is at %s, want %s", i, got[id], want[i+1])
		}
	}
	// Reorder: to a free slot (the others keep theirs), then onto a held one (a swap).
	slots := u.queue(8).GetSlots()
	free := slots[6].GetTime()
	if _, err := env.Queue(u.token).ReorderQueue(ctx, connect.NewRequest(&postv1.ReorderQueueRequest{PostId: ids[0], SlotTime: free})); err != nil {
		t.Fatal(err)
	}
	got = queued(u.queue(8))
	if got[ids[0]] != slots[6].GetLocalTime() || got[ids[1]] != want[2] || got[ids[3]] != want[4] {
		t.Fatalf("after a move: %v", got)
	}
	sw, err := env.Queue(u.token).ReorderQueue(ctx, connect.NewRequest(&postv1.ReorderQueueRequest{PostId: ids[3], SlotTime: slots[2].GetTime()}))
	got = queued(u.queue(8))
	if err != nil || len(sw.Msg.GetMoved()) != 2 || got[ids[3]] != want[2] || got[ids[1]] != want[4] {
		t.Fatalf("swap: %v %v (%v)", sw, err, got)
	}
	_, err = env.Queue(u.token).ReorderQueue(ctx, connect.NewRequest(&postv1.ReorderQueueRequest{PostId: ids[3], SlotTime: timestamppb.New(time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC))}))
	wantCode(t, err, connect.CodeInvalidArgument, "not one of the queue's coming slots")

	// Shuffle keeps the same slots.
	before := queued(u.queue(10))
	if _, err := env.Queue(u.token).ShuffleQueue(ctx, connect.NewRequest(&postv1.ShuffleQueueRequest{IntegrationId: u.integID})); err != nil {
		t.Fatal(err)
	}
	after := queued(u.queue(10))
	if len(after) != len(before) || !sameValues(before, after) {
		t.Fatalf("shuffle changed the slots: %v → %v", before, after)
	}

	// The 17:00 slots go: their posts move to the next free 09:00 slots.
	res := u.setSchedule("Europe/Berlin", false, weekdaySlots("09:00"))
	for _, m := range res.GetMoved() {
		if m.GetFrom().GetLocalTime()[11:] != "17:00" || m.GetTo().GetLocalTime()[11:] != "09:00" {
			t.Fatalf("move %v", m)
		}
	}
	left := queued(u.queue(10))
	seen := map[string]bool{}
	for _, at := range left {
		if at[11:] != "09:00" || seen[at] {
			t.Fatalf("after removing 17:00: %v", left)
		}
		seen[at] = true
	}
	if len(left) != 5 {
		t.Fatalf("%d posts in the queue, want 5", len(left))
	}
	// Pause: held in order, nothing scheduled; resume: back in that order.
	order := func(m map[string]string) []string {
		ids := make([]string, 0, len(m))
		for id := range m {
			ids = append(ids, id)
		}
		slices.SortFunc(ids, func(a, b string) int { return compare(m[a], m[b]) })
		return ids
	}
	wasOrder := order(left)
	paused := u.setSchedule("Europe/Berlin", true, weekdaySlots("09:00"))
	if len(paused.GetMoved()) != 5 || paused.GetMoved()[0].GetTo() != nil {
		t.Fatalf("pause: %v", paused.GetMoved())
	}
	pl := u.queue(10)
	if len(pl.GetSlots()) != 0 || len(pl.GetHeld()) != 5 || pl.GetHeld()[0].GetId() != wasOrder[0] || pl.GetHeld()[0].GetStatus() != postv1.Status_STATUS_DRAFT {
		t.Fatalf("paused queue: %v", pl)
	}
	_, err = env.Queue(u.token).AddToQueue(ctx, connect.NewRequest(&postv1.AddToQueueRequest{PostId: u.draft("while paused").GetId()}))
	wantCode(t, err, connect.CodeFailedPrecondition, "paused")
	env.Clock.Advance(48 * time.Hour) // slots pass while paused: nothing is lost
	resumed := u.setSchedule("Europe/Berlin", false, weekdaySlots("09:00"))
	if len(resumed.GetMoved()) != 5 {
		t.Fatalf("resume moved %d posts", len(resumed.GetMoved()))
	}
	if got := order(queued(u.queue(10))); !slices.Equal(got, wasOrder) {
		t.Fatalf("after resuming: order %v, want %v", got, wasOrder)
	}
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func sameValues(a, b map[string]string) bool {
	var x, y []string
	for _, v := range a {
		x = append(x, v)
	}
	for _, v := range b {
		y = append(y, v)
	}
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// TestQueueConcurrentAdds: 30 posts added at once, by two editors, each
// get a slot of their own.
func TestQueueConcurrentAdds(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	u := newUser(t, env, "ada@example.com", "ada_x")
	bob := member(t, env, u, "bob@example.com", workspacev1.Role_ROLE_EDITOR)
	u.setSchedule("America/New_York", false, weekdaySlots("08:00", "13:00"))
	var drafts []string
	for i := range 30 {
		drafts = append(drafts, u.draft(fmt.Sprintf("race %d", i)).GetId())
	}
	var wg sync.WaitGroup
	times := make([]time.Time, len(drafts))
	errs := make([]error, len(drafts))
	for i, id := range drafts {
		who := u
		if i%2 == 1 {
			who = bob
		}
		wg.Go(func() {
			res, err := env.Queue(who.token).AddToQueue(ctx, connect.NewRequest(&postv1.AddToQueueRequest{PostId: id}))
			if err == nil {
				times[i] = res.Msg.GetPost().GetScheduledTime().AsTime()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	seen := map[time.Time]bool{}
	for i, at := range times {
		if errs[i] != nil {
			t.Fatalf("add %d: %v", i, errs[i])
		}
		if seen[at] {
			t.Fatalf("two posts in the slot %s", at)
		}
		seen[at] = true
	}
	// CreatePost straight into the queue: the next free slot.
	direct := u.create(&postv1.CreatePostRequest{IntegrationId: u.integID, Content: text("straight in"), When: &postv1.CreatePostRequest_AddToQueue{AddToQueue: true}})
	if at := direct.GetScheduledTime().AsTime(); direct.GetStatus() != postv1.Status_STATUS_SCHEDULED || seen[at] {
		t.Fatalf("created into the queue: %v at %s", direct.GetStatus(), at)
	}
	// A writer may not queue; a zone that is not one is refused.
	w := member(t, env, u, "wes@example.com", workspacev1.Role_ROLE_WRITER)
	_, err := env.Queue(w.token).AddToQueue(ctx, connect.NewRequest(&postv1.AddToQueueRequest{PostId: w.draft("mine").GetId()}))
	wantCode(t, err, connect.CodePermissionDenied, "needs the editor role")
	_, err = env.Queue(u.token).UpdatePostingSchedule(ctx, connect.NewRequest(&postv1.UpdatePostingScheduleRequest{IntegrationId: u.integID, TimeZone: "Mars/Olympus"}))
	wantCode(t, err, connect.CodeInvalidArgument, "not an IANA time zone")
	_, err = env.Queue(u.token).UpdatePostingSchedule(ctx, connect.NewRequest(&postv1.UpdatePostingScheduleRequest{IntegrationId: u.integID, TimeZone: "UTC",
		Slots: []*postv1.PostingSlot{{Weekday: postv1.Weekday_WEEKDAY_MONDAY, LocalTime: "25:00"}}}))
	wantCode(t, err, connect.CodeInvalidArgument, "slots[0].local_time")
}

// TestQueueRandomSchedules: random slots in DST-changing zones, posts
// added one after another from random moments: each lands on a slot of
// its own, at the slot's local minute (or, for a minute the clocks skip,
// at the jump), in order.
func TestQueueRandomSchedules(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	zones := []string{"Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"}
	starts := []time.Time{time.Date(2026, 3, 26, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 29, 12, 0, 0, 0, time.UTC)}
	r := rand.New(rand.NewPCG(7, 11))
	for round := range 6 {
		zone := zones[r.IntN(len(zones))]
		loc, _ := time.LoadLocation(zone)
		env.Clock.Set(starts[r.IntN(len(starts))].Add(time.Duration(r.IntN(48)) * time.Hour))
		// A person of that moment (sessions expire as the clock moves).
		u := newUser(t, env, fmt.Sprintf("ada%d@example.com", round), fmt.Sprintf("ada_x%d", round))
		var slots []*postv1.PostingSlot
		want := map[string]bool{} // "weekday HH:MM"
		for range 1 + r.IntN(6) {
			d := postv1.Weekday(1 + r.IntN(7))
			clock := fmt.Sprintf("%02d:%02d", r.IntN(24), r.IntN(4)*15)
			slots = append(slots, &postv1.PostingSlot{Weekday: d, LocalTime: clock})
		}
		res := u.setSchedule(zone, false, slots)
		for _, sl := range res.GetSchedule().GetSlots() {
			want[sl.GetWeekday().String()+" "+sl.GetLocalTime()] = true
		}
		seen := map[string]bool{}
		var prev time.Time
		for i := range 8 {
			a := u.enqueue(u.draft(fmt.Sprintf("round %d post %d", round, i)).GetId())
			at := a.GetPost().GetScheduledTime().AsTime()
			local, err := time.ParseInLocation("2006-01-02T15:04", a.GetSlot().GetLocalTime(), time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			key := weekdayName(local.Weekday()) + " " + local.Format("15:04")
			wall := at.In(loc)
			if !want[key] || seen[a.GetSlot().GetLocalTime()] || !at.After(prev) || a.GetSlot().GetTimeZone() != zone {
				t.Fatalf("%s %v: post %d at %s (slot %s, %s)", zone, want, i, at, a.GetSlot().GetLocalTime(), key)
			}
			if wall.Format("2006-01-02T15:04") != a.GetSlot().GetLocalTime() {
				// Only a skipped minute moves: to the jump, just after it.
				before := at.Add(-time.Minute).In(loc).Format("2006-01-02T15:04")
				if !(wall.Format("2006-01-02T15:04") > a.GetSlot().GetLocalTime() && before < a.GetSlot().GetLocalTime()) {
					t.Fatalf("%s: slot %s taken at %s local", zone, a.GetSlot().GetLocalTime(), wall)
				}
			}
			seen[a.GetSlot().GetLocalTime()] = true
			prev = at
		}
	}
}

func weekdayName(d time.Weekday) string {
	return "WEEKDAY_" + strings.ToUpper(d.String())
}
