package db

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/betterplan/betterplan/db/dbq"
)

// InTx runs fn with queries bound to one transaction, committed when fn
// returns nil and rolled back otherwise.
func InTx(ctx context.Context, pool *pgxpool.Pool, fn func(q *dbq.Queries) error) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := fn(dbq.New(tx)); err != nil {
		return err
	}
	return tx.Commit(ctx)
}
