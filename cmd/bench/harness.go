package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"gocloud.dev/blob"

	"github.com/betterplan/betterplan/db/dbq"
	"github.com/betterplan/betterplan/internal/blobstore"
	"github.com/betterplan/betterplan/internal/fakex"
	"github.com/betterplan/betterplan/internal/secretbox"
)

// accounts is how many X accounts the posts are spread over: several, as in
// real use, and each stays far below the fake's per-account rate limit.
const accounts = 10

// harness is what all scenarios share: the cluster and the publisher binaries.
type harness struct {
	admin      *pgxpool.Pool // the cluster's maintenance database
	adminURL   string
	work       string
	postmaster int
	pgVersion  string
	keyB64     string
	keys       *secretbox.Keyring
	// The publisher's media bucket: a directory under work.
	bucketURL string
	bucket    *blob.Bucket
	xLatency  time.Duration
}

func newHarness(ctx context.Context, adminURL, work string) (*harness, error) {
	admin, err := openPool(ctx, adminURL)
	if err != nil {
		return nil, fmt.Errorf("BENCH_DATABASE_URL: %w", err)
	}
	h := &harness{admin: admin, adminURL: adminURL, work: work}
	if err := h.init(ctx); err != nil {
		admin.Close()
		return nil, err
	}
	return h, nil
}

func (h *harness) init(ctx context.Context) error {
	// The view lives in this database but shows every database's statements.
	if _, err := h.admin.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"); err != nil {
		return fmt.Errorf("pg_stat_statements: %w", err)
	}
	if _, err := readStatements(ctx, h.admin, "postgres"); err != nil {
		return fmt.Errorf("%w (start PostgreSQL with -c shared_preload_libraries=pg_stat_statements, as make bench does)", err)
	}
	var err error
	if h.xLatency, err = xLatency(); err != nil {
		return err
	}
	if h.postmaster, err = findPostmaster(ctx, h.admin); err != nil {
		return err
	}
	if err := h.admin.QueryRow(ctx, "SHOW server_version").Scan(&h.pgVersion); err != nil {
		return err
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	h.keyB64 = base64.StdEncoding.EncodeToString(key)
	if h.keys, err = secretbox.NewKeyring(key); err != nil {
		return err
	}
	abs, err := filepath.Abs(filepath.Join(h.work, "media"))
	if err != nil {
		return err
	}
	h.bucketURL = "file://" + filepath.ToSlash(abs)
	h.bucket, err = blobstore.Open(ctx, h.bucketURL)
	return err
}

func (h *harness) close() {
	h.admin.Close()
	if h.bucket != nil {
		_ = h.bucket.Close()
	}
}

// describe is the report's header: what the numbers were measured on.
func (h *harness) describe(what string) string {
	workers := os.Getenv("PUBLISHER_WORKERS")
	if workers == "" {
		workers = "default (512)"
	}
	return fmt.Sprintf("%s, PUBLISHER_WORKERS=%s; fake X: %s latency, %d accounts; %s", what, workers, h.xLatency, accounts, h.platform())
}

// platform is the database and machine the numbers were measured on.
func (h *harness) platform() string {
	var settings []string
	for _, name := range []string{"fsync", "synchronous_commit"} {
		var v string
		if err := h.admin.QueryRow(context.Background(), "SHOW "+name).Scan(&v); err == nil {
			settings = append(settings, name+"="+v)
		}
	}
	return fmt.Sprintf("PostgreSQL %s (%s); %d CPUs", h.pgVersion, strings.Join(settings, ", "), runtime.NumCPU())
}

// world is one scenario's database, fake X and publisher(s).
type world struct {
	h            *harness
	c            contender
	name         string
	dbName       string
	dbURL        string
	pool         *pgxpool.Pool
	x            *xServer
	pubs         []*publisherProc
	bouncer      *publisherProc // PgBouncer, for scenarios run through it
	cleanup      []func()
	workspaceID  string
	integrations []string
	lateAfter    time.Duration // with BENCH_TRACE, posts later than this are listed
	coldLag      time.Duration // worst lag of the warm-up posts
}

// runScenario builds a fresh world for c, runs sc in it and tears it down.
func (h *harness) runScenario(ctx context.Context, sc scenario, c contender) (result, error) {
	c.replicas = max(c.replicas, sc.replicas)
	c.bouncer = c.bouncer || sc.bouncer
	w, err := h.newWorld(ctx, sc.name, c)
	if err != nil {
		return result{}, err
	}
	if tracing() {
		w.lateAfter = sc.lagP99
	}
	res, err := sc.run(ctx, w)
	if cerr := w.close(); err == nil {
		err = cerr
	}
	res.name, res.sc, res.c = sc.name, sc, w.c
	return res, err
}

func (h *harness) newWorld(ctx context.Context, name string, c contender) (*world, error) {
	w := &world{h: h, c: c, name: name, dbName: "bench_" + strings.ReplaceAll(name, "-", "_")}
	if err := w.setup(ctx); err != nil {
		_ = w.close()
		return nil, err
	}
	return w, nil
}

func (w *world) setup(ctx context.Context) error {
	var err error
	if w.dbURL, err = w.h.createDatabase(ctx, w.dbName); err != nil {
		return err
	}
	if w.pool, err = openPool(ctx, w.dbURL); err != nil {
		return err
	}
	if w.x, err = startX(w.h.xLatency); err != nil {
		return err
	}
	if w.workspaceID, w.integrations, err = seedAccounts(ctx, dbq.New(w.pool), w.h.keys, w.x, accounts); err != nil {
		return err
	}
	env := []string{
		"DATABASE_URL=" + w.dbURL,
		"TOKEN_ENCRYPTION_KEY=" + w.h.keyB64,
		"X_API_URL=" + w.x.url,
		"X_CLIENT_ID=" + fakex.DefaultConsumerKey,
		"X_CLIENT_SECRET=" + fakex.DefaultConsumerSecret,
		"LOG_LEVEL=info", // as deployed: the per-post log line is part of the cost
		"MEDIA_BUCKET_URL=" + w.h.bucketURL,
	}
	if v := os.Getenv("PUBLISHER_WORKERS"); v != "" {
		env = append(env, "PUBLISHER_WORKERS="+v)
	}
	// A checkpoint now restarts PostgreSQL's checkpoint timer: none falls
	// in a measurement (the scenarios are shorter than checkpoint_timeout),
	// where it would charge one run and not the other.
	if _, err := w.pool.Exec(ctx, benchTag+" CHECKPOINT"); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if w.c.bouncer {
		through, err := w.startBouncer(ctx)
		if err != nil {
			return err
		}
		// Pools through PgBouncer (the later DATABASE_URL wins); LISTEN
		// keeps a session of its own.
		env = append(env, "DATABASE_URL="+through, "DATABASE_LISTEN_URL="+w.dbURL)
	}
	// Replicas start one after the other: each is ready (listening) before
	// the next starts, and before any post is stored.
	for i := range max(1, w.c.replicas) {
		log := filepath.Join(w.h.work, fmt.Sprintf("%s-%s-%d.log", w.c.name, w.name, i+1))
		p, err := startPublisher(ctx, w.c.bin, log, env)
		if err != nil {
			return err
		}
		w.pubs = append(w.pubs, p)
	}
	return nil
}

// close stops the publishers first, so nothing touches the database while
// it is dropped.
func (w *world) close() error {
	for _, p := range w.pubs {
		p.stop()
	}
	if w.bouncer != nil {
		w.bouncer.stop()
	}
	for _, f := range w.cleanup {
		f()
	}
	if w.x != nil {
		w.x.close()
	}
	if w.pool != nil {
		w.pool.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return w.h.dropDatabase(ctx, w.dbName)
}

// sample brackets a measurement window.
func (w *world) sample(ctx context.Context) (sample, error) {
	var pids []int
	for _, p := range w.pubs {
		if err := p.alive(); err != nil {
			return sample{}, err
		}
		pids = append(pids, p.pid())
	}
	if w.bouncer != nil {
		pids = append(pids, w.bouncer.pid()) // the pooler is the publisher's side
	}
	return w.h.takeSample(ctx, w.dbName, pids)
}

// alive reports the first publisher that exited on its own.
func (w *world) alive() error {
	for _, p := range w.pubs {
		if err := p.alive(); err != nil {
			return err
		}
	}
	return nil
}

// awaitCreated waits until X created n distinct posts whose text starts
// with prefix, or deadline passes (the rest then count as missing), failing
// early if the publisher died.
func (w *world) awaitCreated(ctx context.Context, prefix string, n int, deadline time.Time) error {
	for w.x.created(prefix) < n && time.Now().Before(deadline) {
		if err := w.alive(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	// The fake calls OnPost inside its handler but records the request
	// (which arrivals reads) only after it: give the last records a moment.
	for range 100 {
		if w.x.arrived(prefix) >= min(n, w.x.created(prefix)) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

// sleepUntil waits for t or ctx.
func sleepUntil(ctx context.Context, t time.Time) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Until(t)):
		return nil
	}
}

const warmUpPrefix = "warm-up "

// warmUp publishes a few posts before a measurement, none of them counted.
// The first posts a new publisher sends pay one-time costs (new database
// and X connections, statement preparation, cold caches and page faults)
// that a long-running publisher does not; 3 of them would be the p99 of
// 300 posts. Their worst lag is reported apart, as the cold start.
func (w *world) warmUp(ctx context.Context) error {
	const n = 10
	start := time.Now().Add(300 * time.Millisecond)
	posts := make([]plannedPost, n)
	for i := range posts {
		created := time.Now().Truncate(time.Microsecond)
		posts[i] = plannedPost{text: fmt.Sprintf("%s%d", warmUpPrefix, i), due: start.Add(time.Duration(i) * 100 * time.Millisecond).Truncate(time.Microsecond)}
		if err := w.insertPost(ctx, i, posts[i], created); err != nil {
			return err
		}
	}
	if err := w.awaitCreated(ctx, warmUpPrefix, n, posts[n-1].due.Add(10*time.Second)); err != nil {
		return err
	}
	arrived := w.x.arrivals()
	for _, p := range posts {
		a := arrived[p.text]
		if len(a) == 0 {
			return fmt.Errorf("warm-up post %q never reached X%s", p.text, w.pubs[0].logTail())
		}
		w.coldLag = max(w.coldLag, a[0].Sub(p.due))
	}
	flushDisk()
	// Let the publisher record the last outcomes before a window opens.
	return sleepUntil(ctx, time.Now().Add(300*time.Millisecond))
}

// flushDisk writes every dirty page of the machine to disk before a
// measurement. The binaries the bench builds (tens of MB) would otherwise
// be written back 30 s later (vm.dirty_expire_centisecs), inside a
// measurement, and PostgreSQL's WAL flushes queued behind them: commits of
// 30–60 ms that belong to the harness, not to what it measures.
func flushDisk() { syscall.Sync() }
