package integration

import (
	"errors"
	"fmt"

	"connectrpc.com/connect"
	"github.com/oklog/ulid/v2"

	"github.com/betterplan/betterplan/internal/apierr"
	"github.com/betterplan/betterplan/internal/xclient"
)

// Errors of the connection flow, each with the code an RPC caller gets;
// callbackCode gives the ?error= code of the browser callback.
var (
	// errNoIntegration is an unknown X account, or another workspace's.
	errNoIntegration  = apierr.New(connect.CodeNotFound, "no such integration")
	errNotConfigured  = apierr.New(connect.CodeFailedPrecondition, "X is not configured on this server: set X_CLIENT_ID and X_CLIENT_SECRET (make run starts an offline X sandbox when they are unset)")
	errUnknownRequest = apierr.New(connect.CodeNotFound, "this X authorization is unknown: start connecting again")
	// errOtherUser looks exactly like an unknown authorization to the caller.
	errOtherUser        = apierr.New(connect.CodeNotFound, errUnknownRequest.Error())
	errAlreadyUsed      = apierr.New(connect.CodeFailedPrecondition, "this X authorization was already used: start connecting again")
	errExpired          = apierr.New(connect.CodeFailedPrecondition, "this X authorization expired (you have 15 minutes to approve at X): start connecting again")
	errAlreadyConnected = apierr.New(connect.CodeAlreadyExists, "this X account is already connected to another BetterPlan workspace; it can be in one workspace at a time: disconnect it there first, or ask to be invited to that workspace")
	errDenied           = errors.New("you did not authorize BetterPlan at X")
	errMismatch         = errors.New("this browser did not start this X authorization (or its cookie expired): start connecting again from BetterPlan")
	errBadCallback      = errors.New("X's callback lacks a well-formed oauth_token or oauth_verifier")
)

// xError is an X call that failed: permission_denied when X said no,
// unavailable when X could not be reached or broke. X's answer is logged,
// not sent.
func xError(op string, err error) error {
	switch xclient.KindOf(err) {
	case xclient.Unauthorized, xclient.Forbidden, xclient.BadRequest:
		return apierr.Wrap(connect.CodePermissionDenied, fmt.Sprintf("X refused to %s; check the PIN, or start connecting again", op), err)
	}
	return apierr.Wrap(connect.CodeUnavailable, fmt.Sprintf("could not reach X to %s; try again in a moment", op), err)
}

// callbackCode is the ?error= code the web app explains for a failed callback.
func callbackCode(err error) string {
	var xf *apierr.Error
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
	case errors.As(err, &xf) && xf.Code() == connect.CodePermissionDenied:
		return "x_rejected"
	case errors.As(err, &xf) && xf.Code() == connect.CodeUnavailable:
		return "x_unavailable"
	}
	return "internal"
}

func newID() string { return ulid.Make().String() }
