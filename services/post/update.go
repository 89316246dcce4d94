package post

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"connectrpc.com/connect"

	"github.com/betterplan/betterplan/db"
	"github.com/betterplan/betterplan/db/dbq"
	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
	"github.com/betterplan/betterplan/internal/apierr"
	"github.com/betterplan/betterplan/internal/auth"
)

// UpdatePost implements PostService.UpdatePost.
func (s *Service) UpdatePost(ctx context.Context, req *connect.Request[postv1.UpdatePostRequest]) (*connect.Response[postv1.UpdatePostResponse], error) {
	msg := req.Msg
	if msg.GetId() == "" {
		return nil, apierr.Invalid("id", "is required")
	}
	if msg.GetVersion() < 1 {
		return nil, apierr.Invalid("version", "is required: the version of the post you read")
	}
	// Text and media are checked together once the post is read (a part
	// with media may have no text): here only what needs no post.
	var newParts []string
	switch v := msg.GetContent().(type) {
	case *postv1.UpdatePostRequest_Text:
		newParts = []string{v.Text}
	case *postv1.UpdatePostRequest_Thread:
		newParts = v.Thread.GetParts()
	}
	var err error
	now := s.now.Now()
	var (
		schedule bool // make it scheduled at `at`
		at       time.Time
		toDraft  bool
	)
	switch v := msg.GetWhen().(type) {
	case *postv1.UpdatePostRequest_ScheduledTime:
		if at, err = scheduleTime(v.ScheduledTime, now); err != nil {
			return nil, err
		}
		schedule = true
	case *postv1.UpdatePostRequest_Draft:
		if !v.Draft {
			return nil, apierr.Invalid("draft", "must be true to move the post back to draft (set scheduled_time to schedule it)")
		}
		toDraft = true
	}
	if msg.GetContent() == nil && msg.GetMedia() == nil && !schedule && !toDraft {
		return nil, apierr.Invalid("update", "changes nothing: set text or thread, media, and/or scheduled_time or draft")
	}

	cur, role, err := s.get(ctx, msg.GetId())
	if err != nil {
		return nil, err
	}
	if err := mayWrite(ctx, cur, role); err != nil {
		return nil, err
	}
	if err := editable(cur); err != nil {
		return nil, err
	}
	if cur.Version != msg.GetVersion() {
		return nil, errStale(msg.GetVersion(), cur.Version)
	}
	c, media, err := updatedContent(msg, cur, newParts)
	if err != nil {
		return nil, err
	}
	p := dbq.PostUpdateParams{
		ID: cur.ID, WorkspaceID: cur.WorkspaceID, Version: msg.GetVersion(), Now: now,
		Parts: cur.Parts, PartMedia: cur.PartMedia, IsThread: cur.IsThread, Status: cur.Status, KeepQueueSlot: !schedule && !toDraft,
		ScheduledAt: cur.ScheduledAt, DueAt: cur.DueAt, Attempts: cur.Attempts,
	}
	if err := s.keepsSentParts(cur, c, media); err != nil {
		return nil, err
	}
	p.Parts, p.IsThread, p.PartMedia = c.parts, c.thread, encodeMedia(media, len(c.parts))
	switch {
	case schedule && schedules(role):
		p.Status, p.ScheduledAt, p.DueAt, p.Attempts = dbq.PostStatusScheduled, &at, &at, 0
	case schedule:
		// A writer's time asks an editor; nothing is due until approved.
		p.Status, p.ScheduledAt, p.DueAt = dbq.PostStatusPendingApproval, &at, nil
	case toDraft:
		p.Status, p.ScheduledAt, p.DueAt = dbq.PostStatusDraft, nil, nil
	}
	kind := dbq.PostActivityKindEdited
	switch {
	case p.Status == dbq.PostStatusPendingApproval && cur.Status != dbq.PostStatusPendingApproval:
		kind = dbq.PostActivityKindSubmitted
	case p.Status == dbq.PostStatusScheduled && cur.Status != dbq.PostStatusScheduled:
		kind = dbq.PostActivityKindScheduled
	case p.Status == dbq.PostStatusDraft && cur.Status != dbq.PostStatusDraft:
		kind = dbq.PostActivityKindUnscheduled
	}

	var row dbq.Post
	err = db.InTx(ctx, s.pool, func(q *dbq.Queries) error {
		if p.Status == dbq.PostStatusScheduled {
			if err := s.holdActive(ctx, q, cur); err != nil {
				return err
			}
		}
		if err := holdMedia(ctx, q, cur.WorkspaceID, media); err != nil {
			return err
		}
		if schedule && cur.IntegrationID != nil {
			// A new time is a new chance for files X refused before.
			if err := q.MediaUploadForgetFailed(ctx, dbq.MediaUploadForgetFailedParams{IntegrationID: *cur.IntegrationID, Ids: mediaIDs(media)}); err != nil {
				return err
			}
		}
		row, err = q.PostUpdate(ctx, p)
		if errors.Is(db.Classify(err), db.ErrNotFound) {
			return s.whyNotUpdated(ctx, q, cur.ID, msg.GetVersion())
		}
		if err != nil {
			return err
		}
		return s.addActivity(db.Committing(ctx), q, row.ID, kind, "")
	})
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "post updated", "post_id", row.ID, "user_id", auth.UserID(ctx), "status", row.Status, "version", row.Version)
	out, err := s.full(ctx, row)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&postv1.UpdatePostResponse{Post: out}), nil
}

// whyNotUpdated explains a PostUpdate that matched no row.
func (s *Service) whyNotUpdated(ctx context.Context, q *dbq.Queries, id string, version int64) error {
	row, err := q.PostGetForMember(ctx, dbq.PostGetForMemberParams{ID: id, UserID: auth.UserID(ctx)})
	if err != nil {
		if errors.Is(db.Classify(err), db.ErrNotFound) {
			return errNoPost
		}
		return err
	}
	now := row.Post
	if err := editable(now); err != nil {
		return err
	}
	return errStale(version, now.Version)
}

// editable says why a post's status forbids editing it, or nil.
func editable(p dbq.Post) error {
	switch p.Status {
	case dbq.PostStatusDraft, dbq.PostStatusPendingApproval, dbq.PostStatusScheduled, dbq.PostStatusFailed:
		return nil
	case dbq.PostStatusPublishing:
		return errState("the post cannot be edited: it is being published right now")
	case dbq.PostStatusPublished:
		return errState("the post cannot be edited: it is already published on X")
	case dbq.PostStatusUnconfirmed:
		return errState("the post cannot be edited: it may already be on X and BetterPlan could not read X to find out; " +
			"use RetryPost to check X again (or, after checking X yourself, with force to send it again), or delete it")
	}
	return fmt.Errorf("post %s has unknown status %q", p.ID, p.Status)
}

// updatedContent is the post's text and media after the update: what the
// request sets, the rest as it was (media of parts a shorter thread lost
// go with them), checked together.
func updatedContent(msg *postv1.UpdatePostRequest, cur dbq.Post, newParts []string) (content, [][]string, error) {
	thread := cur.IsThread
	parts := cur.Parts
	switch msg.GetContent().(type) {
	case *postv1.UpdatePostRequest_Text:
		thread, parts = false, newParts
	case *postv1.UpdatePostRequest_Thread:
		thread, parts = true, newParts
	}
	media := resize(decodeMedia(cur.PartMedia), len(parts))
	if msg.GetMedia() != nil {
		var err error
		if media, err = readMedia(msg.GetMedia(), len(parts)); err != nil {
			return content{}, nil, err
		}
	}
	var (
		c   content
		err error
	)
	if thread {
		c, err = threadContent(parts, media)
	} else {
		c, err = singleContent(parts[0], media)
	}
	return c, media, err
}

// mediaIDs is every id in media.
func mediaIDs(media [][]string) []string {
	ids := []string{}
	for _, part := range media {
		ids = append(ids, part...)
	}
	return ids
}

// keepsSentParts refuses new content that changes parts already on X (a
// thread that failed part-way resumes after them), text or media.
func (s *Service) keepsSentParts(cur dbq.Post, c content, media [][]string) error {
	sent := len(cur.XPostIds)
	if sent == 0 {
		return nil
	}
	was := decodeMedia(cur.PartMedia)
	sameMedia := true
	for i := range sent {
		if !slices.Equal(partOf(media, i), partOf(was, i)) {
			sameMedia = false
		}
	}
	if !c.thread || len(c.parts) <= sent || !slices.Equal(c.parts[:sent], cur.Parts[:sent]) || !sameMedia {
		return errState(fmt.Sprintf(
			"the first %d part(s) of this thread are already on X (%s) and cannot be changed; "+
				"send a thread that keeps them as they are and changes only the parts after them",
			sent, s.web.Post(cur.XUsername, cur.XPostIds[sent-1])))
	}
	return nil
}

// partOf is part i's files (nil for none).
func partOf(media [][]string, i int) []string {
	if i < len(media) {
		return media[i]
	}
	return nil
}
