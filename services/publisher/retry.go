package publisher

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// retry runs a bookkeeping statement, each try under StatementTimeout,
// retrying with backoff while PostgreSQL is unreachable or restarting, until
// deadline: the end of the lease, after which another publisher may take
// the post over (and, for a part left in flight, finds it by reading X).
func (p *Publisher) retry(deadline time.Time, what string, fn func(context.Context) error) error {
	wait := 50 * time.Millisecond
	for {
		ctx, cancel := context.WithTimeout(p.hard, p.cfg.StatementTimeout)
		err := fn(ctx)
		cancel()
		if err == nil || !transient(err) || p.hard.Err() != nil {
			return err
		}
		if time.Now().Add(wait).After(deadline) {
			return err
		}
		p.metrics.writeRetries.Inc()
		p.cfg.Log.Warn("database write failed; retrying", "what", what, "err", err, "in", wait)
		select {
		case <-p.hard.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(wait*2, 2*time.Second)
	}
}

// transient reports whether err may go away by itself: the connection
// broke or timed out, or the server is starting, stopping or overloaded.
// A statement PostgreSQL refused for what it is would fail again.
func transient(err error) bool {
	if isNoRows(err) {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code[:2] {
		case "08", "40", "53", "57", "58":
			return true // connection, rollback (serialization, deadlock), resources, operator intervention, system
		}
		return false
	}
	return true
}

func isNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }
