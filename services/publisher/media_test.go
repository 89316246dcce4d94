package publisher_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"
	"gocloud.dev/blob"

	"github.com/betterplan/betterplan/db/dbq"
	"github.com/betterplan/betterplan/internal/blobstore"
	"github.com/betterplan/betterplan/internal/fakex"
	"github.com/betterplan/betterplan/internal/mediafile"
	"github.com/betterplan/betterplan/internal/mediainfo/mediatest"
	"github.com/betterplan/betterplan/services/publisher"
)

// bucket is the rig's media store: a directory.
func (r *rig) bucket() *blob.Bucket {
	r.t.Helper()
	b, err := blobstore.Open(ctx, "file://"+filepath.ToSlash(r.t.TempDir()))
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { _ = b.Close() })
	return b
}

// file stores a ready file in the library, as MediaService leaves it.
func (r *rig) file(b *blob.Bucket, name string, kind dbq.MediaKind, mime string, data []byte, alt string) string {
	r.t.Helper()
	id := ulid.Make().String()
	if err := b.WriteAll(ctx, mediafile.Key(id), data, nil); err != nil {
		r.t.Fatal(err)
	}
	now := r.clock.Now()
	sum := sha256.Sum256(data)
	if _, err := r.q.MediaCreate(ctx, dbq.MediaCreateParams{ID: id, WorkspaceID: r.userID, UploadedBy: &r.userID, Filename: name,
		DeclaredType: mime, SizeBytes: int64(len(data)), Now: now}); err != nil {
		r.t.Fatal(err)
	}
	if _, err := r.q.MediaRecordBytes(ctx, dbq.MediaRecordBytesParams{ID: id, Sha256: sum[:], Now: &now}); err != nil {
		r.t.Fatal(err)
	}
	if _, err := r.q.MediaMarkReady(ctx, dbq.MediaMarkReadyParams{ID: id, Kind: &kind, Mime: mime, Width: 10, Height: 10, Now: now}); err != nil {
		r.t.Fatal(err)
	}
	if alt != "" {
		if _, err := r.q.MediaSetAltText(ctx, dbq.MediaSetAltTextParams{ID: id, WorkspaceID: r.userID, AltText: alt, Now: now}); err != nil {
			r.t.Fatal(err)
		}
	}
	return id
}

// scheduleMedia inserts a post whose parts carry files (partMedia[i]: part
// i's ids joined by commas).
func (r *rig) scheduleMedia(integ string, due time.Time, partMedia []string, parts ...string) string {
	r.t.Helper()
	row, err := r.q.PostCreate(ctx, dbq.PostCreateParams{
		ID: ulid.Make().String(), WorkspaceID: r.userID, IntegrationID: &integ, Status: "scheduled",
		Parts: parts, PartMedia: partMedia, IsThread: len(parts) > 1, ScheduledAt: &due, DueAt: &due, Now: r.clock.DB(),
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return row.ID
}

// mediaCalls counts the requests to X's media endpoints, by path kind.
func (r *rig) mediaCalls() map[string]int {
	out := map[string]int{}
	for _, req := range r.x.Requests() {
		switch {
		case req.Method == "POST" && req.Path == "/2/media/upload":
			out["upload"]++
		case strings.HasSuffix(req.Path, "/initialize"):
			out["initialize"]++
		case strings.HasSuffix(req.Path, "/append"):
			out["append"]++
		case strings.HasSuffix(req.Path, "/finalize"):
			out["finalize"]++
		case req.Method == "GET" && req.Path == "/2/media/upload":
			out["status"]++
		case req.Path == "/2/media/metadata":
			out["metadata"]++
		}
	}
	return out
}

func withBucket(b *blob.Bucket) pubOpt { return func(c *publisher.Config) { c.Bucket = b } }

// TestMediaUploadedAhead: images go to X within the horizon before the
// post's time, with their alt text; at the time the post only names them.
func TestMediaUploadedAhead(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	b := r.bucket()
	integ := r.connect("ada_x")
	a := r.file(b, "red.png", dbq.MediaKindImage, "image/png", mediatest.PNG(30, 30), "a red square")
	c := r.file(b, "blue.jpg", dbq.MediaKindImage, "image/jpeg", mediatest.JPEG(40, 20), "")
	due := r.clock.Now().Add(20 * time.Minute)
	id := r.scheduleMedia(integ, due, []string{a + "," + c}, "two pictures")
	p := r.publisher(withBucket(b))

	r.tick(p)
	if n := r.mediaCalls(); len(n) != 0 {
		t.Fatalf("20 minutes ahead, X got media calls: %v", n)
	}
	r.clock.Advance(6 * time.Minute) // 14 minutes before
	r.tick(p)
	if n := r.mediaCalls(); n["upload"] != 2 || n["metadata"] != 1 || r.tweetRequests() != 0 {
		t.Fatalf("within 15 minutes: %v, %d posts", n, r.tweetRequests())
	}
	r.tick(p) // nothing more to do
	before := r.mediaCalls()
	r.clock.Set(due)
	r.tick(p)
	wantStatus(t, r.get(id), dbq.PostStatusPublished, "")
	if after := r.mediaCalls(); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("at the post's time X got media calls: %v → %v", before, after)
	}
	got := r.xPosts()["two pictures"]
	if len(got) != 1 || len(got[0].MediaIDs) != 2 || !slices.Equal(got[0].MediaAlt, []string{"a red square", ""}) {
		t.Fatalf("on X: %+v", got)
	}
}

// TestVideoThreadResumes: a video in a thread's second part goes up in
// segments; a 5xx part-way resumes after the segments X has; processing is
// polled; at its time the thread goes out with the video on part 2.
func TestVideoThreadResumes(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	b := r.bucket()
	integ := r.connect("ada_x")
	video := r.file(b, "clip.mp4", dbq.MediaKindVideo, "video/mp4", mediatest.MP4(9<<20), "")
	due := r.clock.Now().Add(40 * time.Minute) // within the video horizon
	id := r.scheduleMedia(integ, due, []string{"", video}, "look", "at this")
	p := r.publisher(withBucket(b), func(c *publisher.Config) { c.RetryBase = time.Second })
	// X fails the second segment once.
	r.x.Inject(fakex.Fault{Method: "POST", PathSuffix: "/append", Skip: 1, Action: fakex.Respond,
		Response: &fakex.Response{Status: 503, Body: `{"title":"Service Unavailable","detail":"Service Unavailable","type":"about:blank","status":503}`}})

	r.tick(p)
	if n := r.mediaCalls(); n["initialize"] != 1 || n["append"] != 2 || n["finalize"] != 0 {
		t.Fatalf("after the 5xx: %v", n)
	}
	r.clock.Advance(3 * time.Second) // past the backoff
	r.tick(p)
	if n := r.mediaCalls(); n["initialize"] != 1 || n["append"] != 4 || n["finalize"] != 1 {
		t.Fatalf("resumed: %v (one initialize, and segment 1 sent again, not 0)", n)
	}
	if r.tweetRequests() != 0 {
		t.Fatal("the pre-upload sent the post")
	}
	r.clock.Advance(5 * time.Second) // X's processing (2 s) is over
	r.tick(p)
	if n := r.mediaCalls(); n["status"] == 0 {
		t.Fatalf("processing not polled: %v", n)
	}
	r.clock.Set(due)
	r.tick(p)
	wantStatus(t, r.get(id), dbq.PostStatusPublished, "")
	parts := r.xPosts()
	if len(parts["look"]) != 1 || len(parts["look"][0].MediaIDs) != 0 || len(parts["at this"]) != 1 || len(parts["at this"][0].MediaIDs) != 1 {
		t.Fatalf("on X: %+v", parts)
	}
}

// TestMediaLateAndLeases: a post due now whose video X is still processing
// waits for it (not a failure) and goes out once X says it is ready; an
// upload a dead publisher held is taken over when its lease ends.
func TestMediaLateAndLeases(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	b := r.bucket()
	integ := r.connect("ada_x")
	video := r.file(b, "clip.mp4", dbq.MediaKindVideo, "video/mp4", mediatest.MP4(1<<20), "")
	gif := r.file(b, "spin.gif", dbq.MediaKindGif, "image/gif", mediatest.GIF(40, 40, 4), "spinning")
	now := r.clock.Now()
	// A dead publisher was uploading the GIF.
	if _, err := r.pool.Exec(ctx, `INSERT INTO media_uploads (media_id, integration_id, state, next_at, lease_owner, lease_expires_at, created_at, updated_at)
		VALUES ($1, $2, 'uploading', $3, 'dead', $3::timestamptz + interval '30 seconds', $3, $3)`, gif, integ, now); err != nil {
		t.Fatal(err)
	}
	late := r.scheduleMedia(integ, now, []string{video}, "breaking news")
	other := r.scheduleMedia(integ, now.Add(time.Minute), []string{gif}, "gif post")
	p := r.publisher(withBucket(b))

	r.tick(p)
	post := r.get(late)
	wantStatus(t, post, dbq.PostStatusScheduled, dbq.PostErrorKindMediaPending)
	if !strings.Contains(post.LastErrorMessage, "clip.mp4") || r.tweetRequests() != 0 || post.Attempts != 0 {
		t.Fatalf("waiting for X: %q, %d posts sent, %d attempts counted", post.LastErrorMessage, r.tweetRequests(), post.Attempts)
	}
	if n := r.mediaCalls(); n["initialize"] != 1 {
		t.Fatalf("only the video starts (the GIF is leased): %v", n)
	}
	r.clock.Advance(5 * time.Second) // processing done
	r.tick(p)
	r.tick(p)
	post = r.get(late)
	wantStatus(t, post, dbq.PostStatusPublished, "")
	if lag := post.PublishedAt.Sub(*post.ScheduledAt); lag < 5*time.Second {
		t.Fatalf("published %s after its time, want the wait shown", lag)
	}

	r.clock.Advance(30 * time.Second) // the dead publisher's lease is over
	r.tick(p)
	if n := r.mediaCalls(); n["initialize"] != 2 {
		t.Fatalf("the GIF's upload was not taken over: %v", n)
	}
	r.clock.Set(now.Add(time.Minute + 10*time.Second))
	r.tick(p)
	r.tick(p)
	wantStatus(t, r.get(other), dbq.PostStatusPublished, "")
	if got := r.xPosts()["gif post"]; len(got) != 1 || !slices.Equal(got[0].MediaAlt, []string{"spinning"}) {
		t.Fatalf("GIF on X: %+v", got)
	}
}

// TestMediaRefusedAndExpired: X refusing a file fails the post with X's
// words and the file's name (a retry uploads it again); 401 on a media
// call asks for a reconnect; an id that would expire before the post's
// time is uploaded again.
func TestMediaRefusedAndExpired(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	b := r.bucket()
	integ := r.connect("ada_x")
	cat := r.file(b, "cat.png", dbq.MediaKindImage, "image/png", mediatest.PNG(20, 20), "")
	due := r.clock.Now().Add(10 * time.Minute)
	id := r.scheduleMedia(integ, due, []string{cat}, "a cat")
	p := r.publisher(withBucket(b))
	r.x.Inject(fakex.Fault{Method: "POST", PathPrefix: "/2/media/upload", Action: fakex.Respond, Response: &fakex.Response{Status: 400,
		Body: `{"errors":[{"message":"media type unrecognized."}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request"}`}})
	r.tick(p)
	r.clock.Set(due)
	r.tick(p)
	post := r.get(id)
	wantStatus(t, post, dbq.PostStatusFailed, dbq.PostErrorKindMediaRejected)
	if !strings.Contains(post.LastErrorMessage, "X refused cat.png: One or more parameters to your request was invalid.") {
		t.Fatalf("message: %q", post.LastErrorMessage)
	}
	// RetryPost forgets the refusal (as the service does) and X takes it now.
	if err := r.q.MediaUploadForgetFailed(ctx, dbq.MediaUploadForgetFailedParams{IntegrationID: integ, Ids: []string{cat}}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.q.PostRetry(ctx, dbq.PostRetryParams{ID: id, WorkspaceID: r.userID, Now: r.clock.DB()}); err != nil {
		t.Fatal(err)
	}
	r.tick(p)
	r.tick(p)
	wantStatus(t, r.get(id), dbq.PostStatusPublished, "")

	// The stored id expires before the next post's time: uploaded again.
	next := r.scheduleMedia(integ, r.clock.Now().Add(10*time.Minute), []string{cat}, "the cat again")
	if _, err := r.pool.Exec(ctx, `UPDATE media_uploads SET expires_at = $1 WHERE media_id = $2`, r.clock.Now().Add(9*time.Minute), cat); err != nil {
		t.Fatal(err)
	}
	uploads := r.mediaCalls()["upload"]
	r.tick(p)
	if got := r.mediaCalls()["upload"]; got != uploads+1 {
		t.Fatalf("an expiring id was not replaced: %d uploads, want %d", got, uploads+1)
	}
	// At the time X says it does not know the id (it lost it): the file
	// goes up again and the post goes out, once.
	r.x.Inject(fakex.Fault{Method: "POST", PathPrefix: "/2/tweets", Action: fakex.Respond, Response: &fakex.Response{Status: 400,
		Body: `{"errors":[{"parameters":{"media.media_ids":["1"]},"message":"Your media IDs are invalid."}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request"}`}})
	r.clock.Advance(10 * time.Minute)
	r.tick(p)
	post = r.get(next)
	wantStatus(t, post, dbq.PostStatusScheduled, dbq.PostErrorKindMediaPending)
	uploads = r.mediaCalls()["upload"]
	r.clock.Advance(2 * time.Second)
	r.tick(p)
	r.tick(p)
	wantStatus(t, r.get(next), dbq.PostStatusPublished, "")
	if got := r.mediaCalls()["upload"]; got != uploads+1 || len(r.xPosts()["the cat again"]) != 1 {
		t.Fatalf("after X forgot the id: %d uploads (want %d), %d posts", got, uploads+1, len(r.xPosts()["the cat again"]))
	}

	// X says 401 to the upload: the account needs reconnecting, and the
	// post says so at its time.
	dog := r.file(b, "dog.png", dbq.MediaKindImage, "image/png", mediatest.PNG(21, 20), "")
	third := r.scheduleMedia(integ, r.clock.Now().Add(5*time.Minute), []string{dog}, "a dog")
	r.x.Inject(fakex.Fault{Method: "POST", PathPrefix: "/2/media/upload", Action: fakex.Respond, Response: &fakex.Response{Status: 401,
		Body: `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`}})
	r.tick(p)
	r.clock.Advance(5 * time.Minute)
	r.tick(p)
	wantStatus(t, r.get(third), dbq.PostStatusFailed, dbq.PostErrorKindReconnectRequired)
}

// TestDueNotificationsSayMedia: posts_due tells a post with files from a
// text post (only those wake the pre-upload), also when files are added
// to a scheduled post whose time stays.
func TestDueNotificationsSayMedia(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	b := r.bucket()
	integ := r.connect("ada_x")
	conn, err := r.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN posts_due"); err != nil {
		t.Fatal(err)
	}
	next := func() string {
		t.Helper()
		wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		n, err := conn.Conn().WaitForNotification(wctx)
		if err != nil {
			t.Fatal(err)
		}
		return n.Payload
	}
	due := r.clock.Now().Add(time.Hour)
	ms := strconv.FormatInt(due.UnixMilli(), 10)
	id := r.schedule(integ, due, "words only")
	if got := next(); got != ms {
		t.Fatalf("a text post: %q, want %q", got, ms)
	}
	img := r.file(b, "a.png", dbq.MediaKindImage, "image/png", mediatest.PNG(10, 10), "")
	r.scheduleMedia(integ, due, []string{img}, "with a picture")
	if got := next(); got != ms+":media" {
		t.Fatalf("a post with media: %q, want %q", got, ms+":media")
	}
	if _, err := r.pool.Exec(ctx, `UPDATE posts SET part_media = $2 WHERE id = $1`, id, []string{img}); err != nil {
		t.Fatal(err)
	}
	if got := next(); got != ms+":media" {
		t.Fatalf("files added to a scheduled post: %q, want %q", got, ms+":media")
	}
}
