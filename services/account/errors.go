package account

import (
	"connectrpc.com/connect"

	"github.com/betterplan/betterplan/internal/apierr"
)

// Errors of the account service, each with the code a caller gets.
var (
	// errWrongCredentials is the same for an unknown email and a wrong
	// password: no account enumeration.
	errWrongCredentials = apierr.New(connect.CodeUnauthenticated, "wrong email or password")
	errEmailTaken       = apierr.New(connect.CodeAlreadyExists, "an account with this email already exists; sign in instead")
	errNotASession      = apierr.New(connect.CodeFailedPrecondition, "this call used an API token, not a session; revoke API tokens with RevokeApiToken")
)
