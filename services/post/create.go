package post

import (
	"context"
	"errors"
	"time"

	"connectrpc.com/connect"
	"github.com/oklog/ulid/v2"

	"github.com/betterplan/betterplan/db"
	"github.com/betterplan/betterplan/db/dbq"
	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
	"github.com/betterplan/betterplan/internal/access"
	"github.com/betterplan/betterplan/internal/apierr"
	"github.com/betterplan/betterplan/internal/auth"
)

// CreatePost implements PostService.CreatePost.
func (s *Service) CreatePost(ctx context.Context, req *connect.Request[postv1.CreatePostRequest]) (*connect.Response[postv1.CreatePostResponse], error) {
	msg := req.Msg
	if msg.GetIntegrationId() == "" {
		return nil, apierr.Invalid("integration_id", "is required: the X account to post with (ListIntegrations lists yours)")
	}
	var (
		c     content
		media [][]string
		err   error
	)
	switch v := msg.GetContent().(type) {
	case *postv1.CreatePostRequest_Text:
		if media, err = readMedia(msg.GetMedia(), 1); err == nil {
			c, err = singleContent(v.Text, media)
		}
	case *postv1.CreatePostRequest_Thread:
		if media, err = readMedia(msg.GetMedia(), len(v.Thread.GetParts())); err == nil {
			c, err = threadContent(v.Thread.GetParts(), media)
		}
	default:
		err = apierr.Invalid("content", "is required: set text for a single post, or thread for a thread")
	}
	if err != nil {
		return nil, err
	}

	now := s.now.Now()
	var (
		at         time.Time
		draft      bool
		publishNow bool // due now by the database's clock
		toQueue    bool // a draft that takes the next free slot at once
	)
	switch v := msg.GetWhen().(type) {
	case *postv1.CreatePostRequest_ScheduledTime:
		if at, err = scheduleTime(v.ScheduledTime, now); err != nil {
			return nil, err
		}
	case *postv1.CreatePostRequest_PublishNow:
		if !v.PublishNow {
			return nil, errNoWhen()
		}
		publishNow = true
	case *postv1.CreatePostRequest_Draft:
		if !v.Draft {
			return nil, errNoWhen()
		}
		draft = true
	case *postv1.CreatePostRequest_AddToQueue:
		if !v.AddToQueue {
			return nil, errNoWhen()
		}
		draft, toQueue = true, true
	default:
		return nil, errNoWhen()
	}

	me := auth.UserID(ctx)
	// After the cheap checks, so a mistyped request costs no count.
	if err := s.creates.Enforce(ctx, me); err != nil {
		return nil, err
	}
	// The X account decides the workspace, and the caller's role in it what
	// they may do: read and held in the transaction that writes the post.
	var row dbq.Post
	err = db.InTx(ctx, s.pool, func(q *dbq.Queries) error {
		integ, err := q.IntegrationHoldForMember(ctx, dbq.IntegrationHoldForMemberParams{ID: msg.GetIntegrationId(), UserID: me})
		if errors.Is(db.Classify(err), db.ErrNotFound) {
			return errNoIntegration
		}
		if err != nil {
			return err
		}
		status, err := createStatus(integ.Role, draft, toQueue, publishNow)
		if err != nil {
			return err
		}
		if status == dbq.PostStatusScheduled {
			if err := checkActive(integ.Integration); err != nil {
				return err
			}
		}
		params := dbq.PostCreateParams{
			ID: ulid.Make().String(), WorkspaceID: integ.Integration.WorkspaceID, AuthorID: &me, IntegrationID: &msg.IntegrationId,
			Status: status, Parts: c.parts, PartMedia: encodeMedia(media, len(c.parts)), IsThread: c.thread, Now: s.now.DB(), PublishNow: publishNow,
		}
		switch {
		case status == dbq.PostStatusScheduled && !publishNow:
			params.ScheduledAt, params.DueAt = &at, &at
		case status == dbq.PostStatusPendingApproval:
			params.ScheduledAt = &at // the time asked for; due once approved
		}
		if err := holdMedia(ctx, q, params.WorkspaceID, media); err != nil {
			return err
		}
		pctx := ctx
		if !toQueue {
			pctx = db.Committing(ctx) // the last statement: COMMIT rides along
		}
		created, err := q.PostCreate(pctx, params) // and its activity
		if err != nil {
			return err
		}
		row = dbq.Post(created)
		if toQueue {
			if row, _, _, err = NewQueue(s).enqueue(ctx, q, row.ID, s.now.Now()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "post created", "post_id", row.ID, "workspace_id", row.WorkspaceID, "user_id", me, "status", row.Status, "parts", len(row.Parts))
	out, err := s.full(ctx, row)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&postv1.CreatePostResponse{Post: out}), nil
}

// createStatus is the status a new post starts in, by what was asked and
// the caller's role.
func createStatus(role dbq.WorkspaceRole, draft, toQueue, publishNow bool) (dbq.PostStatus, error) {
	if err := access.Require(role, dbq.WorkspaceRoleWriter, "writing posts"); err != nil {
		return "", err
	}
	switch {
	case toQueue && !schedules(role):
		return "", apierr.New(connect.CodePermissionDenied,
			access.Require(role, dbq.WorkspaceRoleEditor, "adding posts to the queue").Error()+"; give the post a time to submit it for approval")
	case draft:
		return dbq.PostStatusDraft, nil
	case publishNow && !schedules(role):
		return "", apierr.New(connect.CodePermissionDenied,
			access.Require(role, dbq.WorkspaceRoleEditor, "publishing").Error()+"; give the post a time to submit it for approval")
	case !schedules(role):
		return dbq.PostStatusPendingApproval, nil // a writer's time asks an editor
	}
	return dbq.PostStatusScheduled, nil
}

// errNoWhen is a new error each time: a *connect.Error carries mutable metadata.
func errNoWhen() error {
	return apierr.Invalid("when", "is required: choose scheduled_time, publish_now, draft or add_to_queue")
}
