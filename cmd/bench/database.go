package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/oklog/ulid/v2"

	"github.com/betterplan/betterplan/db"
	"github.com/betterplan/betterplan/db/dbq"
	"github.com/betterplan/betterplan/internal/credential"
	"github.com/betterplan/betterplan/internal/mediafile"
	"github.com/betterplan/betterplan/internal/secretbox"
	"github.com/betterplan/betterplan/internal/xclient"
)

// benchTag marks every statement the bench itself sends to a scenario's
// database, so they can be told apart from the publisher's in
// pg_stat_statements (which keeps comments in the query text).
const benchTag = "/* bench */"

// createDatabase makes a fresh, migrated database and returns its URL: each
// scenario starts from an empty posts table and its own statistics.
func (h *harness) createDatabase(ctx context.Context, name string) (string, error) {
	if err := h.dropDatabase(ctx, name); err != nil {
		return "", err
	}
	if _, err := h.admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	u, err := url.Parse(h.adminURL)
	if err != nil {
		return "", fmt.Errorf("BENCH_DATABASE_URL: %w", err)
	}
	u.Path = "/" + name
	if err := db.Migrate(ctx, u.String(), slog.New(slog.DiscardHandler)); err != nil {
		return "", err
	}
	return u.String(), nil
}

// dropDatabase removes a scenario's database so its dead rows do not wake
// autovacuum during a later scenario's measurement.
func (h *harness) dropDatabase(ctx context.Context, name string) error {
	if _, err := h.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

// seedAccounts creates one user, their personal workspace (its id is
// returned: posts belong to it) and n active X accounts whose credentials
// the fake X issued, sealed with keys like the api does.
func seedAccounts(ctx context.Context, q *dbq.Queries, keys *secretbox.Keyring, x *xServer, n int) (workspaceID string, integrationIDs []string, err error) {
	now := time.Now()
	u, err := q.UserCreate(ctx, dbq.UserCreateParams{ID: ulid.Make().String(), Email: "bench@example.com", PasswordHash: "x", DisplayName: "Bench", Now: now})
	if err != nil {
		return "", nil, fmt.Errorf("create user: %w", err)
	}
	ws, err := q.WorkspaceCreate(ctx, dbq.WorkspaceCreateParams{ID: ulid.Make().String(), Name: "Bench", PersonalOf: &u.ID, Now: now})
	if err != nil {
		return "", nil, fmt.Errorf("create workspace: %w", err)
	}
	if err := q.MembershipCreate(ctx, dbq.MembershipCreateParams{WorkspaceID: ws.ID, UserID: u.ID, Role: dbq.WorkspaceRoleOwner, Now: now}); err != nil {
		return "", nil, fmt.Errorf("create membership: %w", err)
	}
	for i := range n {
		username := fmt.Sprintf("bench%d", i+1)
		xid, token, secret := x.fake.IssueCredentials(username)
		sealed, keyID := credential.Seal(keys, xid, xclient.Credentials{Token: token, Secret: secret})
		row, err := q.IntegrationUpsert(ctx, dbq.IntegrationUpsertParams{
			ID: ulid.Make().String(), WorkspaceID: ws.ID, ConnectedBy: &u.ID, Platform: "x", PlatformAccountID: xid, Username: username,
			DisplayName: username, Credential: sealed, CredentialKeyID: keyID, Now: now,
		})
		if err != nil {
			return "", nil, fmt.Errorf("create integration: %w", err)
		}
		integrationIDs = append(integrationIDs, row.ID)
	}
	return ws.ID, integrationIDs, nil
}

// plannedPost is one post a scenario schedules; its text is unique, which is
// how its arrival at X is matched to its scheduled time.
type plannedPost struct {
	text  string
	due   time.Time
	media []string // file ids of its one part
}

var postColumns = []string{"id", "workspace_id", "integration_id", "status", "parts", "part_media", "is_thread", "scheduled_at", "due_at", "created_at", "updated_at"}

// copyPosts inserts posts in one COPY (the trigger still notifies per row),
// spreading them round-robin over the accounts.
func (w *world) copyPosts(ctx context.Context, posts []plannedPost) error {
	now := time.Now()
	rows := make([][]any, len(posts))
	jobs := make([]peerJob, len(posts))
	for i, p := range posts {
		media := []string{}
		if len(p.media) > 0 {
			media = []string{strings.Join(p.media, ",")}
		}
		jobs[i] = peerJob{PostID: ulid.Make().String(), Due: p.due}
		rows[i] = postRow(jobs[i].PostID, w.workspaceID, w.integrations[i%len(w.integrations)], p.text, media, p.due, now)
	}
	if _, err := w.pool.CopyFrom(ctx, pgx.Identifier{"posts"}, postColumns, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("copy %d posts: %w", len(posts), err)
	}
	return w.handOver(ctx, jobs)
}

// postRow is a scheduled post as a COPY into posts (postColumns) takes it.
func postRow(id, workspaceID, integrationID, text string, media []string, due, now time.Time) []any {
	return []any{id, workspaceID, integrationID, "scheduled", []string{text}, media, false, due, due, now, now}
}

// insertPost inserts one post as the api would: its own statement and commit.
func (w *world) insertPost(ctx context.Context, i int, p plannedPost, created time.Time) error {
	id := ulid.Make().String()
	_, err := w.pool.Exec(ctx, benchTag+` INSERT INTO posts (id, workspace_id, integration_id, status, parts, is_thread, scheduled_at, due_at, created_at, updated_at)
VALUES ($1, $2, $3, 'scheduled', $4, false, $5, $5, $6, $6)`,
		id, w.workspaceID, w.integrations[i%len(w.integrations)], []string{p.text}, p.due, created)
	if err != nil {
		return fmt.Errorf("insert post: %w", err)
	}
	return w.handOver(ctx, []peerJob{{PostID: id, Due: p.due}})
}

// peerJob is one stored post as a peer's job.
type peerJob struct {
	PostID string    `json:"post_id"`
	Due    time.Time `json:"due"`
}

// handOver enqueues jobs on a peer with its own job table (no-op for ours,
// which reads the posts table).
func (w *world) handOver(ctx context.Context, jobs []peerJob) error {
	if !w.c.handOver {
		return nil
	}
	body, err := json.Marshal(jobs)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+w.pubs[0].addr+"/enqueue", bytes.NewReader(body))
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("enqueue on %s: %w", w.c.name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1000))
		return fmt.Errorf("enqueue on %s: %s: %s", w.c.name, resp.Status, msg)
	}
	return nil
}

// statuses counts the posts whose text starts with prefix by status.
func (w *world) statuses(ctx context.Context, prefix string) (map[string]int, error) {
	query := "SELECT status, count(*) FROM posts WHERE starts_with(parts[1], $1) GROUP BY status"
	if w.c.statuses != "" {
		query = w.c.statuses
	}
	rows, err := w.pool.Query(ctx, benchTag+" "+query, prefix)
	if err != nil {
		return nil, fmt.Errorf("count posts by status: %w", err)
	}
	out := map[string]int{}
	var status string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&status, &n}, func() error {
		out[status] = n
		return nil
	})
	return out, err
}

// awaitStatus waits (up to timeout) until the n posts starting with prefix
// have status want: the publisher records the outcome a moment after X
// answered.
func (w *world) awaitStatus(ctx context.Context, prefix, want string, n int, timeout time.Duration) (map[string]int, error) {
	deadline := time.Now().Add(timeout)
	for {
		counts, err := w.statuses(ctx, prefix)
		if err != nil || counts[want] == n || time.Now().After(deadline) {
			return counts, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// settleTable vacuums and analyzes the database (posts, and a peer's job
// table) and checkpoints, so the bulk load the bench just did is not charged
// to the publisher as autovacuum or checkpoint work during a measurement.
func (w *world) settleTable(ctx context.Context) error {
	if _, err := w.pool.Exec(ctx, benchTag+" VACUUM ANALYZE"); err != nil {
		return fmt.Errorf("vacuum: %w", err)
	}
	if _, err := w.pool.Exec(ctx, benchTag+" CHECKPOINT"); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// openPool connects to a scenario database.
func openPool(ctx context.Context, dbURL string) (*pgxpool.Pool, error) {
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to %s: %w", dbURL, err)
	}
	return pool, nil
}

var mediaColumns = []string{"id", "workspace_id", "filename", "state", "declared_type", "size_bytes", "uploaded_at", "sha256",
	"kind", "mime", "width", "height", "duration_ms", "created_at", "updated_at"}

// benchFile is one file of the library, as MediaService leaves it ready.
type benchFile struct {
	name, kind, mime string
	data             []byte
	durationMS       int
}

// storeMedia puts files in the bucket and the library; it returns their ids.
func (w *world) storeMedia(ctx context.Context, files []benchFile) ([]string, error) {
	now := time.Now()
	ids := make([]string, len(files))
	rows := make([][]any, len(files))
	for i, f := range files {
		ids[i] = ulid.Make().String()
		if err := w.h.bucket.WriteAll(ctx, mediafile.Key(ids[i]), f.data, nil); err != nil {
			return nil, fmt.Errorf("store %s: %w", f.name, err)
		}
		sum := sha256.Sum256(f.data)
		rows[i] = []any{ids[i], w.workspaceID, f.name, "ready", f.mime, int64(len(f.data)), now, sum[:], f.kind, f.mime, 640, 360, f.durationMS, now, now}
	}
	if _, err := w.pool.CopyFrom(ctx, pgx.Identifier{"media"}, mediaColumns, pgx.CopyFromRows(rows)); err != nil {
		return nil, fmt.Errorf("copy %d files: %w", len(files), err)
	}
	return ids, nil
}

// awaitUploads waits until n files are on X, ready (the publisher's pre-upload).
func (w *world) awaitUploads(ctx context.Context, n int, deadline time.Time) error {
	for {
		var ready, failed int
		err := w.pool.QueryRow(ctx, benchTag+` SELECT count(*) FILTER (WHERE state = 'ready'), count(*) FILTER (WHERE state = 'failed') FROM media_uploads`).Scan(&ready, &failed)
		switch {
		case err != nil:
			return err
		case failed > 0:
			return fmt.Errorf("%d media uploads failed", failed)
		case ready >= n:
			return nil
		case time.Now().After(deadline):
			return fmt.Errorf("only %d of %d files were on X before the posts were due", ready, n)
		}
		if err := sleepUntil(ctx, time.Now().Add(100*time.Millisecond)); err != nil {
			return err
		}
	}
}
