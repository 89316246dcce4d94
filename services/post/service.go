// Package post implements betterplan.post.v1.PostService: writing,
// scheduling and tracking posts. The posts table is the schedule; the
// publisher (services/publisher) claims due rows and records the outcome on
// them.
package post

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"time"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/oklog/ulid/v2"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/betterplan/betterplan/db"
	"github.com/betterplan/betterplan/db/dbq"
	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
	"github.com/betterplan/betterplan/gen/betterplan/post/v1/postv1connect"
	"github.com/betterplan/betterplan/internal/auth"
	"github.com/betterplan/betterplan/internal/clock"
	"github.com/betterplan/betterplan/internal/xtext"
)

const (
	defaultPageSize = 50
	maxPageSize     = 100
	// deleteAttempts bounds DeletePost's retries when the post's status
	// changes under it (for example a publish that just finished).
	deleteAttempts = 3
)

// Service implements PostService.
type Service struct {
	pool *pgxpool.Pool
	q    *dbq.Queries
	now  clock.Clock
	log  *slog.Logger
}

// New returns the PostService handler.
func New(pool *pgxpool.Pool, now clock.Clock, log *slog.Logger) *Service {
	return &Service{pool: pool, q: dbq.New(pool), now: now, log: log}
}

var _ postv1connect.PostServiceHandler = (*Service)(nil)

// CreatePost implements PostService.CreatePost.
func (s *Service) CreatePost(ctx context.Context, req *connect.Request[postv1.CreatePostRequest]) (*connect.Response[postv1.CreatePostResponse], error) {
	msg := req.Msg
	if msg.GetIntegrationId() == "" {
		return nil, invalid("integration_id", "is required: the X account to post with (ListIntegrations lists yours)")
	}
	var (
		c   content
		err error
	)
	switch v := msg.GetContent().(type) {
	case *postv1.CreatePostRequest_Text:
		c, err = singleContent(v.Text)
	case *postv1.CreatePostRequest_Thread:
		c, err = threadContent(v.Thread.GetParts())
	default:
		err = invalid("content", "is required: set text for a single post, or thread for a thread")
	}
	if err != nil {
		return nil, err
	}

	now := s.now()
	status := statusScheduled
	var at time.Time
	switch v := msg.GetWhen().(type) {
	case *postv1.CreatePostRequest_ScheduledTime:
		if at, err = scheduleTime(v.ScheduledTime, now); err != nil {
			return nil, err
		}
	case *postv1.CreatePostRequest_PublishNow:
		if !v.PublishNow {
			return nil, errNoWhen()
		}
		at = now
	case *postv1.CreatePostRequest_Draft:
		if !v.Draft {
			return nil, errNoWhen()
		}
		status = statusDraft
	default:
		return nil, errNoWhen()
	}

	params := dbq.PostCreateParams{
		ID: ulid.Make().String(), UserID: auth.UserID(ctx), IntegrationID: &msg.IntegrationId,
		Status: status, Parts: c.parts, IsThread: c.thread, Now: now,
	}
	if status == statusScheduled {
		params.ScheduledAt, params.DueAt = &at, &at
	}
	var row dbq.Post
	err = db.InTx(ctx, s.pool, func(q *dbq.Queries) error {
		integ, err := q.IntegrationHoldForPost(ctx, dbq.IntegrationHoldForPostParams{ID: msg.IntegrationId, UserID: params.UserID})
		if errors.Is(db.Classify(err), db.ErrNotFound) {
			return errNoIntegration
		}
		if err != nil {
			return err
		}
		if status != statusDraft {
			if err := checkActive(integ); err != nil {
				return err
			}
		}
		row, err = q.PostCreate(ctx, params)
		return err
	})
	if err != nil {
		return nil, s.toConnect(ctx, err)
	}
	s.log.InfoContext(ctx, "post created", "post_id", row.ID, "user_id", row.UserID, "status", row.Status, "parts", len(row.Parts))
	return connect.NewResponse(&postv1.CreatePostResponse{Post: postToProto(row)}), nil
}

// errNoWhen is a new error each time: a *connect.Error carries mutable metadata.
func errNoWhen() error {
	return invalid("when", "is required: choose scheduled_time, publish_now or draft")
}

// GetPost implements PostService.GetPost.
func (s *Service) GetPost(ctx context.Context, req *connect.Request[postv1.GetPostRequest]) (*connect.Response[postv1.GetPostResponse], error) {
	row, err := s.get(ctx, req.Msg.GetId())
	if err != nil {
		return nil, s.toConnect(ctx, err)
	}
	return connect.NewResponse(&postv1.GetPostResponse{Post: postToProto(row)}), nil
}

// ListPosts implements PostService.ListPosts.
func (s *Service) ListPosts(ctx context.Context, req *connect.Request[postv1.ListPostsRequest]) (*connect.Response[postv1.ListPostsResponse], error) {
	msg := req.Msg
	size := msg.GetPageSize()
	switch {
	case size == 0:
		size = defaultPageSize
	case size < 0 || size > maxPageSize:
		return nil, invalid("page_size", fmt.Sprintf("must be 1 to %d (or unset for %d)", maxPageSize, defaultPageSize))
	}
	f := listFilter{integrationID: msg.GetIntegrationId(), descending: msg.GetDescending()}
	for i, st := range msg.GetStatuses() {
		name, ok := statusFromProto(st)
		if !ok {
			return nil, invalid(fmt.Sprintf("statuses[%d]", i), fmt.Sprintf("is not a status (%v)", st))
		}
		f.statuses = append(f.statuses, name)
	}
	f.statuses = normalizeStatuses(f.statuses)
	var err error
	if f.after, err = optionalTime("scheduled_after", msg.GetScheduledAfter()); err != nil {
		return nil, err
	}
	if f.before, err = optionalTime("scheduled_before", msg.GetScheduledBefore()); err != nil {
		return nil, err
	}
	if f.after != nil && f.before != nil && !f.after.Before(*f.before) {
		return nil, invalid("scheduled_after", "must be before scheduled_before")
	}
	var cur cursor
	hasCursor := msg.GetPageToken() != ""
	if hasCursor {
		if cur, err = decodeToken(msg.GetPageToken(), f); err != nil {
			return nil, err
		}
	}

	var integ *string
	if f.integrationID != "" {
		integ = &f.integrationID
	}
	statuses := f.statuses
	if statuses == nil {
		statuses = []string{} // cardinality(NULL) is NULL, not 0
	}
	p := dbq.PostListAscParams{
		UserID: auth.UserID(ctx), Statuses: statuses, IntegrationID: integ, After: f.after, Before: f.before,
		HasCursor: hasCursor, CursorDraft: cur.Draft, CursorAt: time.UnixMicro(cur.At), CursorID: cur.ID,
		Lim: size + 1, // one more tells whether there is a next page
	}
	var rows []dbq.Post
	if f.descending {
		rows, err = s.q.PostListDesc(ctx, dbq.PostListDescParams(p))
	} else {
		rows, err = s.q.PostListAsc(ctx, p)
	}
	if err != nil {
		return nil, s.toConnect(ctx, err)
	}
	out := &postv1.ListPostsResponse{}
	if len(rows) > int(size) {
		rows = rows[:size]
		last := rows[len(rows)-1]
		next := cursor{ID: last.ID, Filter: f.hash(), Draft: last.ScheduledAt == nil}
		if last.ScheduledAt != nil {
			next.At = last.ScheduledAt.UnixMicro()
		}
		out.NextPageToken = encodeToken(next)
	}
	out.Posts = make([]*postv1.Post, 0, len(rows))
	for _, r := range rows {
		out.Posts = append(out.Posts, postToProto(r))
	}
	return connect.NewResponse(out), nil
}

// UpdatePost implements PostService.UpdatePost.
func (s *Service) UpdatePost(ctx context.Context, req *connect.Request[postv1.UpdatePostRequest]) (*connect.Response[postv1.UpdatePostResponse], error) {
	msg := req.Msg
	if msg.GetId() == "" {
		return nil, invalid("id", "is required")
	}
	if msg.GetVersion() < 1 {
		return nil, invalid("version", "is required: the version of the post you read")
	}
	var (
		c   *content
		err error
	)
	switch v := msg.GetContent().(type) {
	case *postv1.UpdatePostRequest_Text:
		var one content
		one, err = singleContent(v.Text)
		c = &one
	case *postv1.UpdatePostRequest_Thread:
		var th content
		th, err = threadContent(v.Thread.GetParts())
		c = &th
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
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
			return nil, invalid("draft", "must be true to move the post back to draft (set scheduled_time to schedule it)")
		}
		toDraft = true
	}
	if c == nil && !schedule && !toDraft {
		return nil, invalid("update", "changes nothing: set text or thread, and/or scheduled_time or draft")
	}

	cur, err := s.get(ctx, msg.GetId())
	if err != nil {
		return nil, s.toConnect(ctx, err)
	}
	if err := editable(cur); err != nil {
		return nil, s.toConnect(ctx, err)
	}
	if cur.Version != msg.GetVersion() {
		return nil, s.toConnect(ctx, &staleError{read: msg.GetVersion(), now: cur.Version})
	}
	p := dbq.PostUpdateParams{
		ID: cur.ID, UserID: cur.UserID, Version: msg.GetVersion(), Now: now,
		Parts: cur.Parts, IsThread: cur.IsThread, Status: cur.Status,
		ScheduledAt: cur.ScheduledAt, DueAt: cur.DueAt, Attempts: cur.Attempts,
	}
	if c != nil {
		if err := keepsSentParts(cur, *c); err != nil {
			return nil, s.toConnect(ctx, err)
		}
		p.Parts, p.IsThread = c.parts, c.thread
	}
	switch {
	case schedule:
		p.Status, p.ScheduledAt, p.DueAt, p.Attempts = statusScheduled, &at, &at, 0
	case toDraft:
		p.Status, p.ScheduledAt, p.DueAt = statusDraft, nil, nil
	}

	var row dbq.Post
	err = db.InTx(ctx, s.pool, func(q *dbq.Queries) error {
		if schedule {
			if err := s.holdActive(ctx, q, cur); err != nil {
				return err
			}
		}
		row, err = q.PostUpdate(ctx, p)
		if errors.Is(db.Classify(err), db.ErrNotFound) {
			return s.whyNotUpdated(ctx, q, cur.ID, msg.GetVersion())
		}
		return err
	})
	if err != nil {
		return nil, s.toConnect(ctx, err)
	}
	s.log.InfoContext(ctx, "post updated", "post_id", row.ID, "user_id", row.UserID, "status", row.Status, "version", row.Version)
	return connect.NewResponse(&postv1.UpdatePostResponse{Post: postToProto(row)}), nil
}

// whyNotUpdated explains a PostUpdate that matched no row.
func (s *Service) whyNotUpdated(ctx context.Context, q *dbq.Queries, id string, version int64) error {
	now, err := q.PostGet(ctx, dbq.PostGetParams{ID: id, UserID: auth.UserID(ctx)})
	if err != nil {
		if errors.Is(db.Classify(err), db.ErrNotFound) {
			return errNoPost
		}
		return err
	}
	if err := editable(now); err != nil {
		return err
	}
	return &staleError{read: version, now: now.Version}
}

// editable says why a post's status forbids editing it, or nil.
func editable(p dbq.Post) error {
	switch p.Status {
	case statusDraft, statusScheduled, statusFailed:
		return nil
	case statusPublishing:
		return &statusError{"the post cannot be edited: it is being published right now"}
	case statusPublished:
		return &statusError{"the post cannot be edited: it is already published on X"}
	case statusUnconfirmed:
		return &statusError{"the post cannot be edited: it may already be on X (the connection to X broke while sending it); " +
			"check X, then retry it with force or delete it"}
	}
	return fmt.Errorf("post %s has unknown status %q", p.ID, p.Status)
}

// keepsSentParts refuses new content that changes parts already on X (a
// thread that failed part-way resumes after them).
func keepsSentParts(cur dbq.Post, c content) error {
	sent := len(cur.XPostIds)
	if sent == 0 {
		return nil
	}
	if !c.thread || len(c.parts) <= sent || !slices.Equal(c.parts[:sent], cur.Parts[:sent]) {
		return &statusError{fmt.Sprintf(
			"the first %d part(s) of this thread are already on X (%s) and cannot be changed; "+
				"send a thread that keeps them as they are and changes only the parts after them",
			sent, postURL(cur.XUsername, cur.XPostIds[sent-1]))}
	}
	return nil
}

// DeletePost implements PostService.DeletePost.
func (s *Service) DeletePost(ctx context.Context, req *connect.Request[postv1.DeletePostRequest]) (*connect.Response[postv1.DeletePostResponse], error) {
	id := req.Msg.GetId()
	if id == "" {
		return nil, invalid("id", "is required")
	}
	userID := auth.UserID(ctx)
	for range deleteAttempts {
		_, err := s.q.PostDelete(ctx, dbq.PostDeleteParams{ID: id, UserID: userID})
		if err == nil {
			s.log.InfoContext(ctx, "post deleted", "post_id", id, "user_id", userID)
			return connect.NewResponse(&postv1.DeletePostResponse{}), nil
		}
		if !errors.Is(db.Classify(err), db.ErrNotFound) {
			return nil, s.toConnect(ctx, err)
		}
		cur, err := s.get(ctx, id)
		if err != nil {
			return nil, s.toConnect(ctx, err)
		}
		if cur.Status == statusPublishing {
			return nil, s.toConnect(ctx, &statusError{"the post cannot be deleted: it is being published right now; try again in a moment"})
		}
		// It was publishing a moment ago and no longer is: delete it now.
	}
	return nil, s.toConnect(ctx, &statusError{"the post cannot be deleted: it is being published right now; try again in a moment"})
}

// PublishPost implements PostService.PublishPost.
func (s *Service) PublishPost(ctx context.Context, req *connect.Request[postv1.PublishPostRequest]) (*connect.Response[postv1.PublishPostResponse], error) {
	cur, err := s.get(ctx, req.Msg.GetId())
	if err != nil {
		return nil, s.toConnect(ctx, err)
	}
	if err := publishable(cur); err != nil {
		return nil, s.toConnect(ctx, err)
	}
	var row dbq.Post
	err = db.InTx(ctx, s.pool, func(q *dbq.Queries) error {
		if err := s.holdActive(ctx, q, cur); err != nil {
			return err
		}
		row, err = q.PostPublishNow(ctx, dbq.PostPublishNowParams{ID: cur.ID, UserID: cur.UserID, Now: s.now()})
		if errors.Is(db.Classify(err), db.ErrNotFound) {
			return s.reread(ctx, q, cur.ID, publishable)
		}
		return err
	})
	if err != nil {
		return nil, s.toConnect(ctx, err)
	}
	s.log.InfoContext(ctx, "post to publish now", "post_id", row.ID, "user_id", row.UserID)
	return connect.NewResponse(&postv1.PublishPostResponse{Post: postToProto(row)}), nil
}

// publishable says why PublishPost cannot publish a post, or nil.
func publishable(p dbq.Post) error {
	switch p.Status {
	case statusDraft, statusScheduled:
		return nil
	case statusPublishing:
		return &statusError{"the post is being published right now"}
	case statusPublished:
		return &statusError{"the post is already published on X"}
	case statusFailed:
		return &statusError{"the post failed; use RetryPost to try again"}
	case statusUnconfirmed:
		return &statusError{"the post may already be on X (the connection to X broke while sending it); " +
			"check X, then use RetryPost with force to send it again"}
	}
	return fmt.Errorf("post %s has unknown status %q", p.ID, p.Status)
}

// RetryPost implements PostService.RetryPost.
func (s *Service) RetryPost(ctx context.Context, req *connect.Request[postv1.RetryPostRequest]) (*connect.Response[postv1.RetryPostResponse], error) {
	force := req.Msg.GetForce()
	check := func(p dbq.Post) error { return retryable(p, force) }
	cur, err := s.get(ctx, req.Msg.GetId())
	if err != nil {
		return nil, s.toConnect(ctx, err)
	}
	if err := check(cur); err != nil {
		return nil, s.toConnect(ctx, err)
	}
	var row dbq.Post
	err = db.InTx(ctx, s.pool, func(q *dbq.Queries) error {
		if err := s.holdActive(ctx, q, cur); err != nil {
			return err
		}
		row, err = q.PostRetry(ctx, dbq.PostRetryParams{ID: cur.ID, UserID: cur.UserID, Now: s.now(), Force: force})
		if errors.Is(db.Classify(err), db.ErrNotFound) {
			return s.reread(ctx, q, cur.ID, check)
		}
		return err
	})
	if err != nil {
		return nil, s.toConnect(ctx, err)
	}
	s.log.InfoContext(ctx, "post retried", "post_id", row.ID, "user_id", row.UserID, "was", cur.Status, "force", force)
	return connect.NewResponse(&postv1.RetryPostResponse{Post: postToProto(row)}), nil
}

// retryable says why RetryPost cannot retry a post, or nil.
func retryable(p dbq.Post, force bool) error {
	switch p.Status {
	case statusFailed:
		return nil
	case statusUnconfirmed:
		if force {
			return nil
		}
		part := ""
		if p.InFlightPart != nil && p.IsThread {
			part = fmt.Sprintf(" part %d of", *p.InFlightPart+1)
		}
		where := "X"
		if p.XUsername != "" {
			where = "https://x.com/" + p.XUsername
		}
		return &statusError{fmt.Sprintf("the post may already be on X: the connection to X broke while%s it was being sent. "+
			"Check %s; if it is not there, retry with force to send it again", part, where)}
	case statusDraft, statusScheduled:
		return &statusError{"only a failed post can be retried; use PublishPost to publish this one now"}
	case statusPublishing:
		return &statusError{"the post is being published right now"}
	case statusPublished:
		return &statusError{"the post is already published on X"}
	}
	return fmt.Errorf("post %s has unknown status %q", p.ID, p.Status)
}

// ValidatePost implements PostService.ValidatePost.
func (s *Service) ValidatePost(_ context.Context, req *connect.Request[postv1.ValidatePostRequest]) (*connect.Response[postv1.ValidatePostResponse], error) {
	r := xtext.Parse(req.Msg.GetText())
	out := &postv1.ValidatePostResponse{
		WeightedLength:    int32(min(r.WeightedLength, math.MaxInt32)),
		MaxWeightedLength: xtext.MaxWeightedLength,
		Valid:             r.Valid,
		Problems:          make([]*postv1.Problem, 0, len(r.Problems)),
	}
	for _, p := range r.Problems {
		out.Problems = append(out.Problems, &postv1.Problem{Code: p.Code, Message: p.Message})
	}
	return connect.NewResponse(out), nil
}

// optionalTime reads an optional timestamp field.
func optionalTime(field string, ts *timestamppb.Timestamp) (*time.Time, error) {
	if ts == nil {
		return nil, nil
	}
	if err := ts.CheckValid(); err != nil {
		return nil, invalid(field, "is not a valid timestamp")
	}
	t := ts.AsTime()
	return &t, nil
}

// get reads one of the caller's posts.
func (s *Service) get(ctx context.Context, id string) (dbq.Post, error) {
	if id == "" {
		return dbq.Post{}, invalid("id", "is required")
	}
	row, err := s.q.PostGet(ctx, dbq.PostGetParams{ID: id, UserID: auth.UserID(ctx)})
	if errors.Is(db.Classify(err), db.ErrNotFound) {
		return row, errNoPost
	}
	return row, err
}

// reread explains a conditional update that matched no row: the post is
// gone, or its status changed in between (check says how), or, failing
// both, it changed in some other way and the caller should reload.
func (s *Service) reread(ctx context.Context, q *dbq.Queries, id string, check func(dbq.Post) error) error {
	now, err := q.PostGet(ctx, dbq.PostGetParams{ID: id, UserID: auth.UserID(ctx)})
	if err != nil {
		if errors.Is(db.Classify(err), db.ErrNotFound) {
			return errNoPost
		}
		return err
	}
	if err := check(now); err != nil {
		return err
	}
	if now.IntegrationID == nil {
		return errDisconnected
	}
	return &statusError{"the post changed while this request ran; reload it and try again"}
}

// holdActive checks that the post's X account still exists and is active,
// and holds it until the transaction ends (see IntegrationHoldForPost), so a
// concurrent DeleteIntegration cannot leave the post scheduled without one.
func (s *Service) holdActive(ctx context.Context, q *dbq.Queries, p dbq.Post) error {
	if p.IntegrationID == nil {
		return errDisconnected
	}
	integ, err := q.IntegrationHoldForPost(ctx, dbq.IntegrationHoldForPostParams{ID: *p.IntegrationID, UserID: p.UserID})
	if errors.Is(db.Classify(err), db.ErrNotFound) {
		return errDisconnected
	}
	if err != nil {
		return err
	}
	return checkActive(integ)
}

// checkActive refuses to send with an X account that needs reconnecting.
func checkActive(integ dbq.IntegrationHoldForPostRow) error {
	if integ.Status != "active" {
		return &reconnectError{username: integ.Username, reason: integ.StatusReason}
	}
	return nil
}
