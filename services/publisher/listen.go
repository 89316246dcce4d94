package publisher

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// listen forwards posts_due notifications (due times) to wake until ctx
// ends, reconnecting with backoff. After each (re)connect it sends "now",
// since notifications sent while it was away are lost.
func (p *Publisher) listen(ctx context.Context, wake, stage *wakeup) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := p.listenOnce(ctx, wake, stage)
		p.listenOK.Store(false)
		if ctx.Err() != nil {
			return
		}
		p.cfg.Log.Warn("LISTEN connection lost; reconnecting (the safety poll covers the gap)", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 10*time.Second)
	}
}

func (p *Publisher) listenOnce(ctx context.Context, wake, stage *wakeup) error {
	cc := p.cfg.Listen
	if cc == nil {
		cc = p.cfg.Pool.Config().ConnConfig
	}
	conn, err := pgx.ConnectConfig(ctx, cc.Copy())
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN posts_due"); err != nil {
		return err
	}
	p.listenOK.Store(true)
	wake.post(time.Time{}) // "at once"
	stage.post(time.Time{})
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		due, media, ok := parseDue(n.Payload)
		if !ok {
			continue
		}
		wake.post(due)
		if media {
			stage.post(due) // its files may be due for upload
		}
	}
}

// parseDue reads a posts_due payload: the due time in Unix milliseconds,
// with ":media" when the post has files (migration 00018).
func parseDue(payload string) (due time.Time, media bool, ok bool) {
	ms, media := strings.CutSuffix(payload, ":media")
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil {
		return time.Time{}, false, false
	}
	return time.UnixMilli(n), media, true
}

// wakeup holds the earliest due time announced since the loop last looked,
// so a burst of notifications costs one wake-up and none is lost.
type wakeup struct {
	mu       sync.Mutex
	earliest time.Time
	pending  bool
	c        chan struct{}
}

func newWakeup() *wakeup { return &wakeup{c: make(chan struct{}, 1)} }

func (w *wakeup) post(t time.Time) {
	w.mu.Lock()
	if !w.pending || t.Before(w.earliest) {
		w.earliest, w.pending = t, true
	}
	w.mu.Unlock()
	select {
	case w.c <- struct{}{}:
	default:
	}
}

func (w *wakeup) take() (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	t, ok := w.earliest, w.pending
	w.pending = false
	return t, ok
}
