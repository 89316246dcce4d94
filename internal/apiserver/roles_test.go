package apiserver_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	accountv1 "github.com/betterplan/betterplan/gen/betterplan/account/v1"
	"github.com/betterplan/betterplan/gen/betterplan/account/v1/accountv1connect"
	integrationv1 "github.com/betterplan/betterplan/gen/betterplan/integration/v1"
	"github.com/betterplan/betterplan/gen/betterplan/integration/v1/integrationv1connect"
	mediav1 "github.com/betterplan/betterplan/gen/betterplan/media/v1"
	"github.com/betterplan/betterplan/gen/betterplan/media/v1/mediav1connect"
	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
	"github.com/betterplan/betterplan/gen/betterplan/post/v1/postv1connect"
	workspacev1 "github.com/betterplan/betterplan/gen/betterplan/workspace/v1"
	"github.com/betterplan/betterplan/gen/betterplan/workspace/v1/workspacev1connect"
	"github.com/betterplan/betterplan/internal/apitest"
	"github.com/betterplan/betterplan/internal/config"
	"github.com/betterplan/betterplan/internal/mediainfo/mediatest"
	"github.com/betterplan/betterplan/internal/ratelimit"
)

// notScoped are the RPCs that touch no workspace, and why; every other RPC
// must have a row in the role matrix.
var notScoped = map[string]string{
	accountv1connect.AccountServiceSignUpProcedure:                         "creates a user (and their personal workspace)",
	accountv1connect.AccountServiceSignInProcedure:                         "no caller yet",
	accountv1connect.AccountServiceSignOutProcedure:                        "the caller's own session",
	accountv1connect.AccountServiceGetMeProcedure:                          "the caller's own user and memberships",
	accountv1connect.AccountServiceUpdateMeProcedure:                       "the caller's own user",
	accountv1connect.AccountServiceCreateApiTokenProcedure:                 "the caller's own tokens",
	accountv1connect.AccountServiceListApiTokensProcedure:                  "the caller's own tokens",
	accountv1connect.AccountServiceRevokeApiTokenProcedure:                 "the caller's own tokens",
	postv1connect.PostServiceValidatePostProcedure:                         "counts text; media ids are looked up among the caller's own workspaces (TestValidatePostMedia)",
	workspacev1connect.WorkspaceServiceCreateWorkspaceProcedure:            "makes a new workspace owned by the caller",
	workspacev1connect.WorkspaceServiceGetInvitationProcedure:              "the token is the authority (tested in services/workspace)",
	workspacev1connect.WorkspaceServiceAcceptInvitationProcedure:           "the token and the caller's email are the authority (tested in services/workspace)",
	integrationv1connect.IntegrationServiceCompleteXAuthorizationProcedure: "bound to the user who started it, whose role is checked again (tested in services/integration)",
}

// actor is one caller: a member of the team workspace with a role, or the
// outsider (a member of another workspace only).
type actor struct {
	name  string
	token string
	id    string
	cs    clients
}

// world is the matrix's workspace W with one member per role and an X
// account, and an outsider with a workspace and X account of their own.
type world struct {
	t        *testing.T
	env      *apitest.Env
	ws       string
	integ    string
	owner    actor
	members  map[workspacev1.Role]actor
	outsider actor
	n        int // for unique names
}

var roleOrder = []workspacev1.Role{workspacev1.Role_ROLE_OWNER, workspacev1.Role_ROLE_ADMIN, workspacev1.Role_ROLE_EDITOR, workspacev1.Role_ROLE_WRITER, workspacev1.Role_ROLE_VIEWER}

func newWorld(t *testing.T) *world {
	t.Helper()
	// Many sign-ups from one address: more than the default allows.
	env := apitest.Start(t, apitest.Options{Limits: config.RateLimits{SignUp: ratelimit.Rule{Limit: 1000, Window: time.Hour}}})
	w := &world{t: t, env: env, members: map[workspacev1.Role]actor{}}
	w.owner = w.signUp("owner")
	res, err := w.owner.cs.workspace.CreateWorkspace(context.Background(), connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: "Team"}))
	if err != nil {
		t.Fatal(err)
	}
	w.ws = res.Msg.GetMembership().GetWorkspace().GetId()
	w.members[workspacev1.Role_ROLE_OWNER] = w.owner
	for _, r := range roleOrder[1:] {
		w.members[r] = w.join(strings.ToLower(strings.TrimPrefix(r.String(), "ROLE_")), r)
	}
	w.integ = w.connect(w.owner, w.ws, "team_x")
	w.outsider = w.signUp("outsider")
	w.connect(w.outsider, w.personal(w.outsider), "outsider_x")
	return w
}

func (w *world) signUp(name string) actor {
	w.t.Helper()
	w.n++
	email := fmt.Sprintf("%s%d@example.com", name, w.n)
	token := w.env.SignUp(w.t, email)
	me, err := w.env.Account(token).GetMe(context.Background(), connect.NewRequest(&accountv1.GetMeRequest{}))
	if err != nil {
		w.t.Fatal(err)
	}
	return actor{name: name, token: token, id: me.Msg.GetUser().GetId(), cs: newClients(w.env, token)}
}

// join signs a new person up and brings them into W with role.
func (w *world) join(name string, role workspacev1.Role) actor {
	w.t.Helper()
	a := w.signUp(name)
	me, _ := w.env.Account(a.token).GetMe(context.Background(), connect.NewRequest(&accountv1.GetMeRequest{}))
	inv, err := w.owner.cs.workspace.CreateInvitation(context.Background(), connect.NewRequest(&workspacev1.CreateInvitationRequest{
		WorkspaceId: w.ws, Email: me.Msg.GetUser().GetEmail(), Role: role}))
	if err != nil {
		w.t.Fatal(err)
	}
	link, _ := url.Parse(inv.Msg.GetUrl())
	if _, err := a.cs.workspace.AcceptInvitation(context.Background(), connect.NewRequest(&workspacev1.AcceptInvitationRequest{Token: link.Query().Get("token")})); err != nil {
		w.t.Fatal(err)
	}
	return a
}

func (w *world) personal(a actor) string {
	w.t.Helper()
	return w.env.PersonalWorkspace(w.t, a.token)
}

// connect connects an X account to a workspace with the PIN flow.
func (w *world) connect(a actor, ws, xName string) string {
	w.t.Helper()
	ctx := context.Background()
	start, err := a.cs.integration.StartXAuthorization(ctx, connect.NewRequest(&integrationv1.StartXAuthorizationRequest{PinFlow: true, WorkspaceId: ws}))
	if err != nil {
		w.t.Fatal(err)
	}
	pin, err := w.env.X.Approve(start.Msg.GetOauthToken(), xName)
	if err != nil {
		w.t.Fatal(err)
	}
	res, err := a.cs.integration.CompleteXAuthorization(ctx, connect.NewRequest(&integrationv1.CompleteXAuthorizationRequest{OauthToken: start.Msg.GetOauthToken(), OauthVerifier: pin}))
	if err != nil {
		w.t.Fatal(err)
	}
	return res.Msg.GetIntegration().GetId()
}

// post creates a post in W as a (a draft unless at is set).
func (w *world) post(a actor, at time.Duration) *postv1.Post {
	w.t.Helper()
	w.n++
	req := &postv1.CreatePostRequest{IntegrationId: w.integ, Content: &postv1.CreatePostRequest_Text{Text: fmt.Sprintf("post %d", w.n)},
		When: &postv1.CreatePostRequest_Draft{Draft: true}}
	if at != 0 {
		req.When = &postv1.CreatePostRequest_ScheduledTime{ScheduledTime: timestamppb.New(w.env.Clock.Now().Add(at))}
	}
	res, err := a.cs.post.CreatePost(context.Background(), connect.NewRequest(req))
	if err != nil {
		w.t.Fatal(err)
	}
	return res.Msg.GetPost()
}

// upload is a ready image in W, uploaded by a.
func (w *world) upload(a actor) *mediav1.Media {
	w.t.Helper()
	return w.env.Upload(w.t, a.token, w.ws, "photo.png", "image/png", mediatest.PNG(40, 30))
}

// queued makes sure W's account has a posting schedule and returns a draft
// of the owner's, or (inQueue) a post in its queue.
func (w *world) queued(inQueue bool) *postv1.Post {
	w.t.Helper()
	ctx := context.Background()
	var slots []*postv1.PostingSlot
	for d := postv1.Weekday_WEEKDAY_MONDAY; d <= postv1.Weekday_WEEKDAY_SUNDAY; d++ {
		slots = append(slots, &postv1.PostingSlot{Weekday: d, LocalTime: "09:00"}, &postv1.PostingSlot{Weekday: d, LocalTime: "18:00"})
	}
	if _, err := w.owner.cs.queue.UpdatePostingSchedule(ctx, connect.NewRequest(&postv1.UpdatePostingScheduleRequest{
		IntegrationId: w.integ, TimeZone: "Europe/Berlin", Slots: slots})); err != nil {
		w.t.Fatal(err)
	}
	p := w.post(w.owner, 0)
	if !inQueue {
		return p
	}
	res, err := w.owner.cs.queue.AddToQueue(ctx, connect.NewRequest(&postv1.AddToQueueRequest{PostId: p.GetId()}))
	if err != nil {
		w.t.Fatal(err)
	}
	return res.Msg.GetPost()
}

// series starts a recurring post on W's account as the owner.
func (w *world) series() string {
	w.t.Helper()
	w.n++
	res, err := w.owner.cs.series.CreateSeries(context.Background(), connect.NewRequest(seriesRequest(w.integ, w.n)))
	if err != nil {
		w.t.Fatal(err)
	}
	return res.Msg.GetSeries().GetId()
}

func seriesRequest(integ string, n int) *postv1.CreateSeriesRequest {
	return &postv1.CreateSeriesRequest{IntegrationId: integ, Texts: []string{fmt.Sprintf("Tip %d of {date}", n)},
		Recurrence: &postv1.Recurrence{Frequency: postv1.Frequency_FREQUENCY_DAILY, LocalTime: "09:00", TimeZone: "Europe/Berlin", StartDate: "2026-06-01"}}
}

// freeSlot is the time of a coming slot no post holds.
func (w *world) freeSlot() *timestamppb.Timestamp {
	w.t.Helper()
	res, err := w.owner.cs.queue.ListQueue(context.Background(), connect.NewRequest(&postv1.ListQueueRequest{IntegrationId: w.integ, Count: 200}))
	if err != nil {
		w.t.Fatal(err)
	}
	for _, s := range res.Msg.GetSlots() {
		if s.GetPost() == nil {
			return s.GetTime()
		}
	}
	w.t.Fatal("no free slot")
	return nil
}

// failed is a post the publisher failed (X refused it), as the publisher
// records it.
func (w *world) failed() *postv1.Post {
	w.t.Helper()
	p := w.post(w.owner, time.Hour)
	if _, err := w.env.Pool.Exec(context.Background(), `UPDATE posts SET status = 'failed', due_at = NULL,
		last_error_kind = 'rejected', last_error_message = 'X refused it', last_error_at = now() WHERE id = $1`, p.GetId()); err != nil {
		w.t.Fatal(err)
	}
	return p
}

// row is one RPC of the matrix: the lowest role allowed, and a request on
// fresh objects of W for the given caller (called once per call, so a
// delete or a removal never runs out of things to delete). madeUp is the
// same request naming nothing that exists: the outsider must get the very
// same answer for W's objects.
type row struct {
	min    workspacev1.Role
	build  func(w *world, caller workspacev1.Role) proto.Message
	madeUp func() proto.Message
}

const nobody = "01J000000000000000000000ZZ"

var matrix = map[string]row{
	integrationv1connect.IntegrationServiceStartXAuthorizationProcedure: {workspacev1.Role_ROLE_ADMIN,
		func(w *world, _ workspacev1.Role) proto.Message {
			return &integrationv1.StartXAuthorizationRequest{PinFlow: true, WorkspaceId: w.ws}
		},
		func() proto.Message {
			return &integrationv1.StartXAuthorizationRequest{PinFlow: true, WorkspaceId: nobody}
		}},
	integrationv1connect.IntegrationServiceListIntegrationsProcedure: {workspacev1.Role_ROLE_VIEWER,
		func(w *world, _ workspacev1.Role) proto.Message {
			return &integrationv1.ListIntegrationsRequest{WorkspaceId: w.ws}
		},
		func() proto.Message { return &integrationv1.ListIntegrationsRequest{WorkspaceId: nobody} }},
	integrationv1connect.IntegrationServiceGetIntegrationProcedure: {workspacev1.Role_ROLE_VIEWER,
		func(w *world, _ workspacev1.Role) proto.Message {
			return &integrationv1.GetIntegrationRequest{Id: w.integ}
		},
		func() proto.Message { return &integrationv1.GetIntegrationRequest{Id: nobody} }},
	integrationv1connect.IntegrationServiceDeleteIntegrationProcedure: {workspacev1.Role_ROLE_ADMIN,
		func(w *world, caller workspacev1.Role) proto.Message {
			if !allowed(caller, workspacev1.Role_ROLE_ADMIN) {
				return &integrationv1.DeleteIntegrationRequest{Id: w.integ} // refused: it stays
			}
			w.n++
			return &integrationv1.DeleteIntegrationRequest{Id: w.connect(w.owner, w.ws, fmt.Sprintf("gone_%d", w.n))}
		},
		func() proto.Message { return &integrationv1.DeleteIntegrationRequest{Id: nobody} }},

	postv1connect.PostServiceCreatePostProcedure: {workspacev1.Role_ROLE_WRITER,
		func(w *world, _ workspacev1.Role) proto.Message {
			return &postv1.CreatePostRequest{IntegrationId: w.integ, Content: &postv1.CreatePostRequest_Text{Text: "a draft"}, When: &postv1.CreatePostRequest_Draft{Draft: true}}
		},
		func() proto.Message {
			return &postv1.CreatePostRequest{IntegrationId: nobody, Content: &postv1.CreatePostRequest_Text{Text: "a draft"}, When: &postv1.CreatePostRequest_Draft{Draft: true}}
		}},
	postv1connect.PostServiceGetPostProcedure: {workspacev1.Role_ROLE_VIEWER,
		func(w *world, _ workspacev1.Role) proto.Message {
			return &postv1.GetPostRequest{Id: w.post(w.owner, 0).GetId()}
		},
		func() proto.Message { return &postv1.GetPostRequest{Id: nobody} }},
	postv1connect.PostServiceListPostsProcedure: {workspacev1.Role_ROLE_VIEWER,
		func(w *world, _ workspacev1.Role) proto.Message { return &postv1.ListPostsRequest{WorkspaceId: w.ws} },
		func() proto.Message { return &postv1.ListPostsRequest{WorkspaceId: nobody} }},
	postv1connect.PostServiceListPostActivityProcedure: {workspacev1.Role_ROLE_VIEWER,
		func(w *world, _ workspacev1.Role) proto.Message {
			return &postv1.ListPostActivityRequest{Id: w.post(w.owner, 0).GetId()}
		},
		func() proto.Message { return &postv1.ListPostActivityRequest{Id: nobody} }},
	postv1connect.PostServiceWatchPostsProcedure: {workspacev1.Role_ROLE_VIEWER,
		func(w *world, _ workspacev1.Role) proto.Message { return &postv1.WatchPostsRequest{WorkspaceId: w.ws} },
		func() proto.Message { return &postv1.WatchPostsRequest{WorkspaceId: nobody} }},
	// Another person's post: editors only (a writer's own is TestWriterOwnPosts).
	postv1connect.PostServiceUpdatePostProcedure: {workspacev1.Role_ROLE_EDITOR,
		func(w *world, _ workspacev1.Role) proto.Message {
			p := w.post(w.owner, 0)
			return &postv1.UpdatePostRequest{Id: p.GetId(), Version: p.GetVersion(), Content: &postv1.UpdatePostRequest_Text{Text: "edited"}}
		},
		func() proto.Message {
			return &postv1.UpdatePostRequest{Id: nobody, Version: 1, Content: &postv1.UpdatePostRequest_Text{Text: "edited"}}
		}},
	postv1connect.PostServiceDeletePostProcedure: {workspacev1.Role_ROLE_EDITOR,
		func(w *world, _ workspacev1.Role) proto.Message {
			return &postv1.DeletePostRequest{Id: w.post(w.owner, 0).GetId()}
		},
		func() proto.Message { return &postv1.DeletePostRequest{Id: nobody} }},
	postv1connect.PostServicePublishPostProcedure: {workspacev1.Role_ROLE_EDITOR,
		func(w *world, _ workspacev1.Role) proto.Message {
			return &postv1.PublishPostRequest{Id: w.post(w.owner, 0).GetId()}
		},
		func() proto.Message { return &postv1.PublishPostRequest{Id: nobody} }},
	postv1connect.PostServiceRetryPostProcedure: {workspacev1.Role_ROLE_EDITOR,
		func(w *world, _ workspacev1.Role) proto.Message {
			return &postv1.RetryPostRequest{Id: w.failed().GetId()}
		},
		func() proto.Message { return &postv1.RetryPostRequest{Id: nobody} }},
	postv1connect.PostServiceApprovePostProcedure: {workspacev1.Role_ROLE_EDITOR,
		func(w *world, _ workspacev1.Role) proto.Message {
			p := w.post(w.members[workspacev1.Role_ROLE_WRITER], time.Hour)
			return &postv1.ApprovePostRequest{Id: p.GetId(), Version: p.GetVersion()}
		},
		func() proto.Message { return &postv1.ApprovePostRequest{Id: nobody, Version: 1} }},
	postv1connect.PostServiceRejectPostProcedure: {workspacev1.Role_ROLE_EDITOR,
		func(w *world, _ workspacev1.Role) proto.Message {
			p := w.post(w.members[workspacev1.Role_ROLE_WRITER], time.Hour)
			return &postv1.RejectPostRequest{Id: p.GetId(), Version: p.GetVersion(), Reason: "shorter, please"}
		},
		func() proto.Message {
			return &postv1.RejectPostRequest{Id: nobody, Version: 1, Reason: "shorter, please"}
		}},

	postv1connect.QueueServiceGetPostingScheduleProcedure: {workspacev1.Role_ROLE_VIEWER,
		func(w *world, _ workspacev1.Role) proto.Message {
			return &postv1.GetPostingScheduleRequest{IntegrationId: w.integ}
		},
		func() proto.Message { return &postv1.GetPostingScheduleRequest{IntegrationId: nobody} }},
	postv1connect.QueueServiceListQueueProcedure: {workspacev1.Role_ROLE_VIEWER,
		func(w *world, _ workspacev1.Role) proto.Message {
			return &postv1.ListQueueRequest{IntegrationId: w.integ}
		},
		func() proto.Message { return &postv1.ListQueueRequest{IntegrationId: nobody} }},
	postv1connect.QueueServiceUpdatePostingScheduleProcedure: {workspacev1.Role_ROLE_EDITOR,
		func(w *world, _ workspacev1.Role) proto.Message {
			return &postv1.UpdatePostingScheduleRequest{IntegrationId: w.integ, TimeZone: "Europe/Berlin",
				Slots: []*postv1.PostingSlot{{Weekday: postv1.Weekday_WEEKDAY_MONDAY, LocalTime: "09:00"}, {Weekday: postv1.Weekday_WEEKDAY_MONDAY, LocalTime: "18:00"}}}
		},
		func() proto.Message {
			return &postv1.UpdatePostingScheduleRequest{IntegrationId: nobody, TimeZone: "Europe/Berlin"}
		}},
	postv1connect.QueueServiceAddToQueueProcedure: {workspacev1.Role_ROLE_EDITOR,
		func(w *world, _ workspacev1.Role) proto.Message {
			return &postv1.AddToQueueRequest{PostId: w.queued(false).GetId()}
		},
		func() proto.Message { return &postv1.AddToQueueRequest{PostId: nobody} }},
	postv1connect.QueueServiceShareNextProcedure: {workspacev1.Role_ROLE_EDITOR,
		func(w *world, _ workspacev1.Role) proto.Message {
			return &postv1.ShareNextRequest{PostId: w.queued(false).GetId()}
		},
		func() proto.Message { return &postv1.ShareNextRequest{PostId: nobody} }},
	postv1connect.QueueServiceReorderQueueProcedure: {workspacev1.Role_ROLE_EDITOR,
		func(w *world, _ workspacev1.Role) proto.Message {
			p := w.queued(true)
			return &postv1.ReorderQueueRequest{PostId: p.GetId(), SlotTime: w.freeSlot()}
		},
		func() proto.Message {
			return &postv1.ReorderQueueRequest{PostId: nobody, SlotTime: timestamppb.Now()}
		}},
	postv1connect.QueueServiceShuffleQueueProcedure: {workspacev1.Role_ROLE_EDITOR,
		func(w *world, _ workspacev1.Role) proto.Message {
			w.queued(true)
			return &postv1.ShuffleQueueRequest{IntegrationId: w.integ}
		},
		func() proto.Message { return &postv1.ShuffleQueueRequest{IntegrationId: nobody} }},

	postv1connect.QueueServiceSetEvergreenProcedure: {workspacev1.Role_ROLE_EDITOR,
		func(w *world, _ workspacev1.Role) proto.Message {
			return &postv1.SetEvergreenRequest{PostId: w.post(w.owner, 0).GetId(), EveryDays: 7, Texts: []string{"Tip {n}"}}
		},
		func() proto.Message {
			return &postv1.SetEvergreenRequest{PostId: nobody, EveryDays: 7, Texts: []string{"Tip {n}"}}
		}},
	postv1connect.SeriesServiceCreateSeriesProcedure: {workspacev1.Role_ROLE_EDITOR,
		func(w *world, _ workspacev1.Role) proto.Message { w.n++; return seriesRequest(w.integ, w.n) },
		func() proto.Message { return seriesRequest(nobody, 0) }},
	postv1connect.SeriesServiceGetSeriesProcedure: {workspacev1.Role_ROLE_VIEWER,
		func(w *world, _ workspacev1.Role) proto.Message { return &postv1.GetSeriesRequest{Id: w.series()} },
		func() proto.Message { return &postv1.GetSeriesRequest{Id: nobody} }},
	postv1connect.SeriesServiceListSeriesProcedure: {workspacev1.Role_ROLE_VIEWER,
		func(w *world, _ workspacev1.Role) proto.Message { return &postv1.ListSeriesRequest{WorkspaceId: w.ws} },
		func() proto.Message { return &postv1.ListSeriesRequest{WorkspaceId: nobody} }},
	postv1connect.SeriesServiceUpdateSeriesProcedure: {workspacev1.Role_ROLE_EDITOR,
		func(w *world, _ workspacev1.Role) proto.Message {
			r := seriesRequest(w.integ, 0)
			return &postv1.UpdateSeriesRequest{Id: w.series(), Texts: []string{"Changed {n}"}, Recurrence: r.GetRecurrence()}
		},
		func() proto.Message {
			r := seriesRequest(nobody, 0)
			return &postv1.UpdateSeriesRequest{Id: nobody, Texts: []string{"Changed {n}"}, Recurrence: r.GetRecurrence()}
		}},
	postv1connect.SeriesServiceDeleteSeriesProcedure: {workspacev1.Role_ROLE_EDITOR,
		func(w *world, _ workspacev1.Role) proto.Message { return &postv1.DeleteSeriesRequest{Id: w.series()} },
		func() proto.Message { return &postv1.DeleteSeriesRequest{Id: nobody} }},

	mediav1connect.MediaServiceCreateUploadProcedure: {workspacev1.Role_ROLE_WRITER,
		func(w *world, _ workspacev1.Role) proto.Message {
			return &mediav1.CreateUploadRequest{WorkspaceId: w.ws, Filename: "a.png", ContentType: "image/png", SizeBytes: 100}
		},
		func() proto.Message {
			return &mediav1.CreateUploadRequest{WorkspaceId: nobody, Filename: "a.png", ContentType: "image/png", SizeBytes: 100}
		}},
	// Someone else's upload, its bytes sent.
	mediav1connect.MediaServiceCompleteUploadProcedure: {workspacev1.Role_ROLE_WRITER,
		func(w *world, _ workspacev1.Role) proto.Message {
			data := mediatest.PNG(20, 20)
			up, err := w.owner.cs.media.CreateUpload(context.Background(), connect.NewRequest(&mediav1.CreateUploadRequest{
				WorkspaceId: w.ws, Filename: "b.png", ContentType: "image/png", SizeBytes: int64(len(data))}))
			if err != nil {
				w.t.Fatal(err)
			}
			if err := w.env.PutBytes(w.owner.token, up.Msg.GetUploadUrl(), data); err != nil {
				w.t.Fatal(err)
			}
			return &mediav1.CompleteUploadRequest{Id: up.Msg.GetMedia().GetId()}
		},
		func() proto.Message { return &mediav1.CompleteUploadRequest{Id: nobody} }},
	mediav1connect.MediaServiceGetMediaProcedure: {workspacev1.Role_ROLE_VIEWER,
		func(w *world, _ workspacev1.Role) proto.Message {
			return &mediav1.GetMediaRequest{Id: w.upload(w.owner).GetId()}
		},
		func() proto.Message { return &mediav1.GetMediaRequest{Id: nobody} }},
	mediav1connect.MediaServiceListMediaProcedure: {workspacev1.Role_ROLE_VIEWER,
		func(w *world, _ workspacev1.Role) proto.Message { return &mediav1.ListMediaRequest{WorkspaceId: w.ws} },
		func() proto.Message { return &mediav1.ListMediaRequest{WorkspaceId: nobody} }},
	mediav1connect.MediaServiceUpdateMediaProcedure: {workspacev1.Role_ROLE_WRITER,
		func(w *world, _ workspacev1.Role) proto.Message {
			return &mediav1.UpdateMediaRequest{Id: w.upload(w.owner).GetId(), AltText: "a grey square"}
		},
		func() proto.Message { return &mediav1.UpdateMediaRequest{Id: nobody, AltText: "a grey square"} }},
	// Someone else's file: editors (writers delete their own: TestMediaLibrary).
	mediav1connect.MediaServiceDeleteMediaProcedure: {workspacev1.Role_ROLE_EDITOR,
		func(w *world, _ workspacev1.Role) proto.Message {
			return &mediav1.DeleteMediaRequest{Id: w.upload(w.owner).GetId()}
		},
		func() proto.Message { return &mediav1.DeleteMediaRequest{Id: nobody} }},

	workspacev1connect.WorkspaceServiceGetWorkspaceProcedure: {workspacev1.Role_ROLE_VIEWER,
		func(w *world, _ workspacev1.Role) proto.Message { return &workspacev1.GetWorkspaceRequest{Id: w.ws} },
		func() proto.Message { return &workspacev1.GetWorkspaceRequest{Id: nobody} }},
	workspacev1connect.WorkspaceServiceUpdateWorkspaceProcedure: {workspacev1.Role_ROLE_ADMIN,
		func(w *world, _ workspacev1.Role) proto.Message {
			return &workspacev1.UpdateWorkspaceRequest{Id: w.ws, Name: "Team"}
		},
		func() proto.Message { return &workspacev1.UpdateWorkspaceRequest{Id: nobody, Name: "Team"} }},
	workspacev1connect.WorkspaceServiceDeleteWorkspaceProcedure: {workspacev1.Role_ROLE_OWNER,
		func(w *world, caller workspacev1.Role) proto.Message {
			if caller != workspacev1.Role_ROLE_OWNER {
				return &workspacev1.DeleteWorkspaceRequest{Id: w.ws} // refused: it stays
			}
			res, err := w.owner.cs.workspace.CreateWorkspace(context.Background(), connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: "Short-lived"}))
			if err != nil {
				w.t.Fatal(err)
			}
			return &workspacev1.DeleteWorkspaceRequest{Id: res.Msg.GetMembership().GetWorkspace().GetId()}
		},
		func() proto.Message { return &workspacev1.DeleteWorkspaceRequest{Id: nobody} }},
	workspacev1connect.WorkspaceServiceListMembersProcedure: {workspacev1.Role_ROLE_VIEWER,
		func(w *world, _ workspacev1.Role) proto.Message {
			return &workspacev1.ListMembersRequest{WorkspaceId: w.ws}
		},
		func() proto.Message { return &workspacev1.ListMembersRequest{WorkspaceId: nobody} }},
	// Changing another member's role (not an owner's: owners only, below).
	workspacev1connect.WorkspaceServiceUpdateMemberProcedure: {workspacev1.Role_ROLE_ADMIN,
		func(w *world, _ workspacev1.Role) proto.Message {
			target := w.join("target", workspacev1.Role_ROLE_VIEWER)
			return &workspacev1.UpdateMemberRequest{WorkspaceId: w.ws, UserId: target.id, Role: workspacev1.Role_ROLE_WRITER}
		},
		func() proto.Message {
			return &workspacev1.UpdateMemberRequest{WorkspaceId: nobody, UserId: nobody, Role: workspacev1.Role_ROLE_WRITER}
		}},
	// Removing another member (leaving is allowed to all: TestAnyoneMayLeave).
	workspacev1connect.WorkspaceServiceRemoveMemberProcedure: {workspacev1.Role_ROLE_ADMIN,
		func(w *world, _ workspacev1.Role) proto.Message {
			target := w.join("target", workspacev1.Role_ROLE_VIEWER)
			return &workspacev1.RemoveMemberRequest{WorkspaceId: w.ws, UserId: target.id}
		},
		func() proto.Message { return &workspacev1.RemoveMemberRequest{WorkspaceId: nobody, UserId: nobody} }},
	workspacev1connect.WorkspaceServiceCreateInvitationProcedure: {workspacev1.Role_ROLE_ADMIN,
		func(w *world, _ workspacev1.Role) proto.Message {
			w.n++
			return &workspacev1.CreateInvitationRequest{WorkspaceId: w.ws, Email: fmt.Sprintf("new%d@example.com", w.n), Role: workspacev1.Role_ROLE_WRITER}
		},
		func() proto.Message {
			return &workspacev1.CreateInvitationRequest{WorkspaceId: nobody, Email: "new@example.com", Role: workspacev1.Role_ROLE_WRITER}
		}},
	workspacev1connect.WorkspaceServiceListInvitationsProcedure: {workspacev1.Role_ROLE_ADMIN,
		func(w *world, _ workspacev1.Role) proto.Message {
			return &workspacev1.ListInvitationsRequest{WorkspaceId: w.ws}
		},
		func() proto.Message { return &workspacev1.ListInvitationsRequest{WorkspaceId: nobody} }},
	workspacev1connect.WorkspaceServiceRevokeInvitationProcedure: {workspacev1.Role_ROLE_ADMIN,
		func(w *world, _ workspacev1.Role) proto.Message {
			w.n++
			inv, err := w.owner.cs.workspace.CreateInvitation(context.Background(), connect.NewRequest(&workspacev1.CreateInvitationRequest{
				WorkspaceId: w.ws, Email: fmt.Sprintf("maybe%d@example.com", w.n), Role: workspacev1.Role_ROLE_VIEWER}))
			if err != nil {
				w.t.Fatal(err)
			}
			return &workspacev1.RevokeInvitationRequest{Id: inv.Msg.GetInvitation().GetId()}
		},
		func() proto.Message { return &workspacev1.RevokeInvitationRequest{Id: nobody} }},
}

// neededRole is the role a permission_denied message names.
func neededRole(err error) workspacev1.Role {
	if err == nil {
		return workspacev1.Role_ROLE_UNSPECIFIED
	}
	for _, r := range roleOrder {
		if strings.Contains(err.Error(), "needs the "+strings.ToLower(strings.TrimPrefix(r.String(), "ROLE_"))+" role") {
			return r
		}
	}
	return workspacev1.Role_ROLE_UNSPECIFIED
}

// allowed: roles are ordered, owner first.
func allowed(have, need workspacev1.Role) bool { return have <= need }

// TestRoleMatrix calls every workspace-scoped RPC (from the descriptors) as
// every role and as an outsider, on real objects: roles at or above the
// row's succeed, roles below get permission_denied naming the role needed,
// and the outsider gets exactly the not_found a made-up id gets.
func TestRoleMatrix(t *testing.T) {
	t.Parallel()
	for proc := range procedures() {
		_, scoped := matrix[proc]
		if _, ok := notScoped[proc]; ok == scoped {
			t.Fatalf("%s must be either in the role matrix or in notScoped (with why)", proc)
		}
	}
	w := newWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	calls := 0
	for proc, r := range matrix {
		call := rpcCases[proc].call
		for _, role := range roleOrder {
			req := r.build(w, role)
			err := call(ctx, w.members[role].cs, req)
			calls++
			need := strings.ToLower(strings.TrimPrefix(r.min.String(), "ROLE_"))
			if allowed(role, r.min) {
				if err != nil {
					t.Errorf("%s as %s: %v, want it allowed (needs %s)", proc, role, err, need)
				}
				continue
			}
			// The role named is one the caller lacks, and no higher than
			// the row's (a viewer editing someone's post is told it needs
			// to be a writer at least).
			var cerr *connect.Error
			named := neededRole(err)
			if !errors.As(err, &cerr) || cerr.Code() != connect.CodePermissionDenied || named == workspacev1.Role_ROLE_UNSPECIFIED ||
				allowed(role, named) || !allowed(r.min, named) {
				t.Errorf("%s as %s: %v, want permission_denied naming a role up to %s", proc, role, err, need)
			}
		}
		// The outsider: W's objects are as unknown as made-up ones.
		errReal := call(ctx, w.outsider.cs, r.build(w, workspacev1.Role_ROLE_OWNER+99))
		errFake := call(ctx, w.outsider.cs, r.madeUp())
		calls += 2
		var a, b *connect.Error
		if !errors.As(errReal, &a) || !errors.As(errFake, &b) || a.Code() != connect.CodeNotFound || b.Code() != connect.CodeNotFound || a.Message() != b.Message() {
			t.Errorf("%s as an outsider: %v on W's objects, %v on made-up ids; want the same not_found", proc, errReal, errFake)
		}
	}
	t.Logf("%d RPCs × %d roles and an outsider: %d calls", len(matrix), len(roleOrder), calls)
}

// TestWriterOwnPosts: a writer changes and deletes their own drafts and
// posts waiting for approval, not once approved; their time asks for
// approval, an editor's schedules.
func TestWriterOwnPosts(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	writer, editor := w.members[workspacev1.Role_ROLE_WRITER], w.members[workspacev1.Role_ROLE_EDITOR]
	if p := w.post(writer, time.Hour); p.GetStatus() != postv1.Status_STATUS_PENDING_APPROVAL {
		t.Fatalf("a writer's post with a time is %v, want pending approval", p.GetStatus())
	}
	if p := w.post(editor, time.Hour); p.GetStatus() != postv1.Status_STATUS_SCHEDULED {
		t.Fatalf("an editor's post with a time is %v, want scheduled", p.GetStatus())
	}
	own := w.post(writer, 0)
	res, err := writer.cs.post.UpdatePost(ctx, connect.NewRequest(&postv1.UpdatePostRequest{Id: own.GetId(), Version: own.GetVersion(),
		Content: &postv1.UpdatePostRequest_Text{Text: "better"}, When: &postv1.UpdatePostRequest_ScheduledTime{ScheduledTime: timestamppb.New(w.env.Clock.Now().Add(time.Hour))}}))
	if err != nil || res.Msg.GetPost().GetStatus() != postv1.Status_STATUS_PENDING_APPROVAL {
		t.Fatalf("the writer submits their draft: %v %v", res, err)
	}
	if _, err := writer.cs.post.DeletePost(ctx, connect.NewRequest(&postv1.DeletePostRequest{Id: w.post(writer, time.Hour).GetId()})); err != nil {
		t.Fatalf("the writer deletes their pending post: %v", err)
	}
	ok, err := editor.cs.post.ApprovePost(ctx, connect.NewRequest(&postv1.ApprovePostRequest{Id: own.GetId(), Version: res.Msg.GetPost().GetVersion()}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = writer.cs.post.DeletePost(ctx, connect.NewRequest(&postv1.DeletePostRequest{Id: own.GetId()}))
	var cerr *connect.Error
	if !errors.As(err, &cerr) || cerr.Code() != connect.CodePermissionDenied || !strings.Contains(cerr.Message(), "needs the editor role") {
		t.Fatalf("the writer deletes their approved post: %v", err)
	}
	if ok.Msg.GetPost().GetStatus() != postv1.Status_STATUS_SCHEDULED {
		t.Fatalf("approved: %v", ok.Msg.GetPost().GetStatus())
	}
}

// TestAnyoneMayLeave: every role may remove itself, except the last owner.
func TestAnyoneMayLeave(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	for _, r := range roleOrder[1:] {
		m := w.members[r]
		if _, err := m.cs.workspace.RemoveMember(ctx, connect.NewRequest(&workspacev1.RemoveMemberRequest{WorkspaceId: w.ws, UserId: m.id})); err != nil {
			t.Errorf("%s leaving: %v", r, err)
		}
	}
	_, err := w.owner.cs.workspace.RemoveMember(ctx, connect.NewRequest(&workspacev1.RemoveMemberRequest{WorkspaceId: w.ws, UserId: w.owner.id}))
	if connect.CodeOf(err) != connect.CodeFailedPrecondition {
		t.Fatalf("the last owner leaving: %v, want failed_precondition", err)
	}
}
