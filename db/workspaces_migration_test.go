package db_test

import (
	"context"
	"database/sql"
	"io/fs"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pressly/goose/v3"

	"github.com/betterplan/betterplan/db"
	"github.com/betterplan/betterplan/internal/apitest"
)

// beforeWorkspaces is the last schema version where users owned X
// accounts and posts.
const beforeWorkspaces = 9

func provider(t *testing.T, url string) *goose.Provider {
	t.Helper()
	sqlDB, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sqlDB.Close() })
	fsys, err := fs.Sub(db.Migrations, db.MigrationsDir)
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, fsys)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// postState is what the migration must not change about a post.
type postState struct {
	Status, Parts, XPostIDs, Lease string
	Scheduled, Due                 *time.Time
	Version                        int64
}

func readPosts(t *testing.T, conn *pgx.Conn) map[string]postState {
	t.Helper()
	rows, err := conn.Query(context.Background(), `SELECT id, status::text, parts::text, x_post_ids::text,
		coalesce(lease_owner, '') || '@' || coalesce(lease_expires_at::text, ''), scheduled_at, due_at, version FROM posts`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]postState{}
	for rows.Next() {
		var id string
		var s postState
		if err := rows.Scan(&id, &s.Status, &s.Parts, &s.XPostIDs, &s.Lease, &s.Scheduled, &s.Due, &s.Version); err != nil {
			t.Fatal(err)
		}
		out[id] = s
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	return out
}

// TestWorkspacesMigrationOnData migrates a database full of version-9 data
// (two users, their X accounts, posts in every state, a pending X
// authorization): each user gets a personal workspace that owns what was
// theirs, nothing scheduled changes, the triggers work on the new shape,
// and the migration goes down and up again on that data.
func TestWorkspacesMigrationOnData(t *testing.T) {
	ctx := context.Background()
	url := apitest.EmptyDB(t)
	p := provider(t, url)
	if _, err := p.UpTo(ctx, beforeWorkspaces); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	const ada, bob = "01J0000000000000000000ADA0", "01J0000000000000000000B0B0"
	exec(`INSERT INTO users (id, email, password_hash, display_name, created_at, updated_at, time_zone) VALUES
		($1, 'ada@example.com', 'x', 'Ada Lovelace', now() - interval '30 days', now(), 'Europe/London'),
		($2, 'bob@example.com', 'x', 'Bob', now() - interval '3 days', now(), '')`, ada, bob)
	exec(`INSERT INTO integrations (id, user_id, platform, platform_account_id, username, display_name, credential, credential_key_id, status, created_at, updated_at) VALUES
		('01J00000000000000000INTADA', $1, 'x', '111', 'ada_x', 'Ada', '\x01'::bytea, 'k1', 'active', now(), now()),
		('01J00000000000000000INTBOB', $2, 'x', '222', 'bob_x', 'Bob', '\x02'::bytea, 'k1', 'needs_reconnect', now(), now())`, ada, bob)
	exec(`INSERT INTO x_authorizations (oauth_token, user_id, token_secret, token_secret_key_id, pin_flow, created_at, expires_at)
		VALUES ('tok', $1, '\x00'::bytea, 'k1', true, now(), now() + interval '15 minutes')`, ada)
	exec(`INSERT INTO posts (id, user_id, integration_id, status, parts, is_thread, scheduled_at, due_at, attempts, x_post_ids,
			in_flight_part, in_flight_since, lease_owner, lease_expires_at, last_error_kind, last_error_message, published_at, version, created_at, updated_at) VALUES
		('01J0000000000000000PDRAFT0', $1, '01J00000000000000000INTADA', 'draft', '{a draft}', false, NULL, NULL, 0, '{}', NULL, NULL, NULL, NULL, NULL, '', NULL, 3, now(), now()),
		('01J0000000000000000PSCHED0', $1, '01J00000000000000000INTADA', 'scheduled', '{soon,then}', true, now() + interval '1 hour', now() + interval '1 hour', 0, '{}', NULL, NULL, NULL, NULL, NULL, '', NULL, 1, now(), now()),
		('01J0000000000000000PPUBING', $1, '01J00000000000000000INTADA', 'publishing', '{going}', false, now(), now(), 1, '{}', 0, now(), 'pub-1', now() + interval '30 seconds', NULL, '', NULL, 2, now(), now()),
		('01J0000000000000000PPUBLSH', $1, '01J00000000000000000INTADA', 'published', '{done}', false, now() - interval '1 day', NULL, 1, '{1900}', NULL, NULL, NULL, NULL, NULL, '', now() - interval '1 day', 4, now(), now()),
		('01J0000000000000000PFAILED', $2, '01J00000000000000000INTBOB', 'failed', '{no}', false, now() - interval '1 hour', NULL, 1, '{}', NULL, NULL, NULL, NULL, 'duplicate', 'X refused it', NULL, 2, now(), now()),
		('01J0000000000000000PUNCONF', $2, '01J00000000000000000INTBOB', 'unconfirmed', '{maybe}', false, now() - interval '1 hour', NULL, 2, '{}', 0, now(), NULL, NULL, 'unconfirmed', 'X could not be read', NULL, 5, now(), now()),
		('01J0000000000000000PORPHAN', $2, NULL, 'failed', '{orphan}', false, now() - interval '2 hours', NULL, 0, '{}', NULL, NULL, NULL, NULL, 'integration_disconnected', 'gone', NULL, 2, now(), now())`, ada, bob)
	before := readPosts(t, conn)

	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("migrate up on data: %v", err)
	}

	// Each user: one personal workspace, their id, their name, owned by them.
	for _, u := range []struct{ id, name string }{{ada, "Ada Lovelace"}, {bob, "Bob"}} {
		var wsID, name, personal, role string
		if err := conn.QueryRow(ctx, `SELECT w.id, w.name, w.personal_of, m.role::text FROM workspaces w
			JOIN memberships m ON m.workspace_id = w.id WHERE m.user_id = $1`, u.id).Scan(&wsID, &name, &personal, &role); err != nil {
			t.Fatalf("workspace of %s: %v", u.name, err)
		}
		if wsID != u.id || name != u.name || personal != u.id || role != "owner" {
			t.Fatalf("%s's workspace: id %s name %q personal_of %s role %s", u.name, wsID, name, personal, role)
		}
	}
	// X accounts and posts belong to their user's workspace; nothing else moved.
	var wrong int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM integrations WHERE workspace_id IS DISTINCT FROM connected_by
		OR (id = '01J00000000000000000INTADA') <> (workspace_id = $1)`, ada).Scan(&wrong); err != nil || wrong != 0 {
		t.Fatalf("%d X accounts in the wrong workspace (%v)", wrong, err)
	}
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM posts WHERE workspace_id IS DISTINCT FROM author_id
		OR workspace_id <> CASE WHEN id IN ('01J0000000000000000PFAILED', '01J0000000000000000PUNCONF', '01J0000000000000000PORPHAN') THEN $2 ELSE $1 END`, ada, bob).Scan(&wrong); err != nil || wrong != 0 {
		t.Fatalf("%d posts in the wrong workspace (%v)", wrong, err)
	}
	after := readPosts(t, conn)
	for id, want := range before {
		if got := after[id]; !equalState(got, want) {
			t.Errorf("post %s changed: %+v, was %+v", id, got, want)
		}
	}
	var pending int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM x_authorizations`).Scan(&pending); err != nil || pending != 0 {
		t.Fatalf("%d pending X authorizations kept (%v)", pending, err)
	}

	// Triggers on the new shape: due times still wake publishers, changes
	// name the workspace, publishing is recorded once in the activity.
	exec(`LISTEN posts_due`)
	exec(`LISTEN posts_changed`)
	exec(`UPDATE posts SET due_at = due_at + interval '1 minute' WHERE id = '01J0000000000000000PSCHED0'`)
	got := map[string]string{}
	for range 2 {
		wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		if err != nil {
			t.Fatalf("notifications so far %v: %v", got, err)
		}
		got[n.Channel] = n.Payload
	}
	if got["posts_changed"] != ada+":01J0000000000000000PSCHED0" || got["posts_due"] == "" {
		t.Fatalf("notifications: %v", got)
	}
	exec(`UPDATE posts SET status = 'published', published_at = now(), x_post_ids = '{1901}', due_at = NULL WHERE id = '01J0000000000000000PSCHED0'`)
	exec(`UPDATE posts SET version = version + 1 WHERE id = '01J0000000000000000PSCHED0'`)
	var kinds []string
	rows, err := conn.Query(ctx, `SELECT kind::text FROM post_activity WHERE post_id = '01J0000000000000000PSCHED0' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		_ = rows.Scan(&k)
		kinds = append(kinds, k)
	}
	if !slices.Equal(kinds, []string{"published"}) {
		t.Fatalf("activity after publishing (and an update that changes no status): %v", kinds)
	}
	// Still one workspace per X account.
	if _, err := conn.Exec(ctx, `INSERT INTO integrations (id, workspace_id, platform, platform_account_id, username, display_name, credential, credential_key_id, status, created_at, updated_at)
		VALUES ('01J00000000000000000INTDUP', $1, 'x', '111', 'ada_x', 'Ada', '\x01'::bytea, 'k1', 'active', now(), now())`, bob); err == nil {
		t.Fatal("the same X account connected to a second workspace")
	}

	// Down to version 9 and up again, on this data.
	if _, err := p.DownTo(ctx, beforeWorkspaces); err != nil {
		t.Fatalf("migrate down on data: %v", err)
	}
	var owner string
	if err := conn.QueryRow(ctx, `SELECT user_id FROM posts WHERE id = '01J0000000000000000PFAILED'`).Scan(&owner); err != nil || owner != bob {
		t.Fatalf("after down, Bob's post belongs to %q (%v)", owner, err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("migrate up again: %v", err)
	}

	// A deleted user takes their personal workspace with its accounts and posts.
	exec(`DELETE FROM users WHERE id = $1`, bob)
	var left int
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM workspaces WHERE id = $1) + (SELECT count(*) FROM integrations WHERE workspace_id = $1)
		+ (SELECT count(*) FROM posts WHERE workspace_id = $1)`, bob).Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d rows of a deleted user's workspace remain (%v)", left, err)
	}
}

func equalState(a, b postState) bool {
	eq := func(x, y *time.Time) bool { return (x == nil) == (y == nil) && (x == nil || x.Equal(*y)) }
	return a.Status == b.Status && a.Parts == b.Parts && a.XPostIDs == b.XPostIDs && a.Lease == b.Lease &&
		a.Version == b.Version && eq(a.Scheduled, b.Scheduled) && eq(a.Due, b.Due)
}
