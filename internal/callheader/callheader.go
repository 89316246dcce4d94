// Package callheader holds Connect client options that send a header on
// every call, unary or streaming: the tests' and the bench's clients sign in
// with them.
package callheader

import (
	"context"

	"connectrpc.com/connect"
)

// Bearer sends "Authorization: Bearer token" (nothing when token is "").
func Bearer(token string) connect.ClientOption {
	if token == "" {
		return connect.WithInterceptors()
	}
	return With("Authorization", "Bearer "+token)
}

// With sends header key: value, e.g. X-Forwarded-For.
func With(key, value string) connect.ClientOption {
	return connect.WithInterceptors(interceptor{key, value})
}

type interceptor struct{ key, value string }

func (h interceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		req.Header().Set(h.key, h.value)
		return next(ctx, req)
	}
}

func (h interceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return func(ctx context.Context, spec connect.Spec) connect.StreamingClientConn {
		conn := next(ctx, spec)
		conn.RequestHeader().Set(h.key, h.value)
		return conn
	}
}

func (h interceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}
