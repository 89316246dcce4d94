// Command river is the bench's peer: a publisher built on River
// (github.com/riverqueue/river), the best-known Go job queue on PostgreSQL,
// doing per post what BetterPlan's publisher does: read the post and its
// account, decrypt the credential, sign OAuth 1.0a, POST /2/tweets, record
// the X id (as the job's recorded output, River's batched way). It takes the publisher's environment (DATABASE_URL,
// TOKEN_ENCRYPTION_KEY, X_API_URL, X_CLIENT_ID, X_CLIENT_SECRET,
// PUBLISHER_WORKERS, PUBLISHER_ADDR), so `make bench-peers` runs it exactly
// where it runs cmd/publisher.
//
// It is its own module so River never enters the product's dependencies.
// River is tuned as its docs suggest for latency: a 1 ms fetch poll and
// cooldown, LISTEN/NOTIFY on, one queue with PUBLISHER_WORKERS workers.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/betterplan/betterplan/internal/config"
	"github.com/betterplan/betterplan/internal/credential"
	"github.com/betterplan/betterplan/internal/logging"
	"github.com/betterplan/betterplan/internal/secretbox"
	"github.com/betterplan/betterplan/internal/xclient"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "river peer:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	cfg, err := config.LoadPublisher(os.Getenv)
	if err != nil {
		return err
	}
	log := logging.New(os.Stderr, cfg.LogLevel)

	// The same connections as cmd/publisher has in all (its worker pool and
	// its loop's two).
	pc, err := pgxpool.ParseConfig(cfg.DatabaseURL)
	if err != nil {
		return err
	}
	pc.MaxConns = int32(max(4, 4*runtime.NumCPU()) + 2)
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return err
	}
	defer pool.Close()
	driver := riverpgxv5.New(pool)
	migrator, err := rivermigrate.New(driver, nil)
	if err != nil {
		return err
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}

	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConns = cfg.Workers
	transport.MaxIdleConnsPerHost = cfg.Workers
	x, err := xclient.New(xclient.Config{
		BaseURL: cfg.X.APIURL, ConsumerKey: cfg.X.ClientID, ConsumerSecret: cfg.X.ClientSecret,
		Logger: log, Transport: transport,
	})
	if err != nil {
		return err
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &publishWorker{pool: pool, x: x, keys: cfg.Keys.Ring, log: log})
	client, err := river.NewClient(driver, &river.Config{
		FetchCooldown:     time.Millisecond,
		FetchPollInterval: time.Millisecond,
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}},
		Workers:           workers,
		Logger:            log,
	})
	if err != nil {
		return err
	}
	if err := client.Start(ctx); err != nil {
		return err
	}

	var started atomic.Bool
	started.Store(true)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]bool{"listening": started.Load()})
	})
	mux.HandleFunc("POST /enqueue", func(w http.ResponseWriter, r *http.Request) { enqueue(w, r, client) })
	srv := &http.Server{Addr: cfg.Addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	return client.Stop(sctx)
}

// publishArgs is one post's job: River's args are its payload.
type publishArgs struct {
	PostID string `json:"post_id"`
}

func (publishArgs) Kind() string { return "publish_post" }

// enqueue schedules one job per post at its due time, as an app on River
// would when a post is scheduled: Insert for one, InsertManyFast (COPY) for
// a bulk load.
func enqueue(w http.ResponseWriter, r *http.Request, client *river.Client[pgx.Tx]) {
	var req []struct {
		PostID string    `json:"post_id"`
		Due    time.Time `json:"due"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var err error
	if len(req) == 1 {
		_, err = client.Insert(r.Context(), publishArgs{PostID: req[0].PostID}, &river.InsertOpts{ScheduledAt: req[0].Due})
	} else {
		params := make([]river.InsertManyParams, len(req))
		for i, j := range req {
			params[i] = river.InsertManyParams{Args: publishArgs{PostID: j.PostID}, InsertOpts: &river.InsertOpts{ScheduledAt: j.Due}}
		}
		_, err = client.InsertManyFast(r.Context(), params)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type publishWorker struct {
	river.WorkerDefaults[publishArgs]
	pool *pgxpool.Pool
	x    *xclient.Client
	keys *secretbox.Keyring
	log  *slog.Logger
}

// publishOutput is what a published post's job keeps.
type publishOutput struct {
	XPostID   string `json:"x_post_id"`
	XUsername string `json:"x_username"`
}

// Work publishes one post: one read, one X call; River records the outcome
// with the job's completion.
func (w *publishWorker) Work(ctx context.Context, job *river.Job[publishArgs]) error {
	var text, accountID, keyID, username string
	var sealed []byte
	err := w.pool.QueryRow(ctx, `
SELECT p.parts[1], i.platform_account_id, i.credential, i.credential_key_id, i.username
FROM posts p JOIN integrations i ON i.id = p.integration_id
WHERE p.id = $1 AND p.status = 'scheduled'`, job.Args.PostID).Scan(&text, &accountID, &sealed, &keyID, &username)
	if err != nil {
		return fmt.Errorf("read post %s: %w", job.Args.PostID, err)
	}
	creds, err := credential.Open(w.keys, credential.Sealed{Platform: "x", AccountID: accountID, Data: sealed, KeyID: keyID})
	if err != nil {
		return err
	}
	id, err := w.x.CreatePost(ctx, creds, text, "")
	if err != nil {
		return err
	}
	w.log.Info("published", "post_id", job.Args.PostID, "x_post_id", id)
	// River's own way to keep a job's result: written with the job's
	// completion, which River batches (one statement for many jobs). A
	// write to the post per job would cost River a commit per post, which
	// ours does not pay either (it batches its writes).
	return river.RecordOutput(ctx, publishOutput{XPostID: id, XUsername: username})
}
