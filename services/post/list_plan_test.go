package post_test

import (
	"encoding/json"
	"testing"
	"time"

	"connectrpc.com/connect"

	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
	"github.com/betterplan/betterplan/internal/apitest"
)

// TestListingWithoutStatistics: right after 20,000 posts are loaded, with
// no statistics at all (never analyzed), a page of the list reads about a
// page of the table, not the whole workspace, and paging through returns
// every post once, in order.
func TestListingWithoutStatistics(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	u := newUser(t, env, "ada@example.com", "ada_x")
	if _, err := env.Pool.Exec(ctx, `ALTER TABLE posts SET (autovacuum_enabled = false)`); err != nil {
		t.Fatal(err)
	}
	// Every 7th a draft; the rest scheduled a minute apart from tomorrow.
	if _, err := env.Pool.Exec(ctx, `
		INSERT INTO posts (id, workspace_id, author_id, integration_id, status, parts, is_thread, scheduled_at, due_at, created_at, updated_at)
		SELECT lpad(g::text, 26, '0'), $1, NULL, $2,
		       CASE WHEN g % 7 = 0 THEN 'draft' ELSE 'scheduled' END::post_status, ARRAY['post ' || g], false,
		       CASE WHEN g % 7 = 0 THEN NULL ELSE $3::timestamptz + g * interval '1 minute' END,
		       CASE WHEN g % 7 = 0 THEN NULL ELSE $3::timestamptz + g * interval '1 minute' END, $3, $3
		FROM generate_series(1, 20000) g`, u.ws, u.integID, env.Clock.Now().Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	var tuples float64
	if err := env.Pool.QueryRow(ctx, `SELECT reltuples FROM pg_class WHERE relname = 'posts'`).Scan(&tuples); err != nil || tuples != -1 {
		t.Fatalf("posts has statistics (reltuples %v, %v): the test needs a never-analyzed table", tuples, err)
	}

	// Each page function, as ListPosts calls it, reads a page's worth.
	buffers := func(call string, args ...any) int {
		t.Helper()
		var plan []struct {
			Plan struct {
				Hit  int `json:"Shared Hit Blocks"`
				Read int `json:"Shared Read Blocks"`
			} `json:"Plan"`
		}
		var raw []byte
		for range 2 { // the second call: the first also plans the function's query
			if err := env.Pool.QueryRow(ctx, "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "+call, args...).Scan(&raw); err != nil {
				t.Fatalf("%s: %v", call, err)
			}
		}
		if err := json.Unmarshal(raw, &plan); err != nil {
			t.Fatal(err)
		}
		return plan[0].Plan.Hit + plan[0].Plan.Read
	}
	far := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	early := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	middle := env.Clock.Now().Add(24*time.Hour + 9000*time.Minute)
	for name, n := range map[string]int{
		"first page":       buffers(`SELECT * FROM posts_page_asc($1, '{}', NULL, $2, '', $3, '', 51)`, u.ws, early, far),
		"from the middle":  buffers(`SELECT * FROM posts_page_asc($1, '{}', NULL, $2, '~', $3, '', 51)`, u.ws, middle, far),
		"latest first":     buffers(`SELECT * FROM posts_page_desc($1, '{}', NULL, $2, '', $3, '', 51)`, u.ws, early, far),
		"drafts":           buffers(`SELECT * FROM posts_drafts_asc($1, '{}', NULL, '', 51)`, u.ws),
		"drafts, latest":   buffers(`SELECT * FROM posts_drafts_desc($1, '{}', NULL, '~', 51)`, u.ws),
		"a month's window": buffers(`SELECT * FROM posts_page_asc($1, '{}', NULL, $2, '~', $3, '', 51)`, u.ws, middle, middle.Add(30*24*time.Hour)),
	} {
		// A 51-row page is about 10 to 25 blocks; the whole workspace ~800.
		if n > 80 {
			t.Errorf("%s read %d blocks for a page of 51 posts: the plan reads the workspace, not a page", name, n)
		}
	}

	// Paging through the API: every post once, in order, both ways.
	for _, desc := range []bool{false, true} {
		seen, tok, prevKey := 0, "", ""
		for {
			res, err := u.c.ListPosts(ctx, connect.NewRequest(&postv1.ListPostsRequest{WorkspaceId: u.ws, PageSize: 100, PageToken: tok, Descending: desc}))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range res.Msg.GetPosts() {
				key := "1|" + p.GetId() // drafts last
				if p.GetScheduledTime() != nil {
					key = "0|" + p.GetScheduledTime().AsTime().UTC().Format(time.RFC3339Nano) + "|" + p.GetId()
				}
				inOrder := prevKey == "" || key > prevKey
				if desc && prevKey != "" && key[0] == prevKey[0] {
					inOrder = key < prevKey
				}
				if !inOrder {
					t.Fatalf("descending=%v: %s after %s", desc, key, prevKey)
				}
				prevKey = key
				seen++
			}
			if tok = res.Msg.GetNextPageToken(); tok == "" {
				break
			}
		}
		if seen != 20000 {
			t.Fatalf("descending=%v: %d posts listed, want 20000", desc, seen)
		}
	}
}
