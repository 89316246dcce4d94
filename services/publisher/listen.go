package publisher

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/betterplan/betterplan/internal/pglisten"
)

// listen forwards posts_due notifications (due times) to wake until ctx
// ends. Each time it is listening (again) it sends "now", since
// notifications sent while it was away are lost.
func (p *Publisher) listen(ctx context.Context, wake, stage *wakeup) {
	conf := p.cfg.Listen
	if conf == nil {
		conf = p.cfg.Pool.Config().ConnConfig
	}
	pglisten.Listener{
		Conf: conf, Channel: "posts_due", Log: p.cfg.Log,
		Lost: "LISTEN connection lost; reconnecting (the safety poll covers the gap)",
		Live: func(live bool) {
			p.listenOK.Store(live)
			if live {
				wake.post(time.Time{}) // "at once"
				stage.post(time.Time{})
			}
		},
		Notify: func(payload string) {
			due, media, ok := parseDue(payload)
			if !ok {
				return
			}
			wake.post(due)
			if media {
				stage.post(due) // its files may be due for upload
			}
		},
	}.Run(ctx)
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
