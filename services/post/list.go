package post

import (
	"context"
	"fmt"
	"time"

	"github.com/betterplan/betterplan/internal/access"
	"github.com/betterplan/betterplan/internal/apierr"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/betterplan/betterplan/db/dbq"
	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
	"github.com/betterplan/betterplan/internal/auth"
)

const (
	defaultPageSize = 50
	maxPageSize     = 100
)

// GetPost implements PostService.GetPost.
func (s *Service) GetPost(ctx context.Context, req *connect.Request[postv1.GetPostRequest]) (*connect.Response[postv1.GetPostResponse], error) {
	row, _, err := s.get(ctx, req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	out, err := s.full(ctx, row)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&postv1.GetPostResponse{Post: out}), nil
}

// ListPosts implements PostService.ListPosts.
func (s *Service) ListPosts(ctx context.Context, req *connect.Request[postv1.ListPostsRequest]) (*connect.Response[postv1.ListPostsResponse], error) {
	msg := req.Msg
	if msg.GetWorkspaceId() == "" {
		return nil, access.ErrNoWorkspaceID()
	}
	size := msg.GetPageSize()
	switch {
	case size == 0:
		size = defaultPageSize
	case size < 0 || size > maxPageSize:
		return nil, apierr.Invalid("page_size", fmt.Sprintf("must be 1 to %d (or unset for %d)", maxPageSize, defaultPageSize))
	}
	f := listFilter{integrationID: msg.GetIntegrationId(), descending: msg.GetDescending()}
	for i, st := range msg.GetStatuses() {
		name, ok := statusFromProto(st)
		if !ok {
			return nil, apierr.Invalid(fmt.Sprintf("statuses[%d]", i), fmt.Sprintf("is not a status (%v)", st))
		}
		f.statuses = append(f.statuses, string(name))
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
		return nil, apierr.Invalid("scheduled_after", "must be before scheduled_before")
	}
	var cur cursor
	hasCursor := msg.GetPageToken() != ""
	if hasCursor {
		if cur, err = decodeToken(msg.GetPageToken(), f); err != nil {
			return nil, err
		}
	}

	// One more than a page tells whether there is a next page.
	rows, err := s.page(ctx, msg.GetWorkspaceId(), auth.UserID(ctx), f, hasCursor, cur, size+1)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		// The page queries return nothing to a non-member: tell them apart
		// from an empty list.
		if _, err := access.Role(ctx, s.q, msg.GetWorkspaceId(), auth.UserID(ctx)); err != nil {
			return nil, err
		}
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
		out.Posts = append(out.Posts, s.postToProto(r))
	}
	if err := s.withMedia(ctx, msg.GetWorkspaceId(), out.Posts...); err != nil {
		return nil, err
	}
	return connect.NewResponse(out), nil
}

// optionalTime reads an optional timestamp field.
func optionalTime(field string, ts *timestamppb.Timestamp) (*time.Time, error) {
	if ts == nil {
		return nil, nil
	}
	if err := ts.CheckValid(); err != nil {
		return nil, apierr.Invalid(field, "is not a valid timestamp")
	}
	t := ts.AsTime()
	return &t, nil
}

// Keys beyond any scheduled time, for the open ends of a window.
var (
	beforeAll = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	afterAll  = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
)

// page reads up to lim posts after the cursor in the listing order, none
// unless userID is a member of the workspace:
// scheduled posts by (scheduled_at, id) within the filter's window, then
// (without a window) drafts by id. Each part is a walk of the sort index
// between two keys, so a page costs a page whatever the table's
// statistics say (migration 00017).
func (s *Service) page(ctx context.Context, workspaceID, userID string, f listFilter, hasCursor bool, cur cursor, lim int32) ([]dbq.Post, error) {
	var integ *string
	if f.integrationID != "" {
		integ = &f.integrationID
	}
	statuses := f.statuses
	if statuses == nil {
		statuses = []string{} // cardinality(NULL) is NULL, not 0
	}
	// The window: scheduled_at in [after, before), as (scheduled_at, id) keys.
	lo, loID, hi, hiID := beforeAll, "", afterAll, ""
	if f.after != nil {
		lo = f.after.Add(-time.Microsecond) // > (after − 1 µs, "~") is ≥ after
		loID = "~"
	}
	if f.before != nil {
		hi = *f.before // < (before, "") is < before
	}
	drafts := f.after == nil && f.before == nil
	rows := make([]dbq.Post, 0, lim) // both parts read into one page-sized slice
	var err error
	if !cur.Draft || !hasCursor {
		if f.descending {
			if hasCursor {
				hi, hiID = time.UnixMicro(cur.At), cur.ID
			}
			rows, err = s.q.AppendPostPageDesc(ctx, rows, dbq.PostPageDescParams{WorkspaceID: workspaceID, Statuses: statuses, IntegrationID: integ,
				FromAt: lo, FromID: loID, ToAt: hi, ToID: hiID, Lim: lim, UserID: userID})
		} else {
			if hasCursor {
				lo, loID = time.UnixMicro(cur.At), cur.ID
			}
			rows, err = s.q.AppendPostPageAsc(ctx, rows, dbq.PostPageAscParams{WorkspaceID: workspaceID, Statuses: statuses, IntegrationID: integ,
				FromAt: lo, FromID: loID, ToAt: hi, ToID: hiID, Lim: lim, UserID: userID})
		}
		if err != nil || !drafts || int32(len(rows)) == lim {
			return rows, err
		}
	}
	// Drafts: after the scheduled posts, or from the cursor among them.
	left := lim - int32(len(rows))
	if f.descending {
		from := "~" // after every ULID
		if hasCursor && cur.Draft {
			from = cur.ID
		}
		return s.q.AppendPostDraftsDesc(ctx, rows, dbq.PostDraftsDescParams{WorkspaceID: workspaceID, Statuses: statuses, IntegrationID: integ, BeforeID: from, Lim: left, UserID: userID})
	}
	from := ""
	if hasCursor && cur.Draft {
		from = cur.ID
	}
	return s.q.AppendPostDraftsAsc(ctx, rows, dbq.PostDraftsAscParams{WorkspaceID: workspaceID, Statuses: statuses, IntegrationID: integ, AfterID: from, Lim: left, UserID: userID})
}
