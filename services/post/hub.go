package post

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5"

	"github.com/betterplan/betterplan/internal/apierr"
	"github.com/betterplan/betterplan/internal/pglisten"
)

// ChangesChannel is the PostgreSQL channel a trigger on posts notifies with
// "workspace_id:post_id" on every insert, visible update and delete
// (migrations 00009, 00011).
const ChangesChannel = "posts_changed"

// WatchOptions tune WatchPosts and its Hub; zero values take the defaults.
type WatchOptions struct {
	// MaxPerUser bounds one user's open streams (default 20).
	MaxPerUser int
	// MaxPending bounds the changed posts a stream may have waiting to be
	// sent (default 256); a stream further behind is dropped.
	MaxPending int
	// PingEvery is how long the listener waits for a notification before it
	// checks its connection with a query (default 30s).
	PingEvery time.Duration
	// Heartbeat is the longest a stream stays silent (default 20s).
	Heartbeat time.Duration
}

// Hub holds the api process's one LISTEN connection and fans the changes
// it hears out to the subscribers of the post's user. It listens only while
// someone is subscribed; when PostgreSQL drops the connection it reconnects
// with backoff and, once listening again, tells every subscriber to reload
// (Batch.Ready), since changes made meanwhile were not heard.
type Hub struct {
	conf *pgx.ConnConfig
	log  *slog.Logger
	opts WatchOptions

	mu      sync.Mutex
	subs    map[string]map[*Sub]struct{} // by workspace id
	perUser map[string]int               // streams per user, for MaxPerUser
	n       int                          // subscribers in subs
	live    bool                         // LISTENing now
	stop    context.CancelFunc           // stops the listener; nil when none runs
	done    chan struct{}                // closed when that listener has stopped
}

// NewHub returns a hub that connects with conf (copied).
func NewHub(conf *pgx.ConnConfig, log *slog.Logger, opts WatchOptions) *Hub {
	if opts.MaxPerUser <= 0 {
		opts.MaxPerUser = 20
	}
	if opts.MaxPending <= 0 {
		opts.MaxPending = 256
	}
	if opts.PingEvery <= 0 {
		opts.PingEvery = 30 * time.Second
	}
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = 20 * time.Second
	}
	return &Hub{conf: conf.Copy(), log: log, opts: opts, subs: map[string]map[*Sub]struct{}{}, perUser: map[string]int{}}
}

// Sub is one stream's subscription: what changed in its workspace since it
// last looked.
type Sub struct {
	hub         *Hub
	workspaceID string
	userID      string
	wake        chan struct{} // a token when there is something to Take

	mu      sync.Mutex
	ready   bool
	pending []string
	seen    map[string]bool
	dropped bool
	closed  bool
}

// Batch is what a subscriber has to do, in this order.
type Batch struct {
	// Dropped: the subscriber fell more than MaxPending changes behind and
	// gets nothing more.
	Dropped bool
	// Ready: the hub is (again) listening; changes before it were not all
	// heard, so reload. Changes queued before it are left out.
	Ready bool
	// PostIDs changed (or were deleted), each once, in the order first heard.
	PostIDs []string
}

// Subscribe adds a subscriber of userID to a workspace's changes; its
// first Batch is Ready once the hub is listening. Too many streams for one
// user is resource_exhausted.
func (h *Hub) Subscribe(workspaceID, userID string) (*Sub, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.perUser[userID] >= h.opts.MaxPerUser {
		return nil, apierr.New(connect.CodeResourceExhausted, fmt.Sprintf(
			"at most %d WatchPosts streams may be open per user; close one (another tab or device) first", h.opts.MaxPerUser))
	}
	s := &Sub{hub: h, workspaceID: workspaceID, userID: userID, wake: make(chan struct{}, 1), seen: map[string]bool{}}
	if h.subs[workspaceID] == nil {
		h.subs[workspaceID] = map[*Sub]struct{}{}
	}
	h.subs[workspaceID][s] = struct{}{}
	h.perUser[userID]++
	h.n++
	if h.live {
		s.markReady()
	}
	if h.stop == nil {
		ctx, cancel := context.WithCancel(context.Background())
		h.stop, h.done = cancel, make(chan struct{})
		go func(done chan struct{}) {
			defer close(done)
			h.listener(ctx).Run(ctx)
		}(h.done)
	}
	return s, nil
}

// Wake has a token whenever Take has something.
func (s *Sub) Wake() <-chan struct{} { return s.wake }

// Take returns and clears what is waiting.
func (s *Sub) Take() Batch {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := Batch{Dropped: s.dropped, Ready: s.ready, PostIDs: s.pending}
	s.ready, s.pending = false, nil
	clear(s.seen)
	return b
}

// Close unsubscribes; the last subscriber to leave stops the listener (and
// waits until its connection is closed).
func (s *Sub) Close() {
	h := s.hub
	h.mu.Lock()
	s.mu.Lock()
	already := s.closed
	s.closed = true
	s.mu.Unlock()
	var done chan struct{}
	if !already {
		delete(h.subs[s.workspaceID], s)
		if len(h.subs[s.workspaceID]) == 0 {
			delete(h.subs, s.workspaceID)
		}
		if h.perUser[s.userID]--; h.perUser[s.userID] <= 0 {
			delete(h.perUser, s.userID)
		}
		h.n--
		if h.n == 0 && h.stop != nil {
			h.stop()
			done = h.done
			h.stop, h.done, h.live = nil, nil, false
		}
	}
	h.mu.Unlock()
	if done != nil {
		<-done
	}
}

func (s *Sub) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Sub) markReady() {
	s.mu.Lock()
	s.ready, s.pending = true, nil
	clear(s.seen)
	s.mu.Unlock()
	s.signal()
}

// add queues postID, or drops the subscriber when limit posts are waiting.
func (s *Sub) add(postID string, limit int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.dropped, s.seen[postID]:
		return
	case len(s.pending) >= limit:
		s.dropped, s.pending = true, nil
		clear(s.seen)
	default:
		s.seen[postID] = true
		s.pending = append(s.pending, postID)
	}
	s.signal()
}

// dispatch hands a notification payload to its workspace's subscribers.
func (h *Hub) dispatch(payload string) {
	workspaceID, postID, ok := strings.Cut(payload, ":")
	if !ok || workspaceID == "" || postID == "" {
		h.log.Warn("ignoring a malformed "+ChangesChannel+" notification", "payload", truncate(payload, 80))
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs[workspaceID] {
		s.add(postID, h.opts.MaxPending) // a dropped one ends its stream and unsubscribes itself
	}
}

// setLive records whether the hub is listening; going live tells every
// subscriber to reload.
func (h *Hub) setLive(ctx context.Context, live bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if ctx.Err() != nil {
		return // stopped: a newer listener may own h.live
	}
	h.live = live
	if live {
		for _, subs := range h.subs {
			for s := range subs {
				s.markReady()
			}
		}
	}
}

// listener is the hub's LISTEN connection while ctx lasts.
func (h *Hub) listener(ctx context.Context) pglisten.Listener {
	return pglisten.Listener{
		Conf: h.conf, Channel: ChangesChannel, Log: h.log, PingEvery: h.opts.PingEvery,
		Lost:   "WatchPosts: LISTEN connection lost; reconnecting (streams reload when it is back)",
		Live:   func(live bool) { h.setLive(ctx, live) },
		Notify: h.dispatch,
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
