package publisher

import (
	"context"
	"errors"
	"time"

	"github.com/betterplan/betterplan/db/dbq"
)

const (
	// maxBatch bounds one batched write.
	maxBatch = 500
	// recordLinger is how long a finished post waits for others to share
	// its write: a steady stream (a post every few ms) would otherwise cost
	// a statement and a commit each, and every commit's notification wakes
	// every listening backend. The wait adds no lag (a post's lag ends when
	// X receives it) and holds no worker.
	recordLinger = 50 * time.Millisecond
)

// errLeaseLost: the post's row no longer belongs to this publisher.
var errLeaseLost = errors.New("lease lost")

type publishedReq struct {
	a       *attempt
	xPostID string
}

// publishedWriter records finished posts in batches: whatever finished
// within recordLinger of the first goes out in one statement and one
// commit. A worker hands its post over and is free: a crash before the
// commit leaves the last part in flight (and reconciliation finds it on X),
// exactly as with one write per post, and a shutdown waits for the commit
// as it waits for a worker.
type publishedWriter struct {
	p *Publisher
	c chan publishedReq
}

func newPublishedWriter(p *Publisher) *publishedWriter {
	w := &publishedWriter{p: p, c: make(chan publishedReq, maxBatch)}
	go w.run()
	return w
}

// record queues a post to be marked published; the outcome is handled
// (Publisher.recorded) once its batch commits.
func (w *publishedWriter) record(a *attempt, xPostID string) {
	w.p.wg.Add(1)
	w.c <- publishedReq{a: a, xPostID: xPostID}
}

func (w *publishedWriter) run() {
	linger := time.NewTimer(recordLinger)
	for first := range w.c {
		batch := []publishedReq{first}
		wait := recordLinger
		if w.p.stopping.Load() {
			wait = 0 // whatever is queued, at once
		}
		linger.Reset(wait)
	collect:
		for len(batch) < maxBatch {
			select {
			case r := <-w.c:
				batch = append(batch, r)
			case <-linger.C:
				break collect
			}
		}
		linger.Stop()
		w.write(batch)
	}
}

// write commits one batch, retrying until the earliest lease in it ends.
func (w *publishedWriter) write(batch []publishedReq) {
	arg := dbq.PostPublishedBatchParams{Owner: w.p.cfg.Owner, Now: w.p.cfg.Now.DB()}
	deadline := batch[0].a.leaseEnd
	for _, r := range batch {
		arg.Ids = append(arg.Ids, r.a.row.ID)
		arg.XPostIds = append(arg.XPostIds, r.xPostID)
		arg.XUsernames = append(arg.XUsernames, *r.a.row.Username)
		if r.a.leaseEnd.Before(deadline) {
			deadline = r.a.leaseEnd
		}
	}
	var matched []string
	err := w.p.retry(deadline, "record published posts", func(ctx context.Context) (err error) {
		matched, err = w.p.q.PostPublishedBatch(ctx, arg)
		return err
	})
	ok := make(map[string]bool, len(matched))
	for _, id := range matched {
		ok[id] = true
	}
	for _, r := range batch {
		outcome := err
		if err == nil && !ok[r.a.row.ID] {
			outcome = errLeaseLost
		}
		w.p.recorded(r.a, r.xPostID, outcome)
		w.p.wg.Done()
	}
}
