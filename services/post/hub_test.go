package post

import (
	"errors"
	"io"
	"log/slog"
	"slices"
	"testing"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5"

	"github.com/betterplan/betterplan/internal/apierr"
)

// newTestHub is a hub whose listener never gets a connection (nothing
// listens on port 1), so a test drives it by hand.
func newTestHub(t *testing.T, opts WatchOptions) *Hub {
	t.Helper()
	conf, err := pgx.ParseConfig("postgres://nobody@127.0.0.1:1/none?connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	return NewHub(conf, slog.New(slog.NewTextHandler(io.Discard, nil)), opts)
}

func TestHubFanOut(t *testing.T) {
	h := newTestHub(t, WatchOptions{MaxPending: 3})
	a, err := h.Subscribe("ada", "ada")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := h.Subscribe("bob", "bob")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	// Not listening yet: no ready.
	if got := a.Take(); got.Ready || got.Dropped || len(got.PostIDs) != 0 {
		t.Fatalf("before listening: %+v", got)
	}
	// Repeats of a post are sent once; other users' posts not at all.
	for _, p := range []string{"ada:1", "bob:9", "ada:2", "ada:1", "malformed", ":x", "ada:"} {
		h.dispatch(p)
	}
	<-a.Wake()
	if got := a.Take(); got.Ready || got.Dropped || !slices.Equal(got.PostIDs, []string{"1", "2"}) {
		t.Fatalf("ada got %+v", got)
	}
	if got := b.Take(); !slices.Equal(got.PostIDs, []string{"9"}) {
		t.Fatalf("bob got %+v", got)
	}
	// Listening (again): everyone reloads, and what was queued is moot.
	h.dispatch("ada:3")
	// Stop the listener (it cannot connect anyway) so that its failures do
	// not race the test's own setLive; the hub still counts it as running.
	h.mu.Lock()
	h.stop()
	done := h.done
	h.mu.Unlock()
	<-done
	h.setLive(t.Context(), true)
	if got := a.Take(); !got.Ready || len(got.PostIDs) != 0 {
		t.Fatalf("after going live: %+v", got)
	}
	// A new subscriber of a live hub is ready at once.
	c, err := h.Subscribe("cy", "cy")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := c.Take(); !got.Ready {
		t.Fatalf("subscribing to a live hub: %+v", got)
	}
	// More than MaxPending posts waiting: dropped, and it stays dropped.
	for _, p := range []string{"ada:1", "ada:2", "ada:3", "ada:4", "ada:5"} {
		h.dispatch(p)
	}
	if got := a.Take(); !got.Dropped || len(got.PostIDs) != 0 {
		t.Fatalf("a subscriber 5 behind with room for 3: %+v", got)
	}
	if got := b.Take(); got.Dropped {
		t.Fatal("bob was dropped for ada's changes")
	}
}

func TestHubLimitPerUser(t *testing.T) {
	h := newTestHub(t, WatchOptions{MaxPerUser: 2})
	var subs []*Sub
	for range 2 {
		s, err := h.Subscribe("ada", "ada")
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, s)
	}
	var aerr *apierr.Error
	if _, err := h.Subscribe("ada", "ada"); !errors.As(err, &aerr) || aerr.Code() != connect.CodeResourceExhausted {
		t.Fatalf("third subscription: %v", err)
	}
	other, err := h.Subscribe("bob", "bob")
	if err != nil {
		t.Fatal(err)
	}
	subs[0].Close()
	subs[0].Close() // twice is harmless
	again, err := h.Subscribe("ada", "ada")
	if err != nil {
		t.Fatalf("after one closed: %v", err)
	}
	for _, s := range []*Sub{subs[1], other, again} {
		s.Close()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.n != 0 || len(h.subs) != 0 || h.stop != nil {
		t.Fatalf("after every subscriber left: n=%d subs=%v listening=%v", h.n, h.subs, h.stop != nil)
	}
}
