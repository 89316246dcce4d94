package publisher

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"gocloud.dev/gcerrors"

	"github.com/betterplan/betterplan/db/dbq"
	"github.com/betterplan/betterplan/internal/credential"
	"github.com/betterplan/betterplan/internal/mediafile"
	"github.com/betterplan/betterplan/internal/xclient"
)

// The pre-upload ("staging") sends a scheduled post's files to X ahead of
// its time (MediaHorizon before, VideoHorizon for video), one job per file
// and X account, so at the post's time publishing is only POST /2/tweets
// naming the ids. A job is leased like a post; its progress (the X id, the
// segments X has, processing) is saved after each step, so a publisher that
// dies mid-upload leaves a job another one resumes. It never sends a post.

// segmentBytes is the size of a chunked upload's segments (X takes up to 5 MB).
const segmentBytes = 4 << 20

// stageLoop runs staging rounds until ctx ends: when a post with media
// enters a horizon, when an upload has its next step, and when woken.
func (p *Publisher) stageLoop(ctx context.Context) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-p.stageWake.c:
			p.stageWake.take()
		}
		next, err := p.stageRound(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			p.cfg.Log.Error("media pre-upload round failed; retrying", "err", err)
			next = p.dbNow().Add(5 * time.Second)
		}
		resetTimer(timer, min(next.Sub(p.dbNow()), p.cfg.SafetyPoll))
	}
}

// stageRound starts every upload job due now that a worker is free for and
// says when there is more to do (database time).
func (p *Publisher) stageRound(ctx context.Context) (time.Time, error) {
	for !p.stopping.Load() {
		free := cap(p.uploads) - len(p.uploads)
		if free == 0 {
			break // a finishing job wakes the loop
		}
		sctx, cancel := context.WithTimeout(ctx, p.cfg.StatementTimeout)
		jobs, err := p.q.MediaUploadClaim(sctx, dbq.MediaUploadClaimParams{
			Now: p.cfg.Now.DB(), HorizonSecs: p.cfg.MediaHorizon.Seconds(), VideoHorizonSecs: p.cfg.VideoHorizon.Seconds(),
			MarginSecs: mediaMargin.Seconds(), Lim: int32(free), Owner: p.cfg.Owner, LeaseSecs: p.cfg.Lease.Seconds(),
		})
		cancel()
		if err != nil {
			return time.Time{}, fmt.Errorf("claim media uploads: %w", err)
		}
		for _, j := range jobs {
			p.uploads <- struct{}{}
			p.stageWG.Add(1)
			go func() {
				defer func() {
					<-p.uploads
					p.stageWG.Done()
					p.stageWake.post(time.Time{})
				}()
				p.stage(j)
			}()
		}
		if len(jobs) < free {
			break
		}
	}
	sctx, cancel := context.WithTimeout(ctx, p.cfg.StatementTimeout)
	defer cancel()
	st, err := p.q.MediaUploadNext(sctx, dbq.MediaUploadNextParams{
		Now: p.cfg.Now.DB(), HorizonSecs: p.cfg.MediaHorizon.Seconds(), VideoHorizonSecs: p.cfg.VideoHorizon.Seconds(), Never: never,
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("read media schedule: %w", err)
	}
	p.dbOffset.Store(int64(st.DbNow.Sub(p.cfg.Wall.Now())))
	return st.NextAt, nil
}

// mediaMargin: an id X issued must outlive the post's time by this much.
const mediaMargin = 5 * time.Minute

// job is one leased upload on its way to X.
type job struct {
	dbq.MediaUploadClaimRow
	creds    xclient.Credentials
	leaseEnd time.Time
}

// stage takes one upload as far as it goes now: started, segments sent,
// finished, processing checked. Each step is saved before the next.
func (p *Publisher) stage(row dbq.MediaUploadClaimRow) {
	j := &job{MediaUploadClaimRow: row, leaseEnd: time.Now().Add(p.cfg.Lease)}
	log := p.cfg.Log.With("media_id", j.MediaID, "integration_id", j.IntegrationID, "state", j.State)
	if j.IntegrationStatus != dbq.IntegrationStatusActive {
		// The post fails at its time, asking for a reconnect; try later.
		p.saveJob(j, j.State, step{next: time.Minute, release: true})
		return
	}
	creds, err := credential.Open(p.cfg.Keys, credential.Sealed{
		Platform: j.Platform, AccountID: j.PlatformAccountID, Data: j.Credential, KeyID: j.CredentialKeyID,
	})
	if err != nil {
		log.Warn("cannot open stored X credentials for a media upload; leaving it for another publisher", "err", err)
		p.saveJob(j, j.State, step{next: keyRelease, release: true, message: "BetterPlan could not open this account's stored credentials."})
		return
	}
	j.creds = creds
	start := time.Now()
	outcome := p.advance(j)
	p.metrics.mediaSteps.WithLabelValues(string(outcome)).Inc()
	log.Info("media upload step", "outcome", outcome, "x_media_id", j.XMediaID, "segments", j.SegmentsDone, "took", time.Since(start).Round(time.Millisecond))
}

// step is what to save after a job's step.
type step struct {
	expires *time.Time
	next    time.Duration
	message string
	release bool
	fresh   bool // the step succeeded: attempts start over
}

// advance runs the job's next steps and returns how it ended.
func (p *Publisher) advance(j *job) dbq.MediaUploadState {
	if j.Kind == nil {
		return p.refused(j, "the file's kind is unknown")
	}
	if *j.Kind == dbq.MediaKindImage {
		data, err := p.readAll(j)
		if err != nil {
			return p.storeFailed(j, err)
		}
		m, err := p.cfg.X.UploadImage(p.hard, j.creds, data)
		if err != nil {
			return p.xFailed(j, err)
		}
		return p.uploaded(j, m)
	}
	if j.State == dbq.MediaUploadStateProcessing {
		m, err := p.cfg.X.UploadStatus(p.hard, j.creds, j.XMediaID)
		if err != nil {
			return p.restartOr(j, err)
		}
		return p.uploaded(j, m)
	}
	if j.XMediaID == "" {
		category := "tweet_video"
		if *j.Kind == dbq.MediaKindGif {
			category = "tweet_gif"
		}
		m, err := p.cfg.X.InitUpload(p.hard, j.creds, j.Mime, j.SizeBytes, category)
		if err != nil {
			return p.xFailed(j, err)
		}
		expires := j.DbNow.Add(m.ExpiresAfter)
		j.XMediaID, j.SegmentsDone = m.ID, 0
		if !p.saveJob(j, dbq.MediaUploadStateUploading, step{expires: &expires}) {
			return dbq.MediaUploadStateUploading
		}
	}
	segments := int32((j.SizeBytes + segmentBytes - 1) / segmentBytes)
	for j.SegmentsDone < segments {
		if p.stopping.Load() {
			p.saveJob(j, dbq.MediaUploadStateUploading, step{release: true})
			return dbq.MediaUploadStateUploading
		}
		off := int64(j.SegmentsDone) * segmentBytes
		chunk, err := p.readRange(j, off, min(segmentBytes, j.SizeBytes-off))
		if err != nil {
			return p.storeFailed(j, err)
		}
		if err := p.cfg.X.AppendSegment(p.hard, j.creds, j.XMediaID, int(j.SegmentsDone), chunk); err != nil {
			return p.restartOr(j, err)
		}
		j.SegmentsDone++
		if !p.saveJob(j, dbq.MediaUploadStateUploading, step{fresh: true}) {
			return dbq.MediaUploadStateUploading
		}
	}
	m, err := p.cfg.X.FinalizeUpload(p.hard, j.creds, j.XMediaID)
	if err != nil {
		return p.restartOr(j, err)
	}
	return p.uploaded(j, m)
}

// uploaded records what X said about a finished (or processing) upload.
func (p *Publisher) uploaded(j *job, m xclient.Media) dbq.MediaUploadState {
	j.XMediaID = m.ID
	switch m.State {
	case "pending", "in_progress":
		p.saveJob(j, dbq.MediaUploadStateProcessing, step{next: max(m.CheckAfter, time.Second), release: true, fresh: true})
		return dbq.MediaUploadStateProcessing
	case "failed":
		return p.refused(j, m.Error)
	}
	// X's alt text is for images and GIFs.
	if j.AltText != "" && *j.Kind != dbq.MediaKindVideo {
		if err := p.cfg.X.SetAltText(p.hard, j.creds, m.ID, j.AltText); err != nil {
			return p.xFailed(j, err)
		}
	}
	// STATUS answers carry no expiry: then the one from initialize stays.
	var expires *time.Time
	if m.ExpiresAfter > 0 {
		t := j.DbNow.Add(m.ExpiresAfter)
		expires = &t
	}
	p.saveJob(j, dbq.MediaUploadStateReady, step{expires: expires, release: true, fresh: true})
	return dbq.MediaUploadStateReady
}

// restartOr handles an error on an upload X already knows (append,
// finalize, status): X not knowing the id any more (it expired while the
// job waited) starts the upload over; anything else as xFailed.
func (p *Publisher) restartOr(j *job, err error) dbq.MediaUploadState {
	var xe *xclient.Error
	if errors.As(err, &xe) && xe.Kind == xclient.BadRequest && j.Attempts <= 3 {
		p.cfg.Log.Warn("X no longer knows an unfinished upload; starting it over", "media_id", j.MediaID, "x_media_id", j.XMediaID, "err", err)
		j.XMediaID, j.SegmentsDone = "", 0
		p.saveJob(j, dbq.MediaUploadStateUploading, step{release: true, message: "X no longer knew the unfinished upload; starting it over."})
		return dbq.MediaUploadStateUploading
	}
	return p.xFailed(j, err)
}

// xFailed decides what an error from X means for the job.
func (p *Publisher) xFailed(j *job, err error) dbq.MediaUploadState {
	var xe *xclient.Error
	if !errors.As(err, &xe) {
		p.saveJob(j, j.State, step{next: p.backoff(int(j.Attempts)), release: true, message: "The upload to X was interrupted; it is tried again."})
		return j.State
	}
	switch xe.Kind {
	case xclient.Unauthorized:
		reason := fmt.Sprintf("X rejected the credentials of @%s (access was revoked): reconnect your X account.", j.Username)
		if err := p.retry(j.leaseEnd, "mark integration needs_reconnect", func(ctx context.Context) error {
			return p.q.IntegrationMarkNeedsReconnect(ctx, dbq.IntegrationMarkNeedsReconnectParams{
				ID: j.IntegrationID, Credential: j.Credential, Reason: reason, Now: p.cfg.Now.DB(),
			})
		}); err != nil {
			p.cfg.Log.Error("mark integration needs_reconnect", "integration_id", j.IntegrationID, "err", err)
		}
		p.saveJob(j, j.State, step{next: time.Minute, release: true, message: reason})
		return j.State
	case xclient.RateLimited:
		wait := 15 * time.Minute
		if !xe.ResetAt.IsZero() && xe.ResetAt.After(j.DbNow) {
			wait = xe.ResetAt.Sub(j.DbNow)
		}
		p.saveJob(j, j.State, step{next: wait, release: true, message: "X's rate limit for media uploads is reached; the upload waits for it to reset."})
		return j.State
	case xclient.Forbidden, xclient.BadRequest:
		return p.refused(j, xDetail(xe))
	case xclient.UsageCapped:
		p.saveJob(j, j.State, step{next: 15 * time.Minute, release: true, message: "The X app's usage cap is spent; the upload waits."})
		return j.State
	}
	// 5xx, unreachable, a broken connection: X ids are cheap, so try again.
	p.saveJob(j, j.State, step{next: p.backoff(int(j.Attempts)), release: true, message: "X answered " + xDetail(xe) + " to the upload; it is tried again."})
	return j.State
}

// refused: X will not take the file. The post fails at its time with X's words.
func (p *Publisher) refused(j *job, words string) dbq.MediaUploadState {
	if words == "" {
		words = "no reason given"
	}
	p.saveJob(j, dbq.MediaUploadStateFailed, step{release: true, message: fmt.Sprintf("X refused %s: %s.", j.Filename, words)})
	return dbq.MediaUploadStateFailed
}

// storeFailed handles a file the bucket would not give back.
func (p *Publisher) storeFailed(j *job, err error) dbq.MediaUploadState {
	p.cfg.Log.Error("read media bytes", "media_id", j.MediaID, "err", err)
	if gcerrors.Code(err) == gcerrors.NotFound {
		p.saveJob(j, dbq.MediaUploadStateFailed, step{release: true,
			message: fmt.Sprintf("The bytes of %s are missing from BetterPlan's media store (MEDIA_BUCKET_URL); upload the file again.", j.Filename)})
		return dbq.MediaUploadStateFailed
	}
	p.saveJob(j, j.State, step{next: p.backoff(int(j.Attempts)), release: true, message: "BetterPlan's media store could not be read; the upload is tried again."})
	return j.State
}

func (p *Publisher) readAll(j *job) ([]byte, error) { return p.readRange(j, 0, j.SizeBytes) }

func (p *Publisher) readRange(j *job, off, n int64) ([]byte, error) {
	ctx, cancel := context.WithTimeout(p.hard, 2*time.Minute)
	defer cancel()
	r, err := p.cfg.Bucket.NewRangeReader(ctx, mediafile.Key(j.MediaID), off, n, nil)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

// saveJob writes the job's state; false when the lease is gone (another
// publisher has the job) or the write failed, and the job stops.
func (p *Publisher) saveJob(j *job, state dbq.MediaUploadState, s step) bool {
	start := time.Now()
	var n int64
	err := p.retry(j.leaseEnd, "save media upload", func(ctx context.Context) (err error) {
		n, err = p.q.MediaUploadSave(ctx, dbq.MediaUploadSaveParams{
			State: state, XMediaID: j.XMediaID, SegmentsDone: j.SegmentsDone, ExpiresAt: s.expires, ErrorMessage: s.message,
			Now: p.cfg.Now.DB(), NextInSecs: s.next.Seconds(), ResetAttempts: s.fresh, Release: s.release,
			LeaseSecs: p.cfg.Lease.Seconds(), MediaID: j.MediaID, IntegrationID: j.IntegrationID, Owner: p.cfg.Owner,
		})
		return err
	})
	switch {
	case err != nil:
		p.cfg.Log.Error("save media upload; the lease runs out and the upload is resumed", "media_id", j.MediaID, "err", err)
		return false
	case n == 0:
		p.cfg.Log.Error("media upload lease lost; another publisher has it", "media_id", j.MediaID)
		return false
	}
	j.State = state
	j.leaseEnd = start.Add(p.cfg.Lease)
	return true
}
