package post

import (
	"context"
	"fmt"
	"time"

	"connectrpc.com/connect"

	"github.com/betterplan/betterplan/db"
	"github.com/betterplan/betterplan/db/dbq"
	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
	"github.com/betterplan/betterplan/internal/access"
	"github.com/betterplan/betterplan/internal/apierr"
	"github.com/betterplan/betterplan/internal/queue"
	"github.com/betterplan/betterplan/internal/series"
)

// SetEvergreen implements QueueService.SetEvergreen.
func (qs *Queue) SetEvergreen(ctx context.Context, req *connect.Request[postv1.SetEvergreenRequest]) (*connect.Response[postv1.SetEvergreenResponse], error) {
	msg := req.Msg
	days := msg.GetEveryDays()
	if days < 0 || days > 3650 {
		return nil, apierr.Invalid("every_days", "must be 1 to 3,650 (or 0 to stop)")
	}
	cur, role, err := qs.s.get(ctx, msg.GetPostId())
	if err != nil {
		return nil, err
	}
	if err := access.Require(role, dbq.WorkspaceRoleEditor, "making posts evergreen"); err != nil {
		return nil, err
	}
	if cur.IsThread {
		return nil, errState("a thread cannot be evergreen: only single posts go back to the queue")
	}
	texts := msg.GetTexts()
	if len(texts) == 0 {
		texts = cur.EvergreenTexts
	}
	if len(texts) == 0 {
		texts = cur.Parts
	}
	p := dbq.PostSetEvergreenParams{ID: cur.ID, WorkspaceID: cur.WorkspaceID, Texts: texts, Parts: cur.Parts, Now: qs.s.now.Now()}
	if days > 0 {
		if err := checkTemplates(texts); err != nil {
			return nil, err
		}
		d := days
		p.Days = &d
		if cur.Status != dbq.PostStatusPublished {
			// Not on X yet: it takes the first text, for its own date.
			at := qs.s.now.Now()
			if cur.ScheduledAt != nil {
				at = *cur.ScheduledAt
			}
			loc := time.UTC
			if cur.IntegrationID != nil {
				if s, _, err := queue.Load(ctx, qs.s.q, *cur.IntegrationID, false); err == nil {
					loc = s.Loc
				}
			}
			p.Parts = []string{series.Render(texts, int(cur.EvergreenRound), queue.Wall(at, loc))}
		}
	}
	var row dbq.Post
	err = db.InTx(ctx, qs.s.pool, func(q *dbq.Queries) error {
		var err error
		if row, err = q.PostSetEvergreen(ctx, p); err != nil {
			return err
		}
		note := "evergreen stopped"
		if days > 0 {
			note = fmt.Sprintf("evergreen: back in the queue at most every %d days", days)
		}
		return qs.s.addActivity(ctx, q, row.ID, dbq.PostActivityKindEdited, note)
	})
	if err != nil {
		return nil, err
	}
	out, err := qs.s.full(ctx, row)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&postv1.SetEvergreenResponse{Post: out}), nil
}
