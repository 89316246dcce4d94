package post_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	integrationv1 "github.com/betterplan/betterplan/gen/betterplan/integration/v1"
	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
	"github.com/betterplan/betterplan/gen/betterplan/post/v1/postv1connect"
	"github.com/betterplan/betterplan/internal/apitest"
)

var ctx = context.Background()

// user is a signed-up person with one connected X account.
type user struct {
	t       *testing.T
	env     *apitest.Env
	token   string
	ws      string // their personal workspace
	integID string
	c       postv1connect.PostServiceClient
}

// newUser signs up email and connects the X account xName with the PIN flow.
func newUser(t *testing.T, env *apitest.Env, email, xName string) *user {
	t.Helper()
	u := &user{t: t, env: env, token: env.SignUp(t, email)}
	u.ws = env.PersonalWorkspace(t, u.token)
	u.c = env.Post(u.token)
	u.integID = u.connectX(xName)
	return u
}

func (u *user) connectX(xName string) string {
	u.t.Helper()
	ic := u.env.Integration(u.token)
	start, err := ic.StartXAuthorization(ctx, connect.NewRequest(&integrationv1.StartXAuthorizationRequest{PinFlow: true, WorkspaceId: u.ws}))
	if err != nil {
		u.t.Fatal(err)
	}
	pin, err := u.env.X.Approve(start.Msg.GetOauthToken(), xName)
	if err != nil {
		u.t.Fatal(err)
	}
	res, err := ic.CompleteXAuthorization(ctx, connect.NewRequest(&integrationv1.CompleteXAuthorizationRequest{
		OauthToken: start.Msg.GetOauthToken(), OauthVerifier: pin,
	}))
	if err != nil {
		u.t.Fatal(err)
	}
	return res.Msg.GetIntegration().GetId()
}

// in is a timestamp d from the test clock's now.
func (u *user) in(d time.Duration) *timestamppb.Timestamp {
	return timestamppb.New(u.env.Clock.Now().Add(d))
}

func (u *user) create(req *postv1.CreatePostRequest) *postv1.Post {
	u.t.Helper()
	if req.IntegrationId == "" {
		req.IntegrationId = u.integID
	}
	res, err := u.c.CreatePost(ctx, connect.NewRequest(req))
	if err != nil {
		u.t.Fatalf("CreatePost: %v", err)
	}
	return res.Msg.GetPost()
}

// schedule creates a single post d from now.
func (u *user) schedule(text string, d time.Duration) *postv1.Post {
	u.t.Helper()
	return u.create(&postv1.CreatePostRequest{
		Content: &postv1.CreatePostRequest_Text{Text: text},
		When:    &postv1.CreatePostRequest_ScheduledTime{ScheduledTime: u.in(d)},
	})
}

func (u *user) draft(text string) *postv1.Post {
	u.t.Helper()
	return u.create(&postv1.CreatePostRequest{
		Content: &postv1.CreatePostRequest_Text{Text: text},
		When:    &postv1.CreatePostRequest_Draft{Draft: true},
	})
}

func (u *user) get(id string) *postv1.Post {
	u.t.Helper()
	res, err := u.c.GetPost(ctx, connect.NewRequest(&postv1.GetPostRequest{Id: id}))
	if err != nil {
		u.t.Fatalf("GetPost: %v", err)
	}
	return res.Msg.GetPost()
}

func (u *user) update(req *postv1.UpdatePostRequest) (*postv1.Post, error) {
	res, err := u.c.UpdatePost(ctx, connect.NewRequest(req))
	if err != nil {
		return nil, err
	}
	return res.Msg.GetPost(), nil
}

// setPost plays the publisher: it changes a post's row directly.
func setPost(t *testing.T, env *apitest.Env, id, set string, args ...any) {
	t.Helper()
	tag, err := env.Pool.Exec(ctx, "UPDATE posts SET "+set+", version = version + 1 WHERE id = $1", append([]any{id}, args...)...)
	if err != nil {
		t.Fatalf("set %s: %v", set, err)
	}
	if tag.RowsAffected() != 1 {
		t.Fatalf("set %s: no post %s", set, id)
	}
}

// Publisher states, as the publisher leaves a post.
const (
	asPublishing  = "status = 'publishing', due_at = NULL, lease_owner = 'test', lease_expires_at = now() + interval '1 minute', in_flight_part = 0, attempts = attempts + 1"
	asPublished   = "status = 'published', due_at = NULL, x_post_ids = ARRAY['1900000000000000001'], x_username = 'ada_x', published_at = scheduled_at, attempts = 1"
	asFailed      = "status = 'failed', due_at = NULL, attempts = 3, last_error_kind = 'rejected', last_error_message = 'X refused the post.', last_error_x_title = 'Forbidden', last_error_x_detail = 'You are not permitted.', last_error_x_status = 403, last_error_at = scheduled_at"
	asUnconfirmed = "status = 'unconfirmed', due_at = NULL, attempts = 1, in_flight_part = 0, last_error_kind = 'unconfirmed', " +
		"last_error_message = 'The connection to X broke while sending part 1.', last_error_at = scheduled_at"
)

func wantCode(t *testing.T, err error, code connect.Code, mention string) *connect.Error {
	t.Helper()
	var cerr *connect.Error
	if !errors.As(err, &cerr) {
		t.Fatalf("got %v, want a Connect error with code %s", err, code)
	}
	if cerr.Code() != code || !strings.Contains(cerr.Message(), mention) {
		t.Fatalf("got %s %q, want %s mentioning %q", cerr.Code(), cerr.Message(), code, mention)
	}
	return cerr
}

func wantTime(t *testing.T, what string, got *timestamppb.Timestamp, want time.Time) {
	t.Helper()
	if got == nil || !got.AsTime().Equal(want) {
		t.Fatalf("%s = %v, want %v", what, got.AsTime(), want)
	}
}

func text(s string) *postv1.CreatePostRequest_Text { return &postv1.CreatePostRequest_Text{Text: s} }

func thread(parts ...string) *postv1.CreatePostRequest_Thread {
	return &postv1.CreatePostRequest_Thread{Thread: &postv1.Thread{Parts: parts}}
}

func at(ts *timestamppb.Timestamp) *postv1.CreatePostRequest_ScheduledTime {
	return &postv1.CreatePostRequest_ScheduledTime{ScheduledTime: ts}
}

func parts(p *postv1.Post) []string {
	out := make([]string, len(p.GetParts()))
	for i, part := range p.GetParts() {
		out[i] = part.GetText()
	}
	return out
}
