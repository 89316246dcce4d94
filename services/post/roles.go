package post

import (
	"context"

	"github.com/betterplan/betterplan/db/dbq"
	"github.com/betterplan/betterplan/internal/access"
	"github.com/betterplan/betterplan/internal/auth"
)

// What each role may do with posts: viewers read; writers write their own
// drafts, and a time they give is a request for approval; editors (and
// above) do everything, including approving.

// mayWrite says whether the caller may change (edit, delete) this post:
// an editor any post, a writer only their own draft or post waiting for
// approval.
func mayWrite(ctx context.Context, p dbq.Post, role dbq.WorkspaceRole) error {
	if access.AtLeast(role, dbq.WorkspaceRoleEditor) {
		return nil
	}
	if err := access.Require(role, dbq.WorkspaceRoleWriter, "changing posts"); err != nil {
		return err
	}
	if p.AuthorID == nil || *p.AuthorID != auth.UserID(ctx) {
		return access.Require(role, dbq.WorkspaceRoleEditor, "changing another person's post")
	}
	if p.Status != dbq.PostStatusDraft && p.Status != dbq.PostStatusPendingApproval {
		return access.Require(role, dbq.WorkspaceRoleEditor, "changing a post that is approved or sent")
	}
	return nil
}

// schedules says whether the caller's time on a post schedules it (editor)
// or asks for approval (writer).
func schedules(role dbq.WorkspaceRole) bool {
	return access.AtLeast(role, dbq.WorkspaceRoleEditor)
}

// addActivity records what the caller did to a post.
func (s *Service) addActivity(ctx context.Context, q *dbq.Queries, postID string, kind dbq.PostActivityKind, note string) error {
	me := auth.UserID(ctx)
	return q.PostActivityAdd(ctx, dbq.PostActivityAddParams{PostID: postID, ActorID: &me, Kind: kind, Note: note, At: s.now.DB()})
}
