package publisher

import (
	"context"
	"time"

	"github.com/betterplan/betterplan/db/dbq"
)

// maxBatch bounds one batched write.
const maxBatch = 500

type publishedReq struct {
	id, xPostID, username string
	at                    time.Time
	done                  chan error
}

// publishedWriter records finished posts in batches: whatever queued while
// the previous write ran goes out in one statement and one commit. Each
// worker waits for the commit of its batch, so a crash still finds the last
// part in flight (unconfirmed), exactly as with one write per post.
type publishedWriter struct {
	q     *dbq.Queries
	owner string
	c     chan publishedReq
}

func newPublishedWriter(q *dbq.Queries, owner string) *publishedWriter {
	w := &publishedWriter{q: q, owner: owner, c: make(chan publishedReq, maxBatch)}
	go w.run()
	return w
}

// record marks a post published and returns once that is committed.
func (w *publishedWriter) record(id, xPostID, username string, at time.Time) error {
	r := publishedReq{id: id, xPostID: xPostID, username: username, at: at, done: make(chan error, 1)}
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
		arg := dbq.PostPublishedBatchParams{Owner: w.owner}
		for _, r := range batch {
			arg.Ids = append(arg.Ids, r.id)
			arg.XPostIds = append(arg.XPostIds, r.xPostID)
			arg.XUsernames = append(arg.XUsernames, r.username)
			arg.PublishedAts = append(arg.PublishedAts, r.at)
		}
		err := w.q.PostPublishedBatch(context.Background(), arg)
		for _, r := range batch {
			r.done <- err
		}
	}
}
