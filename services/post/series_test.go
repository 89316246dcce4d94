package post_test

import (
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
	"github.com/betterplan/betterplan/internal/apitest"
)

// TestSeriesThroughPublisher: a daily 09:00 Berlin series of 6 goes out at
// 09:00 local each day across the clocks' change, two occurrences made
// ahead at a time; a change applies to the coming ones only; a series
// must vary.
func TestSeriesThroughPublisher(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	env.Clock.Set(time.Date(2027, 3, 25, 10, 0, 0, 0, time.UTC))
	u := newUser(t, env, "ada@example.com", "ada_x")
	sc := env.Series(u.token)
	rec := &postv1.Recurrence{Frequency: postv1.Frequency_FREQUENCY_DAILY, LocalTime: "09:00", TimeZone: "Europe/Berlin", StartDate: "2027-03-26", Count: 6}

	_, err := sc.CreateSeries(ctx, connect.NewRequest(&postv1.CreateSeriesRequest{IntegrationId: u.integID, Texts: []string{"Good morning!"}, Recurrence: rec}))
	wantCode(t, err, connect.CodeInvalidArgument, "add {date} or {n}")
	_, err = sc.CreateSeries(ctx, connect.NewRequest(&postv1.CreateSeriesRequest{IntegrationId: u.integID, Texts: []string{"Tip of {date}"},
		Recurrence: &postv1.Recurrence{Frequency: postv1.Frequency_FREQUENCY_DAILY, LocalTime: "9am", TimeZone: "Europe/Berlin", StartDate: "2027-03-26"}}))
	wantCode(t, err, connect.CodeInvalidArgument, "recurrence.local_time")
	_, err = sc.CreateSeries(ctx, connect.NewRequest(&postv1.CreateSeriesRequest{IntegrationId: u.integID, Texts: []string{"Tip of {date}"},
		Recurrence: &postv1.Recurrence{Frequency: postv1.Frequency_FREQUENCY_DAILY, LocalTime: "09:00", TimeZone: "Europe/Berlin", StartDate: "9999-12-31"}}))
	wantCode(t, err, connect.CodeInvalidArgument, "recurrence.start_date is more than a year ahead")

	res, err := sc.CreateSeries(ctx, connect.NewRequest(&postv1.CreateSeriesRequest{IntegrationId: u.integID, Texts: []string{"Tip of {date}"}, Recurrence: rec}))
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Msg.GetComing(); len(c) != 2 || c[0].GetParts()[0].GetText() != "Tip of Friday 26 March 2027" ||
		c[0].GetScheduledTime().AsTime() != time.Date(2027, 3, 26, 8, 0, 0, 0, time.UTC) || c[0].GetSeriesId() != res.Msg.GetSeries().GetId() {
		t.Fatalf("first occurrences: %v", c)
	}
	if r := res.Msg.GetSeries().GetRrule(); !strings.Contains(r, "FREQ=DAILY") || !strings.Contains(r, "COUNT=6") {
		t.Fatalf("rrule %q", r)
	}

	p := startPublisher(t, env)
	publishNext := func() *postv1.Post {
		t.Helper()
		got, err := sc.GetSeries(ctx, connect.NewRequest(&postv1.GetSeriesRequest{Id: res.Msg.GetSeries().GetId()}))
		if err != nil || len(got.Msg.GetComing()) == 0 {
			t.Fatalf("coming: %v %v", got, err)
		}
		next := got.Msg.GetComing()[0]
		env.Clock.Set(next.GetScheduledTime().AsTime())
		if err := p.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		return next
	}
	for range 3 {
		publishNext()
	}
	// From now on a new text; the three on X keep theirs.
	rec2 := &postv1.Recurrence{Frequency: postv1.Frequency_FREQUENCY_DAILY, LocalTime: "09:00", TimeZone: "Europe/Berlin", StartDate: "2027-03-26", Count: 6}
	up, err := sc.UpdateSeries(ctx, connect.NewRequest(&postv1.UpdateSeriesRequest{Id: res.Msg.GetSeries().GetId(), Texts: []string{"New tip {date}"}, Recurrence: rec2}))
	if err != nil || len(up.Msg.GetComing()) != 2 || !strings.HasPrefix(up.Msg.GetComing()[0].GetParts()[0].GetText(), "New tip Monday 29 March 2027") {
		t.Fatalf("update: %v %v", up, err)
	}
	for range 3 {
		publishNext()
	}
	got, _ := sc.GetSeries(ctx, connect.NewRequest(&postv1.GetSeriesRequest{Id: res.Msg.GetSeries().GetId()}))
	if len(got.Msg.GetComing()) != 0 || !got.Msg.GetSeries().GetFinished() {
		t.Fatalf("after six: %v", got.Msg)
	}
	want := []string{"Tip of Friday 26 March 2027", "Tip of Saturday 27 March 2027", "Tip of Sunday 28 March 2027",
		"New tip Monday 29 March 2027", "New tip Tuesday 30 March 2027", "New tip Wednesday 31 March 2027"}
	xp := env.X.Posts()
	if len(xp) != len(want) {
		t.Fatalf("%d posts on X, want %d", len(xp), len(want))
	}
	for i, post := range xp {
		if post.Text != want[i] || post.ReceivedAt.In(berlin).Format("15:04") != "09:00" {
			t.Errorf("on X: %q at %s, want %q at 09:00 Berlin", post.Text, post.ReceivedAt.In(berlin), want[i])
		}
	}
	// Stopping deletes nothing that is on X.
	if _, err := sc.DeleteSeries(ctx, connect.NewRequest(&postv1.DeleteSeriesRequest{Id: res.Msg.GetSeries().GetId()})); err != nil {
		t.Fatal(err)
	}
	list, err := u.c.ListPosts(ctx, connect.NewRequest(&postv1.ListPostsRequest{WorkspaceId: u.ws, Statuses: []postv1.Status{postv1.Status_STATUS_PUBLISHED}}))
	if err != nil || len(list.Msg.GetPosts()) != 6 {
		t.Fatalf("published posts after stopping: %v %v", list, err)
	}
}
