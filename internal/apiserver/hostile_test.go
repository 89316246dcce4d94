package apiserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

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
)

// clients are the generated clients of every service, for one caller and
// one encoding.
type clients struct {
	account     accountv1connect.AccountServiceClient
	integration integrationv1connect.IntegrationServiceClient
	post        postv1connect.PostServiceClient
	workspace   workspacev1connect.WorkspaceServiceClient
	media       mediav1connect.MediaServiceClient
	queue       postv1connect.QueueServiceClient
	series      postv1connect.SeriesServiceClient
}

func newClients(env *apitest.Env, token string, opts ...connect.ClientOption) clients {
	return clients{env.Account(token, opts...), env.Integration(token, opts...), env.Post(token, opts...), env.Workspace(token, opts...), env.Media(token, opts...), env.Queue(token, opts...), env.Series(token, opts...)}
}

// caller calls one RPC with a request of its type.
type caller func(context.Context, clients, proto.Message) error

func unary[C, Req, Res any](pick func(clients) C, method func(C, context.Context, *connect.Request[Req]) (*connect.Response[Res], error)) caller {
	return func(ctx context.Context, cs clients, msg proto.Message) error {
		_, err := method(pick(cs), ctx, connect.NewRequest(any(msg).(*Req)))
		return err
	}
}

// serverStream calls a server-streaming RPC and returns its error, or nil
// once the first message arrives.
func serverStream[Req, Res any](method func(postv1connect.PostServiceClient, context.Context, *connect.Request[Req]) (*connect.ServerStreamForClient[Res], error)) caller {
	return func(ctx context.Context, cs clients, msg proto.Message) error {
		stream, err := method(cs.post, ctx, connect.NewRequest(any(msg).(*Req)))
		if err != nil {
			return err
		}
		defer stream.Close()
		if stream.Receive() {
			return nil
		}
		return stream.Err()
	}
}

func acct[Req, Res any](m func(accountv1connect.AccountServiceClient, context.Context, *connect.Request[Req]) (*connect.Response[Res], error)) caller {
	return unary(func(c clients) accountv1connect.AccountServiceClient { return c.account }, m)
}

func integ[Req, Res any](m func(integrationv1connect.IntegrationServiceClient, context.Context, *connect.Request[Req]) (*connect.Response[Res], error)) caller {
	return unary(func(c clients) integrationv1connect.IntegrationServiceClient { return c.integration }, m)
}

func que[Req, Res any](m func(postv1connect.QueueServiceClient, context.Context, *connect.Request[Req]) (*connect.Response[Res], error)) caller {
	return unary(func(c clients) postv1connect.QueueServiceClient { return c.queue }, m)
}

func ser[Req, Res any](m func(postv1connect.SeriesServiceClient, context.Context, *connect.Request[Req]) (*connect.Response[Res], error)) caller {
	return unary(func(c clients) postv1connect.SeriesServiceClient { return c.series }, m)
}

func med[Req, Res any](m func(mediav1connect.MediaServiceClient, context.Context, *connect.Request[Req]) (*connect.Response[Res], error)) caller {
	return unary(func(c clients) mediav1connect.MediaServiceClient { return c.media }, m)
}

func wss[Req, Res any](m func(workspacev1connect.WorkspaceServiceClient, context.Context, *connect.Request[Req]) (*connect.Response[Res], error)) caller {
	return unary(func(c clients) workspacev1connect.WorkspaceServiceClient { return c.workspace }, m)
}

func posts[Req, Res any](m func(postv1connect.PostServiceClient, context.Context, *connect.Request[Req]) (*connect.Response[Res], error)) caller {
	return unary(func(c clients) postv1connect.PostServiceClient { return c.post }, m)
}

// rpcCase is how the hostile-input suite calls one RPC: a valid request
// (so the hostile field is its only fault) and the typed client method.
type rpcCase struct {
	valid proto.Message
	call  caller
}

const someID = "01J000000000000000000000XX"

// rpcCases has a case for every RPC of every BetterPlan service;
// TestHostileInput fails for an RPC without one.
var rpcCases = map[string]rpcCase{
	accountv1connect.AccountServiceSignUpProcedure: {
		&accountv1.SignUpRequest{Email: "new@example.com", Password: "correct horse battery", DisplayName: "New"},
		acct(accountv1connect.AccountServiceClient.SignUp)},
	accountv1connect.AccountServiceSignInProcedure: {
		&accountv1.SignInRequest{Email: "hostile@example.com", Password: "correct horse battery"},
		acct(accountv1connect.AccountServiceClient.SignIn)},
	accountv1connect.AccountServiceSignOutProcedure: {
		&accountv1.SignOutRequest{}, acct(accountv1connect.AccountServiceClient.SignOut)},
	accountv1connect.AccountServiceGetMeProcedure: {
		&accountv1.GetMeRequest{}, acct(accountv1connect.AccountServiceClient.GetMe)},
	accountv1connect.AccountServiceUpdateMeProcedure: {
		&accountv1.UpdateMeRequest{DisplayName: proto.String("Hostile"), TimeZone: proto.String("UTC")},
		acct(accountv1connect.AccountServiceClient.UpdateMe)},
	accountv1connect.AccountServiceCreateApiTokenProcedure: {
		&accountv1.CreateApiTokenRequest{Name: "bot"}, acct(accountv1connect.AccountServiceClient.CreateApiToken)},
	accountv1connect.AccountServiceListApiTokensProcedure: {
		&accountv1.ListApiTokensRequest{}, acct(accountv1connect.AccountServiceClient.ListApiTokens)},
	accountv1connect.AccountServiceRevokeApiTokenProcedure: {
		&accountv1.RevokeApiTokenRequest{Id: someID}, acct(accountv1connect.AccountServiceClient.RevokeApiToken)},

	integrationv1connect.IntegrationServiceStartXAuthorizationProcedure: {
		&integrationv1.StartXAuthorizationRequest{PinFlow: true, WorkspaceId: someID}, integ(integrationv1connect.IntegrationServiceClient.StartXAuthorization)},
	integrationv1connect.IntegrationServiceCompleteXAuthorizationProcedure: {
		&integrationv1.CompleteXAuthorizationRequest{OauthToken: "token", OauthVerifier: "1234567"},
		integ(integrationv1connect.IntegrationServiceClient.CompleteXAuthorization)},
	integrationv1connect.IntegrationServiceListIntegrationsProcedure: {
		&integrationv1.ListIntegrationsRequest{WorkspaceId: someID}, integ(integrationv1connect.IntegrationServiceClient.ListIntegrations)},
	integrationv1connect.IntegrationServiceGetIntegrationProcedure: {
		&integrationv1.GetIntegrationRequest{Id: someID}, integ(integrationv1connect.IntegrationServiceClient.GetIntegration)},
	integrationv1connect.IntegrationServiceDeleteIntegrationProcedure: {
		&integrationv1.DeleteIntegrationRequest{Id: someID}, integ(integrationv1connect.IntegrationServiceClient.DeleteIntegration)},

	postv1connect.PostServiceCreatePostProcedure: {
		&postv1.CreatePostRequest{IntegrationId: someID, Content: &postv1.CreatePostRequest_Text{Text: "hi"},
			When:  &postv1.CreatePostRequest_Draft{Draft: true},
			Media: &postv1.PostMedia{Parts: []*postv1.PartMedia{{MediaIds: []string{someID}}}}},
		posts(postv1connect.PostServiceClient.CreatePost)},
	postv1connect.PostServiceGetPostProcedure: {
		&postv1.GetPostRequest{Id: someID}, posts(postv1connect.PostServiceClient.GetPost)},
	postv1connect.PostServiceListPostsProcedure: {
		&postv1.ListPostsRequest{WorkspaceId: someID, Statuses: []postv1.Status{postv1.Status_STATUS_DRAFT}, IntegrationId: someID},
		posts(postv1connect.PostServiceClient.ListPosts)},
	postv1connect.PostServiceUpdatePostProcedure: {
		&postv1.UpdatePostRequest{Id: someID, Version: 1, Content: &postv1.UpdatePostRequest_Text{Text: "hi"}},
		posts(postv1connect.PostServiceClient.UpdatePost)},
	postv1connect.PostServiceDeletePostProcedure: {
		&postv1.DeletePostRequest{Id: someID}, posts(postv1connect.PostServiceClient.DeletePost)},
	postv1connect.PostServicePublishPostProcedure: {
		&postv1.PublishPostRequest{Id: someID}, posts(postv1connect.PostServiceClient.PublishPost)},
	postv1connect.PostServiceRetryPostProcedure: {
		&postv1.RetryPostRequest{Id: someID}, posts(postv1connect.PostServiceClient.RetryPost)},
	postv1connect.PostServiceValidatePostProcedure: {
		&postv1.ValidatePostRequest{Text: "hi", MediaIds: []string{someID}}, posts(postv1connect.PostServiceClient.ValidatePost)},
	postv1connect.PostServiceWatchPostsProcedure: {
		&postv1.WatchPostsRequest{WorkspaceId: someID}, serverStream(postv1connect.PostServiceClient.WatchPosts)},
	postv1connect.PostServiceApprovePostProcedure: {
		&postv1.ApprovePostRequest{Id: someID, Version: 1}, posts(postv1connect.PostServiceClient.ApprovePost)},
	postv1connect.PostServiceRejectPostProcedure: {
		&postv1.RejectPostRequest{Id: someID, Version: 1, Reason: "too long"}, posts(postv1connect.PostServiceClient.RejectPost)},
	postv1connect.PostServiceListPostActivityProcedure: {
		&postv1.ListPostActivityRequest{Id: someID}, posts(postv1connect.PostServiceClient.ListPostActivity)},

	workspacev1connect.WorkspaceServiceCreateWorkspaceProcedure: {
		&workspacev1.CreateWorkspaceRequest{Name: "Team"}, wss(workspacev1connect.WorkspaceServiceClient.CreateWorkspace)},
	workspacev1connect.WorkspaceServiceGetWorkspaceProcedure: {
		&workspacev1.GetWorkspaceRequest{Id: someID}, wss(workspacev1connect.WorkspaceServiceClient.GetWorkspace)},
	workspacev1connect.WorkspaceServiceUpdateWorkspaceProcedure: {
		&workspacev1.UpdateWorkspaceRequest{Id: someID, Name: "Team"}, wss(workspacev1connect.WorkspaceServiceClient.UpdateWorkspace)},
	workspacev1connect.WorkspaceServiceDeleteWorkspaceProcedure: {
		&workspacev1.DeleteWorkspaceRequest{Id: someID}, wss(workspacev1connect.WorkspaceServiceClient.DeleteWorkspace)},
	workspacev1connect.WorkspaceServiceListMembersProcedure: {
		&workspacev1.ListMembersRequest{WorkspaceId: someID}, wss(workspacev1connect.WorkspaceServiceClient.ListMembers)},
	workspacev1connect.WorkspaceServiceUpdateMemberProcedure: {
		&workspacev1.UpdateMemberRequest{WorkspaceId: someID, UserId: someID, Role: workspacev1.Role_ROLE_EDITOR},
		wss(workspacev1connect.WorkspaceServiceClient.UpdateMember)},
	workspacev1connect.WorkspaceServiceRemoveMemberProcedure: {
		&workspacev1.RemoveMemberRequest{WorkspaceId: someID, UserId: someID}, wss(workspacev1connect.WorkspaceServiceClient.RemoveMember)},
	workspacev1connect.WorkspaceServiceCreateInvitationProcedure: {
		&workspacev1.CreateInvitationRequest{WorkspaceId: someID, Email: "new@example.com", Role: workspacev1.Role_ROLE_WRITER},
		wss(workspacev1connect.WorkspaceServiceClient.CreateInvitation)},
	workspacev1connect.WorkspaceServiceListInvitationsProcedure: {
		&workspacev1.ListInvitationsRequest{WorkspaceId: someID}, wss(workspacev1connect.WorkspaceServiceClient.ListInvitations)},
	workspacev1connect.WorkspaceServiceRevokeInvitationProcedure: {
		&workspacev1.RevokeInvitationRequest{Id: someID}, wss(workspacev1connect.WorkspaceServiceClient.RevokeInvitation)},
	workspacev1connect.WorkspaceServiceGetInvitationProcedure: {
		&workspacev1.GetInvitationRequest{Token: "bpi_token"}, wss(workspacev1connect.WorkspaceServiceClient.GetInvitation)},
	workspacev1connect.WorkspaceServiceAcceptInvitationProcedure: {
		&workspacev1.AcceptInvitationRequest{Token: "bpi_token"}, wss(workspacev1connect.WorkspaceServiceClient.AcceptInvitation)},

	postv1connect.QueueServiceGetPostingScheduleProcedure: {
		&postv1.GetPostingScheduleRequest{IntegrationId: someID}, que(postv1connect.QueueServiceClient.GetPostingSchedule)},
	postv1connect.QueueServiceUpdatePostingScheduleProcedure: {
		&postv1.UpdatePostingScheduleRequest{IntegrationId: someID, TimeZone: "Europe/Berlin",
			Slots: []*postv1.PostingSlot{{Weekday: postv1.Weekday_WEEKDAY_MONDAY, LocalTime: "09:00"}}},
		que(postv1connect.QueueServiceClient.UpdatePostingSchedule)},
	postv1connect.QueueServiceListQueueProcedure: {
		&postv1.ListQueueRequest{IntegrationId: someID}, que(postv1connect.QueueServiceClient.ListQueue)},
	postv1connect.QueueServiceAddToQueueProcedure: {
		&postv1.AddToQueueRequest{PostId: someID}, que(postv1connect.QueueServiceClient.AddToQueue)},
	postv1connect.QueueServiceShareNextProcedure: {
		&postv1.ShareNextRequest{PostId: someID}, que(postv1connect.QueueServiceClient.ShareNext)},
	postv1connect.QueueServiceReorderQueueProcedure: {
		&postv1.ReorderQueueRequest{PostId: someID}, que(postv1connect.QueueServiceClient.ReorderQueue)},
	postv1connect.QueueServiceShuffleQueueProcedure: {
		&postv1.ShuffleQueueRequest{IntegrationId: someID}, que(postv1connect.QueueServiceClient.ShuffleQueue)},

	postv1connect.QueueServiceSetEvergreenProcedure: {
		&postv1.SetEvergreenRequest{PostId: someID, EveryDays: 7, Texts: []string{"Tip {n}"}}, que(postv1connect.QueueServiceClient.SetEvergreen)},
	postv1connect.SeriesServiceCreateSeriesProcedure: {
		&postv1.CreateSeriesRequest{IntegrationId: someID, Texts: []string{"Tip of {date}"}, Recurrence: &postv1.Recurrence{
			Frequency: postv1.Frequency_FREQUENCY_WEEKLY, Weekdays: []postv1.Weekday{postv1.Weekday_WEEKDAY_MONDAY}, LocalTime: "09:00",
			TimeZone: "Europe/Berlin", StartDate: "2027-01-01", UntilDate: "2027-12-31"}},
		ser(postv1connect.SeriesServiceClient.CreateSeries)},
	postv1connect.SeriesServiceGetSeriesProcedure: {
		&postv1.GetSeriesRequest{Id: someID}, ser(postv1connect.SeriesServiceClient.GetSeries)},
	postv1connect.SeriesServiceListSeriesProcedure: {
		&postv1.ListSeriesRequest{WorkspaceId: someID}, ser(postv1connect.SeriesServiceClient.ListSeries)},
	postv1connect.SeriesServiceUpdateSeriesProcedure: {
		&postv1.UpdateSeriesRequest{Id: someID, Texts: []string{"Tip of {date}"}, Recurrence: &postv1.Recurrence{
			Frequency: postv1.Frequency_FREQUENCY_WEEKLY, Weekdays: []postv1.Weekday{postv1.Weekday_WEEKDAY_MONDAY}, LocalTime: "09:00",
			TimeZone: "Europe/Berlin", StartDate: "2027-01-01", UntilDate: "2027-12-31"}},
		ser(postv1connect.SeriesServiceClient.UpdateSeries)},
	postv1connect.SeriesServiceDeleteSeriesProcedure: {
		&postv1.DeleteSeriesRequest{Id: someID}, ser(postv1connect.SeriesServiceClient.DeleteSeries)},

	mediav1connect.MediaServiceCreateUploadProcedure: {
		&mediav1.CreateUploadRequest{WorkspaceId: someID, Filename: "photo.jpg", ContentType: "image/jpeg", SizeBytes: 1000},
		med(mediav1connect.MediaServiceClient.CreateUpload)},
	mediav1connect.MediaServiceCompleteUploadProcedure: {
		&mediav1.CompleteUploadRequest{Id: someID}, med(mediav1connect.MediaServiceClient.CompleteUpload)},
	mediav1connect.MediaServiceGetMediaProcedure: {
		&mediav1.GetMediaRequest{Id: someID}, med(mediav1connect.MediaServiceClient.GetMedia)},
	mediav1connect.MediaServiceListMediaProcedure: {
		&mediav1.ListMediaRequest{WorkspaceId: someID}, med(mediav1connect.MediaServiceClient.ListMedia)},
	mediav1connect.MediaServiceUpdateMediaProcedure: {
		&mediav1.UpdateMediaRequest{Id: someID, AltText: "a cat"}, med(mediav1connect.MediaServiceClient.UpdateMedia)},
	mediav1connect.MediaServiceDeleteMediaProcedure: {
		&mediav1.DeleteMediaRequest{Id: someID}, med(mediav1connect.MediaServiceClient.DeleteMedia)},
}

// procedures lists every RPC of every BetterPlan service the binary links
// (the api server links them all), from the generated descriptors.
func procedures() map[string]protoreflect.MethodDescriptor {
	out := map[string]protoreflect.MethodDescriptor{}
	protoregistry.GlobalFiles.RangeFiles(func(f protoreflect.FileDescriptor) bool {
		if !strings.HasPrefix(string(f.Package()), "betterplan.") {
			return true
		}
		for i := range f.Services().Len() {
			s := f.Services().Get(i)
			for j := range s.Methods().Len() {
				m := s.Methods().Get(j)
				out[fmt.Sprintf("/%s/%s", s.FullName(), m.Name())] = m
			}
		}
		return true
	})
	return out
}

// fieldPath leads from a request message to one of its fields, through
// message fields of our own (e.g. CreatePostRequest.thread.parts).
type fieldPath []protoreflect.FieldDescriptor

func (p fieldPath) String() string {
	names := make([]string, len(p))
	for i, fd := range p {
		names[i] = string(fd.Name())
	}
	return strings.Join(names, ".")
}

func (p fieldPath) last() protoreflect.FieldDescriptor { return p[len(p)-1] }

// fieldsOfKind returns the paths to every field of kind k in md.
func fieldsOfKind(md protoreflect.MessageDescriptor, k protoreflect.Kind, prefix fieldPath) []fieldPath {
	var out []fieldPath
	fields := md.Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		path := append(slices.Clone(prefix), fd)
		switch {
		case fd.Kind() == k:
			out = append(out, path)
		case fd.Kind() == protoreflect.MessageKind && !fd.IsMap() &&
			strings.HasPrefix(string(fd.Message().FullName()), "betterplan."):
			out = append(out, fieldsOfKind(fd.Message(), k, path)...)
		}
	}
	return out
}

// with returns a copy of msg with v at path (appended, for a list).
func with(msg proto.Message, path fieldPath, v protoreflect.Value) proto.Message {
	out := proto.Clone(msg)
	m := out.ProtoReflect()
	for _, fd := range path[:len(path)-1] {
		if fd.IsList() { // the first element of a list of messages
			list := m.Mutable(fd).List()
			if list.Len() == 0 {
				list.Append(list.NewElement())
			}
			m = list.Get(0).Message()
			continue
		}
		m = m.Mutable(fd).Message()
	}
	fd := path.last()
	if fd.IsList() {
		list := m.Mutable(fd).List()
		list.Truncate(0)
		list.Append(v)
	} else {
		m.Set(fd, v)
	}
	return out
}

// wireAt encodes a length-delimited value at path in protobuf's binary
// encoding, nested in the messages the path goes through. Appended to a
// marshalled message, it sets (or adds) that field.
func wireAt(path fieldPath, value []byte) []byte {
	b := value
	for i := len(path) - 1; i >= 0; i-- {
		b = protowire.AppendBytes(protowire.AppendTag(nil, path[i].Number(), protowire.BytesType), b)
	}
	return b
}

// appendingCodec is the binary codec plus raw bytes after each message:
// what a client that does not check its strings could send.
type appendingCodec struct{ extra []byte }

func (appendingCodec) Name() string { return "proto" }

func (c appendingCodec) Marshal(m any) ([]byte, error) {
	b, err := proto.Marshal(m.(proto.Message))
	return append(b, c.extra...), err
}

func (appendingCodec) Unmarshal(b []byte, m any) error { return proto.Unmarshal(b, m.(proto.Message)) }

// maxMessage is how long an error message may be: enough to say what is
// wrong, far too short to echo the input back.
const maxMessage = 300

// wantRefusal checks that err is invalid_argument, short, and names field
// (by its proto or JSON name).
func wantRefusal(t *testing.T, err error, field protoreflect.FieldDescriptor) {
	t.Helper()
	if err == nil {
		t.Fatal("accepted")
	}
	var cerr *connect.Error
	if !errors.As(err, &cerr) {
		t.Fatalf("not a Connect error: %v", err)
	}
	msg := cerr.Message()
	t.Logf("%.300q", msg)
	if cerr.Code() != connect.CodeInvalidArgument {
		t.Fatalf("code %s (%.200q), want invalid_argument", cerr.Code(), msg)
	}
	if len(msg) >= maxMessage {
		t.Fatalf("message is %d bytes: %.400q", len(msg), msg)
	}
	if field != nil && !strings.Contains(msg, string(field.Name())) && !strings.Contains(msg, field.JSONName()) {
		t.Fatalf("message %q does not name the field %s", msg, field.Name())
	}
}

// TestHostileInput sends every RPC of every service, through the generated
// clients (binary protobuf and JSON) and as raw HTTP, a NUL byte and an
// oversized value in each string field, unknown enum values, invalid UTF-8
// and unknown JSON fields: each must be invalid_argument, name the field,
// and not echo the input (in the answer or in the logs).
func TestHostileInput(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	token := env.SignUp(t, "hostile@example.com")
	ctx := context.Background()
	big := strings.Repeat("x", 300<<10) // bodies are limited to 1 MiB
	encodings := []struct {
		name string
		opts []connect.ClientOption
	}{
		{"proto", nil},
		{"json", []connect.ClientOption{connect.WithProtoJSON()}},
	}

	procs := procedures()
	if len(procs) < len(rpcCases) {
		t.Fatalf("found %d RPCs in the descriptors, fewer than the %d cases", len(procs), len(rpcCases))
	}
	for proc := range rpcCases {
		if _, ok := procs[proc]; !ok {
			t.Errorf("case for %s, which no service has", proc)
		}
	}
	for proc, md := range procs {
		t.Run(strings.TrimPrefix(proc, "/betterplan."), func(t *testing.T) {
			tc, ok := rpcCases[proc]
			if !ok {
				t.Fatalf("no hostile-input case for %s: add one to rpcCases", proc)
			}
			if got := tc.valid.ProtoReflect().Descriptor(); got != md.Input() {
				t.Fatalf("case's request is %s, want %s", got.FullName(), md.Input().FullName())
			}
			for _, path := range fieldsOfKind(md.Input(), protoreflect.StringKind, nil) {
				for _, enc := range encodings {
					cs := newClients(env, token, enc.opts...)
					t.Run(path.String()+"/NUL/"+enc.name, func(t *testing.T) {
						err := tc.call(ctx, cs, with(tc.valid, path, protoreflect.ValueOfString("a\x00b")))
						wantRefusal(t, err, path.last())
					})
					t.Run(path.String()+"/300KB/"+enc.name, func(t *testing.T) {
						err := tc.call(ctx, cs, with(tc.valid, path, protoreflect.ValueOfString(big)))
						wantRefusal(t, err, path.last())
					})
				}
				t.Run(path.String()+"/invalid UTF-8/proto", func(t *testing.T) {
					cs := newClients(env, token, connect.WithCodec(appendingCodec{wireAt(path, []byte("a\xffb"))}))
					wantRefusal(t, tc.call(ctx, cs, tc.valid), path.last())
				})
				t.Run(path.String()+"/invalid UTF-8/json", func(t *testing.T) {
					err := postJSON(t, env, token, proc, jsonAt(path, "a\xffb"))
					wantRefusal(t, err, path.last())
				})
			}
			for _, path := range fieldsOfKind(md.Input(), protoreflect.EnumKind, nil) {
				cs := newClients(env, token)
				t.Run(path.String()+"/99/proto", func(t *testing.T) {
					wantRefusal(t, tc.call(ctx, cs, with(tc.valid, path, protoreflect.ValueOfEnum(99))), path.last())
				})
				t.Run(path.String()+"/UNSPECIFIED/proto", func(t *testing.T) {
					wantRefusal(t, tc.call(ctx, cs, with(tc.valid, path, protoreflect.ValueOfEnum(0))), path.last())
				})
				t.Run(path.String()+"/unknown name/json", func(t *testing.T) {
					wantRefusal(t, postJSON(t, env, token, proc, jsonAt(path, "STATUS_BOGUS")), path.last())
				})
				t.Run(path.String()+"/300KB name/json", func(t *testing.T) {
					wantRefusal(t, postJSON(t, env, token, proc, jsonAt(path, big)), path.last())
				})
			}
			t.Run("unknown field/json", func(t *testing.T) {
				err := postJSON(t, env, token, proc, []byte(`{"bogusField": 1}`))
				wantRefusal(t, err, nil)
				if !strings.Contains(err.Error(), "bogusField") {
					t.Fatalf("message %q does not name the unknown field", err)
				}
			})
			t.Run("300KB unknown field/json", func(t *testing.T) {
				wantRefusal(t, postJSON(t, env, token, proc, []byte(`{"`+big+`": 1}`)), nil)
			})
		})
	}
	if logs := env.Logs.String(); strings.Contains(logs, big[:1000]) || strings.Contains(logs, "a\x00b") {
		t.Error("the logs repeat a hostile input")
	}
}

// jsonAt is a JSON request with value (a string, as is) at path, e.g.
// {"thread":{"parts":["..."]}}. Invalid UTF-8 is kept raw.
func jsonAt(path fieldPath, value string) []byte {
	var b bytes.Buffer
	for _, fd := range path {
		fmt.Fprintf(&b, `{%q:`, fd.JSONName())
		if fd.IsList() {
			b.WriteByte('[')
		}
	}
	b.WriteString(`"` + value + `"`)
	for i := len(path) - 1; i >= 0; i-- {
		if path[i].IsList() {
			b.WriteByte(']')
		}
		b.WriteByte('}')
	}
	return b.Bytes()
}

// postJSON makes a raw Connect call with a JSON body, as a browser or curl
// would, and returns its error (nil on 200 for a unary call). A
// server-streaming call's body is one enveloped message and its error comes
// in the end-of-stream message.
func postJSON(t *testing.T, env *apitest.Env, token, procedure string, body []byte) error {
	t.Helper()
	streaming := procedures()[procedure].IsStreamingServer()
	contentType := "application/json"
	if streaming {
		contentType = "application/connect+json"
		body = envelope(0, body)
	}
	req, err := http.NewRequest(http.MethodPost, env.URL+procedure, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := env.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if streaming {
		return endOfStream(t, res)
	}
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode == http.StatusOK {
		return nil
	}
	var wire struct{ Code, Message string }
	if err := json.Unmarshal(raw, &wire); err != nil {
		t.Fatalf("status %d, body %.200q", res.StatusCode, raw)
	}
	var code connect.Code
	if err := code.UnmarshalText([]byte(wire.Code)); err != nil {
		t.Fatalf("code %q: %v", wire.Code, err)
	}
	return connect.NewError(code, fmt.Errorf("%s", wire.Message))
}

// TestAuthenticationComesFirst: a caller without credentials is told to
// sign in, whatever the request holds; public RPCs validate at once.
func TestAuthenticationComesFirst(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	ctx := context.Background()
	_, err := env.Post("").GetPost(ctx, connect.NewRequest(&postv1.GetPostRequest{Id: "a\x00b"}))
	if connect.CodeOf(err) != connect.CodeUnauthenticated {
		t.Fatalf("hostile GetPost without credentials: %v, want unauthenticated", err)
	}
	_, err = env.Account("").SignUp(ctx, connect.NewRequest(&accountv1.SignUpRequest{Email: "a\x00b@example.com", Password: "correct horse battery"}))
	if connect.CodeOf(err) != connect.CodeInvalidArgument || !strings.Contains(err.Error(), "email") {
		t.Fatalf("hostile SignUp: %v, want invalid_argument about email", err)
	}
}

// TestJSONCharsetCodec: the strict codec also answers for
// "application/json; charset=utf-8", which connect-go registers apart.
func TestJSONCharsetCodec(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	token := env.SignUp(t, "charset@example.com")
	req, _ := http.NewRequest(http.MethodPost, env.URL+postv1connect.PostServiceListPostsProcedure,
		strings.NewReader(`{"statuses": ["STATUS_BOGUS"]}`))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := env.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "statuses") {
		t.Fatalf("status %d, body %s; want 400 naming statuses", res.StatusCode, body)
	}
	// Known names still work.
	req, _ = http.NewRequest(http.MethodPost, env.URL+postv1connect.PostServiceListPostsProcedure,
		strings.NewReader(`{"workspaceId": "`+env.PersonalWorkspace(t, token)+`", "statuses": ["STATUS_DRAFT"]}`))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err = env.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("a known status: %d", res.StatusCode)
	}
}

// envelope frames one Connect streaming message.
func envelope(flags byte, msg []byte) []byte {
	return append([]byte{flags, byte(len(msg) >> 24), byte(len(msg) >> 16), byte(len(msg) >> 8), byte(len(msg))}, msg...)
}

// endOfStream reads a Connect server stream until its end-of-stream message
// and returns the error in it (nil for none, or when a message comes first).
func endOfStream(t *testing.T, res *http.Response) error {
	t.Helper()
	if res.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(res.Body)
		t.Fatalf("stream: status %d, body %.200q", res.StatusCode, raw)
	}
	var head [5]byte
	if _, err := io.ReadFull(res.Body, head[:]); err != nil {
		t.Fatalf("stream: %v", err)
	}
	msg := make([]byte, int(head[1])<<24|int(head[2])<<16|int(head[3])<<8|int(head[4]))
	if _, err := io.ReadFull(res.Body, msg); err != nil {
		t.Fatalf("stream: %v", err)
	}
	if head[0]&0x02 == 0 {
		return nil // a message: the call was accepted
	}
	var end struct {
		Error *struct{ Code, Message string }
	}
	if err := json.Unmarshal(msg, &end); err != nil {
		t.Fatalf("end of stream %.200q: %v", msg, err)
	}
	if end.Error == nil {
		return nil
	}
	var code connect.Code
	if err := code.UnmarshalText([]byte(end.Error.Code)); err != nil {
		t.Fatalf("code %q: %v", end.Error.Code, err)
	}
	return connect.NewError(code, fmt.Errorf("%s", end.Error.Message))
}
