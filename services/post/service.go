// Package post implements betterplan.post.v1.PostService: writing,
// scheduling and tracking posts. The posts table is the schedule; the
// publisher (services/publisher) claims due rows and records the outcome on
// them.
package post

import (
	"context"
	"errors"
	"log/slog"
	"math"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/betterplan/betterplan/db"
	"github.com/betterplan/betterplan/db/dbq"
	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
	"github.com/betterplan/betterplan/gen/betterplan/post/v1/postv1connect"
	"github.com/betterplan/betterplan/internal/apierr"
	"github.com/betterplan/betterplan/internal/auth"
	"github.com/betterplan/betterplan/internal/clock"
	"github.com/betterplan/betterplan/internal/ratelimit"
	"github.com/betterplan/betterplan/internal/xtext"
	"github.com/betterplan/betterplan/internal/xweb"
)

// Service implements PostService.
type Service struct {
	pool    *pgxpool.Pool
	q       *dbq.Queries
	now     clock.Clock
	log     *slog.Logger
	creates *ratelimit.Limit // CreatePost calls per user
	hub     *Hub             // WatchPosts' changes
	web     xweb.Site        // links to the parts on X
	origin  string           // the api's public origin, for media URLs
}

// New returns the PostService handler; creates limits CreatePost per user,
// hub feeds WatchPosts (see NewHub), web makes the links to X, origin is
// the api's public origin (APP_URL).
func New(pool *pgxpool.Pool, now clock.Clock, log *slog.Logger, creates *ratelimit.Limit, hub *Hub, web xweb.Site, origin string) *Service {
	return &Service{pool: pool, q: dbq.New(pool), now: now, log: log, creates: creates, hub: hub, web: web, origin: origin}
}

var _ postv1connect.PostServiceHandler = (*Service)(nil)

// get reads a post with the caller's role in its workspace; a post of a
// workspace the caller is not in is errNoPost, like one that does not exist.
func (s *Service) get(ctx context.Context, id string) (dbq.Post, dbq.WorkspaceRole, error) {
	if id == "" {
		return dbq.Post{}, "", apierr.Invalid("id", "is required")
	}
	row, err := s.q.PostGetForMember(ctx, dbq.PostGetForMemberParams{ID: id, UserID: auth.UserID(ctx)})
	if errors.Is(db.Classify(err), db.ErrNotFound) {
		return row.Post, "", errNoPost
	}
	return row.Post, row.Role, err
}

// reread explains a conditional update that matched no row: the post is
// gone, or its status changed in between (check says how), or, failing
// both, it changed in some other way and the caller should reload.
func (s *Service) reread(ctx context.Context, q *dbq.Queries, id string, check func(dbq.Post) error) error {
	row, err := q.PostGetForMember(ctx, dbq.PostGetForMemberParams{ID: id, UserID: auth.UserID(ctx)})
	if err != nil {
		if errors.Is(db.Classify(err), db.ErrNotFound) {
			return errNoPost
		}
		return err
	}
	now := row.Post
	if err := check(now); err != nil {
		return err
	}
	if now.IntegrationID == nil {
		return errDisconnected
	}
	return errState("the post changed while this request ran; reload it and try again")
}

// holdActive checks that the post's X account still exists and is active,
// and holds it until the transaction ends (see IntegrationHoldForPost), so a
// concurrent DeleteIntegration cannot leave the post scheduled without one.
func (s *Service) holdActive(ctx context.Context, q *dbq.Queries, p dbq.Post) error {
	if p.IntegrationID == nil {
		return errDisconnected
	}
	integ, err := q.IntegrationHoldForPost(ctx, dbq.IntegrationHoldForPostParams{ID: *p.IntegrationID, WorkspaceID: p.WorkspaceID})
	if errors.Is(db.Classify(err), db.ErrNotFound) {
		return errDisconnected
	}
	if err != nil {
		return err
	}
	return checkActive(integ)
}

// checkActive refuses to send with an X account that needs reconnecting.
func checkActive(integ dbq.Integration) error {
	if integ.Status != dbq.IntegrationStatusActive {
		return errReconnect(integ.Username, integ.StatusReason)
	}
	return nil
}

// ValidatePost implements PostService.ValidatePost.
func (s *Service) ValidatePost(ctx context.Context, req *connect.Request[postv1.ValidatePostRequest]) (*connect.Response[postv1.ValidatePostResponse], error) {
	r := xtext.Parse(req.Msg.GetText())
	ids := req.Msg.GetMediaIds()
	out := &postv1.ValidatePostResponse{
		WeightedLength:    int32(min(r.WeightedLength, math.MaxInt32)),
		MaxWeightedLength: xtext.MaxWeightedLength,
		Problems:          make([]*postv1.Problem, 0, len(r.Problems)),
	}
	for _, p := range r.Problems {
		if p.Code == xtext.CodeEmpty && len(ids) > 0 {
			continue // files alone make a post
		}
		out.Problems = append(out.Problems, &postv1.Problem{Code: p.Code, Message: p.Message})
	}
	problems, err := s.mediaProblems(ctx, ids)
	if err != nil {
		return nil, err
	}
	out.Problems = append(out.Problems, problems...)
	out.Valid = len(out.Problems) == 0
	return connect.NewResponse(out), nil
}
