package post

import (
	"context"
	"errors"
	"strings"

	"connectrpc.com/connect"

	"github.com/betterplan/betterplan/db"
	"github.com/betterplan/betterplan/db/dbq"
	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
	"github.com/betterplan/betterplan/internal/access"
	"github.com/betterplan/betterplan/internal/apierr"
	"github.com/betterplan/betterplan/internal/auth"
)

// activityShown bounds ListPostActivity: the latest entries.
const activityShown = 100

// ApprovePost implements PostService.ApprovePost.
func (s *Service) ApprovePost(ctx context.Context, req *connect.Request[postv1.ApprovePostRequest]) (*connect.Response[postv1.ApprovePostResponse], error) {
	msg := req.Msg
	cur, err := s.reviewable(ctx, msg.GetId(), msg.GetVersion(), "approving posts")
	if err != nil {
		return nil, err
	}
	now := s.now.Now()
	at := cur.ScheduledAt
	if msg.GetScheduledTime() != nil {
		t, err := scheduleTime(msg.GetScheduledTime(), now)
		if err != nil {
			return nil, err
		}
		at = &t
	} else if at == nil || at.Before(now.Add(-scheduleGrace)) {
		return nil, errState("the time the writer asked for has passed; approve it with a new scheduled_time, or reject it")
	}
	var row dbq.Post
	err = db.InTx(ctx, s.pool, func(q *dbq.Queries) error {
		if err := s.holdActive(ctx, q, cur); err != nil {
			return err
		}
		row, err = q.PostApprove(ctx, dbq.PostApproveParams{ID: cur.ID, WorkspaceID: cur.WorkspaceID, Version: msg.GetVersion(), ScheduledAt: at, Now: now})
		if errors.Is(db.Classify(err), db.ErrNotFound) {
			return s.whyNotReviewed(ctx, q, cur.ID, msg.GetVersion())
		}
		if err != nil {
			return err
		}
		return s.addActivity(db.Committing(ctx), q, row.ID, dbq.PostActivityKindApproved, "")
	})
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "post approved", "post_id", row.ID, "user_id", auth.UserID(ctx), "scheduled_at", at)
	out, err := s.full(ctx, row)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&postv1.ApprovePostResponse{Post: out}), nil
}

// RejectPost implements PostService.RejectPost.
func (s *Service) RejectPost(ctx context.Context, req *connect.Request[postv1.RejectPostRequest]) (*connect.Response[postv1.RejectPostResponse], error) {
	msg := req.Msg
	reason := strings.TrimSpace(msg.GetReason())
	if reason == "" {
		return nil, apierr.Invalid("reason", "is required: tell the writer what to change")
	}
	cur, err := s.reviewable(ctx, msg.GetId(), msg.GetVersion(), "rejecting posts")
	if err != nil {
		return nil, err
	}
	me := auth.UserID(ctx)
	var row dbq.Post
	err = db.InTx(ctx, s.pool, func(q *dbq.Queries) error {
		row, err = q.PostReject(ctx, dbq.PostRejectParams{ID: cur.ID, WorkspaceID: cur.WorkspaceID, Version: msg.GetVersion(), Reason: reason, RejectedBy: &me, Now: s.now.Now()})
		if errors.Is(db.Classify(err), db.ErrNotFound) {
			return s.whyNotReviewed(ctx, q, cur.ID, msg.GetVersion())
		}
		if err != nil {
			return err
		}
		return s.addActivity(db.Committing(ctx), q, row.ID, dbq.PostActivityKindRejected, reason)
	})
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "post rejected", "post_id", row.ID, "user_id", me)
	out, err := s.full(ctx, row)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&postv1.RejectPostResponse{Post: out}), nil
}

// reviewable reads a post an editor approves or rejects.
func (s *Service) reviewable(ctx context.Context, id string, version int64, action string) (dbq.Post, error) {
	if version < 1 {
		return dbq.Post{}, apierr.Invalid("version", "is required: the version of the post you read")
	}
	cur, role, err := s.get(ctx, id)
	if err != nil {
		return cur, err
	}
	if err := access.Require(role, dbq.WorkspaceRoleEditor, action); err != nil {
		return cur, err
	}
	if err := pending(cur); err != nil {
		return cur, err
	}
	if cur.Version != version {
		return cur, errStale(version, cur.Version)
	}
	return cur, nil
}

// pending says why a post is not waiting for approval, or nil.
func pending(p dbq.Post) error {
	if p.Status != dbq.PostStatusPendingApproval {
		return errState("the post is not waiting for approval (it is " + string(p.Status) + ")")
	}
	return nil
}

// whyNotReviewed explains an approval or rejection that matched no row.
func (s *Service) whyNotReviewed(ctx context.Context, q *dbq.Queries, id string, version int64) error {
	row, err := q.PostGetForMember(ctx, dbq.PostGetForMemberParams{ID: id, UserID: auth.UserID(ctx)})
	if errors.Is(db.Classify(err), db.ErrNotFound) {
		return errNoPost
	}
	if err != nil {
		return err
	}
	if err := pending(row.Post); err != nil {
		return err
	}
	if row.Post.IntegrationID == nil {
		return errDisconnected
	}
	return errStale(version, row.Post.Version)
}

// ListPostActivity implements PostService.ListPostActivity.
func (s *Service) ListPostActivity(ctx context.Context, req *connect.Request[postv1.ListPostActivityRequest]) (*connect.Response[postv1.ListPostActivityResponse], error) {
	cur, _, err := s.get(ctx, req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	rows, err := s.q.PostActivityList(ctx, dbq.PostActivityListParams{PostID: cur.ID, Lim: activityShown})
	if err != nil {
		return nil, err
	}
	out := &postv1.ListPostActivityResponse{Activity: make([]*postv1.Activity, 0, len(rows))}
	for _, r := range rows {
		out.Activity = append(out.Activity, activityToProto(r))
	}
	return connect.NewResponse(out), nil
}
