package post

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"connectrpc.com/connect"

	"github.com/betterplan/betterplan/db"
)

// Errors of the post service; toConnect gives each its code.
var (
	// errNoPost is an unknown post, or another user's (which must look the same).
	errNoPost = errors.New("no such post")
	// errNoIntegration is an unknown X account, or another user's.
	errNoIntegration = errors.New("integration_id: no such X account; ListIntegrations lists the ones you connected")
	// errDisconnected is a post whose X account was disconnected (its
	// integration_id is gone), so it can no longer be sent.
	errDisconnected = errors.New("this post's X account was disconnected from BetterPlan, so it cannot be sent; " +
		"create a new post for a connected X account")
)

// reconnectError is an X account that needs reconnecting before anything
// can be sent with it.
type reconnectError struct{ username, reason string }

func (e *reconnectError) Error() string {
	msg := fmt.Sprintf("reconnect your X account @%s first", e.username)
	if e.reason != "" {
		msg += " (" + strings.TrimSuffix(e.reason, ".") + ")"
	}
	return msg
}

// statusError is an action the post's current status does not allow.
type statusError struct{ msg string }

func (e *statusError) Error() string { return e.msg }

// staleError is an UpdatePost with a version older than the post's.
type staleError struct{ read, now int64 }

func (e *staleError) Error() string {
	return fmt.Sprintf("the post changed since you read it (version %d, now %d); reload and try again", e.read, e.now)
}

// invalid is an invalid_argument error that names the field.
func invalid(field, problem string) error {
	return connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("%s %s", field, problem))
}

// invalidAt is an invalid_argument error for a problem given as sentences:
// "field: problem".
func invalidAt(field, problem string) error {
	return connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("%s: %s", field, problem))
}

// toConnect is this service's one mapping from errors to Connect codes.
// Anything unexpected is logged with its cause and goes out as a generic
// internal error, never as a raw database message.
func (s *Service) toConnect(ctx context.Context, err error) error {
	var (
		cerr  *connect.Error
		recon *reconnectError
		state *statusError
		stale *staleError
	)
	switch {
	case errors.As(err, &cerr):
		return cerr
	case errors.Is(err, errNoPost), errors.Is(err, errNoIntegration):
		return connect.NewError(connect.CodeNotFound, err)
	case errors.Is(err, errDisconnected), errors.As(err, &recon), errors.As(err, &state):
		return connect.NewError(connect.CodeFailedPrecondition, err)
	case errors.As(err, &stale):
		return connect.NewError(connect.CodeAborted, err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return connect.NewError(connect.CodeDeadlineExceeded, errors.New("the request was cancelled or timed out"))
	}
	if errors.Is(db.Classify(err), db.ErrNotFound) {
		return connect.NewError(connect.CodeNotFound, errNoPost)
	}
	s.log.ErrorContext(ctx, "post service: internal error", "err", err)
	return connect.NewError(connect.CodeInternal, errors.New("internal error; it has been logged, please try again"))
}
