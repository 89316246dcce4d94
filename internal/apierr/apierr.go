// Package apierr is the one mapping from errors to the Connect codes a
// client sees. Services return *Error values for what a caller can act on
// (a bad argument, a missing object, a state that forbids the call) and
// plain errors for everything else; Connect turns both into *connect.Error
// at the edge: the first with its code and message, the second as a
// generic internal error, logged with its cause. A client never sees
// `unknown` or a raw database message.
package apierr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"

	"github.com/betterplan/betterplan/db"
)

// Error is an error a caller can act on, with the code it goes out with.
// Unlike *connect.Error it carries no mutable metadata, so package-level
// sentinels are safe (compare them with errors.Is).
type Error struct {
	code       connect.Code
	msg        string
	retryAfter time.Duration // > 0: sent as Retry-After (whole seconds, rounded up)
	cause      error         // logged, never sent
}

// Error is the message, and the cause for logs; the caller gets only the
// message.
func (e *Error) Error() string {
	if e.cause != nil {
		return e.msg + " (" + e.cause.Error() + ")"
	}
	return e.msg
}

// Unwrap is the cause, if any.
func (e *Error) Unwrap() error { return e.cause }

// Code is the Connect code the error goes out with.
func (e *Error) Code() connect.Code { return e.code }

// New is an error with code and a message a person can act on.
func New(code connect.Code, msg string) *Error { return &Error{code: code, msg: msg} }

// Newf is New with a format.
func Newf(code connect.Code, format string, args ...any) *Error {
	return &Error{code: code, msg: fmt.Sprintf(format, args...)}
}

// Wrap is New with a cause that is logged (at warn) when the error goes
// out, but never sent: e.g. what X answered when a call to X failed.
func Wrap(code connect.Code, msg string, cause error) *Error {
	return &Error{code: code, msg: msg, cause: cause}
}

// Invalid is an invalid_argument error naming the field: "field problem".
func Invalid(field, problem string) *Error {
	return &Error{code: connect.CodeInvalidArgument, msg: field + " " + problem}
}

// Throttled is a resource_exhausted error that tells the caller when to
// come back, in the message and in a Retry-After header.
func Throttled(msg string, retryAfter time.Duration) *Error {
	return &Error{code: connect.CodeResourceExhausted, msg: msg, retryAfter: max(retryAfter, time.Second)}
}

// RetryAfter is how long a throttled caller should wait (0 when not throttled).
func (e *Error) RetryAfter() time.Duration { return e.retryAfter }

// Generic messages for errors that carry no message of their own.
const (
	msgInternal = "internal error; it has been logged, please try again"
	msgTimeout  = "the request was cancelled or timed out"
)

// Connect maps err to what the client gets. what names the service in the
// log line of an internal error (e.g. "post service").
func Connect(ctx context.Context, log *slog.Logger, what string, err error) error {
	var (
		cerr *connect.Error
		aerr *Error
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &cerr):
		return cerr
	case errors.As(err, &aerr):
		if aerr.cause != nil {
			log.WarnContext(ctx, what+": "+aerr.msg, "code", aerr.code.String(), "err", aerr.cause)
		}
		out := connect.NewError(aerr.code, errors.New(aerr.msg))
		if aerr.retryAfter > 0 {
			// Rounded up: a caller that waits as told is never early.
			out.Meta().Set("Retry-After", strconv.FormatInt(int64((aerr.retryAfter+time.Second-1)/time.Second), 10))
		}
		return out
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return connect.NewError(connect.CodeDeadlineExceeded, errors.New(msgTimeout))
	}
	switch c := db.Classify(err); {
	case errors.Is(c, db.ErrNotFound):
		return connect.NewError(connect.CodeNotFound, errors.New("not found"))
	case errors.Is(c, db.ErrConflict):
		return connect.NewError(connect.CodeAlreadyExists, errors.New("already exists"))
	}
	log.ErrorContext(ctx, what+": internal error", "err", err)
	return connect.NewError(connect.CodeInternal, errors.New(msgInternal))
}

// Interceptor applies Connect to every error a handler returns, so handlers
// return domain errors and the mapping happens in this one place. Install
// it innermost (after authentication and validation), so the interceptors
// around it see *connect.Error values.
type Interceptor struct{ log *slog.Logger }

// NewInterceptor returns the error-mapping interceptor; internal errors are
// logged to log with the procedure that failed.
func NewInterceptor(log *slog.Logger) *Interceptor { return &Interceptor{log: log} }

// WrapUnary implements connect.Interceptor.
func (i *Interceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		resp, err := next(ctx, req)
		if err != nil {
			return nil, Connect(ctx, i.log, req.Spec().Procedure, err)
		}
		return resp, nil
	}
}

// WrapStreamingClient implements connect.Interceptor.
func (i *Interceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// WrapStreamingHandler implements connect.Interceptor.
func (i *Interceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		return Connect(ctx, i.log, conn.Spec().Procedure, next(ctx, conn))
	}
}

// httpStatus is the HTTP status of a code on a plain HTTP handler (the
// Connect protocol's mapping).
var httpStatus = map[connect.Code]int{
	connect.CodeCanceled: 499, connect.CodeInvalidArgument: http.StatusBadRequest,
	connect.CodeDeadlineExceeded: http.StatusGatewayTimeout, connect.CodeNotFound: http.StatusNotFound,
	connect.CodeAlreadyExists: http.StatusConflict, connect.CodePermissionDenied: http.StatusForbidden,
	connect.CodeResourceExhausted: http.StatusTooManyRequests, connect.CodeFailedPrecondition: http.StatusPreconditionFailed,
	connect.CodeAborted: http.StatusConflict, connect.CodeUnimplemented: http.StatusNotImplemented,
	connect.CodeUnavailable: http.StatusServiceUnavailable, connect.CodeUnauthenticated: http.StatusUnauthorized,
}

// WriteHTTP answers a plain HTTP request (outside Connect, e.g. a file's
// bytes) with err mapped as Connect maps it, in Connect's JSON error shape:
// {"code": "not_found", "message": "..."}.
func WriteHTTP(ctx context.Context, w http.ResponseWriter, log *slog.Logger, what string, err error) {
	var ce *connect.Error
	if !errors.As(Connect(ctx, log, what, err), &ce) {
		ce = connect.NewError(connect.CodeInternal, errors.New(msgInternal))
	}
	status, ok := httpStatus[ce.Code()]
	if !ok {
		status = http.StatusInternalServerError
	}
	for k, v := range ce.Meta() {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"code": ce.Code().String(), "message": ce.Message()})
}

// Clip shortens what a caller sent for an error message (at most 40
// bytes, valid UTF-8): messages never repeat more than a short prefix.
func Clip(s string) string {
	if len(s) > 40 {
		return strings.ToValidUTF8(s[:40], "") + "…"
	}
	return s
}
