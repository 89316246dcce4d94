package integration

import (
	"context"
	"errors"
	"fmt"

	"connectrpc.com/connect"
	"github.com/oklog/ulid/v2"

	"github.com/betterplan/betterplan/db"
	"github.com/betterplan/betterplan/internal/xclient"
)

// Errors of the connection flow. Each maps to a Connect code for the RPCs
// and to an ?error= code for the browser callback.
var (
	errNotConfigured    = errors.New("X is not configured on this server: set X_CLIENT_ID and X_CLIENT_SECRET (make run starts an offline X sandbox when they are unset)")
	errUnknownRequest   = errors.New("this X authorization is unknown: start connecting again")
	errOtherUser        = errors.New("this X authorization was started by another BetterPlan account")
	errAlreadyUsed      = errors.New("this X authorization was already used: start connecting again")
	errExpired          = errors.New("this X authorization expired (you have 15 minutes to approve at X): start connecting again")
	errAlreadyConnected = errors.New("this X account is connected to another BetterPlan account; disconnect it there first")
	errDenied           = errors.New("you did not authorize BetterPlan at X")
	errMismatch         = errors.New("this browser did not start this X authorization (or its cookie expired): start connecting again from BetterPlan")
	errBadCallback      = errors.New("X's callback lacks a well-formed oauth_token or oauth_verifier")
)

// xFailure is an X call that failed; rejected is true when X said no (as
// opposed to being unreachable or broken).
type xFailure struct {
	op       string
	rejected bool
	err      error
}

func (e *xFailure) Error() string {
	if e.rejected {
		return fmt.Sprintf("X refused to %s: %v", e.op, e.err)
	}
	return fmt.Sprintf("could not %s at X right now: %v", e.op, e.err)
}

func (e *xFailure) Unwrap() error { return e.err }

func xError(op string, err error) error {
	switch xclient.KindOf(err) {
	case xclient.Unauthorized, xclient.Forbidden, xclient.BadRequest:
		return &xFailure{op: op, rejected: true, err: err}
	}
	return &xFailure{op: op, err: err}
}

func invalid(field, problem string) error {
	return connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("%s %s", field, problem))
}

// toConnect is this service's one mapping from errors to Connect codes.
func (s *Service) toConnect(ctx context.Context, err error) error {
	var (
		cerr *connect.Error
		xf   *xFailure
	)
	switch {
	case errors.As(err, &cerr):
		return cerr
	case errors.Is(err, errNotConfigured), errors.Is(err, errAlreadyUsed), errors.Is(err, errExpired):
		return connect.NewError(connect.CodeFailedPrecondition, err)
	case errors.Is(err, errUnknownRequest), errors.Is(err, errOtherUser):
		// Another user's pending authorization looks exactly like an unknown one.
		return connect.NewError(connect.CodeNotFound, errUnknownRequest)
	case errors.Is(err, errAlreadyConnected):
		return connect.NewError(connect.CodeAlreadyExists, err)
	case errors.As(err, &xf):
		s.Log.WarnContext(ctx, "X call failed", "op", xf.op, "err", xf.err)
		if xf.rejected {
			return connect.NewError(connect.CodePermissionDenied,
				fmt.Errorf("X refused to %s; check the PIN, or start connecting again", xf.op))
		}
		return connect.NewError(connect.CodeUnavailable, fmt.Errorf("could not reach X to %s; try again in a moment", xf.op))
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return connect.NewError(connect.CodeDeadlineExceeded, errors.New("the request was cancelled or timed out"))
	}
	if errors.Is(db.Classify(err), db.ErrNotFound) {
		return connect.NewError(connect.CodeNotFound, errors.New("no such integration"))
	}
	s.Log.ErrorContext(ctx, "integration service: internal error", "err", err)
	return connect.NewError(connect.CodeInternal, errors.New("internal error; it has been logged, please try again"))
}

// callbackCode is the ?error= code the web app explains for a failed callback.
func callbackCode(err error) string {
	var xf *xFailure
	switch {
	case errors.Is(err, errDenied):
		return "denied"
	case errors.Is(err, errExpired):
		return "expired"
	case errors.Is(err, errAlreadyUsed):
		return "already_used"
	case errors.Is(err, errMismatch), errors.Is(err, errOtherUser), errors.Is(err, errUnknownRequest):
		return "mismatch"
	case errors.Is(err, errBadCallback):
		return "invalid_request"
	case errors.Is(err, errAlreadyConnected):
		return "already_connected"
	case errors.Is(err, errNotConfigured):
		return "not_configured"
	case errors.As(err, &xf) && xf.rejected:
		return "x_rejected"
	case errors.As(err, &xf):
		return "x_unavailable"
	}
	return "internal"
}

func newID() string { return ulid.Make().String() }
