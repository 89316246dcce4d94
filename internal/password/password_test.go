package password

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

var ctx = context.Background()

func TestHashAndCheck(t *testing.T) {
	h := NewHasher(2)
	hash, err := h.Hash(ctx, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("unexpected encoding %q", hash)
	}
	if strings.Contains(hash, "correct horse") {
		t.Fatal("hash contains the password")
	}
	ok, err := h.Check(ctx, "correct horse battery staple", hash)
	if err != nil || !ok {
		t.Fatalf("right password: ok=%v err=%v", ok, err)
	}
	ok, err = h.Check(ctx, "correct horse battery stapler", hash)
	if err != nil || ok {
		t.Fatalf("wrong password: ok=%v err=%v", ok, err)
	}
	h2, _ := h.Hash(ctx, "correct horse battery staple")
	if h2 == hash {
		t.Fatal("two hashes of the same password are equal: salt is not random")
	}
	if err := h.CheckDummy(ctx, "anything"); err != nil {
		t.Fatal(err)
	}
	if n := h.Runs(); n != 5 {
		t.Fatalf("%d argon2 runs counted, want 5", n)
	}
}

func TestCheckRejectsMalformed(t *testing.T) {
	h := NewHasher(1)
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=x$AAAA$AAAA"} {
		if ok, err := h.Check(ctx, "pw", bad); ok || err == nil {
			t.Errorf("Check(%q) = %v, %v; want false and an error", bad, ok, err)
		}
	}
	if h.Runs() != 0 {
		t.Fatal("argon2 ran for a malformed hash")
	}
}

// TestAtMostConcurrencyRuns holds every turn of a Hasher and checks that
// callers wait, and that a caller whose context ends stops waiting without
// running argon2.
func TestAtMostConcurrencyRuns(t *testing.T) {
	h := NewHasher(2)
	if h.Concurrency() != 2 {
		t.Fatalf("concurrency %d", h.Concurrency())
	}
	h.slots <- struct{}{}
	h.slots <- struct{}{} // both turns taken

	var wg sync.WaitGroup
	done := make(chan error, 3)
	for range 3 {
		wg.Go(func() { _, err := h.Hash(ctx, "queued password"); done <- err })
	}
	waitFor(t, func() bool { return h.Waiting() == 3 })

	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := h.Check(cctx, "pw", dummy); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Check with an ended context: %v, want DeadlineExceeded", err)
	}
	if h.Runs() != 0 || h.Waiting() != 3 {
		t.Fatalf("runs %d, waiting %d while every turn is taken; want 0 and 3", h.Runs(), h.Waiting())
	}

	<-h.slots // one turn frees: the three queued run one after another
	wg.Wait()
	close(done)
	for err := range done {
		if err != nil {
			t.Fatal(err)
		}
	}
	if h.Runs() != 3 || h.Waiting() != 0 {
		t.Fatalf("runs %d, waiting %d; want 3 and 0", h.Runs(), h.Waiting())
	}
	if len(h.slots) != 1 {
		t.Fatalf("%d turns held after the runs, want only the test's 1", len(h.slots))
	}
}

func TestDefaultConcurrency(t *testing.T) {
	if n := DefaultConcurrency(); n < 1 || n > 4 {
		t.Fatalf("DefaultConcurrency() = %d, want 1..4", n)
	}
	if NewHasher(0).Concurrency() != DefaultConcurrency() {
		t.Fatal("NewHasher(0) does not use the default")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5s")
		}
		time.Sleep(time.Millisecond)
	}
}
