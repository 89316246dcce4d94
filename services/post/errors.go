package post

import (
	"fmt"
	"strings"

	"connectrpc.com/connect"

	"github.com/betterplan/betterplan/internal/apierr"
)

// Errors of the post service, each with the code a caller gets.
var (
	// errNoPost is an unknown post, or another user's (which must look the same).
	errNoPost = apierr.New(connect.CodeNotFound, "no such post")
	// errNoIntegration is an unknown X account, or another user's.
	errNoIntegration = apierr.New(connect.CodeNotFound, "integration_id: no such X account; ListIntegrations lists the ones you connected")
	// errDisconnected is a post whose X account was disconnected (its
	// integration_id is gone), so it can no longer be sent.
	errDisconnected = apierr.New(connect.CodeFailedPrecondition, "this post's X account was disconnected from BetterPlan, so it cannot be sent; "+
		"create a new post for a connected X account")
)

// errReconnect is an X account that needs reconnecting before anything
// can be sent with it.
func errReconnect(username, reason string) error {
	msg := fmt.Sprintf("reconnect your X account @%s first", username)
	if reason != "" {
		msg += " (" + strings.TrimSuffix(reason, ".") + ")"
	}
	return apierr.New(connect.CodeFailedPrecondition, msg)
}

// errState is an action the post's current status does not allow.
func errState(msg string) error { return apierr.New(connect.CodeFailedPrecondition, msg) }

// errStale is an UpdatePost with a version older than the post's.
func errStale(read, now int64) error {
	return apierr.Newf(connect.CodeAborted, "the post changed since you read it (version %d, now %d); reload and try again", read, now)
}

// invalidAt is an invalid_argument error for a problem given as sentences:
// "field: problem".
func invalidAt(field, problem string) error {
	return apierr.New(connect.CodeInvalidArgument, field+": "+problem)
}
