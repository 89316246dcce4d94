package workspace_test

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	accountv1 "github.com/betterplan/betterplan/gen/betterplan/account/v1"
	workspacev1 "github.com/betterplan/betterplan/gen/betterplan/workspace/v1"
	"github.com/betterplan/betterplan/gen/betterplan/workspace/v1/workspacev1connect"
	"github.com/betterplan/betterplan/internal/apitest"
	"github.com/betterplan/betterplan/internal/mail"
	"github.com/betterplan/betterplan/internal/mail/mailtest"
)

var ctx = context.Background()

// person is a signed-up user with their WorkspaceService client.
type person struct {
	token string
	ws    workspacev1connect.WorkspaceServiceClient
	env   *apitest.Env
}

func signUp(t *testing.T, env *apitest.Env, email string) person {
	t.Helper()
	token := env.SignUp(t, email)
	return person{token: token, ws: env.Workspace(token), env: env}
}

func wantCode(t *testing.T, err error, code connect.Code, mention string) *connect.Error {
	t.Helper()
	var cerr *connect.Error
	if !errors.As(err, &cerr) {
		t.Fatalf("got %v, want %s", err, code)
	}
	if cerr.Code() != code || !strings.Contains(cerr.Message(), mention) {
		t.Fatalf("got %s: %s, want %s mentioning %q", cerr.Code(), cerr.Message(), code, mention)
	}
	return cerr
}

func (p person) create(t *testing.T, name string) string {
	t.Helper()
	res, err := p.ws.CreateWorkspace(ctx, connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: name}))
	if err != nil {
		t.Fatal(err)
	}
	if res.Msg.GetMembership().GetRole() != workspacev1.Role_ROLE_OWNER {
		t.Fatalf("the creator is %v, want owner", res.Msg.GetMembership().GetRole())
	}
	return res.Msg.GetMembership().GetWorkspace().GetId()
}

// invite returns the token of a new invitation's link.
func (p person) invite(t *testing.T, workspaceID, email string, role workspacev1.Role) string {
	t.Helper()
	res, err := p.ws.CreateInvitation(ctx, connect.NewRequest(&workspacev1.CreateInvitationRequest{WorkspaceId: workspaceID, Email: email, Role: role}))
	if err != nil {
		t.Fatalf("invite %s: %v", email, err)
	}
	u, err := url.Parse(res.Msg.GetUrl())
	if err != nil || u.Path != "/app/join" || u.Query().Get("token") == "" {
		t.Fatalf("invitation link %q, want APP_URL/app/join?token=…", res.Msg.GetUrl())
	}
	if res.Msg.GetEmailed() {
		t.Fatal("emailed without SMTP configured")
	}
	return u.Query().Get("token")
}

func (p person) accept(token string) (*workspacev1.Membership, error) {
	res, err := p.ws.AcceptInvitation(ctx, connect.NewRequest(&workspacev1.AcceptInvitationRequest{Token: token}))
	if err != nil {
		return nil, err
	}
	return res.Msg.GetMembership(), nil
}

func (p person) roleIn(t *testing.T, workspaceID string) workspacev1.Role {
	t.Helper()
	me, err := p.env.Account(p.token).GetMe(ctx, connect.NewRequest(&accountv1.GetMeRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range me.Msg.GetWorkspaces() {
		if m.GetWorkspace().GetId() == workspaceID {
			return m.GetRole()
		}
	}
	return workspacev1.Role_ROLE_UNSPECIFIED
}

// TestSignUpMakesPersonalWorkspace: everyone starts with a workspace of
// their own, owned by them, listed first; it cannot be deleted.
func TestSignUpMakesPersonalWorkspace(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	ada := signUp(t, env, "ada@example.com")
	team := ada.create(t, "Analytical Engines")
	me, err := env.Account(ada.token).GetMe(ctx, connect.NewRequest(&accountv1.GetMeRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	ws := me.Msg.GetWorkspaces()
	if len(ws) != 2 || ws[0].GetWorkspace().GetPersonalOf() != me.Msg.GetUser().GetId() || ws[0].GetRole() != workspacev1.Role_ROLE_OWNER ||
		ws[1].GetWorkspace().GetId() != team || ws[1].GetWorkspace().GetPersonalOf() != "" {
		t.Fatalf("GetMe lists %v, want the personal workspace (owner) and then the team", ws)
	}
	_, err = ada.ws.DeleteWorkspace(ctx, connect.NewRequest(&workspacev1.DeleteWorkspaceRequest{Id: ws[0].GetWorkspace().GetId()}))
	wantCode(t, err, connect.CodeFailedPrecondition, "personal workspace cannot be deleted")
	if _, err := ada.ws.DeleteWorkspace(ctx, connect.NewRequest(&workspacev1.DeleteWorkspaceRequest{Id: team})); err != nil {
		t.Fatalf("delete the team workspace: %v", err)
	}
	_, err = ada.ws.GetWorkspace(ctx, connect.NewRequest(&workspacev1.GetWorkspaceRequest{Id: team}))
	wantCode(t, err, connect.CodeNotFound, "workspace not found")
	// Names are required and bounded, in words.
	_, err = ada.ws.CreateWorkspace(ctx, connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: "   "}))
	wantCode(t, err, connect.CodeInvalidArgument, "name is required")
}

// TestInvitations: a link works once, for the invited address, for 7 days,
// until withdrawn; each refusal says which of these it is.
func TestInvitations(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	ada := signUp(t, env, "ada@example.com")
	team := ada.create(t, "Analytical Engines")
	bob := signUp(t, env, "bob@example.com")
	eve := signUp(t, env, "eve@example.com")

	token := ada.invite(t, team, " Bob@Example.com ", workspacev1.Role_ROLE_WRITER)
	// The link tells whoever has it what it is for.
	got, err := bob.ws.GetInvitation(ctx, connect.NewRequest(&workspacev1.GetInvitationRequest{Token: token}))
	if err != nil {
		t.Fatal(err)
	}
	if m := got.Msg; m.GetWorkspaceName() != "Analytical Engines" || m.GetInviterName() != "ada@example.com" || m.GetEmail() != "bob@example.com" ||
		m.GetRole() != workspacev1.Role_ROLE_WRITER || !m.GetExpireTime().AsTime().Equal(env.Clock.Now().Add(7*24*time.Hour)) {
		t.Fatalf("GetInvitation: %v", m)
	}
	// Listed while open.
	list, err := ada.ws.ListInvitations(ctx, connect.NewRequest(&workspacev1.ListInvitationsRequest{WorkspaceId: team}))
	if err != nil || len(list.Msg.GetInvitations()) != 1 || list.Msg.GetInvitations()[0].GetEmail() != "bob@example.com" {
		t.Fatalf("ListInvitations: %v %v", list.Msg.GetInvitations(), err)
	}

	// Someone else with the link cannot use it.
	_, err = eve.accept(token)
	wantCode(t, err, connect.CodePermissionDenied, "another email address")
	if r := eve.roleIn(t, team); r != workspacev1.Role_ROLE_UNSPECIFIED {
		t.Fatalf("eve became %v", r)
	}
	m, err := bob.accept(token)
	if err != nil {
		t.Fatal(err)
	}
	if m.GetWorkspace().GetId() != team || m.GetRole() != workspacev1.Role_ROLE_WRITER || bob.roleIn(t, team) != workspacev1.Role_ROLE_WRITER {
		t.Fatalf("bob joined as %v", m)
	}
	// Single use.
	_, err = bob.accept(token)
	wantCode(t, err, connect.CodeFailedPrecondition, "already used")
	list, _ = ada.ws.ListInvitations(ctx, connect.NewRequest(&workspacev1.ListInvitationsRequest{WorkspaceId: team}))
	if len(list.Msg.GetInvitations()) != 0 {
		t.Fatalf("an accepted invitation is still listed: %v", list.Msg.GetInvitations())
	}

	// Withdrawn.
	carol := signUp(t, env, "carol@example.com")
	withdrawn := ada.invite(t, team, "carol@example.com", workspacev1.Role_ROLE_EDITOR)
	list, _ = ada.ws.ListInvitations(ctx, connect.NewRequest(&workspacev1.ListInvitationsRequest{WorkspaceId: team}))
	if _, err := ada.ws.RevokeInvitation(ctx, connect.NewRequest(&workspacev1.RevokeInvitationRequest{Id: list.Msg.GetInvitations()[0].GetId()})); err != nil {
		t.Fatal(err)
	}
	_, err = carol.accept(withdrawn)
	wantCode(t, err, connect.CodeFailedPrecondition, "withdrawn")

	// Expired after 7 days.
	late := ada.invite(t, team, "carol@example.com", workspacev1.Role_ROLE_EDITOR)
	env.Clock.Advance(7*24*time.Hour + time.Second)
	_, err = carol.accept(late)
	wantCode(t, err, connect.CodeFailedPrecondition, "expired")
	list, _ = ada.ws.ListInvitations(ctx, connect.NewRequest(&workspacev1.ListInvitationsRequest{WorkspaceId: team}))
	if len(list.Msg.GetInvitations()) != 0 {
		t.Fatalf("an expired invitation is still listed: %v", list.Msg.GetInvitations())
	}

	// A made-up token, and one for another workspace's invitation id.
	_, err = carol.accept("bpi_" + strings.Repeat("A", 43))
	wantCode(t, err, connect.CodeNotFound, "unknown")
	ada.invite(t, team, "dan@example.com", workspacev1.Role_ROLE_VIEWER)
	list, _ = ada.ws.ListInvitations(ctx, connect.NewRequest(&workspacev1.ListInvitationsRequest{WorkspaceId: team}))
	_, errOther := eve.ws.RevokeInvitation(ctx, connect.NewRequest(&workspacev1.RevokeInvitationRequest{Id: list.Msg.GetInvitations()[0].GetId()}))
	_, errMadeUp := eve.ws.RevokeInvitation(ctx, connect.NewRequest(&workspacev1.RevokeInvitationRequest{Id: "01J000000000000000000000XX"}))
	if a, b := wantCode(t, errOther, connect.CodeNotFound, "no such invitation"), wantCode(t, errMadeUp, connect.CodeNotFound, "no such invitation"); a.Message() != b.Message() {
		t.Fatalf("another workspace's invitation %q vs a made-up one %q", a.Message(), b.Message())
	}

	// Only admins invite; only owners invite owners.
	_, err = bob.ws.CreateInvitation(ctx, connect.NewRequest(&workspacev1.CreateInvitationRequest{WorkspaceId: team, Email: "x@example.com", Role: workspacev1.Role_ROLE_VIEWER}))
	wantCode(t, err, connect.CodePermissionDenied, "needs the admin role")
	if _, err := ada.ws.UpdateMember(ctx, connect.NewRequest(&workspacev1.UpdateMemberRequest{WorkspaceId: team, UserId: userID(t, bob), Role: workspacev1.Role_ROLE_ADMIN})); err != nil {
		t.Fatal(err)
	}
	_, err = bob.ws.CreateInvitation(ctx, connect.NewRequest(&workspacev1.CreateInvitationRequest{WorkspaceId: team, Email: "x@example.com", Role: workspacev1.Role_ROLE_OWNER}))
	wantCode(t, err, connect.CodePermissionDenied, "needs the owner role")
	_, err = bob.ws.CreateInvitation(ctx, connect.NewRequest(&workspacev1.CreateInvitationRequest{WorkspaceId: team, Email: "not an address", Role: workspacev1.Role_ROLE_VIEWER}))
	wantCode(t, err, connect.CodeInvalidArgument, "email")

	// The link is in the log (no SMTP here), and the token never is
	// anywhere else: the database keeps only its hash.
	if !strings.Contains(env.Logs.String(), "send this link yourself") {
		t.Fatal("the invitation link is not logged when SMTP is not configured")
	}
	var n int
	if err := env.Pool.QueryRow(ctx, "SELECT count(*) FROM invitations WHERE token_hash::text LIKE '%' || $1 || '%'", token).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the token is stored as is (%d, %v)", n, err)
	}
}

func userID(t *testing.T, p person) string {
	t.Helper()
	me, err := p.env.Account(p.token).GetMe(ctx, connect.NewRequest(&accountv1.GetMeRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	return me.Msg.GetUser().GetId()
}

// TestMembers: roles change, people leave or are removed, and a workspace
// always keeps an owner.
func TestMembers(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	ada := signUp(t, env, "ada@example.com")
	team := ada.create(t, "Analytical Engines")
	bob := signUp(t, env, "bob@example.com")
	if _, err := bob.accept(ada.invite(t, team, "bob@example.com", workspacev1.Role_ROLE_ADMIN)); err != nil {
		t.Fatal(err)
	}
	carol := signUp(t, env, "carol@example.com")
	if _, err := carol.accept(ada.invite(t, team, "carol@example.com", workspacev1.Role_ROLE_VIEWER)); err != nil {
		t.Fatal(err)
	}
	adaID, bobID, carolID := userID(t, ada), userID(t, bob), userID(t, carol)
	set := func(p person, who string, role workspacev1.Role) error {
		_, err := p.ws.UpdateMember(ctx, connect.NewRequest(&workspacev1.UpdateMemberRequest{WorkspaceId: team, UserId: who, Role: role}))
		return err
	}

	members, err := carol.ws.ListMembers(ctx, connect.NewRequest(&workspacev1.ListMembersRequest{WorkspaceId: team}))
	if err != nil || len(members.Msg.GetMembers()) != 3 {
		t.Fatalf("a viewer lists %v (%v)", members.Msg.GetMembers(), err)
	}
	// An admin manages members, but not owners.
	if err := set(bob, carolID, workspacev1.Role_ROLE_EDITOR); err != nil {
		t.Fatal(err)
	}
	wantCode(t, set(bob, carolID, workspacev1.Role_ROLE_OWNER), connect.CodePermissionDenied, "needs the owner role")
	wantCode(t, set(bob, adaID, workspacev1.Role_ROLE_VIEWER), connect.CodePermissionDenied, "needs the owner role")
	wantCode(t, set(carol, bobID, workspacev1.Role_ROLE_VIEWER), connect.CodePermissionDenied, "needs the admin role in this workspace (you are an editor)")
	// The last owner stays one.
	wantCode(t, set(ada, adaID, workspacev1.Role_ROLE_ADMIN), connect.CodeFailedPrecondition, "needs an owner")
	_, err = ada.ws.RemoveMember(ctx, connect.NewRequest(&workspacev1.RemoveMemberRequest{WorkspaceId: team, UserId: adaID}))
	wantCode(t, err, connect.CodeFailedPrecondition, "needs an owner")
	if err := set(ada, bobID, workspacev1.Role_ROLE_OWNER); err != nil {
		t.Fatal(err)
	}
	// Two owners: one may step down.
	if err := set(ada, adaID, workspacev1.Role_ROLE_EDITOR); err != nil {
		t.Fatalf("with another owner, stepping down: %v", err)
	}
	// Anyone may leave; an admin removes others.
	if _, err := carol.ws.RemoveMember(ctx, connect.NewRequest(&workspacev1.RemoveMemberRequest{WorkspaceId: team, UserId: carolID})); err != nil {
		t.Fatalf("leave: %v", err)
	}
	if r := carol.roleIn(t, team); r != workspacev1.Role_ROLE_UNSPECIFIED {
		t.Fatalf("carol left but is still %v", r)
	}
	_, err = carol.ws.ListMembers(ctx, connect.NewRequest(&workspacev1.ListMembersRequest{WorkspaceId: team}))
	wantCode(t, err, connect.CodeNotFound, "workspace not found")
	_, err = bob.ws.RemoveMember(ctx, connect.NewRequest(&workspacev1.RemoveMemberRequest{WorkspaceId: team, UserId: carolID}))
	wantCode(t, err, connect.CodeNotFound, "no such member")
	// Ada, an editor now, removes nobody.
	_, err = ada.ws.RemoveMember(ctx, connect.NewRequest(&workspacev1.RemoveMemberRequest{WorkspaceId: team, UserId: bobID}))
	wantCode(t, err, connect.CodePermissionDenied, "needs the admin role")
}

// TestInvitationEmailed: with SMTP configured the link goes by email (a
// real SMTP server receives it) and the response says so; the link in the
// email joins.
func TestInvitationEmailed(t *testing.T) {
	t.Parallel()
	smtpd := mailtest.Start(t, "", "")
	cfg, err := mail.ParseConfig("smtp://"+smtpd.Addr+"?tls=none", "BetterPlan <noreply@example.com>")
	if err != nil {
		t.Fatal(err)
	}
	env := apitest.Start(t, apitest.Options{Mail: mail.NewSender(cfg, slog.New(slog.DiscardHandler))})
	ada := signUp(t, env, "ada@example.com")
	team := ada.create(t, "Analytical Engines")
	res, err := ada.ws.CreateInvitation(ctx, connect.NewRequest(&workspacev1.CreateInvitationRequest{WorkspaceId: team, Email: "grace@example.com", Role: workspacev1.Role_ROLE_EDITOR}))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Msg.GetEmailed() {
		t.Fatal("emailed is false with SMTP configured")
	}
	got := smtpd.Messages()
	if len(got) != 1 || got[0].From != "noreply@example.com" || len(got[0].To) != 1 || got[0].To[0] != "grace@example.com" {
		t.Fatalf("the SMTP server received %+v", got)
	}
	// The link as the email carries it (quoted-printable folds long lines).
	data := strings.ReplaceAll(strings.ReplaceAll(got[0].Data, "=\r\n", ""), "=3D", "=")
	if !strings.Contains(data, res.Msg.GetUrl()) || !strings.Contains(data, "Analytical Engines") || !strings.Contains(data, "as editor") {
		t.Fatalf("the email lacks the link %s:\n%s", res.Msg.GetUrl(), data)
	}
	link, _ := url.Parse(res.Msg.GetUrl())
	grace := signUp(t, env, "grace@example.com")
	if _, err := grace.accept(link.Query().Get("token")); err != nil {
		t.Fatalf("the emailed link: %v", err)
	}
	if strings.Contains(env.Logs.String(), link.Query().Get("token")) {
		t.Fatal("an emailed invitation's token is in the log")
	}
}
