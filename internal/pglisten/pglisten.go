// Package pglisten keeps one PostgreSQL connection LISTENing on a channel
// and reconnects it, with backoff, when it fails. Notifications sent while
// it is away are lost, so Live tells the caller when listening starts and
// stops: after a (re)start it has to assume it missed some.
package pglisten

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
)

// Listener is what to listen to and whom to tell.
type Listener struct {
	// Conf is copied for each connection. LISTEN needs a session of its own
	// (not a pooler in transaction mode).
	Conf    *pgx.ConnConfig
	Channel string
	Log     *slog.Logger
	// Lost is logged, with the error, when the connection fails: what that
	// means for the caller.
	Lost string
	// PingEvery is how long a quiet connection waits before it is checked
	// with a query (default 30s): a dead peer behind a firewall can look
	// quiet forever.
	PingEvery time.Duration
	// Live is called with true once LISTEN is in place (again) and with
	// false when the connection is lost or Run ends.
	Live func(live bool)
	// Notify gets each notification's payload, in order.
	Notify func(payload string)
}

// Run listens until ctx ends.
func (l Listener) Run(ctx context.Context) {
	if l.PingEvery <= 0 {
		l.PingEvery = 30 * time.Second
	}
	const first, most = 100 * time.Millisecond, 10 * time.Second
	backoff := first
	for {
		listened, err := l.listen(ctx)
		l.Live(false)
		if ctx.Err() != nil {
			return
		}
		if listened {
			backoff = first
		}
		l.Log.Warn(l.Lost, "channel", l.Channel, "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, most)
	}
}

// listen connects, LISTENs and hands on notifications until the connection
// fails or ctx ends; listened says whether it got as far as listening.
func (l Listener) listen(ctx context.Context) (listened bool, err error) {
	conf := l.Conf.Copy()
	// On a timeout, give up the wait by a socket deadline, not by asking the
	// server to cancel (pgx's default), which opens a connection each time.
	conf.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.DeadlineContextWatcherHandler{Conn: c.Conn()}
	}
	connectCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.ConnectConfig(connectCtx, conf)
	cancel()
	if err != nil {
		return false, err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{l.Channel}.Sanitize()); err != nil {
		return false, err
	}
	l.Live(true)
	for {
		waitCtx, cancel := context.WithTimeout(ctx, l.PingEvery)
		n, err := conn.WaitForNotification(waitCtx)
		cancel()
		switch {
		case err == nil:
			l.Notify(n.Payload)
		case ctx.Err() != nil:
			return true, ctx.Err()
		case errors.Is(err, context.DeadlineExceeded) && !conn.IsClosed():
			pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
			_, err := conn.Exec(pingCtx, "SELECT 1")
			cancel()
			if err != nil {
				return true, fmt.Errorf("ping: %w", err)
			}
		default:
			return true, err
		}
	}
}
