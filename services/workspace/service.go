// Package workspace implements betterplan.workspace.v1.WorkspaceService:
// workspaces, their members and roles, and invitations by email.
package workspace

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/oklog/ulid/v2"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/betterplan/betterplan/db"
	"github.com/betterplan/betterplan/db/dbq"
	workspacev1 "github.com/betterplan/betterplan/gen/betterplan/workspace/v1"
	"github.com/betterplan/betterplan/gen/betterplan/workspace/v1/workspacev1connect"
	"github.com/betterplan/betterplan/internal/access"
	"github.com/betterplan/betterplan/internal/apierr"
	"github.com/betterplan/betterplan/internal/auth"
	"github.com/betterplan/betterplan/internal/clock"
	"github.com/betterplan/betterplan/internal/emailaddr"
	"github.com/betterplan/betterplan/internal/ratelimit"
)

const (
	// invitationTTL is how long an invitation link works.
	invitationTTL = 7 * 24 * time.Hour
	// InvitePath is the web app's page for an invitation link (?token=).
	InvitePath = "/app/join"
	// tokenPrefix marks invitation tokens (API tokens and sessions have their own).
	tokenPrefix = "bpi_"
	maxName     = 100
	// sendTimeout bounds emailing an invitation; the link is returned anyway.
	sendTimeout = 15 * time.Second
)

var (
	errNoInvitation = apierr.New(connect.CodeNotFound, "this invitation link is unknown: ask for a new one")
	errUsed         = apierr.New(connect.CodeFailedPrecondition, "this invitation was already used: ask for a new one if you need it")
	errRevoked      = apierr.New(connect.CodeFailedPrecondition, "this invitation was withdrawn: ask for a new one if you need it")
	errExpired      = apierr.New(connect.CodeFailedPrecondition, "this invitation expired (links work for 7 days): ask for a new one")
	errLastOwner    = apierr.New(connect.CodeFailedPrecondition, "a workspace needs an owner: make someone else an owner first")
	errNoMember     = apierr.New(connect.CodeNotFound, "no such member in this workspace")
)

// Mailer emails invitation links (internal/mail over SMTP); nil when SMTP
// is not configured.
type Mailer interface {
	SendInvitation(ctx context.Context, to, workspaceName, inviterName, role, link string, expires time.Time) error
}

// Deps is what the service needs.
type Deps struct {
	Pool *pgxpool.Pool
	Now  clock.Clock
	Log  *slog.Logger
	// AppURL is the web app's origin; invitation links point into it.
	AppURL string
	// Mail sends invitation links; nil: they are returned and logged only.
	Mail Mailer
	// Invites limits CreateInvitation per user: each may send an email.
	Invites *ratelimit.Limit
}

// Service implements WorkspaceService.
type Service struct {
	Deps
	q *dbq.Queries
}

// New returns the service.
func New(d Deps) *Service {
	return &Service{Deps: d, q: dbq.New(d.Pool)}
}

var _ workspacev1connect.WorkspaceServiceHandler = (*Service)(nil)

// CreateWorkspace implements WorkspaceService.CreateWorkspace.
func (s *Service) CreateWorkspace(ctx context.Context, req *connect.Request[workspacev1.CreateWorkspaceRequest]) (*connect.Response[workspacev1.CreateWorkspaceResponse], error) {
	name, err := workspaceName(req.Msg.GetName())
	if err != nil {
		return nil, err
	}
	me, now := auth.UserID(ctx), s.Now.Now()
	var ws dbq.Workspace
	err = db.InTx(ctx, s.Pool, func(q *dbq.Queries) error {
		if ws, err = q.WorkspaceCreate(ctx, dbq.WorkspaceCreateParams{ID: ulid.Make().String(), Name: name, Now: now}); err != nil {
			return err
		}
		return q.MembershipCreate(ctx, dbq.MembershipCreateParams{WorkspaceID: ws.ID, UserID: me, Role: dbq.WorkspaceRoleOwner, Now: now})
	})
	if err != nil {
		return nil, err
	}
	s.Log.InfoContext(ctx, "workspace created", "workspace_id", ws.ID, "user_id", me)
	return connect.NewResponse(&workspacev1.CreateWorkspaceResponse{Membership: access.Membership(ws, dbq.WorkspaceRoleOwner)}), nil
}

// GetWorkspace implements WorkspaceService.GetWorkspace.
func (s *Service) GetWorkspace(ctx context.Context, req *connect.Request[workspacev1.GetWorkspaceRequest]) (*connect.Response[workspacev1.GetWorkspaceResponse], error) {
	row, err := s.get(ctx, req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&workspacev1.GetWorkspaceResponse{Membership: access.Membership(row.Workspace, row.Role)}), nil
}

// UpdateWorkspace implements WorkspaceService.UpdateWorkspace.
func (s *Service) UpdateWorkspace(ctx context.Context, req *connect.Request[workspacev1.UpdateWorkspaceRequest]) (*connect.Response[workspacev1.UpdateWorkspaceResponse], error) {
	name, err := workspaceName(req.Msg.GetName())
	if err != nil {
		return nil, err
	}
	row, err := s.get(ctx, req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	if err := access.Require(row.Role, dbq.WorkspaceRoleAdmin, "renaming the workspace"); err != nil {
		return nil, err
	}
	ws, err := s.q.WorkspaceRename(ctx, dbq.WorkspaceRenameParams{ID: row.Workspace.ID, Name: name, Now: s.Now.Now()})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&workspacev1.UpdateWorkspaceResponse{Membership: access.Membership(ws, row.Role)}), nil
}

// DeleteWorkspace implements WorkspaceService.DeleteWorkspace.
func (s *Service) DeleteWorkspace(ctx context.Context, req *connect.Request[workspacev1.DeleteWorkspaceRequest]) (*connect.Response[workspacev1.DeleteWorkspaceResponse], error) {
	row, err := s.get(ctx, req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	if err := access.Require(row.Role, dbq.WorkspaceRoleOwner, "deleting the workspace"); err != nil {
		return nil, err
	}
	if row.Workspace.PersonalOf != nil {
		return nil, apierr.New(connect.CodeFailedPrecondition, "a personal workspace cannot be deleted (it is deleted with its person's account)")
	}
	n, err := s.q.WorkspaceDelete(ctx, row.Workspace.ID)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, access.ErrNoWorkspace
	}
	s.Log.InfoContext(ctx, "workspace deleted", "workspace_id", row.Workspace.ID, "user_id", auth.UserID(ctx))
	return connect.NewResponse(&workspacev1.DeleteWorkspaceResponse{}), nil
}

// ListMembers implements WorkspaceService.ListMembers.
func (s *Service) ListMembers(ctx context.Context, req *connect.Request[workspacev1.ListMembersRequest]) (*connect.Response[workspacev1.ListMembersResponse], error) {
	wsID := req.Msg.GetWorkspaceId()
	if _, err := access.Role(ctx, s.q, wsID, auth.UserID(ctx)); err != nil {
		return nil, err
	}
	rows, err := s.q.MembershipList(ctx, wsID)
	if err != nil {
		return nil, err
	}
	out := &workspacev1.ListMembersResponse{Members: make([]*workspacev1.Member, 0, len(rows))}
	for _, r := range rows {
		out.Members = append(out.Members, &workspacev1.Member{
			UserId: r.UserID, Email: r.Email, DisplayName: r.DisplayName, Role: access.ToProto(r.Role), JoinTime: timestamppb.New(r.CreatedAt),
		})
	}
	return connect.NewResponse(out), nil
}

// UpdateMember implements WorkspaceService.UpdateMember.
func (s *Service) UpdateMember(ctx context.Context, req *connect.Request[workspacev1.UpdateMemberRequest]) (*connect.Response[workspacev1.UpdateMemberResponse], error) {
	msg := req.Msg
	if msg.GetUserId() == "" {
		return nil, apierr.Invalid("user_id", "is required: the member whose role changes")
	}
	role, ok := access.FromProto(msg.GetRole())
	if !ok {
		return nil, apierr.Invalid("role", "is required: owner, admin, editor, writer or viewer")
	}
	mine, err := access.Check(ctx, s.q, msg.GetWorkspaceId(), auth.UserID(ctx), dbq.WorkspaceRoleAdmin, "changing roles")
	if err != nil {
		return nil, err
	}
	var out dbq.Membership
	err = db.InTx(ctx, s.Pool, func(q *dbq.Queries) error {
		members, err := q.MembershipLockWorkspace(ctx, msg.GetWorkspaceId())
		if err != nil {
			return err
		}
		cur, ok := roleOf(members, msg.GetUserId())
		if !ok {
			return errNoMember
		}
		if cur == dbq.WorkspaceRoleOwner || role == dbq.WorkspaceRoleOwner {
			if err := access.Require(mine, dbq.WorkspaceRoleOwner, "making or unmaking owners"); err != nil {
				return err
			}
		}
		if cur == dbq.WorkspaceRoleOwner && role != dbq.WorkspaceRoleOwner && owners(members) == 1 {
			return errLastOwner
		}
		out, err = q.MembershipSetRole(ctx, dbq.MembershipSetRoleParams{WorkspaceID: msg.GetWorkspaceId(), UserID: msg.GetUserId(), Role: role, Now: s.Now.Now()})
		return err
	})
	if err != nil {
		return nil, err
	}
	s.Log.InfoContext(ctx, "member role changed", "workspace_id", out.WorkspaceID, "member", out.UserID, "role", out.Role, "user_id", auth.UserID(ctx))
	member, err := s.member(ctx, out.WorkspaceID, out.UserID)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&workspacev1.UpdateMemberResponse{Member: member}), nil
}

// RemoveMember implements WorkspaceService.RemoveMember.
func (s *Service) RemoveMember(ctx context.Context, req *connect.Request[workspacev1.RemoveMemberRequest]) (*connect.Response[workspacev1.RemoveMemberResponse], error) {
	msg := req.Msg
	if msg.GetUserId() == "" {
		return nil, apierr.Invalid("user_id", "is required: the member to remove (your own id to leave)")
	}
	me := auth.UserID(ctx)
	mine, err := access.Role(ctx, s.q, msg.GetWorkspaceId(), me)
	if err != nil {
		return nil, err
	}
	leaving := msg.GetUserId() == me
	if !leaving {
		if err := access.Require(mine, dbq.WorkspaceRoleAdmin, "removing members"); err != nil {
			return nil, err
		}
	}
	err = db.InTx(ctx, s.Pool, func(q *dbq.Queries) error {
		members, err := q.MembershipLockWorkspace(ctx, msg.GetWorkspaceId())
		if err != nil {
			return err
		}
		cur, ok := roleOf(members, msg.GetUserId())
		if !ok {
			return errNoMember
		}
		if cur == dbq.WorkspaceRoleOwner {
			if !leaving {
				if err := access.Require(mine, dbq.WorkspaceRoleOwner, "removing an owner"); err != nil {
					return err
				}
			}
			if owners(members) == 1 {
				return errLastOwner
			}
		}
		_, err = q.MembershipDelete(ctx, dbq.MembershipDeleteParams{WorkspaceID: msg.GetWorkspaceId(), UserID: msg.GetUserId()})
		return err
	})
	if err != nil {
		return nil, err
	}
	s.Log.InfoContext(ctx, "member removed", "workspace_id", msg.GetWorkspaceId(), "member", msg.GetUserId(), "user_id", me)
	return connect.NewResponse(&workspacev1.RemoveMemberResponse{}), nil
}

// CreateInvitation implements WorkspaceService.CreateInvitation.
func (s *Service) CreateInvitation(ctx context.Context, req *connect.Request[workspacev1.CreateInvitationRequest]) (*connect.Response[workspacev1.CreateInvitationResponse], error) {
	msg := req.Msg
	email, err := emailaddr.Normalize("email", msg.GetEmail())
	if err != nil {
		return nil, err
	}
	role, ok := access.FromProto(msg.GetRole())
	if !ok {
		return nil, apierr.Invalid("role", "is required: owner, admin, editor, writer or viewer")
	}
	me := auth.UserID(ctx)
	row, err := s.get(ctx, msg.GetWorkspaceId())
	if err != nil {
		return nil, err
	}
	if err := access.Require(row.Role, dbq.WorkspaceRoleAdmin, "inviting people"); err != nil {
		return nil, err
	}
	if role == dbq.WorkspaceRoleOwner {
		if err := access.Require(row.Role, dbq.WorkspaceRoleOwner, "inviting an owner"); err != nil {
			return nil, err
		}
	}
	if err := s.Invites.Enforce(ctx, me); err != nil {
		return nil, err
	}
	token := auth.NewToken(tokenPrefix)
	now := s.Now.Now()
	inv, err := s.q.InvitationCreate(ctx, dbq.InvitationCreateParams{
		ID: ulid.Make().String(), WorkspaceID: row.Workspace.ID, Email: email, Role: role, TokenHash: auth.Hash(token),
		InvitedBy: &me, Now: now, ExpiresAt: now.Add(invitationTTL),
	})
	if err != nil {
		return nil, err
	}
	link := s.AppURL + InvitePath + "?token=" + url.QueryEscape(token)
	out := &workspacev1.CreateInvitationResponse{Invitation: invitationToProto(inv), Url: link}
	if s.Mail == nil {
		// Without SMTP the link is the only way in: the inviter sends it,
		// and whoever runs the server can find it in the log.
		s.Log.InfoContext(ctx, "invitation created (SMTP_URL is not set: send this link yourself)",
			"workspace_id", inv.WorkspaceID, "invitation_id", inv.ID, "email", email, "role", role, "link", link)
		return connect.NewResponse(out), nil
	}
	inviter, err := s.q.UserGet(ctx, me)
	if err != nil {
		return nil, err
	}
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendTimeout)
	defer cancel()
	if err := s.Mail.SendInvitation(sendCtx, email, row.Workspace.Name, inviter.DisplayName, string(role), link, inv.ExpiresAt); err != nil {
		// The invitation stands: the response carries the link to send by hand.
		s.Log.WarnContext(ctx, "could not email an invitation; the inviter has the link", "invitation_id", inv.ID, "err", err)
		return connect.NewResponse(out), nil
	}
	out.Emailed = true
	s.Log.InfoContext(ctx, "invitation emailed", "workspace_id", inv.WorkspaceID, "invitation_id", inv.ID, "role", role)
	return connect.NewResponse(out), nil
}

// ListInvitations implements WorkspaceService.ListInvitations.
func (s *Service) ListInvitations(ctx context.Context, req *connect.Request[workspacev1.ListInvitationsRequest]) (*connect.Response[workspacev1.ListInvitationsResponse], error) {
	wsID := req.Msg.GetWorkspaceId()
	if _, err := access.Check(ctx, s.q, wsID, auth.UserID(ctx), dbq.WorkspaceRoleAdmin, "seeing invitations"); err != nil {
		return nil, err
	}
	rows, err := s.q.InvitationListPending(ctx, dbq.InvitationListPendingParams{WorkspaceID: wsID, Now: s.Now.Now()})
	if err != nil {
		return nil, err
	}
	out := &workspacev1.ListInvitationsResponse{Invitations: make([]*workspacev1.Invitation, 0, len(rows))}
	for _, r := range rows {
		out.Invitations = append(out.Invitations, invitationToProto(r))
	}
	return connect.NewResponse(out), nil
}

// RevokeInvitation implements WorkspaceService.RevokeInvitation.
func (s *Service) RevokeInvitation(ctx context.Context, req *connect.Request[workspacev1.RevokeInvitationRequest]) (*connect.Response[workspacev1.RevokeInvitationResponse], error) {
	if req.Msg.GetId() == "" {
		return nil, apierr.Invalid("id", "is required")
	}
	inv, err := s.q.InvitationGet(ctx, req.Msg.GetId())
	if errors.Is(db.Classify(err), db.ErrNotFound) {
		return nil, errNoInvitationID
	}
	if err != nil {
		return nil, err
	}
	// Another workspace's invitation is as unknown as one that never was.
	role, err := access.Role(ctx, s.q, inv.WorkspaceID, auth.UserID(ctx))
	if errors.Is(err, access.ErrNoWorkspace) {
		return nil, errNoInvitationID
	}
	if err != nil {
		return nil, err
	}
	if err := access.Require(role, dbq.WorkspaceRoleAdmin, "withdrawing invitations"); err != nil {
		return nil, err
	}
	if _, err := s.q.InvitationRevoke(ctx, dbq.InvitationRevokeParams{ID: inv.ID, WorkspaceID: inv.WorkspaceID, Now: s.Now.Now()}); err != nil {
		if errors.Is(db.Classify(err), db.ErrNotFound) {
			return nil, apierr.New(connect.CodeFailedPrecondition, "the invitation was already accepted or withdrawn")
		}
		return nil, err
	}
	s.Log.InfoContext(ctx, "invitation withdrawn", "invitation_id", inv.ID, "user_id", auth.UserID(ctx))
	return connect.NewResponse(&workspacev1.RevokeInvitationResponse{}), nil
}

var errNoInvitationID = apierr.New(connect.CodeNotFound, "no such invitation")

// GetInvitation implements WorkspaceService.GetInvitation.
func (s *Service) GetInvitation(ctx context.Context, req *connect.Request[workspacev1.GetInvitationRequest]) (*connect.Response[workspacev1.GetInvitationResponse], error) {
	row, err := s.byToken(ctx, req.Msg.GetToken())
	if err != nil {
		return nil, err
	}
	inv := row.Invitation
	return connect.NewResponse(&workspacev1.GetInvitationResponse{
		WorkspaceName: row.WorkspaceName, InviterName: row.InviterName, Email: inv.Email,
		Role: access.ToProto(inv.Role), ExpireTime: timestamppb.New(inv.ExpiresAt),
	}), nil
}

// AcceptInvitation implements WorkspaceService.AcceptInvitation.
func (s *Service) AcceptInvitation(ctx context.Context, req *connect.Request[workspacev1.AcceptInvitationRequest]) (*connect.Response[workspacev1.AcceptInvitationResponse], error) {
	row, err := s.byToken(ctx, req.Msg.GetToken())
	if err != nil {
		return nil, err
	}
	inv := row.Invitation
	me, err := s.q.UserGet(ctx, auth.UserID(ctx))
	if err != nil {
		return nil, err
	}
	if me.Email != inv.Email {
		return nil, apierr.Newf(connect.CodePermissionDenied,
			"this invitation is for another email address; sign in with the address it was sent to (you are signed in as %s)", me.Email)
	}
	now := s.Now.Now()
	var m dbq.Membership
	err = db.InTx(ctx, s.Pool, func(q *dbq.Queries) error {
		if _, err := q.InvitationAccept(ctx, dbq.InvitationAcceptParams{ID: inv.ID, UserID: me.ID, Now: now}); err != nil {
			if errors.Is(db.Classify(err), db.ErrNotFound) {
				return errUsed // accepted (or withdrawn) a moment ago
			}
			return err
		}
		m, err = q.MembershipAdd(ctx, dbq.MembershipAddParams{WorkspaceID: inv.WorkspaceID, UserID: me.ID, Role: inv.Role, Now: now})
		return err
	})
	if err != nil {
		return nil, err
	}
	ws, err := s.get(ctx, inv.WorkspaceID)
	if err != nil {
		return nil, err
	}
	s.Log.InfoContext(ctx, "invitation accepted", "workspace_id", inv.WorkspaceID, "invitation_id", inv.ID, "user_id", me.ID, "role", m.Role)
	return connect.NewResponse(&workspacev1.AcceptInvitationResponse{Membership: access.Membership(ws.Workspace, ws.Role)}), nil
}

// byToken finds a usable invitation by its link's token, or says why it
// cannot be used.
func (s *Service) byToken(ctx context.Context, token string) (dbq.InvitationGetByTokenRow, error) {
	token = strings.TrimSpace(token)
	if token == "" {
		return dbq.InvitationGetByTokenRow{}, apierr.Invalid("token", "is required: the token from the invitation link")
	}
	row, err := s.q.InvitationGetByToken(ctx, auth.Hash(token))
	switch {
	case errors.Is(db.Classify(err), db.ErrNotFound):
		return row, errNoInvitation
	case err != nil:
		return row, err
	case row.Invitation.AcceptedAt != nil:
		return row, errUsed
	case row.Invitation.RevokedAt != nil:
		return row, errRevoked
	case !row.Invitation.ExpiresAt.After(s.Now.Now()):
		return row, errExpired
	}
	return row, nil
}

// get reads a workspace with the caller's role in it.
func (s *Service) get(ctx context.Context, id string) (dbq.WorkspaceGetForMemberRow, error) {
	if id == "" {
		return dbq.WorkspaceGetForMemberRow{}, apierr.Invalid("id", "is required")
	}
	row, err := s.q.WorkspaceGetForMember(ctx, dbq.WorkspaceGetForMemberParams{ID: id, UserID: auth.UserID(ctx)})
	if errors.Is(db.Classify(err), db.ErrNotFound) {
		return row, access.ErrNoWorkspace
	}
	return row, err
}

// member is one member as ListMembers shows them.
func (s *Service) member(ctx context.Context, workspaceID, userID string) (*workspacev1.Member, error) {
	rows, err := s.q.MembershipList(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if r.UserID == userID {
			return &workspacev1.Member{UserId: r.UserID, Email: r.Email, DisplayName: r.DisplayName, Role: access.ToProto(r.Role), JoinTime: timestamppb.New(r.CreatedAt)}, nil
		}
	}
	return nil, errNoMember
}

func workspaceName(raw string) (string, error) {
	name := strings.TrimSpace(raw)
	switch {
	case name == "":
		return "", apierr.Invalid("name", "is required: what the team calls this workspace")
	case len([]rune(name)) > maxName:
		return "", apierr.Invalid("name", "must be at most 100 characters")
	}
	return name, nil
}

func roleOf(members []dbq.MembershipLockWorkspaceRow, userID string) (dbq.WorkspaceRole, bool) {
	for _, m := range members {
		if m.UserID == userID {
			return m.Role, true
		}
	}
	return "", false
}

func owners(members []dbq.MembershipLockWorkspaceRow) int {
	n := 0
	for _, m := range members {
		if m.Role == dbq.WorkspaceRoleOwner {
			n++
		}
	}
	return n
}

func invitationToProto(r dbq.Invitation) *workspacev1.Invitation {
	return &workspacev1.Invitation{
		Id: r.ID, WorkspaceId: r.WorkspaceID, Email: r.Email, Role: access.ToProto(r.Role),
		CreateTime: timestamppb.New(r.CreatedAt), ExpireTime: timestamppb.New(r.ExpiresAt),
	}
}
