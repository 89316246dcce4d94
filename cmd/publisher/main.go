// Command publisher claims due posts from PostgreSQL and publishes them to
// X. Run any number of them against one database. It serves /healthz and
// /metrics on PUBLISHER_ADDR.
package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/betterplan/betterplan/db/dbq"
	"github.com/betterplan/betterplan/internal/blobstore"
	"github.com/betterplan/betterplan/internal/config"
	"github.com/betterplan/betterplan/internal/credential"
	"github.com/betterplan/betterplan/internal/logging"
	"github.com/betterplan/betterplan/internal/xclient"
	"github.com/betterplan/betterplan/internal/xweb"
	"github.com/betterplan/betterplan/services/publisher"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "publisher:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv config.Getenv) error {
	cfg, err := config.LoadPublisher(getenv)
	if err != nil {
		return err
	}
	log := logging.New(os.Stderr, cfg.LogLevel)
	log.Info("starting publisher", "config", cfg)

	// A few connections per core: more only make PostgreSQL's backends
	// fight for the CPU (measured with make bench). The loop gets its own
	// two so claiming never queues behind the workers' writes.
	pool, err := newPool(ctx, cfg.DatabaseURL, int32(max(4, 4*runtime.NumCPU())))
	if err != nil {
		return err
	}
	defer pool.Close()
	loopPool, err := newPool(ctx, cfg.DatabaseURL, 2)
	if err != nil {
		return err
	}
	defer loopPool.Close()
	// Keep a connection to X per worker instead of dialing for every post.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConns = cfg.Workers
	transport.MaxIdleConnsPerHost = cfg.Workers
	x, err := xclient.New(xclient.Config{
		BaseURL: cfg.X.APIURL, ConsumerKey: cfg.X.ClientID, ConsumerSecret: cfg.X.ClientSecret,
		Logger: log, Transport: transport,
	})
	if err != nil {
		return fmt.Errorf("X client: %w", err)
	}
	// Refuse to start with keys that cannot open the stored credentials:
	// every post of those accounts would wait for another publisher.
	if err := credential.CheckKeys(ctx, dbq.New(pool), cfg.Keys.Ring); err != nil {
		return err
	}
	bucket, err := blobstore.Open(ctx, cfg.MediaBucketURL)
	if err != nil {
		return err
	}
	defer bucket.Close()
	listen, err := pgx.ParseConfig(cfg.ListenURL)
	if err != nil {
		return fmt.Errorf("DATABASE_LISTEN_URL: %w", err)
	}
	pub, err := publisher.New(publisher.Config{
		Pool: pool, LoopPool: loopPool, Listen: listen, X: x, XWeb: xweb.New(cfg.X.WebURL), Keys: cfg.Keys.Ring, Log: log, Workers: cfg.Workers, Lease: cfg.Lease,
		Bucket: bucket,
	})
	if err != nil {
		return err
	}

	srv := &http.Server{Addr: cfg.Addr, Handler: pub.Handler(), ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	runErr := make(chan error, 1)
	go func() { runErr <- pub.Run(ctx) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve %s: %w", cfg.Addr, err)
	case err := <-runErr:
		shutdown(srv)
		return err
	}
}

func newPool(ctx context.Context, url string, conns int32) (*pgxpool.Pool, error) {
	c, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	c.MaxConns = conns
	pool, err := pgxpool.NewWithConfig(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	return pool, nil
}

func shutdown(srv *http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "publisher: shutdown:", err)
	}
}
