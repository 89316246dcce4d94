package publisher_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
	r := newRig(t)
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

func (r *rig) startProcess(t *testing.T, bin string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(),
		"DATABASE_URL="+r.dbURL,
		"TOKEN_ENCRYPTION_KEY="+base64.StdEncoding.EncodeToString(r.keyB64),
		"X_API_URL="+r.xURL,
		"X_CLIENT_ID="+fakex.DefaultConsumerKey,
		"X_CLIENT_SECRET="+fakex.DefaultConsumerSecret,
		"PUBLISHER_ADDR=127.0.0.1:0",
		"PUBLISHER_WORKERS=8",
		"LOG_LEVEL=warn",
	)
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

// checkNoDuplicates fails if any text reached X twice, and checks every
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
			if p.LastErrorMessage == "" || p.InFlightPart == nil {
				t.Fatalf("unconfirmed post %s without a reason or in-flight part", id)
			}
		default:
			t.Fatalf("post %s ended %s (%s): lost", id, p.Status, p.LastErrorMessage)
		}
	}
	return published, unconfirmed
}

// TestSIGKILLLosesNothingAndDuplicatesNothing kills a real publisher process
// mid-publish, lets another publisher recover, and checks every post.
func TestSIGKILLLosesNothingAndDuplicatesNothing(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	in := r.connect("ada_x")
	r.x.SetLatency(20 * time.Millisecond)
	posts := r.crashLoad(in)
	proc := r.startProcess(t, buildPublisher(t))
	r.waitForPosts(t, 20)
	if err := proc.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = proc.Wait()

	// Another replica takes over once the dead one's leases expire (its
	// clock is moved past them instead of waiting).
	r.clock.Set(time.Now().Add(time.Minute))
	r.tick(r.publisher())
	published, unconfirmed := r.checkOutcome(t, posts)
	if unconfirmed > 8 {
		t.Fatalf("%d unconfirmed posts; at most the 8 in flight when killed may be", unconfirmed)
	}
	t.Logf("after SIGKILL: %d published, %d unconfirmed (in flight at the kill)", published, unconfirmed)
}

// TestSIGTERMFinishesInFlightAndReleasesTheRest stops a real publisher
// gracefully mid-publish: nothing may be left publishing or unconfirmed.
func TestSIGTERMFinishesInFlightAndReleasesTheRest(t *testing.T) {
	t.Parallel()
	r := newRig(t)
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
