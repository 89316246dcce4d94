package db_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/betterplan/betterplan/db/dbq"
	"github.com/betterplan/betterplan/internal/apitest"
)

// The hand-written page readers (db/dbq/pages.go) must read what sqlc's
// generated ones read, row for row: every column in its place, and no row
// sharing a pointer with another.
func TestAppendPostPages(t *testing.T) {
	ctx := context.Background()
	pool := apitest.Pool(t, apitest.DB(t))
	q := dbq.New(pool)
	// Posts that differ in every kind of column, NULL and not: pointers
	// (times, strings, numbers), arrays and plain values.
	if _, err := pool.Exec(ctx, `
INSERT INTO users (id, email, password_hash, display_name, created_at, updated_at) VALUES
  ('u1', 'u1@example.com', 'x', 'One', now(), now()), ('u2', 'u2@example.com', 'x', 'Two', now(), now());
INSERT INTO workspaces (id, name, created_at, updated_at) VALUES ('w1', 'W', now(), now());
INSERT INTO memberships (workspace_id, user_id, role, created_at, updated_at) VALUES ('w1', 'u1', 'owner', now(), now());
INSERT INTO posts (id, workspace_id, author_id, status, parts, is_thread, scheduled_at, due_at, x_post_ids, x_username,
                   last_error_kind, last_error_message, last_error_x_status, last_error_at, published_at, rejected_by,
                   rejection_reason, rejected_at, evergreen_days, evergreen_texts, created_at, updated_at) VALUES
  ('p1', 'w1', 'u1', 'published', '{"one","two"}', true, now() + interval '1 hour', now() + interval '1 hour', '{"x1","x2"}', 'ada',
   NULL, '', 0, NULL, now() - interval '1 minute', NULL, '', NULL, 30, '{"again"}', now(), now()),
  ('p2', 'w1', 'u2', 'failed', '{"three"}', false, now() + interval '2 hours', now() + interval '2 hours', '{}', '',
   'rejected', 'X said no', 403, now() - interval '2 minutes', NULL, 'u1', 'too loud', now() - interval '3 minutes', NULL, '{}', now(), now()),
  ('p3', 'w1', NULL, 'draft', '{"four"}', false, NULL, NULL, '{}', '',
   NULL, '', 0, NULL, NULL, NULL, '', NULL, NULL, '{}', now(), now()),
  ('p4', 'w1', 'u1', 'draft', '{"five"}', false, NULL, NULL, '{}', 'bob',
   'x_unavailable', 'timed out', 502, now() - interval '4 minutes', NULL, 'u2', '', now(), 7, '{"a","b"}', now(), now());
`); err != nil {
		t.Fatal(err)
	}
	far := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	zero := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)

	check := func(t *testing.T, got []dbq.Post, err error, want []dbq.Post, wantErr error) {
		t.Helper()
		if err != nil || wantErr != nil {
			t.Fatalf("errors: %v (hand-written), %v (generated)", err, wantErr)
		}
		if len(want) < 2 {
			t.Fatalf("the generated query read %d rows, want at least 2 to compare", len(want))
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("hand-written read\n%+v\nsqlc's read\n%+v", got, want)
		}
	}
	t.Run("scheduled, ascending", func(t *testing.T) {
		arg := dbq.PostPageAscParams{WorkspaceID: "w1", Statuses: []string{}, FromAt: zero, ToAt: far, Lim: 10, UserID: "u1"}
		want, werr := q.PostPageAsc(ctx, arg)
		got, err := q.AppendPostPageAsc(ctx, make([]dbq.Post, 0, 1), arg) // grows past its room too
		check(t, got, err, want, werr)
	})
	t.Run("scheduled, descending", func(t *testing.T) {
		arg := dbq.PostPageDescParams{WorkspaceID: "w1", Statuses: []string{}, FromAt: zero, ToAt: far, Lim: 10, UserID: "u1"}
		want, werr := q.PostPageDesc(ctx, arg)
		got, err := q.AppendPostPageDesc(ctx, nil, arg)
		check(t, got, err, want, werr)
	})
	t.Run("drafts, after what is there", func(t *testing.T) {
		arg := dbq.PostDraftsAscParams{WorkspaceID: "w1", Statuses: []string{}, Lim: 10, UserID: "u1"}
		want, werr := q.PostDraftsAsc(ctx, arg)
		first := dbq.Post{ID: "already there"}
		got, err := q.AppendPostDraftsAsc(ctx, []dbq.Post{first}, arg)
		if len(got) == 0 || got[0].ID != first.ID {
			t.Fatalf("the rows already in the slice were lost: %+v", got)
		}
		check(t, got[1:], err, want, werr)
	})
	t.Run("drafts, descending", func(t *testing.T) {
		arg := dbq.PostDraftsDescParams{WorkspaceID: "w1", Statuses: []string{}, BeforeID: "~", Lim: 10, UserID: "u1"}
		want, werr := q.PostDraftsDesc(ctx, arg)
		got, err := q.AppendPostDraftsDesc(ctx, nil, arg)
		check(t, got, err, want, werr)
	})
	t.Run("not a member", func(t *testing.T) {
		got, err := q.AppendPostPageAsc(ctx, nil, dbq.PostPageAscParams{WorkspaceID: "w1", Statuses: []string{}, FromAt: zero, ToAt: far, Lim: 10, UserID: "u2"})
		if err != nil || len(got) != 0 {
			t.Fatalf("a non-member read %d posts (%v)", len(got), err)
		}
	})
}
