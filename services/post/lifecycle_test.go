package post_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
	"github.com/betterplan/betterplan/internal/apitest"
)

func TestUpdatePost(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	ada := newUser(t, env, "ada@example.com", "ada_x")
	p := ada.schedule("first words", time.Hour)
	env.Clock.Advance(time.Minute)

	// Content only: the schedule stays.
	got, err := ada.update(&postv1.UpdatePostRequest{Id: p.GetId(), Version: 1, Content: &postv1.UpdatePostRequest_Text{Text: "better words"}})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetVersion() != 2 || parts(got)[0] != "better words" || got.GetStatus() != postv1.Status_STATUS_SCHEDULED ||
		!got.GetScheduledTime().AsTime().Equal(p.GetScheduledTime().AsTime()) || !got.GetNextAttemptTime().AsTime().Equal(p.GetScheduledTime().AsTime()) {
		t.Fatalf("after a text edit: %v", got)
	}
	wantTime(t, "update_time", got.GetUpdateTime(), env.Clock.Now())

	// A stale version is refused, saying what happened.
	_, err = ada.update(&postv1.UpdatePostRequest{Id: p.GetId(), Version: 1, Content: &postv1.UpdatePostRequest_Text{Text: "lost update"}})
	wantCode(t, err, connect.CodeAborted, "the post changed since you read it (version 1, now 2); reload and try again")

	// Reschedule, and turn it into a thread at the same time.
	got, err = ada.update(&postv1.UpdatePostRequest{
		Id: p.GetId(), Version: 2,
		Content: &postv1.UpdatePostRequest_Thread{Thread: &postv1.Thread{Parts: []string{"one", "two"}}},
		When:    &postv1.UpdatePostRequest_ScheduledTime{ScheduledTime: ada.in(3 * time.Hour)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !got.GetThread() || !slices.Equal(parts(got), []string{"one", "two"}) || got.GetVersion() != 3 {
		t.Fatalf("after reschedule: %v", got)
	}
	wantTime(t, "rescheduled scheduled_time", got.GetScheduledTime(), env.Clock.Now().Add(3*time.Hour))
	wantTime(t, "rescheduled next_attempt_time", got.GetNextAttemptTime(), env.Clock.Now().Add(3*time.Hour))

	// Back to draft, then scheduled from the draft.
	got, err = ada.update(&postv1.UpdatePostRequest{Id: p.GetId(), Version: 3, When: &postv1.UpdatePostRequest_Draft{Draft: true}})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetStatus() != postv1.Status_STATUS_DRAFT || got.GetScheduledTime() != nil || got.GetNextAttemptTime() != nil {
		t.Fatalf("after draft=true: %v", got)
	}
	got, err = ada.update(&postv1.UpdatePostRequest{Id: p.GetId(), Version: 4, Content: &postv1.UpdatePostRequest_Text{Text: "single again"},
		When: &postv1.UpdatePostRequest_ScheduledTime{ScheduledTime: ada.in(time.Minute)}})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetStatus() != postv1.Status_STATUS_SCHEDULED || got.GetThread() || !slices.Equal(parts(got), []string{"single again"}) {
		t.Fatalf("after scheduling the draft: %v", got)
	}

	// Validation, with the field named; none of it changes the post.
	bad := []struct {
		name    string
		req     *postv1.UpdatePostRequest
		code    connect.Code
		mention string
	}{
		{"no id", &postv1.UpdatePostRequest{Version: 5, Content: &postv1.UpdatePostRequest_Text{Text: "x"}}, connect.CodeInvalidArgument, "id is required"},
		{"no version", &postv1.UpdatePostRequest{Id: p.GetId(), Content: &postv1.UpdatePostRequest_Text{Text: "x"}}, connect.CodeInvalidArgument, "version is required"},
		{"nothing", &postv1.UpdatePostRequest{Id: p.GetId(), Version: 5}, connect.CodeInvalidArgument, "changes nothing"},
		{"draft false", &postv1.UpdatePostRequest{Id: p.GetId(), Version: 5, When: &postv1.UpdatePostRequest_Draft{}}, connect.CodeInvalidArgument, "draft must be true"},
		{"too long", &postv1.UpdatePostRequest{Id: p.GetId(), Version: 5, Content: &postv1.UpdatePostRequest_Text{Text: strings.Repeat("a", 281)}},
			connect.CodeInvalidArgument, "text: Post is 281 characters; X allows 280. Remove 1."},
		{"bad part", &postv1.UpdatePostRequest{Id: p.GetId(), Version: 5, Content: &postv1.UpdatePostRequest_Thread{Thread: &postv1.Thread{Parts: []string{"ok", "\t"}}}},
			connect.CodeInvalidArgument, "thread.parts[1]: Post contains only whitespace"},
		{"past", &postv1.UpdatePostRequest{Id: p.GetId(), Version: 5, When: &postv1.UpdatePostRequest_ScheduledTime{ScheduledTime: ada.in(-time.Minute)}},
			connect.CodeInvalidArgument, "scheduled_time is in the past"},
		{"too far", &postv1.UpdatePostRequest{Id: p.GetId(), Version: 5, When: &postv1.UpdatePostRequest_ScheduledTime{ScheduledTime: ada.in(400 * 24 * time.Hour)}},
			connect.CodeInvalidArgument, "scheduled_time is more than a year ahead"},
		{"unknown", &postv1.UpdatePostRequest{Id: "01J000000000000000000000XX", Version: 1, Content: &postv1.UpdatePostRequest_Text{Text: "x"}}, connect.CodeNotFound, "no such post"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ada.update(tc.req)
			wantCode(t, err, tc.code, tc.mention)
		})
	}
	if v := ada.get(p.GetId()).GetVersion(); v != 5 {
		t.Fatalf("refused updates changed the post: version %d, want 5", v)
	}
}

func TestUpdateNotEditable(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	ada := newUser(t, env, "ada@example.com", "ada_x")
	for _, tc := range []struct{ state, mention string }{
		{asPublishing, "it is being published right now"},
		{asPublished, "it is already published on X"},
		{asUnconfirmed, "it may already be on X"},
	} {
		p := ada.schedule("text", time.Hour)
		setPost(t, env, p.GetId(), tc.state)
		// Both with the version read before and with the current one: the
		// status is the reason, not the version.
		for _, v := range []int64{1, 2} {
			_, err := ada.update(&postv1.UpdatePostRequest{Id: p.GetId(), Version: v, Content: &postv1.UpdatePostRequest_Text{Text: "edit"}})
			wantCode(t, err, connect.CodeFailedPrecondition, tc.mention)
			_, err = ada.update(&postv1.UpdatePostRequest{Id: p.GetId(), Version: v, When: &postv1.UpdatePostRequest_ScheduledTime{ScheduledTime: ada.in(time.Hour)}})
			wantCode(t, err, connect.CodeFailedPrecondition, tc.mention)
		}
	}
}

func TestUpdateFailedPost(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	ada := newUser(t, env, "ada@example.com", "ada_x")
	p := ada.schedule("rejected text", time.Hour)
	setPost(t, env, p.GetId(), asFailed)
	got := ada.get(p.GetId())
	e := got.GetLastError()
	if got.GetStatus() != postv1.Status_STATUS_FAILED || got.GetNextAttemptTime() != nil || got.GetAttempts() != 3 || e == nil ||
		e.GetKind() != postv1.ErrorKind_ERROR_KIND_REJECTED || e.GetMessage() != "X refused the post." || e.GetXTitle() != "Forbidden" ||
		e.GetXDetail() != "You are not permitted." || e.GetXHttpStatus() != 403 || !e.GetTime().AsTime().Equal(p.GetScheduledTime().AsTime()) {
		t.Fatalf("failed post %v", got)
	}

	// A content edit leaves it failed: it goes out only when rescheduled or retried.
	got, err := ada.update(&postv1.UpdatePostRequest{Id: p.GetId(), Version: got.GetVersion(), Content: &postv1.UpdatePostRequest_Text{Text: "acceptable text"}})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetStatus() != postv1.Status_STATUS_FAILED || got.GetNextAttemptTime() != nil || got.GetAttempts() != 3 {
		t.Fatalf("content edit of a failed post: %v", got)
	}
	// Rescheduling makes it scheduled with a fresh count of attempts.
	got, err = ada.update(&postv1.UpdatePostRequest{Id: p.GetId(), Version: got.GetVersion(), When: &postv1.UpdatePostRequest_ScheduledTime{ScheduledTime: ada.in(2 * time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetStatus() != postv1.Status_STATUS_SCHEDULED || got.GetAttempts() != 0 {
		t.Fatalf("rescheduled failed post: %v", got)
	}
	wantTime(t, "next_attempt_time", got.GetNextAttemptTime(), env.Clock.Now().Add(2*time.Hour))
}

func TestUpdatePartlyPublishedThread(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	ada := newUser(t, env, "ada@example.com", "ada_x")
	p := ada.create(&postv1.CreatePostRequest{Content: thread("one", "two", "three"), When: at(ada.in(time.Hour))})
	// Part 1 went out, part 2 failed.
	setPost(t, env, p.GetId(), asFailed+", x_post_ids = ARRAY['1900000000000000111'], x_username = 'ada_x'")
	got := ada.get(p.GetId())
	if pt := got.GetParts(); pt[0].GetXPostId() != "1900000000000000111" || pt[0].GetUrl() != "https://x.com/ada_x/status/1900000000000000111" ||
		pt[1].GetXPostId() != "" || pt[1].GetUrl() != "" {
		t.Fatalf("parts %v", pt)
	}
	v := got.GetVersion()
	for name, c := range map[string]*postv1.UpdatePostRequest{
		"change a sent part":   {Content: &postv1.UpdatePostRequest_Thread{Thread: &postv1.Thread{Parts: []string{"ONE", "two", "three"}}}},
		"replace with a text":  {Content: &postv1.UpdatePostRequest_Text{Text: "one"}},
		"nothing left to send": {Content: &postv1.UpdatePostRequest_Thread{Thread: &postv1.Thread{Parts: []string{"one"}}}},
	} {
		c.Id, c.Version = p.GetId(), v
		_, err := ada.update(c)
		if name == "nothing left to send" {
			wantCode(t, err, connect.CodeInvalidArgument, "thread.parts") // a one-part thread is not a thread
			continue
		}
		wantCode(t, err, connect.CodeFailedPrecondition, "already on X (https://x.com/ada_x/status/1900000000000000111) and cannot be changed")
	}
	// The parts after it may change, and be added to.
	got, err := ada.update(&postv1.UpdatePostRequest{Id: p.GetId(), Version: v, Content: &postv1.UpdatePostRequest_Thread{Thread: &postv1.Thread{Parts: []string{"one", "TWO", "three", "four"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(parts(got), []string{"one", "TWO", "three", "four"}) || got.GetParts()[0].GetXPostId() == "" {
		t.Fatalf("after editing the unsent parts: %v", got)
	}
}

func TestDeletePost(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	ada := newUser(t, env, "ada@example.com", "ada_x")
	del := func(id string) error {
		_, err := ada.c.DeletePost(ctx, connect.NewRequest(&postv1.DeletePostRequest{Id: id}))
		return err
	}
	p := ada.schedule("to delete", time.Hour)
	if err := del(p.GetId()); err != nil {
		t.Fatal(err)
	}
	_, err := ada.c.GetPost(ctx, connect.NewRequest(&postv1.GetPostRequest{Id: p.GetId()}))
	wantCode(t, err, connect.CodeNotFound, "no such post")
	wantCode(t, del(p.GetId()), connect.CodeNotFound, "no such post")
	wantCode(t, del(""), connect.CodeInvalidArgument, "id is required")

	busy := ada.schedule("being sent", time.Hour)
	setPost(t, env, busy.GetId(), asPublishing)
	wantCode(t, del(busy.GetId()), connect.CodeFailedPrecondition, "it is being published right now; try again in a moment")
	ada.get(busy.GetId())
	// Once the publisher is done, it can go.
	setPost(t, env, busy.GetId(), "status = 'published', x_post_ids = ARRAY['1'], x_username = 'ada_x', published_at = now(), lease_owner = NULL, in_flight_part = NULL")
	if err := del(busy.GetId()); err != nil {
		t.Fatalf("deleting a published post: %v", err)
	}
	for _, state := range []string{asFailed, asUnconfirmed} {
		p := ada.schedule("x", time.Hour)
		setPost(t, env, p.GetId(), state)
		if err := del(p.GetId()); err != nil {
			t.Fatalf("delete %s: %v", state, err)
		}
	}
	if err := del(ada.draft("draft").GetId()); err != nil {
		t.Fatal(err)
	}
}

func TestPublishPost(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	ada := newUser(t, env, "ada@example.com", "ada_x")
	publish := func(id string) (*postv1.Post, error) {
		res, err := ada.c.PublishPost(ctx, connect.NewRequest(&postv1.PublishPostRequest{Id: id}))
		if err != nil {
			return nil, err
		}
		return res.Msg.GetPost(), nil
	}
	env.Clock.Advance(time.Minute)
	now := env.Clock.Now()
	for _, p := range []*postv1.Post{ada.draft("a draft"), ada.schedule("tomorrow", 24*time.Hour)} {
		got, err := publish(p.GetId())
		if err != nil {
			t.Fatal(err)
		}
		if got.GetStatus() != postv1.Status_STATUS_SCHEDULED || got.GetVersion() != p.GetVersion()+1 {
			t.Fatalf("published now: %v", got)
		}
		wantTime(t, "scheduled_time", got.GetScheduledTime(), now)
		wantTime(t, "next_attempt_time", got.GetNextAttemptTime(), now)
	}
	for _, tc := range []struct{ state, mention string }{
		{asPublishing, "being published right now"},
		{asPublished, "already published"},
		{asFailed, "use RetryPost"},
		{asUnconfirmed, "may already be on X"},
	} {
		p := ada.schedule("x", time.Hour)
		setPost(t, env, p.GetId(), tc.state)
		_, err := publish(p.GetId())
		wantCode(t, err, connect.CodeFailedPrecondition, tc.mention)
	}
	_, err := publish("01J000000000000000000000XX")
	wantCode(t, err, connect.CodeNotFound, "no such post")
}

func TestRetryPost(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	ada := newUser(t, env, "ada@example.com", "ada_x")
	retry := func(id string, force bool) (*postv1.Post, error) {
		res, err := ada.c.RetryPost(ctx, connect.NewRequest(&postv1.RetryPostRequest{Id: id, Force: force}))
		if err != nil {
			return nil, err
		}
		return res.Msg.GetPost(), nil
	}

	failed := ada.create(&postv1.CreatePostRequest{Content: thread("one", "two"), When: at(ada.in(time.Hour))})
	setPost(t, env, failed.GetId(), asFailed+", x_post_ids = ARRAY['1900000000000000111'], x_username = 'ada_x'")
	env.Clock.Advance(2 * time.Hour)
	got, err := retry(failed.GetId(), false)
	if err != nil {
		t.Fatal(err)
	}
	if got.GetStatus() != postv1.Status_STATUS_SCHEDULED || got.GetAttempts() != 0 || got.GetParts()[0].GetXPostId() != "1900000000000000111" {
		t.Fatalf("retried: %v", got)
	}
	wantTime(t, "next_attempt_time", got.GetNextAttemptTime(), env.Clock.Now())
	wantTime(t, "scheduled_time (the person's choice) kept", got.GetScheduledTime(), failed.GetScheduledTime().AsTime())

	// An unconfirmed post: a plain retry keeps its part in doubt (the
	// publisher reads X before resending it); force clears the doubt.
	inDoubt := func(id string) bool {
		var part *int32
		if err := env.Pool.QueryRow(ctx, `SELECT in_flight_part FROM posts WHERE id = $1`, id).Scan(&part); err != nil {
			t.Fatal(err)
		}
		return part != nil
	}
	for _, force := range []bool{false, true} {
		unsure := ada.schedule("maybe sent", time.Hour)
		setPost(t, env, unsure.GetId(), asUnconfirmed+", x_username = 'ada_x'")
		if got, err = retry(unsure.GetId(), force); err != nil {
			t.Fatal(err)
		}
		if got.GetStatus() != postv1.Status_STATUS_SCHEDULED || inDoubt(unsure.GetId()) == force {
			t.Fatalf("retry (force %v) of an unconfirmed post: %v, in doubt %v", force, got, inDoubt(unsure.GetId()))
		}
	}

	for _, tc := range []struct {
		post    *postv1.Post
		state   string
		mention string
	}{
		{ada.draft("d"), "", "use PublishPost"},
		{ada.schedule("s", time.Hour), "", "use PublishPost"},
		{ada.schedule("p", time.Hour), asPublishing, "being published right now"},
		{ada.schedule("p", time.Hour), asPublished, "already published"},
	} {
		if tc.state != "" {
			setPost(t, env, tc.post.GetId(), tc.state)
		}
		_, err := retry(tc.post.GetId(), true)
		wantCode(t, err, connect.CodeFailedPrecondition, tc.mention)
	}
}
