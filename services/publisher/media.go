package publisher

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/betterplan/betterplan/db/dbq"
)

// xMedia is the X media id of every file of the parts still to send, in
// part order, once the pre-upload has them all on X. Otherwise it says what
// happens to the post instead: it waits for X (a file still uploading or
// processing, or about to expire), or fails (X refused a file, or a file is
// gone).
func (p *Publisher) xMedia(a *attempt) ([][]string, *outcome) {
	row := a.row
	var ids []string
	parts := make([][]string, len(row.PartMedia))
	for k, joined := range row.PartMedia {
		if k < len(a.ids) || joined == "" {
			continue // on X already, or no files
		}
		parts[k] = strings.Split(joined, ",")
		ids = append(ids, parts[k]...)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var files []dbq.MediaUploadsForPostRow
	err := p.retry(a.leaseEnd, "read the post's media uploads", func(ctx context.Context) (err error) {
		files, err = p.q.MediaUploadsForPost(ctx, dbq.MediaUploadsForPostParams{IntegrationID: *row.IntegrationID, Ids: ids})
		return err
	})
	if err != nil {
		a.log.Error("read the post's media uploads", "err", err)
		return nil, &outcome{status: dbq.PostStatusScheduled, delay: time.Second, uncount: true, kind: dbq.PostErrorKindInternal,
			message: "BetterPlan could not read this post's media just now; it tries again in a moment."}
	}
	byID := make(map[string]dbq.MediaUploadsForPostRow, len(files))
	for _, f := range files {
		byID[f.ID] = f
	}
	var waiting []string
	wait := time.Duration(0)
	for _, id := range ids {
		f, ok := byID[id]
		switch {
		case !ok:
			return nil, &outcome{status: dbq.PostStatusFailed, kind: dbq.PostErrorKindMediaRejected,
				message: "A file of this post was deleted from the media library before it went out; edit the post's media and schedule it again." + a.onX()}
		case f.UploadState != nil && *f.UploadState == dbq.MediaUploadStateFailed:
			return nil, &outcome{status: dbq.PostStatusFailed, kind: dbq.PostErrorKindMediaRejected,
				message: *f.ErrorMessage + " Replace the file (or retry, if it may have been X's problem)." + a.onX()}
		case f.UploadState == nil || *f.UploadState != dbq.MediaUploadStateReady || f.ExpiresAt == nil || f.ExpiresAt.Before(row.DbNow.Add(30*time.Second)):
			waiting = append(waiting, f.Filename)
			// Ask again when the upload's next step is due (X's
			// check_after_secs), within a second to half a minute.
			w := time.Second
			if f.NextAt != nil && f.NextAt.After(row.DbNow) {
				w = min(max(f.NextAt.Sub(row.DbNow)+100*time.Millisecond, time.Second), 30*time.Second)
			}
			wait = max(wait, w)
		}
	}
	if len(waiting) > 0 {
		late := time.Duration(0)
		if row.DueAt != nil {
			late = row.DbNow.Sub(*row.DueAt)
		}
		names := strings.Join(waiting, ", ")
		if late > p.cfg.MediaWait {
			return nil, &outcome{status: dbq.PostStatusFailed, kind: dbq.PostErrorKindXUnavailable,
				message: fmt.Sprintf("X had not finished %s %s after this post's time, so it was not published; retry it, or publish it without the file.",
					names, late.Round(time.Minute)) + a.onX()}
		}
		p.stageWake.post(time.Time{})
		return nil, &outcome{status: dbq.PostStatusScheduled, delay: wait, uncount: true, kind: dbq.PostErrorKindMediaPending,
			message: fmt.Sprintf("Waiting for X to take %s; the post goes out as soon as X says it is ready.", names)}
	}
	out := make([][]string, len(parts))
	for k, part := range parts {
		for _, id := range part {
			out[k] = append(out[k], *byID[id].XMediaID)
		}
	}
	return out, nil
}

// forgetMedia drops the stored X ids of part k's files, so the pre-upload
// sends them again; false when the part has none.
func (p *Publisher) forgetMedia(a *attempt, k int) bool {
	if k >= len(a.row.PartMedia) || a.row.PartMedia[k] == "" {
		return false
	}
	ids := strings.Split(a.row.PartMedia[k], ",")
	err := p.retry(a.leaseEnd, "forget the part's X media ids", func(ctx context.Context) error {
		return p.q.MediaUploadForget(ctx, dbq.MediaUploadForgetParams{IntegrationID: *a.row.IntegrationID, Ids: ids})
	})
	if err != nil {
		a.log.Error("forget the part's X media ids", "err", err)
		return false
	}
	p.stageWake.post(time.Time{})
	return true
}
