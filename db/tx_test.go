package db_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/betterplan/betterplan/db"
	"github.com/betterplan/betterplan/db/dbq"
	"github.com/betterplan/betterplan/internal/apitest"
)

// sends counts what a pool sends to the server: queries and batches
// (each one round trip).
type sends struct{ n atomic.Int64 }

func (s *sends) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	s.n.Add(1)
	return ctx
}
func (s *sends) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (s *sends) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	s.n.Add(1)
	return ctx
}
func (s *sends) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (s *sends) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

func TestInTx(t *testing.T) {
	ctx := context.Background()
	url := apitest.DB(t)
	conf, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	// One connection: a transaction left open would show in the next one.
	conf.MaxConns = 1
	tr := &sends{}
	conf.ConnConfig.Tracer = tr
	pool, err := pgxpool.NewWithConfig(ctx, conf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	q := dbq.New(pool)
	now := time.Now()
	user := func(id string) dbq.UserCreateParams {
		return dbq.UserCreateParams{ID: id, Email: id + "@example.com", PasswordHash: "x", DisplayName: id, Now: now}
	}
	exists := func(t *testing.T, id string) bool {
		t.Helper()
		_, err := q.UserGet(ctx, id)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			t.Fatal(err)
		}
		return err == nil
	}
	// Each case must leave the one connection outside any transaction and
	// alive (a connection given back mid-transaction is dropped).
	clean := func(t *testing.T) {
		t.Helper()
		c, err := pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Release()
		if st := c.Conn().PgConn().TxStatus(); st != 'I' {
			t.Fatalf("the connection's transaction status is %q, want I (idle)", st)
		}
		if n := pool.Stat().NewConnsCount(); n != 1 {
			t.Fatalf("the pool opened %d connections, want 1: a transaction's connection was dropped", n)
		}
	}
	// Every statement is prepared on its connection once first.
	warm := func(t *testing.T) {
		t.Helper()
		if err := db.InTx(ctx, pool, func(q *dbq.Queries) error {
			if _, err := q.UserCreate(ctx, user("warm")); err != nil {
				return err
			}
			if _, err := q.UserUpdate(ctx, dbq.UserUpdateParams{ID: "warm", Now: now}); err != nil {
				return err
			}
			_, err := q.WorkspaceListForUser(db.Committing(ctx), "warm")
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	warm(t)

	t.Run("BEGIN and COMMIT travel with the statements", func(t *testing.T) {
		before := tr.n.Load()
		name := "renamed"
		err := db.InTx(ctx, pool, func(q *dbq.Queries) error {
			if _, err := q.UserCreate(ctx, user("ada")); err != nil {
				return err
			}
			_, err := q.UserUpdate(db.Committing(ctx), dbq.UserUpdateParams{ID: "ada", DisplayName: &name, Now: now})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := tr.n.Load() - before; n != 2 {
			t.Errorf("two statements took %d round trips, want 2", n)
		}
		u, err := q.UserGet(ctx, "ada")
		if err != nil || u.DisplayName != name {
			t.Fatalf("after the transaction: %+v, %v; want ada renamed", u, err)
		}
		clean(t)
	})

	t.Run("without Committing, COMMIT goes on its own", func(t *testing.T) {
		before := tr.n.Load()
		if err := db.InTx(ctx, pool, func(q *dbq.Queries) error {
			_, err := q.UserCreate(ctx, user("bob"))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if n := tr.n.Load() - before; n != 2 {
			t.Errorf("one statement and COMMIT took %d round trips, want 2", n)
		}
		if !exists(t, "bob") {
			t.Fatal("bob was not committed")
		}
		clean(t)
	})

	t.Run("nothing to do costs nothing", func(t *testing.T) {
		before := tr.n.Load()
		if err := db.InTx(ctx, pool, func(*dbq.Queries) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if n := tr.n.Load() - before; n != 0 {
			t.Errorf("an empty transaction took %d round trips", n)
		}
	})

	t.Run("an error from fn rolls back", func(t *testing.T) {
		oops := errors.New("oops")
		err := db.InTx(ctx, pool, func(q *dbq.Queries) error {
			if _, err := q.UserCreate(ctx, user("cy")); err != nil {
				return err
			}
			return oops
		})
		if !errors.Is(err, oops) {
			t.Fatalf("InTx returned %v, want fn's error", err)
		}
		if exists(t, "cy") {
			t.Fatal("cy was committed")
		}
		clean(t)
	})

	t.Run("a failing last statement rolls back the others", func(t *testing.T) {
		err := db.InTx(ctx, pool, func(q *dbq.Queries) error {
			if _, err := q.UserCreate(ctx, user("dee")); err != nil {
				return err
			}
			_, err := q.UserCreate(db.Committing(ctx), user("ada")) // taken
			return err
		})
		if !errors.Is(db.Classify(err), db.ErrConflict) {
			t.Fatalf("InTx returned %v, want the unique violation", err)
		}
		if exists(t, "dee") {
			t.Fatal("dee was committed though the transaction failed")
		}
		clean(t)
	})

	t.Run("fn that ignores a failed statement does not commit", func(t *testing.T) {
		err := db.InTx(ctx, pool, func(q *dbq.Queries) error {
			if _, err := q.UserCreate(ctx, user("eve")); err != nil {
				return err
			}
			_, _ = q.UserCreate(ctx, user("ada")) // taken: the transaction is aborted
			return nil
		})
		if !errors.Is(err, pgx.ErrTxCommitRollback) {
			t.Fatalf("InTx returned %v, want ErrTxCommitRollback", err)
		}
		if exists(t, "eve") {
			t.Fatal("eve was committed from an aborted transaction")
		}
		clean(t)
	})

	t.Run("no row is a result: the transaction commits", func(t *testing.T) {
		err := db.InTx(ctx, pool, func(q *dbq.Queries) error {
			if _, err := q.UserCreate(ctx, user("fay")); err != nil {
				return err
			}
			_, err := q.UserGet(db.Committing(ctx), "nobody")
			if !errors.Is(err, pgx.ErrNoRows) {
				t.Errorf("UserGet(nobody) = %v, want ErrNoRows", err)
			}
			// Nothing may follow the last statement: it would run outside
			// the transaction.
			if _, err := q.UserCreate(ctx, user("gus")); err == nil {
				t.Error("a statement after the commit ran")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !exists(t, "fay") || exists(t, "gus") {
			t.Fatalf("fay committed: %v (want true); gus: %v (want false)", exists(t, "fay"), exists(t, "gus"))
		}
		clean(t)
	})

	t.Run("rows as the last statement", func(t *testing.T) {
		var got []dbq.Workspace
		err := db.InTx(ctx, pool, func(q *dbq.Queries) error {
			ws, err := q.WorkspaceCreate(ctx, dbq.WorkspaceCreateParams{ID: "w1", Name: "One", Now: now})
			if err != nil {
				return err
			}
			if err := q.MembershipCreate(ctx, dbq.MembershipCreateParams{WorkspaceID: ws.ID, UserID: "ada", Role: dbq.WorkspaceRoleOwner, Now: now}); err != nil {
				return err
			}
			rows, err := q.WorkspaceListForUser(db.Committing(ctx), "ada")
			for _, r := range rows {
				got = append(got, r.Workspace)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != "w1" {
			t.Fatalf("listed %+v inside the transaction, want w1", got)
		}
		if _, err := q.WorkspaceGetForMember(ctx, dbq.WorkspaceGetForMemberParams{ID: "w1", UserID: "ada"}); err != nil {
			t.Fatalf("after the transaction: %v", err)
		}
		clean(t)
	})

	t.Run("a cancelled context leaves nothing open", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		err := db.InTx(cctx, pool, func(q *dbq.Queries) error {
			if _, err := q.UserCreate(cctx, user("hal")); err != nil {
				return err
			}
			cancel()
			_, err := q.UserGet(cctx, "hal")
			return err
		})
		if err == nil {
			t.Fatal("InTx succeeded with its context cancelled")
		}
		if exists(t, "hal") {
			t.Fatal("hal was committed")
		}
	})
}
