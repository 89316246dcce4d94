// Package access decides what a member of a workspace may do. Roles are
// ordered (owner > admin > editor > writer > viewer): each may do what the
// roles below it may. A workspace, or an object in one, that the caller is
// not a member of is "not found" to them, whether it exists or not, so ids
// tell outsiders nothing; a member whose role is too low is told which role
// the action needs.
package access

import (
	"context"
	"errors"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/betterplan/betterplan/db"
	"github.com/betterplan/betterplan/db/dbq"
	workspacev1 "github.com/betterplan/betterplan/gen/betterplan/workspace/v1"
	"github.com/betterplan/betterplan/internal/apierr"
)

// ErrNoWorkspace is a workspace the caller is not a member of.
var ErrNoWorkspace = apierr.New(connect.CodeNotFound, "workspace not found (or you are not a member of it)")

var rank = map[dbq.WorkspaceRole]int{
	dbq.WorkspaceRoleViewer: 1,
	dbq.WorkspaceRoleWriter: 2,
	dbq.WorkspaceRoleEditor: 3,
	dbq.WorkspaceRoleAdmin:  4,
	dbq.WorkspaceRoleOwner:  5,
}

// AtLeast reports whether have may do what need may.
func AtLeast(have, need dbq.WorkspaceRole) bool {
	return rank[have] >= rank[need] && rank[need] > 0
}

// Require is nil when have is at least need, else permission_denied saying
// what needs which role: "scheduling posts needs the editor role in this
// workspace (you are a writer)".
func Require(have, need dbq.WorkspaceRole, action string) error {
	if AtLeast(have, need) {
		return nil
	}
	return apierr.Newf(connect.CodePermissionDenied, "%s needs the %s role in this workspace (you are %s %s)",
		action, need, article(have), have)
}

func article(r dbq.WorkspaceRole) string {
	if r == dbq.WorkspaceRoleOwner || r == dbq.WorkspaceRoleAdmin || r == dbq.WorkspaceRoleEditor {
		return "an"
	}
	return "a"
}

// ErrNoWorkspaceID is the error for a request without its workspace_id (a
// new one each time: a *connect.Error carries mutable metadata).
func ErrNoWorkspaceID() error {
	return apierr.Invalid("workspace_id", "is required: the workspace to work in (GetMe lists yours)")
}

// Role is the user's role in the workspace, or ErrNoWorkspace.
func Role(ctx context.Context, q *dbq.Queries, workspaceID, userID string) (dbq.WorkspaceRole, error) {
	if workspaceID == "" {
		return "", ErrNoWorkspaceID()
	}
	role, err := q.MembershipRole(ctx, dbq.MembershipRoleParams{WorkspaceID: workspaceID, UserID: userID})
	if errors.Is(db.Classify(err), db.ErrNotFound) {
		return "", ErrNoWorkspace
	}
	return role, err
}

// Check is Role and Require in one: the caller's role when it allows action.
func Check(ctx context.Context, q *dbq.Queries, workspaceID, userID string, need dbq.WorkspaceRole, action string) (dbq.WorkspaceRole, error) {
	role, err := Role(ctx, q, workspaceID, userID)
	if err != nil {
		return "", err
	}
	return role, Require(role, need, action)
}

var toProto = map[dbq.WorkspaceRole]workspacev1.Role{
	dbq.WorkspaceRoleOwner:  workspacev1.Role_ROLE_OWNER,
	dbq.WorkspaceRoleAdmin:  workspacev1.Role_ROLE_ADMIN,
	dbq.WorkspaceRoleEditor: workspacev1.Role_ROLE_EDITOR,
	dbq.WorkspaceRoleWriter: workspacev1.Role_ROLE_WRITER,
	dbq.WorkspaceRoleViewer: workspacev1.Role_ROLE_VIEWER,
}

// ToProto is the API's name of a role.
func ToProto(r dbq.WorkspaceRole) workspacev1.Role { return toProto[r] }

// FromProto is the stored role of an API role; false for unspecified.
func FromProto(r workspacev1.Role) (dbq.WorkspaceRole, bool) {
	for k, v := range toProto {
		if v == r {
			return k, true
		}
	}
	return "", false
}

// Membership is the API's view of a workspace with the caller's role.
func Membership(w dbq.Workspace, role dbq.WorkspaceRole) *workspacev1.Membership {
	out := &workspacev1.Membership{
		Workspace: &workspacev1.Workspace{Id: w.ID, Name: w.Name, CreateTime: timestamppb.New(w.CreatedAt)},
		Role:      ToProto(role),
	}
	if w.PersonalOf != nil {
		out.Workspace.PersonalOf = *w.PersonalOf
	}
	return out
}
