// Package apitest gives tests the real thing: a fresh, migrated PostgreSQL
// database per test (pgtestdb) and the real api server on a loopback port,
// with a manual clock and captured logs.
package apitest

import (
	"context"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver pgtestdb uses
	"github.com/peterldowns/pgtestdb"
	"github.com/peterldowns/pgtestdb/migrators/goosemigrator"

	"github.com/betterplan/betterplan/db"
)

// DefaultPGPort is where `make test` starts its throwaway cluster.
const DefaultPGPort = "55439"

var migrator = goosemigrator.New(db.MigrationsDir, goosemigrator.WithFS(db.Migrations))

func pgConfig() pgtestdb.Config {
	port := os.Getenv("PGPORT")
	if port == "" {
		port = DefaultPGPort
	}
	return pgtestdb.Config{
		DriverName: "pgx",
		Host:       "127.0.0.1",
		Port:       port,
		User:       "postgres",
		Database:   "postgres",
		Options:    "sslmode=disable",
	}
}

// DB returns the URL of a fresh database with every migration applied, dropped
// when the test ends. With no PostgreSQL reachable the test fails (never skips).
func DB(t testing.TB) string {
	t.Helper()
	return pgtestdb.Custom(t, reachable(t), migrator).URL()
}

// reachable is the server's config, failing the test when nobody listens.
func reachable(t testing.TB) pgtestdb.Config {
	t.Helper()
	conf := pgConfig()
	addr := net.JoinHostPort(conf.Host, conf.Port)
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatalf("no PostgreSQL at %s (%v): run the tests with `make test`, which starts one, or set PGPORT to a running server's port", addr, err)
	}
	_ = c.Close()
	return conf
}

// EmptyDB returns the URL of a fresh database with no migration applied
// (for tests of the migrations themselves), dropped when the test ends.
func EmptyDB(t testing.TB) string {
	t.Helper()
	return pgtestdb.Custom(t, reachable(t), pgtestdb.NoopMigrator{}).URL()
}

// Pool opens a pool on url, closed when the test ends.
func Pool(t testing.TB, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(fmt.Errorf("open pool: %w", err))
	}
	t.Cleanup(pool.Close) // registered after pgtestdb's cleanup, so it runs before the DROP DATABASE
	return pool
}
