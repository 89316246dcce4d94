package publisher_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/oklog/ulid/v2"

	"github.com/betterplan/betterplan/db/dbq"
	"github.com/betterplan/betterplan/internal/apitest"
	"github.com/betterplan/betterplan/internal/clock"
	"github.com/betterplan/betterplan/internal/credential"
	"github.com/betterplan/betterplan/internal/fakex"
	"github.com/betterplan/betterplan/internal/logging"
	"github.com/betterplan/betterplan/internal/secretbox"
	"github.com/betterplan/betterplan/internal/xclient"
	"github.com/betterplan/betterplan/services/publisher"
)

var ctx = context.Background()

// rig is a database with one user, a fake X over real HTTP, and publishers
// on a manual clock.
type rig struct {
	t      *testing.T
	dbURL  string
	pool   *pgxpool.Pool
	q      *dbq.Queries
	x      *fakex.Server
	xURL   string
	keys   *secretbox.Keyring
	keyB64 []byte
	clock  *clock.Manual
	logs   *apitest.Logs
	userID string
	// onPost, when set, runs inside the fake X for every post it creates,
	// before X answers: a test acts "while the post is being created".
	onPost atomic.Pointer[func(fakex.Post)]
}

func newRig(t *testing.T) *rig {
	t.Helper()
	return buildRig(t, false)
}

// newRealTimeRig is a rig whose fake X runs on the real clock, as X does:
// for publishers that run on the database's clock (Run, the real binary).
func newRealTimeRig(t *testing.T) *rig {
	t.Helper()
	return buildRig(t, true)
}

func buildRig(t *testing.T, realTimeX bool) *rig {
	t.Helper()
	r := &rig{t: t, clock: clock.NewManual(apitest.Epoch), logs: &apitest.Logs{}}
	xNow := r.clock.Now
	if realTimeX {
		r.clock.Set(time.Now())
		xNow = time.Now
	}
	r.dbURL = apitest.DB(t)
	r.pool = apitest.Pool(t, r.dbURL)
	r.q = dbq.New(r.pool)
	r.x = fakex.New(fakex.Options{Now: xNow, OnPost: func(p fakex.Post) {
		if f := r.onPost.Load(); f != nil {
			(*f)(p)
		}
	}})
	srv := httptest.NewServer(r.x)
	t.Cleanup(srv.Close)
	t.Cleanup(r.x.Close)
	r.xURL = srv.URL
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	r.keyB64 = key
	r.keys, _ = secretbox.NewKeyring(key)
	u, err := r.q.UserCreate(ctx, dbq.UserCreateParams{ID: ulid.Make().String(), Email: "ada@example.com", PasswordHash: "x", DisplayName: "Ada", Now: r.clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	r.userID = u.ID
	// The user's personal workspace has the user's id, as the migration
	// gives existing users.
	if _, err := r.q.WorkspaceCreate(ctx, dbq.WorkspaceCreateParams{ID: u.ID, Name: "Ada", PersonalOf: &u.ID, Now: r.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := r.q.MembershipCreate(ctx, dbq.MembershipCreateParams{WorkspaceID: u.ID, UserID: u.ID, Role: dbq.WorkspaceRoleOwner, Now: r.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s", r.logs.String())
		}
	})
	return r
}

// connect makes an active X integration for username with credentials the fake issued.
func (r *rig) connect(username string) string {
	r.t.Helper()
	xid, token, secret := r.x.IssueCredentials(username)
	sealed, keyID := credential.Seal(r.keys, xid, xclient.Credentials{Token: token, Secret: secret})
	row, err := r.q.IntegrationUpsert(ctx, dbq.IntegrationUpsertParams{
		ID: ulid.Make().String(), WorkspaceID: r.userID, ConnectedBy: &r.userID, Platform: "x", PlatformAccountID: xid, Username: username,
		DisplayName: username, Credential: sealed, CredentialKeyID: keyID, Now: r.clock.Now(),
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return row.ID
}

// schedule inserts a post of parts due at due.
func (r *rig) schedule(integrationID string, due time.Time, parts ...string) string {
	r.t.Helper()
	row, err := r.q.PostCreate(ctx, dbq.PostCreateParams{
		ID: ulid.Make().String(), WorkspaceID: r.userID, IntegrationID: &integrationID, Status: "scheduled",
		Parts: parts, IsThread: len(parts) > 1, ScheduledAt: &due, DueAt: &due, Now: r.clock.DB(),
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return row.ID
}

func (r *rig) get(id string) dbq.Post {
	r.t.Helper()
	p, err := r.q.PostGetForMember(ctx, dbq.PostGetForMemberParams{ID: id, UserID: r.userID})
	if err != nil {
		r.t.Fatal(err)
	}
	return p.Post
}

type pubOpt func(*publisher.Config)

func (r *rig) publisher(opts ...pubOpt) *publisher.Publisher {
	r.t.Helper()
	x, err := xclient.New(xclient.Config{BaseURL: r.xURL, ConsumerKey: fakex.DefaultConsumerKey, ConsumerSecret: fakex.DefaultConsumerSecret, Timeout: 2 * time.Second})
	if err != nil {
		r.t.Fatal(err)
	}
	cfg := publisher.Config{
		Pool: r.pool, X: x, Keys: r.keys, Now: r.clock.Now,
		Log: logging.New(r.logs, slog.LevelDebug), Workers: 16,
	}
	for _, o := range opts {
		o(&cfg)
	}
	p, err := publisher.New(cfg)
	if err != nil {
		r.t.Fatal(err)
	}
	return p
}

func (r *rig) tick(p *publisher.Publisher) {
	r.t.Helper()
	if err := p.Tick(ctx); err != nil {
		r.t.Fatal(err)
	}
}

// xPosts returns the live posts the fake received, by text.
func (r *rig) xPosts() map[string][]fakex.Post {
	out := map[string][]fakex.Post{}
	for _, p := range r.x.Posts() {
		out[p.Text] = append(out[p.Text], p)
	}
	return out
}

// timelineReads counts the reads of X timelines (reconciliation).
func (r *rig) timelineReads() int {
	n := 0
	for _, req := range r.x.Requests() {
		if req.Method == "GET" && strings.HasPrefix(req.Path, "/2/users/") && strings.HasSuffix(req.Path, "/tweets") {
			n++
		}
	}
	return n
}

func (r *rig) tweetRequests() int {
	n := 0
	for _, req := range r.x.Requests() {
		if req.Method == "POST" && req.Path == "/2/tweets" {
			n++
		}
	}
	return n
}

func wantStatus(t *testing.T, p dbq.Post, status dbq.PostStatus, kind dbq.PostErrorKind) {
	t.Helper()
	got := dbq.PostErrorKind("")
	if p.LastErrorKind != nil {
		got = *p.LastErrorKind
	}
	if p.Status != status || got != kind {
		t.Fatalf("post %s: status %q kind %q (%q), want %q kind %q", p.ID, p.Status, got, p.LastErrorMessage, status, kind)
	}
	if (status == "failed" || status == "unconfirmed") && p.LastErrorMessage == "" {
		t.Fatalf("post %s is %s with no reason", p.ID, status)
	}
	if p.Status != "publishing" && (p.LeaseOwner != nil || p.LeaseExpiresAt != nil) {
		t.Fatalf("post %s keeps a lease after publishing", p.ID)
	}
}

func texts(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s part %d", prefix, i+1)
	}
	return out
}

func openCreds(r *rig, row dbq.Integration) (xclient.Credentials, error) {
	return credential.Open(r.keys, credential.Sealed{Platform: row.Platform, AccountID: row.PlatformAccountID, Data: row.Credential, KeyID: row.CredentialKeyID})
}

func (r *rig) client() *xclient.Client {
	x, err := xclient.New(xclient.Config{BaseURL: r.xURL, ConsumerKey: fakex.DefaultConsumerKey, ConsumerSecret: fakex.DefaultConsumerSecret})
	if err != nil {
		r.t.Fatal(err)
	}
	return x
}
