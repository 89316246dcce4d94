package publisher_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/betterplan/betterplan/internal/fakex"
	"github.com/betterplan/betterplan/services/publisher"
)

// TestRunWakesForDuePosts runs the real loop on the real clock: with the
// safety poll an hour away, only the timer and LISTEN/NOTIFY can make it
// publish a post created while it sleeps.
func TestRunWakesForDuePosts(t *testing.T) {
	t.Parallel()
	r := newRealTimeRig(t)
	in := r.connect("ada_x")
	pub := r.publisher(func(c *publisher.Config) { c.Now = nil; c.SafetyPoll = time.Hour })
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- pub.Run(runCtx) }()

	waitFor := func(text string) {
		deadline := time.Now().Add(10 * time.Second)
		for len(r.xPosts()[text]) == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("%q never reached X", text)
			}
			time.Sleep(time.Millisecond)
		}
	}
	_ = r.schedule(in, time.Now(), "due now")
	waitFor("due now")
	due := time.Now().Add(300 * time.Millisecond)
	_ = r.schedule(in, due, "due soon")
	// (The fake stamps posts with the rig's manual clock, so watch instead.)
	for time.Now().Before(due.Add(-10 * time.Millisecond)) {
		if len(r.xPosts()["due soon"]) > 0 {
			t.Fatalf("published %v before its time", time.Until(due))
		}
		time.Sleep(time.Millisecond)
	}
	waitFor("due soon")
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// buildPublisher compiles cmd/publisher once per test binary.
func buildPublisher(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "publisher")
	cmd := exec.Command("go", "build", "-o", bin, "../../cmd/publisher")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build publisher: %v\n%s", err, out)
	}
	return bin
}

func (r *rig) startProcess(t *testing.T, bin string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append(append(os.Environ(),
		"DATABASE_URL="+r.dbURL,
		"TOKEN_ENCRYPTION_KEY="+base64.StdEncoding.EncodeToString(r.keyB64),
		"X_API_URL="+r.xURL,
		"X_CLIENT_ID="+fakex.DefaultConsumerKey,
		"X_CLIENT_SECRET="+fakex.DefaultConsumerSecret,
		"PUBLISHER_ADDR=127.0.0.1:0",
		"MEDIA_BUCKET_URL=file://"+filepath.ToSlash(t.TempDir()),
		"PUBLISHER_WORKERS=8",
		"LOG_LEVEL=warn",
	), env...)
	cmd.Stderr = r.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd
}

// crashLoad schedules singles and 3-part threads, all due now, and returns
// the expected parts per post.
func (r *rig) crashLoad(in string) map[string][]string {
	posts := map[string][]string{}
	for i := range 40 {
		parts := []string{fmt.Sprintf("single %d", i)}
		posts[r.schedule(in, time.Now(), parts...)] = parts
	}
	for i := range 20 {
		parts := texts(fmt.Sprintf("thread %d", i), 3)
		posts[r.schedule(in, time.Now(), parts...)] = parts
	}
	return posts
}

func (r *rig) waitForPosts(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for len(r.x.Posts()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d posts reached X", len(r.x.Posts()))
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// checkOutcome fails if any text reached X twice, and checks every
// published post has all its parts on X, chained.
func (r *rig) checkOutcome(t *testing.T, posts map[string][]string) (published, unconfirmed int) {
	t.Helper()
	x := r.xPosts()
	for text, got := range x {
		if len(got) > 1 {
			t.Fatalf("%q reached X %d times", text, len(got))
		}
	}
	for id, parts := range posts {
		p := r.get(id)
		switch p.Status {
		case "published":
			published++
			for i, text := range parts {
				got := x[text]
				if len(got) != 1 || got[0].ID != p.XPostIds[i] {
					t.Fatalf("post %s part %d: X has %+v, post saved %v", id, i+1, got, p.XPostIds)
				}
				if i > 0 && got[0].InReplyToID != p.XPostIds[i-1] {
					t.Fatalf("post %s part %d replies to %s", id, i+1, got[0].InReplyToID)
				}
			}
		case "unconfirmed":
			unconfirmed++
		default:
			t.Fatalf("post %s ended %s (%s): lost", id, p.Status, p.LastErrorMessage)
		}
	}
	return published, unconfirmed
}

// TestSIGKILLMidBurstWithThreePublishers kills one of three real publisher
// processes while its sends are at X. X finishes what it received (those
// posts exist, their answers are lost with the process); the two others
// recover the dead one's posts when its lease ends, read X, record what is
// there and send the rest: nothing twice, nothing missing, nothing left
// unconfirmed.
func TestSIGKILLMidBurstWithThreePublishers(t *testing.T) {
	t.Parallel()
	r := newRealTimeRig(t)
	accounts := []string{r.connect("ada_x"), r.connect("bob_x"), r.connect("cy_x")}
	r.x.SetLatency(20 * time.Millisecond)
	// One listener per process on the same fake X: the Host tells whose send it is.
	var hosts []string
	for range 3 {
		srv := httptest.NewServer(r.x)
		t.Cleanup(srv.Close)
		hosts = append(hosts, srv.URL)
	}
	posts := map[string][]string{}
	for i := range 300 {
		parts := []string{fmt.Sprintf("single %d", i)}
		posts[r.scheduleAt(accounts[i%3], time.Now(), parts...)] = parts
	}
	for i := range 60 {
		parts := texts(fmt.Sprintf("thread %d", i), 3)
		posts[r.scheduleAt(accounts[i%3], time.Now(), parts...)] = parts
	}
	bin := buildPublisher(t)
	var procs []*exec.Cmd
	for _, h := range hosts {
		procs = append(procs, r.startProcess(t, bin, "X_API_URL="+h, "PUBLISHER_LEASE=3s", "PUBLISHER_WORKERS=32", "LOG_LEVEL=info"))
	}
	victim := strings.TrimPrefix(hosts[0], "http://")
	deadline := time.Now().Add(30 * time.Second)
	for r.x.InFlight(victim) < 3 {
		if time.Now().After(deadline) {
			t.Fatal("the first publisher never had 3 sends at X")
		}
		time.Sleep(time.Millisecond)
	}
	inFlight := r.x.InFlight(victim)
	if err := procs[0].Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = procs[0].Wait()

	deadline = time.Now().Add(60 * time.Second)
	for {
		var left int
		if err := r.pool.QueryRow(ctx, `SELECT count(*) FROM posts WHERE status NOT IN ('published', 'failed', 'unconfirmed')`).Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d posts still not settled 60 s after the kill", left)
		}
		time.Sleep(50 * time.Millisecond)
	}
	published, unconfirmed := r.checkOutcome(t, posts)
	if published != len(posts) || unconfirmed != 0 {
		t.Fatalf("%d published, %d unconfirmed of %d", published, unconfirmed, len(posts))
	}
	found := strings.Count(r.logs.String(), "the part in doubt is on X")
	if found == 0 {
		t.Fatalf("no post of the killed publisher was found on X (%d sends were at X when it died): the kill did not land mid-send", inFlight)
	}
	t.Logf("killed with %d sends at X; the others found %d parts on X by reading it and published all %d posts once", inFlight, found, len(posts))
}

// TestSIGTERMFinishesInFlightAndReleasesTheRest stops a real publisher
// gracefully mid-publish: nothing may be left publishing or unconfirmed.
func TestSIGTERMFinishesInFlightAndReleasesTheRest(t *testing.T) {
	t.Parallel()
	r := newRealTimeRig(t)
	in := r.connect("ada_x")
	r.x.SetLatency(20 * time.Millisecond)
	posts := r.crashLoad(in)
	proc := r.startProcess(t, buildPublisher(t))
	r.waitForPosts(t, 20)
	if err := proc.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- proc.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("publisher exited with %v after SIGTERM", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("publisher did not stop within 20s of SIGTERM")
	}
	var stuck int
	if err := r.pool.QueryRow(ctx, `SELECT count(*) FROM posts WHERE status IN ('publishing', 'unconfirmed')`).Scan(&stuck); err != nil {
		t.Fatal(err)
	}
	if stuck != 0 {
		t.Fatalf("%d posts left publishing or unconfirmed by a graceful stop", stuck)
	}
	r.clock.Set(time.Now())
	r.tick(r.publisher())
	if published, unconfirmed := r.checkOutcome(t, posts); published != len(posts) || unconfirmed != 0 {
		t.Fatalf("%d published, %d unconfirmed of %d", published, unconfirmed, len(posts))
	}
}
