// Package httpstream lets long-lived responses (server streams such as
// PostService.WatchPosts) live with an http.Server built for short requests:
// its middleware lifts the server's WriteTimeout for the paths it is given,
// lets the handler bound each write instead, and ends the streams when the
// server shuts down (http.Server.Shutdown waits for in-flight requests,
// which a stream never stops being on its own). ReadTimeout needs nothing:
// it bounds reading the request, and net/http drops the read deadline once
// the body is read.
package httpstream

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// ErrShutdown is the cause of a stream's context when the server shuts down.
var ErrShutdown = errors.New("the server is shutting down")

type key struct{}

type control struct{ rc *http.ResponseController }

// Middleware serves h; for requests to one of paths it first clears the
// connection's write deadline (the server's WriteTimeout would cut the
// stream off) and cancels the request's context with ErrShutdown once
// shutdown is closed. The handler should call BoundWrite before each
// message.
func Middleware(h http.Handler, paths []string, shutdown <-chan struct{}) http.Handler {
	long := make(map[string]bool, len(paths))
	for _, p := range paths {
		long[p] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !long[r.URL.Path] {
			h.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		_ = rc.SetWriteDeadline(time.Time{}) // not every ResponseWriter can; then the server's timeout stays
		ctx, cancel := context.WithCancelCause(r.Context())
		defer cancel(nil)
		go func() {
			select {
			case <-shutdown:
				cancel(ErrShutdown)
			case <-ctx.Done():
			}
		}()
		h.ServeHTTP(w, r.WithContext(context.WithValue(ctx, key{}, control{rc: rc})))
	})
}

// BoundWrite gives the next write d to complete: a client that stops
// reading is cut off instead of holding the stream forever. Call it before
// every message (a heartbeat keeps the stream writing). Over HTTP/2 the
// deadline ends the stream when it passes even without a write, so d must
// be longer than the longest pause between messages. A no-op outside
// Middleware.
func BoundWrite(ctx context.Context, d time.Duration) {
	if c, ok := ctx.Value(key{}).(control); ok {
		_ = c.rc.SetWriteDeadline(time.Now().Add(d))
	}
}

// ShuttingDown reports whether ctx ended because the server is shutting down.
func ShuttingDown(ctx context.Context) bool {
	return errors.Is(context.Cause(ctx), ErrShutdown)
}
