package account

import (
	"context"
	"errors"
	"fmt"

	"connectrpc.com/connect"

	"github.com/betterplan/betterplan/db"
)

// invalid is an invalid_argument error that names the field.
func invalid(field, problem string) error {
	return connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("%s %s", field, problem))
}

// toConnect is this service's one mapping from errors to Connect codes.
// Anything unexpected is logged with its cause and goes out as a generic
// internal error, never as a raw database message.
func (s *Service) toConnect(ctx context.Context, err error) error {
	var cerr *connect.Error
	switch {
	case errors.As(err, &cerr):
		return cerr
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return connect.NewError(connect.CodeDeadlineExceeded, errors.New("the request was cancelled or timed out"))
	}
	switch err = db.Classify(err); {
	case errors.Is(err, db.ErrNotFound):
		return connect.NewError(connect.CodeNotFound, errors.New("not found"))
	case errors.Is(err, db.ErrConflict):
		return connect.NewError(connect.CodeAlreadyExists, errors.New("already exists"))
	}
	s.log.ErrorContext(ctx, "account service: internal error", "err", err)
	return connect.NewError(connect.CodeInternal, errors.New("internal error; it has been logged, please try again"))
}
