package fakex_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/betterplan/betterplan/internal/fakex"
)

// One fake served on two listeners, as a test with one listener per
// publisher process does: InFlight tells which one has a send outstanding.
func TestInFlightPerHost(t *testing.T) {
	f := newFixture(t, fakex.Options{})
	_, alice := f.connect("alice")
	second := httptest.NewServer(f.fake)
	t.Cleanup(second.Close)
	hostA, hostB := strings.TrimPrefix(f.srv.URL, "http://"), strings.TrimPrefix(second.URL, "http://")

	f.fake.SetLatency(300 * time.Millisecond)
	start := time.Now()
	done := make(chan int)
	go func() {
		req, _ := http.NewRequest("POST", second.URL+"/2/tweets", bytes.NewReader([]byte(`{"text":"via B"}`)))
		req.Header.Set("Content-Type", "application/json")
		resp, err := alice.Do(req)
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	waitFor(t, "the request on B", func() bool { return f.fake.InFlight(hostB) == 1 })
	if n := f.fake.InFlight(hostA); n != 0 {
		t.Errorf("InFlight(A) = %d while only B has a request", n)
	}
	if status := <-done; status != http.StatusCreated {
		t.Fatalf("status %d", status)
	}
	waitFor(t, "B to be idle", func() bool { return f.fake.InFlight(hostB) == 0 })

	r := f.fake.Requests()[0]
	if r.Host != hostB {
		t.Errorf("Host = %q, want %q", r.Host, hostB)
	}
	if r.FinishedAt.Before(start.Add(300*time.Millisecond)) || r.FinishedAt.After(time.Now()) {
		t.Errorf("FinishedAt = %v, want real time after the 300ms latency (started %v)", r.FinishedAt, start)
	}
	if !r.ReceivedAt.Equal(f.clock()) {
		t.Errorf("ReceivedAt = %v, want the fake's clock", r.ReceivedAt)
	}

	// Dropped connections end their in-flight count too.
	f.fake.SetLatency(0)
	f.fake.Inject(fakex.Fault{Action: fakex.DropBeforeHandling})
	f.fake.Inject(fakex.Fault{Action: fakex.DropAfterHandling})
	for range 2 {
		req, _ := http.NewRequest("POST", f.srv.URL+"/2/tweets", bytes.NewReader([]byte(`{"text":"dropped"}`)))
		if resp, err := alice.Do(req); err == nil {
			resp.Body.Close()
			t.Fatal("want a dropped connection")
		}
	}
	waitFor(t, "A to be idle", func() bool { return f.fake.InFlight(hostA) == 0 })
}
