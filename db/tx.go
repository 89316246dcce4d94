package db

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/betterplan/betterplan/db/dbq"
)

// InTx runs fn with queries bound to one transaction, committed when fn
// returns nil and rolled back otherwise.
//
// The transaction costs no round trip of its own: BEGIN travels with fn's
// first statement (a transaction fn leaves empty is never begun), and
// COMMIT with the statement run under Committing, or on its own after fn.
// On a small machine a round trip costs 100–150 µs of two processes' time;
// these were two of CreatePost's five.
func InTx(ctx context.Context, pool *pgxpool.Pool, fn func(q *dbq.Queries) error) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	t := &tx{conn: conn}
	defer t.end(ctx)
	if err := fn(dbq.New(t)); err != nil {
		return err
	}
	return t.commit(ctx)
}

type committingKey struct{}

// Committing marks the statement run with the returned context as its
// transaction's last: COMMIT is sent with it, and once it returns without
// error (pgx.ErrNoRows included) the transaction is committed, whatever
// fn does next; a statement after it fails. Outside InTx it changes
// nothing.
func Committing(ctx context.Context) context.Context {
	return context.WithValue(ctx, committingKey{}, true)
}

func committing(ctx context.Context) bool {
	v, _ := ctx.Value(committingKey{}).(bool)
	return v
}

// errCommitted is a programming error: a statement after the one run
// under Committing would run outside the transaction.
var errCommitted = errors.New("db: statement after its transaction was committed")

// tx is one transaction on one pooled connection, begun by its first
// statement. The connection's own transaction status is the truth about
// whether it is open; tx only remembers whether it began and ended.
type tx struct {
	conn      *pgxpool.Conn
	begun     bool
	committed bool
}

// open reports whether the connection is inside a transaction (in
// progress or failed).
func (t *tx) open() bool { return t.conn.Conn().PgConn().TxStatus() != 'I' }

// commit ends a transaction fn left open.
func (t *tx) commit(ctx context.Context) error {
	if !t.begun || t.committed {
		return nil
	}
	tag, err := t.conn.Exec(ctx, "commit")
	if err == nil && tag.String() == "ROLLBACK" {
		err = pgx.ErrTxCommitRollback // a statement had failed
	}
	t.committed = err == nil
	return err
}

// end rolls back what is still open and gives the connection back; one
// whose rollback failed is in no known state, and the pool drops it.
func (t *tx) end(ctx context.Context) {
	if t.begun && t.open() {
		_, _ = t.conn.Exec(ctx, "rollback")
	}
	t.conn.Release()
}

// direct reports whether the statement can go to the connection as it is:
// the transaction is under way and the statement is not its last.
func (t *tx) direct(ctx context.Context) (bool, bool, error) {
	if t.committed {
		return false, false, errCommitted
	}
	last := committing(ctx)
	return t.begun && !last, last, nil
}

// send pipelines BEGIN (first statement), the statement and COMMIT (last
// statement) in one batch, and reads BEGIN's result; an error there
// comes back with the statement's.
func (t *tx) send(ctx context.Context, sql string, args []any, last bool) pgx.BatchResults {
	b := &pgx.Batch{}
	begin := !t.begun
	if begin {
		b.Queue("begin")
		t.begun = true
	}
	b.Queue(sql, args...)
	if last {
		b.Queue("commit")
	}
	br := t.conn.SendBatch(ctx, b)
	if begin {
		_, _ = br.Exec()
	}
	return br
}

// finish reads the rest of a batch after its statement returned err: the
// COMMIT's result when the statement was the last and succeeded.
func (t *tx) finish(br pgx.BatchResults, last bool, err error) error {
	if last && (err == nil || errors.Is(err, pgx.ErrNoRows)) {
		tag, cerr := br.Exec()
		if cerr == nil && tag.String() == "ROLLBACK" {
			cerr = pgx.ErrTxCommitRollback
		}
		if cerr != nil {
			err = cerr
		} else {
			// COMMIT ran: nothing more belongs to this transaction.
			t.committed = true
		}
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return err
}

// Exec implements dbq.DBTX.
func (t *tx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	direct, last, err := t.direct(ctx)
	switch {
	case err != nil:
		return pgconn.CommandTag{}, err
	case direct:
		return t.conn.Exec(ctx, sql, args...)
	}
	br := t.send(ctx, sql, args, last)
	tag, err := br.Exec()
	return tag, t.finish(br, last, err)
}

// QueryRow implements dbq.DBTX.
func (t *tx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	direct, last, err := t.direct(ctx)
	switch {
	case err != nil:
		return errRow{err}
	case direct:
		return t.conn.QueryRow(ctx, sql, args...)
	}
	return &batchRow{t: t, br: t.send(ctx, sql, args, last), last: last}
}

// Query implements dbq.DBTX.
func (t *tx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	direct, last, err := t.direct(ctx)
	switch {
	case err != nil:
		return nil, err
	case direct:
		return t.conn.Query(ctx, sql, args...)
	}
	br := t.send(ctx, sql, args, last)
	rows, err := br.Query()
	if err != nil {
		rows.Close()
		return nil, t.finish(br, last, err)
	}
	return &batchRows{Rows: rows, t: t, br: br, last: last}, nil
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// batchRow is the row of a statement sent in a batch; scanning it reads
// the rest of the batch.
type batchRow struct {
	t    *tx
	br   pgx.BatchResults
	last bool
}

func (r *batchRow) Scan(dest ...any) error {
	return r.t.finish(r.br, r.last, r.br.QueryRow().Scan(dest...))
}

// batchRows are the rows of a statement sent in a batch; the rest of the
// batch is read when they run out or are closed, and its error is theirs.
type batchRows struct {
	pgx.Rows
	t      *tx
	br     pgx.BatchResults
	last   bool
	closed bool
	err    error
}

func (r *batchRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

func (r *batchRows) Close() {
	if r.closed {
		return
	}
	r.closed = true
	r.Rows.Close()
	r.err = r.t.finish(r.br, r.last, r.Rows.Err())
}

func (r *batchRows) Err() error {
	if r.closed {
		return r.err
	}
	return r.Rows.Err()
}
