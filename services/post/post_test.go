package post_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/betterplan/betterplan/db/dbq"
	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
	"github.com/betterplan/betterplan/internal/apitest"
)

func TestCreatePost(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	ada := newUser(t, env, "ada@example.com", "ada_x")
	now := env.Clock.Now()

	single := ada.schedule("Hello from BetterPlan", time.Hour)
	if single.GetStatus() != postv1.Status_STATUS_SCHEDULED || single.GetThread() || !slices.Equal(parts(single), []string{"Hello from BetterPlan"}) ||
		single.GetIntegrationId() != ada.integID || single.GetVersion() != 1 || single.GetAttempts() != 0 ||
		single.GetLastError() != nil || single.GetPublishTime() != nil || len(single.GetId()) != 26 {
		t.Fatalf("single post %v", single)
	}
	wantTime(t, "scheduled_time", single.GetScheduledTime(), now.Add(time.Hour))
	wantTime(t, "next_attempt_time", single.GetNextAttemptTime(), now.Add(time.Hour))
	wantTime(t, "create_time", single.GetCreateTime(), now)
	if got := ada.get(single.GetId()); got.GetVersion() != 1 || !slices.Equal(parts(got), parts(single)) {
		t.Fatalf("GetPost = %v", got)
	}

	th := ada.create(&postv1.CreatePostRequest{Content: thread("1/3 a thread", "2/3 goes on", "3/3 the end"), When: at(ada.in(2 * time.Hour))})
	if th.GetStatus() != postv1.Status_STATUS_SCHEDULED || !th.GetThread() || !slices.Equal(parts(th), []string{"1/3 a thread", "2/3 goes on", "3/3 the end"}) {
		t.Fatalf("thread %v", th)
	}
	for _, p := range th.GetParts() {
		if p.GetXPostId() != "" || p.GetUrl() != "" {
			t.Fatalf("a part not on X has an X id or URL: %v", p)
		}
	}

	dr := ada.create(&postv1.CreatePostRequest{Content: thread("draft one", "draft two"), When: &postv1.CreatePostRequest_Draft{Draft: true}})
	if dr.GetStatus() != postv1.Status_STATUS_DRAFT || dr.GetScheduledTime() != nil || dr.GetNextAttemptTime() != nil {
		t.Fatalf("draft %v", dr)
	}

	nowPost := ada.create(&postv1.CreatePostRequest{Content: text("right now"), When: &postv1.CreatePostRequest_PublishNow{PublishNow: true}})
	if nowPost.GetStatus() != postv1.Status_STATUS_SCHEDULED {
		t.Fatalf("publish_now post %v", nowPost)
	}
	wantTime(t, "publish_now scheduled_time", nowPost.GetScheduledTime(), now)
	wantTime(t, "publish_now next_attempt_time", nowPost.GetNextAttemptTime(), now)

	// A time a few seconds ago (a slow request, a skewed clock) means now.
	late := ada.schedule("a moment ago", -5*time.Second)
	wantTime(t, "grace scheduled_time", late.GetScheduledTime(), now)
	wantTime(t, "grace next_attempt_time", late.GetNextAttemptTime(), now)
	// A year ahead is the limit, inclusive.
	ada.schedule("next year", 365*24*time.Hour)

	// The rows respect the schema's invariants (due_at only when scheduled).
	var bad int
	if err := env.Pool.QueryRow(ctx, `SELECT count(*) FROM posts WHERE (status = 'draft') <> (scheduled_at IS NULL) OR (status = 'scheduled') <> (due_at IS NOT NULL)`).Scan(&bad); err != nil || bad != 0 {
		t.Fatalf("%d rows break the draft/scheduled invariants (%v)", bad, err)
	}
}

func TestCreatePostValidation(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	ada := newUser(t, env, "ada@example.com", "ada_x")
	hour := at(ada.in(time.Hour))
	long := strings.Repeat("a", 312)
	twentySix := make([]string, 26)
	for i := range twentySix {
		twentySix[i] = fmt.Sprintf("part %d", i+1)
	}
	cases := []struct {
		name    string
		req     *postv1.CreatePostRequest
		code    connect.Code
		mention string
	}{
		{"no integration", &postv1.CreatePostRequest{Content: text("hi"), When: hour}, connect.CodeInvalidArgument, "integration_id is required"},
		{"no content", &postv1.CreatePostRequest{IntegrationId: ada.integID, When: hour}, connect.CodeInvalidArgument, "content is required"},
		{"no when", &postv1.CreatePostRequest{IntegrationId: ada.integID, Content: text("hi")}, connect.CodeInvalidArgument,
			"choose scheduled_time, publish_now, draft or add_to_queue"},
		{"publish_now false", &postv1.CreatePostRequest{IntegrationId: ada.integID, Content: text("hi"), When: &postv1.CreatePostRequest_PublishNow{}},
			connect.CodeInvalidArgument, "choose scheduled_time, publish_now, draft or add_to_queue"},
		{"empty text", &postv1.CreatePostRequest{IntegrationId: ada.integID, Content: text(""), When: hour}, connect.CodeInvalidArgument, "text: Post is empty"},
		{"whitespace text", &postv1.CreatePostRequest{IntegrationId: ada.integID, Content: text(" \n\u200b "), When: hour}, connect.CodeInvalidArgument,
			"text: Post contains only whitespace"},
		{"text too long", &postv1.CreatePostRequest{IntegrationId: ada.integID, Content: text(long), When: hour}, connect.CodeInvalidArgument,
			"text: Post is 312 characters; X allows 280. Remove 32."},
		{"invalid character", &postv1.CreatePostRequest{IntegrationId: ada.integID, Content: text("hi\uFFFF"), When: hour}, connect.CodeInvalidArgument,
			"text: Text contains an invalid character U+FFFF"},
		{"thread of one", &postv1.CreatePostRequest{IntegrationId: ada.integID, Content: thread("alone"), When: hour}, connect.CodeInvalidArgument,
			"thread.parts: a thread has 2 to 25 parts, this one has 1"},
		{"thread of 26", &postv1.CreatePostRequest{IntegrationId: ada.integID, Content: thread(twentySix...), When: hour}, connect.CodeInvalidArgument,
			"thread.parts: a thread has at most 25 parts, this one has 26"},
		{"long part", &postv1.CreatePostRequest{IntegrationId: ada.integID, Content: thread("one", "two", "three", long), When: hour}, connect.CodeInvalidArgument,
			"thread.parts[3]: Post is 312 characters; X allows 280. Remove 32."},
		{"blank part", &postv1.CreatePostRequest{IntegrationId: ada.integID, Content: thread("one", "  "), When: hour}, connect.CodeInvalidArgument,
			"thread.parts[1]: Post contains only whitespace"},
		{"empty part", &postv1.CreatePostRequest{IntegrationId: ada.integID, Content: thread("", "two"), When: hour}, connect.CodeInvalidArgument,
			"thread.parts[0]: Post is empty"},
		{"in the past", &postv1.CreatePostRequest{IntegrationId: ada.integID, Content: text("hi"), When: at(ada.in(-6 * time.Second))}, connect.CodeInvalidArgument,
			"scheduled_time is in the past"},
		{"over a year ahead", &postv1.CreatePostRequest{IntegrationId: ada.integID, Content: text("hi"), When: at(ada.in(365*24*time.Hour + time.Second))},
			connect.CodeInvalidArgument, "scheduled_time is more than a year ahead"},
		{"bad timestamp", &postv1.CreatePostRequest{IntegrationId: ada.integID, Content: text("hi"), When: at(&timestamppb.Timestamp{Seconds: 1, Nanos: -1})},
			connect.CodeInvalidArgument, "scheduled_time is not a valid timestamp"},
		{"unknown integration", &postv1.CreatePostRequest{IntegrationId: "01J000000000000000000000XX", Content: text("hi"), When: hour}, connect.CodeNotFound,
			"integration_id: no such X account"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ada.c.CreatePost(ctx, connect.NewRequest(tc.req))
			wantCode(t, err, tc.code, tc.mention)
		})
	}
	// Every invalid part is named.
	_, err := ada.c.CreatePost(ctx, connect.NewRequest(&postv1.CreatePostRequest{IntegrationId: ada.integID, Content: thread(long, "fine", ""), When: hour}))
	cerr := wantCode(t, err, connect.CodeInvalidArgument, "thread.parts[0]: Post is 312 characters")
	if !strings.Contains(cerr.Message(), "thread.parts[2]: Post is empty") || strings.Contains(cerr.Message(), "parts[1]") {
		t.Fatalf("message %q should name parts 0 and 2 only", cerr.Message())
	}
	var n int
	if err := env.Pool.QueryRow(ctx, "SELECT count(*) FROM posts").Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d posts stored by refused requests (%v)", n, err)
	}
}

func TestValidatePost(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	c := env.Post(env.SignUp(t, "ada@example.com"))
	cases := []struct {
		name   string
		text   string
		length int32
		valid  bool
		code   string // the first problem's code, when invalid
	}{
		// The spot checks of x-text-length.md.
		{"url counts 23", "Hi http://test.co", 26, true, ""},
		{"160 masks", strings.Repeat("😷", 160), 320, false, "too_long"},
		{"emoji and zwj family", "H🐱☺👨‍👩‍👧‍👦", 7, true, ""},
		{"keycap without FE0F", "1⃣", 2, true, ""},
		{"invalid characters", "ABC\u202A\uFFFFABC\uFFFE", 12, false, "invalid_character"},
		{"64-char label is no url", strings.Repeat("a", 64) + ".com", 68, true, ""},
		{"63-char label is a url", strings.Repeat("a", 63) + ".com", 23, true, ""},
		// Our own.
		{"280 latin", strings.Repeat("a", 280), 280, true, ""},
		{"281 latin", strings.Repeat("a", 281), 281, false, "too_long"},
		{"long url is 23", "see https://example.com/" + strings.Repeat("x", 300), 27, true, ""},
		{"url fills to 280", strings.Repeat("a", 256) + " https://example.com/page", 280, true, ""},
		{"url over 280", strings.Repeat("a", 257) + " https://example.com/page", 281, false, "too_long"},
		{"cjk counts 2", strings.Repeat("漢", 140), 280, true, ""},
		{"cjk over", strings.Repeat("漢", 141), 282, false, "too_long"},
		{"nfc first", "e\u0301", 1, true, ""},
		{"empty", "", 0, false, "empty"},
		{"whitespace", " \t\n", 3, false, "empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := c.ValidatePost(ctx, connect.NewRequest(&postv1.ValidatePostRequest{Text: tc.text}))
			if err != nil {
				t.Fatal(err)
			}
			m := res.Msg
			if m.GetWeightedLength() != tc.length || m.GetValid() != tc.valid || m.GetMaxWeightedLength() != 280 {
				t.Fatalf("got length %d valid %v max %d, want %d %v 280", m.GetWeightedLength(), m.GetValid(), m.GetMaxWeightedLength(), tc.length, tc.valid)
			}
			if tc.valid != (len(m.GetProblems()) == 0) {
				t.Fatalf("valid %v with problems %v", m.GetValid(), m.GetProblems())
			}
			if !tc.valid && (m.GetProblems()[0].GetCode() != tc.code || m.GetProblems()[0].GetMessage() == "") {
				t.Fatalf("problems %v, want first code %q with a message", m.GetProblems(), tc.code)
			}
		})
	}
	// It needs a signed-in caller like every other RPC of the service.
	_, err := env.Post("").ValidatePost(ctx, connect.NewRequest(&postv1.ValidatePostRequest{Text: "hi"}))
	wantCode(t, err, connect.CodeUnauthenticated, "")
}

func TestOtherUsersPostsAreNotFound(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	ada := newUser(t, env, "ada@example.com", "ada_x")
	eve := newUser(t, env, "eve@example.com", "eve_x")
	p := ada.schedule("Ada's", time.Hour)

	_, errUnknown := eve.c.GetPost(ctx, connect.NewRequest(&postv1.GetPostRequest{Id: "01J000000000000000000000XX"}))
	unknown := wantCode(t, errUnknown, connect.CodeNotFound, "no such post")
	id := p.GetId()
	calls := map[string]error{}
	_, calls["GetPost"] = eve.c.GetPost(ctx, connect.NewRequest(&postv1.GetPostRequest{Id: id}))
	_, calls["UpdatePost"] = eve.c.UpdatePost(ctx, connect.NewRequest(&postv1.UpdatePostRequest{Id: id, Version: 1, Content: &postv1.UpdatePostRequest_Text{Text: "Eve's now"}}))
	_, calls["DeletePost"] = eve.c.DeletePost(ctx, connect.NewRequest(&postv1.DeletePostRequest{Id: id}))
	_, calls["PublishPost"] = eve.c.PublishPost(ctx, connect.NewRequest(&postv1.PublishPostRequest{Id: id}))
	_, calls["RetryPost"] = eve.c.RetryPost(ctx, connect.NewRequest(&postv1.RetryPostRequest{Id: id, Force: true}))
	for name, err := range calls {
		if got := wantCode(t, err, connect.CodeNotFound, "no such post"); got.Message() != unknown.Message() {
			t.Fatalf("%s on another user's post says %q, an unknown one %q", name, got.Message(), unknown.Message())
		}
	}
	list, err := eve.c.ListPosts(ctx, connect.NewRequest(&postv1.ListPostsRequest{WorkspaceId: eve.ws, IntegrationId: ada.integID}))
	if err != nil || len(list.Msg.GetPosts()) != 0 {
		t.Fatalf("Eve lists %d of Ada's posts (%v)", len(list.Msg.GetPosts()), err)
	}
	_, errOtherWS := eve.c.ListPosts(ctx, connect.NewRequest(&postv1.ListPostsRequest{WorkspaceId: ada.ws}))
	_, errMadeUpWS := eve.c.ListPosts(ctx, connect.NewRequest(&postv1.ListPostsRequest{WorkspaceId: "01J000000000000000000000XX"}))
	if a, b := wantCode(t, errOtherWS, connect.CodeNotFound, "workspace"), wantCode(t, errMadeUpWS, connect.CodeNotFound, "workspace"); a.Message() != b.Message() {
		t.Fatalf("Ada's workspace %q vs an unknown one %q", a.Message(), b.Message())
	}

	// Ada's X account is as unknown to Eve as a made-up one, even for a draft.
	_, errOther := eve.c.CreatePost(ctx, connect.NewRequest(&postv1.CreatePostRequest{IntegrationId: ada.integID, Content: text("hi"), When: &postv1.CreatePostRequest_Draft{Draft: true}}))
	_, errMadeUp := eve.c.CreatePost(ctx, connect.NewRequest(&postv1.CreatePostRequest{IntegrationId: "01J000000000000000000000XX", Content: text("hi"), When: &postv1.CreatePostRequest_Draft{Draft: true}}))
	if a, b := wantCode(t, errOther, connect.CodeNotFound, "integration_id"), wantCode(t, errMadeUp, connect.CodeNotFound, "integration_id"); a.Message() != b.Message() {
		t.Fatalf("another user's X account %q vs an unknown one %q", a.Message(), b.Message())
	}
	if got := ada.get(id); got.GetVersion() != 1 || parts(got)[0] != "Ada's" {
		t.Fatalf("Eve changed Ada's post: %v", got)
	}
}

func TestNeedsReconnect(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	ada := newUser(t, env, "ada@example.com", "ada_x")
	dr := ada.draft("for later")
	sched := ada.schedule("soon", time.Hour)
	row, err := dbq.New(env.Pool).IntegrationGetByID(ctx, ada.integID)
	if err != nil {
		t.Fatal(err)
	}
	if err := dbq.New(env.Pool).IntegrationMarkNeedsReconnect(ctx, dbq.IntegrationMarkNeedsReconnectParams{
		ID: ada.integID, Credential: row.Credential, Reason: "X rejected the credentials", Now: env.Clock.DB(),
	}); err != nil {
		t.Fatal(err)
	}
	const want = "reconnect your X account @ada_x first"

	_, err = ada.c.CreatePost(ctx, connect.NewRequest(&postv1.CreatePostRequest{IntegrationId: ada.integID, Content: text("hi"), When: at(ada.in(time.Hour))}))
	wantCode(t, err, connect.CodeFailedPrecondition, want)
	_, err = ada.c.CreatePost(ctx, connect.NewRequest(&postv1.CreatePostRequest{IntegrationId: ada.integID, Content: text("hi"), When: &postv1.CreatePostRequest_PublishNow{PublishNow: true}}))
	wantCode(t, err, connect.CodeFailedPrecondition, want)
	_, err = ada.c.PublishPost(ctx, connect.NewRequest(&postv1.PublishPostRequest{Id: dr.GetId()}))
	wantCode(t, err, connect.CodeFailedPrecondition, want)
	_, err = ada.update(&postv1.UpdatePostRequest{Id: dr.GetId(), Version: dr.GetVersion(), When: &postv1.UpdatePostRequest_ScheduledTime{ScheduledTime: ada.in(time.Hour)}})
	wantCode(t, err, connect.CodeFailedPrecondition, want)

	// Drafts and edits that send nothing are fine.
	ada.draft("another draft")
	if _, err := ada.update(&postv1.UpdatePostRequest{Id: dr.GetId(), Version: dr.GetVersion(), Content: &postv1.UpdatePostRequest_Text{Text: "edited"}}); err != nil {
		t.Fatalf("editing a draft of an account to reconnect: %v", err)
	}
	if _, err := ada.update(&postv1.UpdatePostRequest{Id: sched.GetId(), Version: sched.GetVersion(), When: &postv1.UpdatePostRequest_Draft{Draft: true}}); err != nil {
		t.Fatalf("unscheduling a post of an account to reconnect: %v", err)
	}

	// Reconnected, it schedules again.
	if again := ada.connectX("ada_x"); again != ada.integID {
		t.Fatalf("reconnect made integration %s, want %s", again, ada.integID)
	}
	if _, err := ada.c.PublishPost(ctx, connect.NewRequest(&postv1.PublishPostRequest{Id: dr.GetId()})); err != nil {
		t.Fatalf("PublishPost after reconnecting: %v", err)
	}
}
