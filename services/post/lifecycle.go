package post

import (
	"context"
	"errors"
	"fmt"

	"connectrpc.com/connect"

	"github.com/betterplan/betterplan/db"
	"github.com/betterplan/betterplan/db/dbq"
	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
	"github.com/betterplan/betterplan/internal/access"
	"github.com/betterplan/betterplan/internal/auth"
)

// deleteAttempts bounds DeletePost's retries when the post's status
// changes under it (for example a publish that just finished).
const deleteAttempts = 3

// DeletePost implements PostService.DeletePost.
func (s *Service) DeletePost(ctx context.Context, req *connect.Request[postv1.DeletePostRequest]) (*connect.Response[postv1.DeletePostResponse], error) {
	cur, role, err := s.get(ctx, req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	for range deleteAttempts {
		if err := mayWrite(ctx, cur, role); err != nil {
			return nil, err
		}
		_, err := s.q.PostDelete(ctx, dbq.PostDeleteParams{ID: cur.ID, WorkspaceID: cur.WorkspaceID})
		if err == nil {
			s.log.InfoContext(ctx, "post deleted", "post_id", cur.ID, "workspace_id", cur.WorkspaceID, "user_id", auth.UserID(ctx))
			return connect.NewResponse(&postv1.DeletePostResponse{}), nil
		}
		if !errors.Is(db.Classify(err), db.ErrNotFound) {
			return nil, err
		}
		if cur, role, err = s.get(ctx, cur.ID); err != nil {
			return nil, err
		}
		if cur.Status == dbq.PostStatusPublishing {
			return nil, errState("the post cannot be deleted: it is being published right now; try again in a moment")
		}
		// It was publishing a moment ago and no longer is: delete it now.
	}
	return nil, errState("the post cannot be deleted: it is being published right now; try again in a moment")
}

// PublishPost implements PostService.PublishPost.
func (s *Service) PublishPost(ctx context.Context, req *connect.Request[postv1.PublishPostRequest]) (*connect.Response[postv1.PublishPostResponse], error) {
	cur, role, err := s.get(ctx, req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	if err := access.Require(role, dbq.WorkspaceRoleEditor, "publishing"); err != nil {
		return nil, err
	}
	if err := publishable(cur); err != nil {
		return nil, err
	}
	var row dbq.Post
	err = db.InTx(ctx, s.pool, func(q *dbq.Queries) error {
		if err := s.holdActive(ctx, q, cur); err != nil {
			return err
		}
		row, err = q.PostPublishNow(ctx, dbq.PostPublishNowParams{ID: cur.ID, WorkspaceID: cur.WorkspaceID, Now: s.now.DB()})
		if errors.Is(db.Classify(err), db.ErrNotFound) {
			return s.reread(ctx, q, cur.ID, publishable)
		}
		if err != nil {
			return err
		}
		return s.addActivity(db.Committing(ctx), q, row.ID, dbq.PostActivityKindPublishRequested, "")
	})
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "post to publish now", "post_id", row.ID, "user_id", auth.UserID(ctx))
	out, err := s.full(ctx, row)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&postv1.PublishPostResponse{Post: out}), nil
}

// publishable says why PublishPost cannot publish a post, or nil.
func publishable(p dbq.Post) error {
	switch p.Status {
	case dbq.PostStatusDraft, dbq.PostStatusPendingApproval, dbq.PostStatusScheduled:
		return nil
	case dbq.PostStatusPublishing:
		return errState("the post is being published right now")
	case dbq.PostStatusPublished:
		return errState("the post is already published on X")
	case dbq.PostStatusFailed:
		return errState("the post failed; use RetryPost to try again")
	case dbq.PostStatusUnconfirmed:
		return errState("the post may already be on X and BetterPlan could not read X to find out; " +
			"use RetryPost to check X again and send it only if it is not there")
	}
	return fmt.Errorf("post %s has unknown status %q", p.ID, p.Status)
}

// RetryPost implements PostService.RetryPost.
func (s *Service) RetryPost(ctx context.Context, req *connect.Request[postv1.RetryPostRequest]) (*connect.Response[postv1.RetryPostResponse], error) {
	force := req.Msg.GetForce()
	cur, role, err := s.get(ctx, req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	if err := access.Require(role, dbq.WorkspaceRoleEditor, "retrying posts"); err != nil {
		return nil, err
	}
	if err := retryable(cur); err != nil {
		return nil, err
	}
	var row dbq.Post
	err = db.InTx(ctx, s.pool, func(q *dbq.Queries) error {
		if err := s.holdActive(ctx, q, cur); err != nil {
			return err
		}
		row, err = q.PostRetry(ctx, dbq.PostRetryParams{ID: cur.ID, WorkspaceID: cur.WorkspaceID, Now: s.now.DB(), Force: force})
		if errors.Is(db.Classify(err), db.ErrNotFound) {
			return s.reread(ctx, q, cur.ID, retryable)
		}
		if err != nil {
			return err
		}
		// Files X refused are uploaded again (X may take them now).
		if err := q.MediaUploadForgetFailed(ctx, dbq.MediaUploadForgetFailedParams{
			IntegrationID: *cur.IntegrationID, Ids: mediaIDs(decodeMedia(row.PartMedia)),
		}); err != nil {
			return err
		}
		note := ""
		if force {
			note = "sent again without checking X"
		}
		return s.addActivity(db.Committing(ctx), q, row.ID, dbq.PostActivityKindRetried, note)
	})
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "post retried", "post_id", row.ID, "user_id", auth.UserID(ctx), "was", cur.Status, "force", force)
	out, err := s.full(ctx, row)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&postv1.RetryPostResponse{Post: out}), nil
}

// retryable says why RetryPost cannot retry a post, or nil. An unconfirmed
// post is retried too: the publisher reads X before resending the part that
// may be there (force skips that, for a person who checked X).
func retryable(p dbq.Post) error {
	switch p.Status {
	case dbq.PostStatusFailed, dbq.PostStatusUnconfirmed:
		return nil
	case dbq.PostStatusDraft, dbq.PostStatusPendingApproval, dbq.PostStatusScheduled:
		return errState("only a failed or unconfirmed post can be retried; use PublishPost to publish this one now")
	case dbq.PostStatusPublishing:
		return errState("the post is being published right now")
	case dbq.PostStatusPublished:
		return errState("the post is already published on X")
	}
	return fmt.Errorf("post %s has unknown status %q", p.ID, p.Status)
}
