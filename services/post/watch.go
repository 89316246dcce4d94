package post

import (
	"context"
	"errors"
	"fmt"
	"time"

	"connectrpc.com/connect"

	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
	"github.com/betterplan/betterplan/internal/access"
	"github.com/betterplan/betterplan/internal/apierr"
	"github.com/betterplan/betterplan/internal/auth"
	"github.com/betterplan/betterplan/internal/httpstream"
)

// Stream timing (see WatchPosts in post.proto). sendTimeout is longer than
// the longest pause between messages, the heartbeat.
const (
	sendTimeout  = 45 * time.Second
	readyTimeout = 15 * time.Second
)

var (
	errShuttingDown = apierr.New(connect.CodeUnavailable, "the server is shutting down; reconnect (you will get ready again)")
	errNotListening = apierr.New(connect.CodeUnavailable, "live updates are unavailable right now (the server cannot reach its database); reconnect in a few seconds")
)

func errFellBehind(n int) error {
	return apierr.New(connect.CodeResourceExhausted, fmt.Sprintf(
		"this stream fell more than %d changes behind (the client reads too slowly); reconnect and reload", n))
}

// WatchPosts implements PostService.WatchPosts.
func (s *Service) WatchPosts(ctx context.Context, req *connect.Request[postv1.WatchPostsRequest], stream *connect.ServerStream[postv1.WatchPostsResponse]) error {
	if s.hub == nil {
		return errNotListening
	}
	workspaceID := req.Msg.GetWorkspaceId()
	if _, err := access.Role(ctx, s.q, workspaceID, auth.UserID(ctx)); err != nil {
		return err
	}
	sub, err := s.hub.Subscribe(workspaceID, auth.UserID(ctx))
	if err != nil {
		return err
	}
	defer sub.Close()

	heartbeat := s.hub.opts.Heartbeat
	tick := time.NewTimer(readyTimeout) // until ready: how long to wait for it
	defer tick.Stop()
	ready := false
	send := func(m *postv1.WatchPostsResponse) error {
		httpstream.BoundWrite(ctx, sendTimeout)
		tick.Reset(heartbeat)
		return stream.Send(m)
	}
	for {
		select {
		case <-ctx.Done():
			if httpstream.ShuttingDown(ctx) {
				return errShuttingDown
			}
			return nil // the client left; nobody to tell
		case <-tick.C:
			if !ready {
				return errNotListening
			}
			if err := send(&postv1.WatchPostsResponse{Event: &postv1.WatchPostsResponse_Heartbeat{Heartbeat: true}}); err != nil {
				return s.sendFailed(ctx, err)
			}
		case <-sub.Wake():
			b := sub.Take()
			if b.Dropped {
				return errFellBehind(s.hub.opts.MaxPending)
			}
			if b.Ready {
				ready = true
				if err := send(&postv1.WatchPostsResponse{Event: &postv1.WatchPostsResponse_Ready{Ready: true}}); err != nil {
					return s.sendFailed(ctx, err)
				}
			}
			if !ready {
				continue // changes heard before this stream's ready are covered by its reload
			}
			for _, id := range b.PostIDs {
				m, err := s.change(ctx, workspaceID, id)
				if err != nil {
					if ctx.Err() != nil {
						break // the select above says why
					}
					return err
				}
				if err := send(m); err != nil {
					return s.sendFailed(ctx, err)
				}
			}
		}
	}
}

// change reads a changed post with the caller's own query: the post, or its
// id when it is gone.
func (s *Service) change(ctx context.Context, workspaceID, id string) (*postv1.WatchPostsResponse, error) {
	row, _, err := s.get(ctx, id)
	if errors.Is(err, errNoPost) {
		// Gone, or the caller is no longer a member: then the stream ends.
		if _, err := access.Role(ctx, s.q, workspaceID, auth.UserID(ctx)); err != nil {
			return nil, err
		}
		return &postv1.WatchPostsResponse{Event: &postv1.WatchPostsResponse_DeletedPostId{DeletedPostId: id}}, nil
	}
	if err != nil {
		return nil, err
	}
	out, err := s.full(ctx, row)
	if err != nil {
		return nil, err
	}
	return &postv1.WatchPostsResponse{Event: &postv1.WatchPostsResponse_Post{Post: out}}, nil
}

// sendFailed is the stream's end after a failed send: the client is gone
// or stopped reading (the write deadline passed); nothing more reaches it.
func (s *Service) sendFailed(ctx context.Context, err error) error {
	if httpstream.ShuttingDown(ctx) {
		return errShuttingDown
	}
	if ctx.Err() == nil {
		s.log.InfoContext(ctx, "WatchPosts: dropping a stream that could not be written", "err", err)
	}
	return nil
}
