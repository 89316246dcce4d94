package post_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5"

	accountv1 "github.com/betterplan/betterplan/gen/betterplan/account/v1"
	"github.com/betterplan/betterplan/gen/betterplan/account/v1/accountv1connect"
	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
	"github.com/betterplan/betterplan/gen/betterplan/post/v1/postv1connect"
	"github.com/betterplan/betterplan/internal/apitest"
)

// arrive is how long a change may take to reach a stream.
const arrive = 3 * time.Second

// watcher is an open WatchPosts stream over the Connect protocol on
// HTTP/1.1, as connect-web in a browser opens it.
type watcher struct {
	t      *testing.T
	msgs   chan *postv1.WatchPostsResponse
	mu     sync.Mutex
	err    error // the stream's end, once msgs is closed
	cancel context.CancelFunc
}

func watch(t *testing.T, url, token string) *watcher {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	// No client timeout: the stream is meant to outlive any.
	c := postv1connect.NewPostServiceClient(&http.Client{}, url, apitest.WithBearer(token))
	w := &watcher{t: t, msgs: make(chan *postv1.WatchPostsResponse, 1000), cancel: cancel}
	ws := "01J000000000000000000000XX" // without credentials, any well-formed id
	if token != "" {
		me, err := accountv1connect.NewAccountServiceClient(&http.Client{}, url, apitest.WithBearer(token)).GetMe(ctx, connect.NewRequest(&accountv1.GetMeRequest{}))
		if err != nil {
			t.Fatalf("GetMe: %v", err)
		}
		ws = me.Msg.GetWorkspaces()[0].GetWorkspace().GetId()
	}
	stream, err := c.WatchPosts(ctx, connect.NewRequest(&postv1.WatchPostsRequest{WorkspaceId: ws}))
	if err != nil {
		t.Fatalf("WatchPosts: %v", err)
	}
	go func() {
		for stream.Receive() {
			w.msgs <- stream.Msg()
		}
		w.mu.Lock()
		w.err = stream.Err()
		w.mu.Unlock()
		_ = stream.Close()
		close(w.msgs)
	}()
	t.Cleanup(w.close)
	return w
}

func (w *watcher) close() {
	w.cancel()
	for range w.msgs { // until the stream has ended
	}
}

// next is the next message other than a heartbeat.
func (w *watcher) next(what string) *postv1.WatchPostsResponse {
	w.t.Helper()
	timeout := time.After(arrive)
	for {
		select {
		case m, ok := <-w.msgs:
			if !ok {
				w.mu.Lock()
				defer w.mu.Unlock()
				w.t.Fatalf("waiting for %s: the stream ended: %v", what, w.err)
			}
			if m.GetHeartbeat() {
				continue
			}
			return m
		case <-timeout:
			w.t.Fatalf("no %s within %s", what, arrive)
		}
	}
}

func (w *watcher) ready() {
	w.t.Helper()
	if m := w.next("ready"); !m.GetReady() {
		w.t.Fatalf("got %v, want ready", m)
	}
}

// post waits for the next change and checks it is post id with status.
func (w *watcher) post(id string, status postv1.Status) *postv1.Post {
	w.t.Helper()
	m := w.next("post " + id)
	if m.GetPost().GetId() != id || m.GetPost().GetStatus() != status {
		w.t.Fatalf("got %v, want post %s %s", m, id, status)
	}
	return m.GetPost()
}

func (w *watcher) deleted(id string) {
	w.t.Helper()
	if m := w.next("deletion of " + id); m.GetDeletedPostId() != id {
		w.t.Fatalf("got %v, want deleted_post_id %s", m, id)
	}
}

// end waits for the stream to end and returns its error.
func (w *watcher) end() error {
	w.t.Helper()
	timeout := time.After(arrive)
	for {
		select {
		case _, ok := <-w.msgs:
			if !ok {
				w.mu.Lock()
				defer w.mu.Unlock()
				return w.err
			}
		case <-timeout:
			w.t.Fatalf("the stream did not end within %s", arrive)
		}
	}
}

func TestWatchPosts(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	ada := newUser(t, env, "ada@example.com", "ada_x")
	bob := newUser(t, env, "bob@example.com", "bob_x")
	w := watch(t, env.URL, ada.token)
	w.ready()
	bw := watch(t, env.URL, bob.token)
	bw.ready()

	// Created, as GetPost returns it.
	d := ada.draft("first")
	got := w.post(d.GetId(), postv1.Status_STATUS_DRAFT)
	if want := ada.get(d.GetId()); got.GetVersion() != want.GetVersion() || parts(got)[0] != "first" || !got.GetUpdateTime().AsTime().Equal(want.GetUpdateTime().AsTime()) {
		t.Fatalf("streamed %v, GetPost says %v", got, want)
	}
	// Another user's changes never arrive: Bob's post is followed by Ada's.
	bp := bob.draft("bob's")
	bw.post(bp.GetId(), postv1.Status_STATUS_DRAFT)

	// Updated.
	p := ada.schedule("scheduled", time.Hour)
	w.post(p.GetId(), postv1.Status_STATUS_SCHEDULED)
	upd, err := ada.update(&postv1.UpdatePostRequest{Id: p.GetId(), Version: p.GetVersion(), Content: &postv1.UpdatePostRequest_Text{Text: "edited"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := w.post(p.GetId(), postv1.Status_STATUS_SCHEDULED); parts(got)[0] != "edited" || got.GetVersion() != upd.GetVersion() {
		t.Fatalf("update streamed as %v", got)
	}

	// Published, as the publisher writes it.
	if _, err := ada.c.PublishPost(ctx, connect.NewRequest(&postv1.PublishPostRequest{Id: p.GetId()})); err != nil {
		t.Fatal(err)
	}
	w.post(p.GetId(), postv1.Status_STATUS_SCHEDULED)
	setPost(t, env, p.GetId(), asPublishing)
	w.post(p.GetId(), postv1.Status_STATUS_PUBLISHING)
	// The publisher's bookkeeping alone (its lease) is no change to report.
	setPostRaw(t, env, p.GetId(), "lease_expires_at = lease_expires_at + interval '10 seconds'")
	setPost(t, env, p.GetId(), asPublished+", lease_owner = NULL, lease_expires_at = NULL, in_flight_part = NULL")
	if got := w.post(p.GetId(), postv1.Status_STATUS_PUBLISHED); got.GetParts()[0].GetUrl() == "" {
		t.Fatalf("published post streamed without its URL: %v", got)
	}

	// Deleted.
	if _, err := ada.c.DeletePost(ctx, connect.NewRequest(&postv1.DeletePostRequest{Id: d.GetId()})); err != nil {
		t.Fatal(err)
	}
	w.deleted(d.GetId())
	// A thread: one change, one message.
	th := ada.create(&postv1.CreatePostRequest{Content: thread("one", "two"), When: &postv1.CreatePostRequest_Draft{Draft: true}})
	if got := w.post(th.GetId(), postv1.Status_STATUS_DRAFT); len(got.GetParts()) != 2 {
		t.Fatalf("thread streamed as %v", got)
	}
	// Bob saw only his own post.
	bob.draft("bob's second")
	if m := bw.next("bob's second post"); parts(m.GetPost())[0] != "bob's second" {
		t.Fatalf("bob's stream got %v", m)
	}
	select {
	case m := <-w.msgs:
		if !m.GetHeartbeat() {
			t.Fatalf("ada's stream got %v after bob's change", m)
		}
	case <-time.After(300 * time.Millisecond):
	}
}

// setPostRaw changes a post's row without bumping its version.
func setPostRaw(t *testing.T, env *apitest.Env, id, set string) {
	t.Helper()
	if _, err := env.Pool.Exec(ctx, "UPDATE posts SET "+set+" WHERE id = $1", id); err != nil {
		t.Fatal(err)
	}
}

// TestPostsChangedTrigger: the trigger's payload is "user_id:post_id", and
// updates of the publisher's bookkeeping alone notify nobody.
func TestPostsChangedTrigger(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	ada := newUser(t, env, "ada@example.com", "ada_x")
	conn, err := pgx.Connect(ctx, env.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "LISTEN posts_changed"); err != nil {
		t.Fatal(err)
	}
	next := func() string {
		t.Helper()
		wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		n, err := conn.WaitForNotification(wctx)
		if err != nil {
			return ""
		}
		return n.Payload
	}
	p := ada.schedule("x", time.Hour)
	want := ada.ws + ":" + p.GetId()
	if got := next(); got != want {
		t.Fatalf("insert notified %q, want %q", got, want)
	}
	setPostRaw(t, env, p.GetId(), "lease_owner = 'x', lease_expires_at = now(), in_flight_part = 0, in_flight_since = now()")
	if got := next(); got != "" {
		t.Fatalf("a bookkeeping update notified %q", got)
	}
	setPostRaw(t, env, p.GetId(), "parts = parts") // no change at all
	if got := next(); got != "" {
		t.Fatalf("an update that changed nothing notified %q", got)
	}
	setPostRaw(t, env, p.GetId(), "attempts = attempts + 1")
	if got := next(); got != want {
		t.Fatalf("update notified %q, want %q", got, want)
	}
	setPostRaw(t, env, p.GetId(), "lease_owner = NULL")
	if _, err := ada.c.DeletePost(ctx, connect.NewRequest(&postv1.DeletePostRequest{Id: p.GetId()})); err != nil {
		t.Fatal(err)
	}
	if got := next(); got != want {
		t.Fatalf("delete notified %q, want %q", got, want)
	}
}

// TestWatchPostsLimitPerUser: 20 streams per user; the 21st is refused
// until one closes; other users are not affected.
func TestWatchPostsLimitPerUser(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	token := env.SignUp(t, "many@example.com")
	var ws []*watcher
	for range 20 {
		w := watch(t, env.URL, token)
		w.ready()
		ws = append(ws, w)
	}
	err := watch(t, env.URL, token).end()
	wantCode(t, err, connect.CodeResourceExhausted, "at most 20 WatchPosts streams may be open per user")
	watch(t, env.URL, env.SignUp(t, "other@example.com")).ready()
	ws[0].close()
	// The slot is free once the server has noticed the stream is gone.
	deadline := time.Now().Add(arrive)
	for {
		w := watch(t, env.URL, token)
		m, ok := <-w.msgs
		if ok && m.GetReady() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no stream after closing one: %v", w.end())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestWatchPostsNeedsCredentials: like every RPC but SignUp and SignIn.
func TestWatchPostsNeedsCredentials(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	wantCode(t, watch(t, env.URL, "").end(), connect.CodeUnauthenticated, "")
}

// TestWatchPostsReconnects: when PostgreSQL drops the listener's connection,
// the hub reconnects, the streams get ready again (changes may have been
// missed meanwhile) and changes arrive again.
func TestWatchPostsReconnects(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{DBProxy: true})
	ada := newUser(t, env, "ada@example.com", "ada_x")
	w := watch(t, env.URL, ada.token)
	w.ready()
	p := ada.draft("before")
	w.post(p.GetId(), postv1.Status_STATUS_DRAFT)

	env.DBProxy.Cut()
	time.Sleep(300 * time.Millisecond) // a reconnect attempt or two fails
	env.DBProxy.Restore()
	w.ready()
	// The api's pool may hand out a connection the cut broke, once each.
	var q *connect.Response[postv1.CreatePostResponse]
	for i := 0; ; i++ {
		var err error
		q, err = ada.c.CreatePost(ctx, connect.NewRequest(&postv1.CreatePostRequest{
			IntegrationId: ada.integID, Content: text("after"), When: &postv1.CreatePostRequest_Draft{Draft: true},
		}))
		if err == nil {
			break
		}
		if i == 20 {
			t.Fatalf("CreatePost after the database came back: %v", err)
		}
	}
	w.post(q.Msg.GetPost().GetId(), postv1.Status_STATUS_DRAFT)
	if !strings.Contains(env.Logs.String(), "LISTEN connection lost") {
		t.Fatal("the lost connection was not logged")
	}
}
