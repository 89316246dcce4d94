package post_test

import (
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/betterplan/betterplan/db/dbq"
	integrationv1 "github.com/betterplan/betterplan/gen/betterplan/integration/v1"
	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
	"github.com/betterplan/betterplan/internal/apitest"
)

func TestDisconnectFailsScheduledPosts(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	ada := newUser(t, env, "ada@example.com", "ada_x")
	work := ada.connectX("ada_work")

	later := ada.schedule("later", time.Hour)
	now := ada.create(&postv1.CreatePostRequest{Content: text("now"), When: &postv1.CreatePostRequest_PublishNow{PublishNow: true}})
	draft := ada.draft("draft")
	failed := ada.schedule("failed before", time.Hour)
	setPost(t, env, failed.GetId(), asFailed)
	published := ada.schedule("published", time.Hour)
	setPost(t, env, published.GetId(), asPublished)
	other := ada.create(&postv1.CreatePostRequest{IntegrationId: work, Content: text("other account"), When: at(ada.in(time.Hour))})

	env.Clock.Advance(time.Minute)
	if _, err := env.Integration(ada.token).DeleteIntegration(ctx, connect.NewRequest(&integrationv1.DeleteIntegrationRequest{Id: ada.integID})); err != nil {
		t.Fatal(err)
	}

	for _, p := range []*postv1.Post{later, now} {
		got := ada.get(p.GetId())
		e := got.GetLastError()
		if got.GetStatus() != postv1.Status_STATUS_FAILED || got.GetNextAttemptTime() != nil || got.GetIntegrationId() != "" ||
			e.GetKind() != postv1.ErrorKind_ERROR_KIND_INTEGRATION_DISCONNECTED || e.GetMessage() == "" || got.GetVersion() != p.GetVersion()+1 {
			t.Fatalf("scheduled post after disconnect: %v", got)
		}
		wantTime(t, "last_error.time", e.GetTime(), env.Clock.Now())
	}
	if got := ada.get(draft.GetId()); got.GetStatus() != postv1.Status_STATUS_DRAFT || got.GetLastError() != nil || got.GetIntegrationId() != "" {
		t.Fatalf("draft after disconnect: %v", got)
	}
	if got := ada.get(failed.GetId()); got.GetStatus() != postv1.Status_STATUS_FAILED || got.GetLastError().GetKind() != postv1.ErrorKind_ERROR_KIND_REJECTED {
		t.Fatalf("an earlier failure must keep its reason: %v", got)
	}
	if got := ada.get(published.GetId()); got.GetStatus() != postv1.Status_STATUS_PUBLISHED || got.GetParts()[0].GetUrl() == "" {
		t.Fatalf("published post after disconnect: %v", got)
	}
	if got := ada.get(other.GetId()); got.GetStatus() != postv1.Status_STATUS_SCHEDULED || got.GetIntegrationId() != work {
		t.Fatalf("another account's post after disconnect: %v", got)
	}

	// Nothing can send them any more; the draft can still be edited.
	_, err := ada.c.RetryPost(ctx, connect.NewRequest(&postv1.RetryPostRequest{Id: later.GetId()}))
	wantCode(t, err, connect.CodeFailedPrecondition, "disconnected")
	_, err = ada.c.PublishPost(ctx, connect.NewRequest(&postv1.PublishPostRequest{Id: draft.GetId()}))
	wantCode(t, err, connect.CodeFailedPrecondition, "disconnected")
	_, err = ada.update(&postv1.UpdatePostRequest{Id: draft.GetId(), Version: draft.GetVersion(), When: &postv1.UpdatePostRequest_ScheduledTime{ScheduledTime: ada.in(time.Hour)}})
	wantCode(t, err, connect.CodeFailedPrecondition, "disconnected")
	if _, err := ada.update(&postv1.UpdatePostRequest{Id: draft.GetId(), Version: draft.GetVersion(), Content: &postv1.UpdatePostRequest_Text{Text: "kept"}}); err != nil {
		t.Fatal(err)
	}
	_, err = ada.c.CreatePost(ctx, connect.NewRequest(&postv1.CreatePostRequest{IntegrationId: ada.integID, Content: text("x"), When: &postv1.CreatePostRequest_Draft{Draft: true}}))
	wantCode(t, err, connect.CodeNotFound, "no such X account")
}

// waitForLockWait returns once some session of the test database waits for
// a lock: the request under test has reached the lock the test holds.
func waitForLockWait(t *testing.T, env *apitest.Env) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		if err := env.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
	}
	t.Fatal("the request never waited for the lock the test holds")
}

func orphans(t *testing.T, env *apitest.Env) int {
	t.Helper()
	var n int
	if err := env.Pool.QueryRow(ctx, `SELECT count(*) FROM posts WHERE status = 'scheduled' AND integration_id IS NULL`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A post scheduled while its X account is being disconnected never ends up
// scheduled without an account: either the disconnect comes first and the
// post is refused, or the post comes first and the disconnect fails it.
func TestDisconnectRacesScheduling(t *testing.T) {
	t.Parallel()
	t.Run("disconnect first", func(t *testing.T) {
		t.Parallel()
		env := apitest.Start(t, apitest.Options{})
		ada := newUser(t, env, "ada@example.com", "ada_x")

		// DeleteIntegration's transaction, paused after its first statement.
		tx, err := env.Pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = tx.Rollback(ctx) }()
		q := dbq.New(tx)
		if _, err := q.IntegrationLockForDelete(ctx, dbq.IntegrationLockForDeleteParams{ID: ada.integID, WorkspaceID: ada.ws}); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			_, err := ada.c.CreatePost(ctx, connect.NewRequest(&postv1.CreatePostRequest{IntegrationId: ada.integID, Content: text("racing"), When: at(ada.in(time.Hour))}))
			done <- err
		}()
		waitForLockWait(t, env)
		now := env.Clock.Now()
		if err := q.PostFailForIntegration(ctx, dbq.PostFailForIntegrationParams{Now: now, IntegrationID: &ada.integID}); err != nil {
			t.Fatal(err)
		}
		if _, err := q.IntegrationDelete(ctx, dbq.IntegrationDeleteParams{ID: ada.integID, WorkspaceID: ada.ws}); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		wantCode(t, <-done, connect.CodeNotFound, "no such X account")
		if n := orphans(t, env); n != 0 {
			t.Fatalf("%d scheduled posts without an X account", n)
		}
	})
	t.Run("post first", func(t *testing.T) {
		t.Parallel()
		env := apitest.Start(t, apitest.Options{})
		ada := newUser(t, env, "ada@example.com", "ada_x")

		// CreatePost's transaction, paused before its commit.
		tx, err := env.Pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = tx.Rollback(ctx) }()
		q := dbq.New(tx)
		if _, err := q.IntegrationHoldForPost(ctx, dbq.IntegrationHoldForPostParams{ID: ada.integID, WorkspaceID: ada.ws}); err != nil {
			t.Fatal(err)
		}
		due := env.Clock.Now().Add(time.Hour)
		p, err := q.PostCreate(ctx, dbq.PostCreateParams{
			ID: "01J0000000000000000000RACE", WorkspaceID: ada.ws, IntegrationID: &ada.integID, Status: "scheduled",
			Parts: []string{"racing"}, ScheduledAt: &due, DueAt: &due, Now: env.Clock.DB(),
		})
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			_, err := env.Integration(ada.token).DeleteIntegration(ctx, connect.NewRequest(&integrationv1.DeleteIntegrationRequest{Id: ada.integID}))
			done <- err
		}()
		waitForLockWait(t, env)
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		got := ada.get(p.ID)
		if got.GetStatus() != postv1.Status_STATUS_FAILED || got.GetLastError().GetKind() != postv1.ErrorKind_ERROR_KIND_INTEGRATION_DISCONNECTED {
			t.Fatalf("post written during the disconnect: %v", got)
		}
		if n := orphans(t, env); n != 0 {
			t.Fatalf("%d scheduled posts without an X account", n)
		}
	})
}
