package publisher

import (
	"context"
	"errors"

	"github.com/betterplan/betterplan/db/dbq"
)

// maxBatch bounds one batched write.
const maxBatch = 500

// errLeaseLost: the post's row no longer belongs to this publisher.
var errLeaseLost = errors.New("lease lost")

type publishedReq struct {
	a       *attempt
	xPostID string
	done    chan error
}

// publishedWriter records finished posts in batches: whatever queued while
// the previous write ran goes out in one statement and one commit. Each
// worker waits for the commit of its batch, so a crash still finds the last
// part in flight (and reconciliation finds it on X), exactly as with one
// write per post.
type publishedWriter struct {
	p *Publisher
	c chan publishedReq
}

func newPublishedWriter(p *Publisher) *publishedWriter {
	w := &publishedWriter{p: p, c: make(chan publishedReq, maxBatch)}
	go w.run()
	return w
}

// record marks a post published and returns once that is committed:
// errLeaseLost when another publisher holds the post now.
func (w *publishedWriter) record(a *attempt, xPostID string) error {
	r := publishedReq{a: a, xPostID: xPostID, done: make(chan error, 1)}
	w.c <- r
	return <-r.done
}

func (w *publishedWriter) run() {
	for first := range w.c {
		batch := []publishedReq{first}
	collect:
		for len(batch) < maxBatch {
			select {
			case r := <-w.c:
				batch = append(batch, r)
			default:
				break collect
			}
		}
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
		switch {
		case err != nil:
			r.done <- err
		case ok[r.a.row.ID]:
			r.done <- nil
		default:
			r.done <- errLeaseLost
		}
	}
}
