package post_test

import (
	"io"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	integrationv1 "github.com/betterplan/betterplan/gen/betterplan/integration/v1"
	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
	workspacev1 "github.com/betterplan/betterplan/gen/betterplan/workspace/v1"
	"github.com/betterplan/betterplan/internal/apitest"
	"github.com/betterplan/betterplan/internal/fakex"
	"github.com/betterplan/betterplan/internal/xclient"
	"github.com/betterplan/betterplan/services/publisher"
)

// member signs email up and brings them into owner's workspace with role,
// through an invitation; their posts go to the owner's X account.
func member(t *testing.T, env *apitest.Env, owner *user, email string, role workspacev1.Role) *user {
	t.Helper()
	token := env.SignUp(t, email)
	inv, err := env.Workspace(owner.token).CreateInvitation(ctx, connect.NewRequest(&workspacev1.CreateInvitationRequest{WorkspaceId: owner.ws, Email: email, Role: role}))
	if err != nil {
		t.Fatal(err)
	}
	link, _ := url.Parse(inv.Msg.GetUrl())
	if _, err := env.Workspace(token).AcceptInvitation(ctx, connect.NewRequest(&workspacev1.AcceptInvitationRequest{Token: link.Query().Get("token")})); err != nil {
		t.Fatal(err)
	}
	return &user{t: t, env: env, token: token, ws: owner.ws, integID: owner.integID, c: env.Post(token)}
}

// startPublisher is a real publisher on the test's database, clock and fake X.
func startPublisher(t *testing.T, env *apitest.Env) *publisher.Publisher {
	t.Helper()
	x, err := xclient.New(xclient.Config{BaseURL: env.XURL, ConsumerKey: fakex.DefaultConsumerKey, ConsumerSecret: fakex.DefaultConsumerSecret, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	p, err := publisher.New(publisher.Config{Pool: env.Pool, X: x, Keys: env.Keys, Now: env.Clock.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestTeamSharesAnAccount: two people of one workspace schedule to the
// same X account; both posts go out, each recorded as its author's.
func TestTeamSharesAnAccount(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	ada := newUser(t, env, "ada@example.com", "engine_x")
	bob := member(t, env, ada, "bob@example.com", workspacev1.Role_ROLE_EDITOR)
	p1 := ada.schedule("Ada's note on the engine", time.Hour)
	p2 := bob.schedule("Bob's note on the engine", time.Hour)
	if p1.GetAuthorId() == p2.GetAuthorId() || p2.GetWorkspaceId() != ada.ws || p2.GetIntegrationId() != ada.integID {
		t.Fatalf("posts %v / %v", p1, p2)
	}
	// Each sees the other's post in the workspace.
	list, err := bob.c.ListPosts(ctx, connect.NewRequest(&postv1.ListPostsRequest{WorkspaceId: ada.ws}))
	if err != nil || len(list.Msg.GetPosts()) != 2 {
		t.Fatalf("bob lists %d posts (%v), want both", len(list.Msg.GetPosts()), err)
	}
	pub := startPublisher(t, env)
	env.Clock.Advance(time.Hour)
	if err := pub.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*postv1.Post{p1, p2} {
		if got := ada.get(p.GetId()); got.GetStatus() != postv1.Status_STATUS_PUBLISHED {
			t.Fatalf("post %q is %v, want published", parts(got)[0], got.GetStatus())
		}
	}

	// The X account can be in one workspace only; the other workspace
	// learns nothing about where it is.
	eve := env.SignUp(t, "eve@example.com")
	ic := env.Integration(eve)
	start, err := ic.StartXAuthorization(ctx, connect.NewRequest(&integrationv1.StartXAuthorizationRequest{PinFlow: true, WorkspaceId: env.PersonalWorkspace(t, eve)}))
	if err != nil {
		t.Fatal(err)
	}
	pin, err := env.X.Approve(start.Msg.GetOauthToken(), "engine_x")
	if err != nil {
		t.Fatal(err)
	}
	_, err = ic.CompleteXAuthorization(ctx, connect.NewRequest(&integrationv1.CompleteXAuthorizationRequest{OauthToken: start.Msg.GetOauthToken(), OauthVerifier: pin}))
	cerr := wantCode(t, err, connect.CodeAlreadyExists, "another BetterPlan workspace")
	for _, leak := range []string{ada.ws, "ada", "Ada"} {
		if strings.Contains(strings.ToLower(cerr.Message()), strings.ToLower(leak)) {
			t.Fatalf("already_connected names the other workspace (%q): %s", leak, cerr.Message())
		}
	}
}

// TestApprovalThroughPublisher: a writer's post waits for approval (the
// publisher leaves it alone even past its time), is sent back with a
// reason, changed and resubmitted, approved by an editor, and published at
// its time; its activity tells the story with names.
func TestApprovalThroughPublisher(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	ada := newUser(t, env, "ada@example.com", "engine_x")
	writer := member(t, env, ada, "grace@example.com", workspacev1.Role_ROLE_WRITER)
	pub := startPublisher(t, env)
	tick := func() {
		t.Helper()
		if err := pub.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}

	// A writer cannot publish or schedule outright.
	_, err := writer.c.CreatePost(ctx, connect.NewRequest(&postv1.CreatePostRequest{IntegrationId: ada.integID, Content: text("now!"), When: &postv1.CreatePostRequest_PublishNow{PublishNow: true}}))
	wantCode(t, err, connect.CodePermissionDenied, "needs the editor role")
	p := writer.schedule("A first draft of the announcement", 30*time.Minute)
	if p.GetStatus() != postv1.Status_STATUS_PENDING_APPROVAL || p.GetNextAttemptTime() != nil {
		t.Fatalf("the writer's post is %v (due %v), want pending approval and not due", p.GetStatus(), p.GetNextAttemptTime())
	}
	_, err = writer.c.ApprovePost(ctx, connect.NewRequest(&postv1.ApprovePostRequest{Id: p.GetId(), Version: p.GetVersion()}))
	wantCode(t, err, connect.CodePermissionDenied, "needs the editor role")

	// Past its time, still waiting: the publisher does not touch it.
	env.Clock.Advance(31 * time.Minute)
	tick()
	if got := ada.get(p.GetId()); got.GetStatus() != postv1.Status_STATUS_PENDING_APPROVAL || len(env.X.Posts()) != 0 {
		t.Fatalf("an unapproved post went on: %v, %d on X", got.GetStatus(), len(env.X.Posts()))
	}
	// Approving it now needs a new time.
	_, err = ada.c.ApprovePost(ctx, connect.NewRequest(&postv1.ApprovePostRequest{Id: p.GetId(), Version: p.GetVersion()}))
	wantCode(t, err, connect.CodeFailedPrecondition, "has passed")

	// Sent back with a reason the writer sees.
	rej, err := ada.c.RejectPost(ctx, connect.NewRequest(&postv1.RejectPostRequest{Id: p.GetId(), Version: p.GetVersion(), Reason: "Mention the date of the launch."}))
	if err != nil {
		t.Fatal(err)
	}
	got := writer.get(p.GetId())
	if got.GetStatus() != postv1.Status_STATUS_DRAFT || got.GetRejection().GetReason() != "Mention the date of the launch." || got.GetRejection().GetRejectedBy() == "" {
		t.Fatalf("rejected post: %v", got)
	}
	// Changed and resubmitted: waiting again, the rejection gone.
	re, err := writer.update(&postv1.UpdatePostRequest{Id: p.GetId(), Version: rej.Msg.GetPost().GetVersion(),
		Content: &postv1.UpdatePostRequest_Text{Text: "The announcement: the engine launches on 10 December."},
		When:    &postv1.UpdatePostRequest_ScheduledTime{ScheduledTime: writer.in(time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	if re.GetStatus() != postv1.Status_STATUS_PENDING_APPROVAL || re.GetRejection() != nil {
		t.Fatalf("resubmitted: %v", re)
	}
	// A stale approval (the writer changed it since) is refused.
	_, err = ada.c.ApprovePost(ctx, connect.NewRequest(&postv1.ApprovePostRequest{Id: p.GetId(), Version: p.GetVersion()}))
	wantCode(t, err, connect.CodeAborted, "")
	ok, err := ada.c.ApprovePost(ctx, connect.NewRequest(&postv1.ApprovePostRequest{Id: p.GetId(), Version: re.GetVersion()}))
	if err != nil {
		t.Fatal(err)
	}
	if ok.Msg.GetPost().GetStatus() != postv1.Status_STATUS_SCHEDULED || !ok.Msg.GetPost().GetScheduledTime().AsTime().Equal(re.GetScheduledTime().AsTime()) {
		t.Fatalf("approved: %v", ok.Msg.GetPost())
	}
	// Once approved it is no longer the writer's to change.
	_, err = writer.update(&postv1.UpdatePostRequest{Id: p.GetId(), Version: ok.Msg.GetPost().GetVersion(), Content: &postv1.UpdatePostRequest_Text{Text: "sneaky"}})
	wantCode(t, err, connect.CodePermissionDenied, "needs the editor role")

	// Not before its time; then published.
	tick()
	if len(env.X.Posts()) != 0 {
		t.Fatal("published before its time")
	}
	env.Clock.Advance(time.Hour)
	tick()
	if got := ada.get(p.GetId()); got.GetStatus() != postv1.Status_STATUS_PUBLISHED || len(env.X.Posts()) != 1 {
		t.Fatalf("after its time: %v, %d on X", got.GetStatus(), len(env.X.Posts()))
	}

	act, err := writer.c.ListPostActivity(ctx, connect.NewRequest(&postv1.ListPostActivityRequest{Id: p.GetId()}))
	if err != nil {
		t.Fatal(err)
	}
	var story []string
	for _, a := range act.Msg.GetActivity() {
		who := a.GetActorName()
		if a.GetActorId() == "" {
			who = "BetterPlan"
		}
		story = append(story, who+" "+a.GetKind().String())
	}
	want := []string{
		"grace@example.com ACTIVITY_KIND_CREATED", "grace@example.com ACTIVITY_KIND_SUBMITTED",
		"ada@example.com ACTIVITY_KIND_REJECTED", "grace@example.com ACTIVITY_KIND_SUBMITTED",
		"ada@example.com ACTIVITY_KIND_APPROVED", "BetterPlan ACTIVITY_KIND_PUBLISHED",
	}
	if !slices.Equal(story, want) {
		t.Fatalf("activity:\n got %q\nwant %q", story, want)
	}
	if act.Msg.GetActivity()[2].GetNote() != "Mention the date of the launch." {
		t.Fatalf("the rejection's reason is not in the activity: %v", act.Msg.GetActivity()[2])
	}
}
