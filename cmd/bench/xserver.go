package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/betterplan/betterplan/internal/fakex"
)

// defaultXLatency is how long the fake X takes to answer, per issue 4.
// BENCH_X_LATENCY overrides it, to see how much of a result X's latency
// explains.
const defaultXLatency = 20 * time.Millisecond

func xLatency() (time.Duration, error) {
	v := os.Getenv("BENCH_X_LATENCY")
	if v == "" {
		return defaultXLatency, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("BENCH_X_LATENCY=%q is not a duration like 20ms", v)
	}
	return d, nil
}

// xServer is the fake X over real HTTP. A fresh one per scenario keeps rate
// limit windows and the fake's duplicate check (a scan of every post it
// holds) from carrying over between scenarios.
type xServer struct {
	fake *fakex.Server
	srv  *http.Server
	url  string
	// conns counts TCP connections opened to the fake: many more than the
	// publisher's concurrency means its HTTP client does not reuse them.
	conns atomic.Int64

	mu    sync.Mutex
	acked map[string][]time.Time // text → when X created it (OnPost)
}

func startX(latency time.Duration) (*xServer, error) {
	x := &xServer{acked: map[string][]time.Time{}}
	x.fake = fakex.New(fakex.Options{OnPost: x.onPost})
	x.fake.SetLatency(latency)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	x.srv = &http.Server{Handler: x.fake, ReadHeaderTimeout: 10 * time.Second,
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				x.conns.Add(1)
			}
		}}
	go func() { _ = x.srv.Serve(ln) }() // ends with ErrServerClosed at close
	x.url = "http://" + ln.Addr().String()
	return x, nil
}

// onPost runs after the fake's 20 ms latency, when X has created the post.
func (x *xServer) onPost(p fakex.Post) {
	now := time.Now()
	x.mu.Lock()
	x.acked[p.Text] = append(x.acked[p.Text], now)
	x.mu.Unlock()
}

// created is how many distinct texts starting with prefix X has created.
func (x *xServer) created(prefix string) int {
	x.mu.Lock()
	defer x.mu.Unlock()
	n := 0
	for text := range x.acked {
		if strings.HasPrefix(text, prefix) {
			n++
		}
	}
	return n
}

func (x *xServer) createdAt() map[string][]time.Time {
	x.mu.Lock()
	defer x.mu.Unlock()
	out := make(map[string][]time.Time, len(x.acked))
	for k, v := range x.acked {
		out[k] = append([]time.Time(nil), v...)
	}
	return out
}

// arrived is how many distinct texts starting with prefix have a recorded request.
func (x *xServer) arrived(prefix string) int {
	n := 0
	for text := range x.arrivals() {
		if strings.HasPrefix(text, prefix) {
			n++
		}
	}
	return n
}

// arrivals returns, per text, when each POST /2/tweets carrying it reached
// the fake: the fake stamps a request before it sleeps its latency, so this
// is when X received the post. Every request counts, whatever X answered,
// so a text sent twice shows up even though X refuses the second copy.
func (x *xServer) arrivals() map[string][]time.Time {
	out := map[string][]time.Time{}
	for _, r := range x.fake.Requests() {
		if r.Method != http.MethodPost || r.Path != "/2/tweets" {
			continue
		}
		var body struct {
			Text string `json:"text"`
		}
		if json.Unmarshal(r.JSON, &body) == nil {
			out[body.Text] = append(out[body.Text], r.ReceivedAt)
		}
	}
	return out
}

func (x *xServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = x.srv.Shutdown(ctx)
	x.fake.Close()
}
