package post_test

import (
	"testing"
	"time"

	"connectrpc.com/connect"

	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
	"github.com/betterplan/betterplan/internal/apitest"
)

// TestEvergreen: an evergreen post goes back to the end of the queue after
// it is published, no sooner than its days, with its next text; unmarked,
// it stops; it must vary.
func TestEvergreen(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	env.Clock.Set(time.Date(2026, 6, 1, 6, 0, 0, 0, time.UTC)) // Monday 08:00 Berlin
	u := newUser(t, env, "ada@example.com", "ada_x")
	u.setSchedule("Europe/Berlin", false, weekdaySlots("09:00"))
	qc := env.Queue(u.token)

	plain := u.draft("The same words every time")
	_, err := qc.SetEvergreen(ctx, connect.NewRequest(&postv1.SetEvergreenRequest{PostId: plain.GetId(), EveryDays: 2}))
	wantCode(t, err, connect.CodeInvalidArgument, "add {date} or {n}")

	tip := u.draft("draft text")
	ev, err := qc.SetEvergreen(ctx, connect.NewRequest(&postv1.SetEvergreenRequest{PostId: tip.GetId(), EveryDays: 2, Texts: []string{"Evergreen tip #{n}"}}))
	if err != nil || ev.Msg.GetPost().GetParts()[0].GetText() != "Evergreen tip #1" || ev.Msg.GetPost().GetEvergreenDays() != 2 {
		t.Fatalf("set evergreen: %v %v", ev, err)
	}
	u.enqueue(tip.GetId())                         // Monday 09:00
	other := u.enqueue(u.draft("tuesday").GetId()) // Tuesday 09:00
	_ = other

	p := startPublisher(t, env)
	tick := func(at time.Time) {
		t.Helper()
		env.Clock.Set(at)
		if err := p.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	tick(time.Date(2026, 6, 1, 7, 0, 0, 0, time.UTC))
	// Back in the queue: after Tuesday's post and no sooner than 2 days,
	// so Wednesday 09:00, with the next text.
	l := u.queue(6)
	byText := map[string]string{}
	for _, s := range l.GetSlots() {
		if s.GetPost() != nil {
			byText[s.GetPost().GetParts()[0].GetText()] = s.GetLocalTime()
		}
	}
	if byText["Evergreen tip #2"] != "2026-06-03T09:00" || byText["tuesday"] != "2026-06-02T09:00" {
		t.Fatalf("queue after the first round: %v", byText)
	}
	tick(time.Date(2026, 6, 2, 7, 0, 0, 0, time.UTC))
	tick(time.Date(2026, 6, 3, 7, 0, 0, 0, time.UTC))
	l = u.queue(6)
	if len(l.GetSlots()) == 0 || l.GetSlots()[1].GetPost().GetParts()[0].GetText() != "Evergreen tip #3" || l.GetSlots()[1].GetLocalTime() != "2026-06-05T09:00" {
		t.Fatalf("third round: %v", l.GetSlots()[:2])
	}
	// Unmarked, the third is the last.
	third := l.GetSlots()[1].GetPost()
	if _, err := qc.SetEvergreen(ctx, connect.NewRequest(&postv1.SetEvergreenRequest{PostId: third.GetId()})); err != nil {
		t.Fatal(err)
	}
	tick(time.Date(2026, 6, 5, 7, 0, 0, 0, time.UTC))
	for _, s := range u.queue(10).GetSlots() {
		if s.GetPost() != nil {
			t.Fatalf("after unmarking, the queue has %q", s.GetPost().GetParts()[0].GetText())
		}
	}
	var texts []string
	for _, xp := range env.X.Posts() {
		texts = append(texts, xp.Text)
	}
	want := []string{"Evergreen tip #1", "tuesday", "Evergreen tip #2", "Evergreen tip #3"}
	if len(texts) != len(want) {
		t.Fatalf("on X: %q, want %q", texts, want)
	}
	for i := range want {
		if texts[i] != want[i] {
			t.Fatalf("on X: %q, want %q", texts, want)
		}
	}
}
