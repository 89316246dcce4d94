package publisher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/betterplan/betterplan/db/dbq"
	"github.com/betterplan/betterplan/internal/credential"
	"github.com/betterplan/betterplan/internal/secretbox"
	"github.com/betterplan/betterplan/internal/xclient"
	"github.com/betterplan/betterplan/internal/xweb"
)

// keyRelease is how long a post waits after a publisher that lacks its
// credential key released it, so a replica with the key takes it meanwhile.
const keyRelease = time.Minute

// attempt is one claimed post on its way to X.
type attempt struct {
	row dbq.PostClaimDueRow
	log *slog.Logger
	web xweb.Site // links in messages
	// leaseEnd is when the lease would end (process clock), unless renewed:
	// bookkeeping is retried until then.
	leaseEnd time.Time
	creds    xclient.Credentials
	ids      []string // X ids of the parts on X, in order
	// marked is the part marked in flight in the database (-1: none).
	marked int
	// doubt: the part at len(ids) may be on X (an earlier send's outcome
	// is unknown). It is kept on the row until X has been read.
	doubt bool
	// checked: that part was looked up on X in this attempt and was not there.
	checked bool
}

func (p *Publisher) newAttempt(row dbq.PostClaimDueRow, leaseEnd time.Time) *attempt {
	return &attempt{
		row:      row,
		log:      p.cfg.Log.With("post_id", row.ID, "attempt", row.Attempts),
		web:      p.cfg.XWeb,
		leaseEnd: leaseEnd,
		ids:      slices.Clone(row.XPostIds),
		marked:   len(row.XPostIds), // the claim marks the next part
		doubt:    row.DoubtPart != nil,
	}
}

// outcome is how a publishing attempt ends when it does not succeed.
type outcome struct {
	status  dbq.PostStatus // failed, unconfirmed or scheduled
	due     *time.Time     // for scheduled: at this time (X's rate-limit reset), or after delay
	delay   time.Duration
	uncount bool              // the attempt does not count (rate limit, shutdown, release)
	kind    dbq.PostErrorKind // "" for none
	message string
	xErr    *xclient.Error
}

// publish decides what happens to one claimed post: settle a part in doubt
// (res says what X's timeline showed), then send the parts not on X yet in
// order, saving each part's id before sending the next.
func (p *Publisher) publish(a *attempt, res *resolution) {
	row := a.row
	switch {
	case row.IntegrationID == nil || row.IntegrationStatus == nil:
		p.finish(a, outcome{status: dbq.PostStatusFailed, kind: dbq.PostErrorKindIntegrationDisconnected,
			message: "The X account was disconnected from BetterPlan before this post went out; reconnect it and schedule the post again." + a.onX()})
		return
	case *row.IntegrationStatus == dbq.IntegrationStatusNeedsReconnect:
		p.finish(a, outcome{status: dbq.PostStatusFailed, kind: dbq.PostErrorKindReconnectRequired,
			message: fmt.Sprintf("X rejected the credentials of @%s: reconnect your X account, then retry this post.", *row.Username) + a.onX()})
		return
	case len(a.ids) == 0 && !a.doubt && row.DueAt != nil && row.DbNow.Sub(*row.DueAt) > p.cfg.MissedAfter:
		p.finish(a, outcome{status: dbq.PostStatusFailed, kind: dbq.PostErrorKindMissed,
			message: fmt.Sprintf("This post was due %s ago, while BetterPlan's publisher was not running; it was not published late. Reschedule it or publish it now.",
				row.DbNow.Sub(*row.DueAt).Round(time.Minute))})
		return
	}
	creds, err := credential.Open(p.cfg.Keys, credential.Sealed{
		Platform: *row.Platform, AccountID: *row.PlatformAccountID, Data: row.Credential, KeyID: *row.CredentialKeyID,
	})
	if err != nil {
		p.cannotOpen(a, err)
		return
	}
	a.creds = creds
	if len(a.ids) == 0 && !a.doubt && row.DueAt != nil {
		p.metrics.lag.Observe(row.DbNow.Sub(*row.DueAt).Seconds())
	}
	if a.doubt {
		switch {
		case res == nil: // every post in doubt goes through reconcile; this is a bug
			p.finish(a, outcome{status: dbq.PostStatusUnconfirmed, kind: dbq.PostErrorKindUnconfirmed,
				message: "BetterPlan did not check X for this post before resending it, so it stopped. Check X; if the post is not there, retry with force." + a.onX()})
			return
		case res.err != nil:
			p.finish(a, p.readFailed(a, res.err))
			return
		case res.foundID != "":
			p.metrics.reconciled.WithLabelValues("found").Inc()
			a.log.Info("reconciliation: the part in doubt is on X; recording it", "part", len(a.ids)+1, "x_post_id", res.foundID)
			a.doubt = false
			if !p.saved(a, res.foundID) {
				return
			}
		default:
			p.metrics.reconciled.WithLabelValues("absent").Inc()
			a.log.Info("reconciliation: the part in doubt is not on X; sending it", "part", len(a.ids)+1)
			a.doubt, a.checked = false, true
			if len(a.ids) == 0 && row.DueAt != nil && row.DbNow.Sub(*row.DueAt) > p.cfg.MissedAfter {
				p.finish(a, outcome{status: dbq.PostStatusFailed, kind: dbq.PostErrorKindMissed,
					message: fmt.Sprintf("This post was due %s ago and is not on X (BetterPlan checked); it was not published late. Reschedule it or publish it now.",
						row.DbNow.Sub(*row.DueAt).Round(time.Minute))})
				return
			}
			if int(row.Attempts) > p.cfg.MaxAttempts {
				p.finish(a, outcome{status: dbq.PostStatusFailed, kind: dbq.PostErrorKindXUnavailable,
					message: fmt.Sprintf("X failed on all %d attempts (BetterPlan checked: the post is not on X); retry it later.", p.cfg.MaxAttempts) + a.onX()})
				return
			}
		}
	}
	xMedia, wait := p.xMedia(a)
	if wait != nil {
		p.finish(a, *wait)
		return
	}
	for k := len(a.ids); k < len(row.Parts); k++ {
		if a.marked != k && !p.markInFlight(a, k) {
			return
		}
		replyTo := ""
		if k > 0 {
			replyTo = a.ids[k-1]
		}
		if left := time.Until(a.leaseEnd); left < p.sendWindow() {
			// A send now could outlive the lease, and whoever took the post
			// over might send it too: hand it back with a fresh lease instead.
			a.log.Warn("lease nearly over before a send; putting the post back on the schedule", "part", k+1, "lease_left", left)
			p.finish(a, outcome{status: dbq.PostStatusScheduled, uncount: true})
			return
		}
		var media []string
		if k < len(xMedia) {
			media = xMedia[k]
		}
		id, err := p.cfg.X.CreatePost(p.hard, a.creds, row.Parts[k], replyTo, media...)
		if err != nil {
			p.finish(a, p.classify(a, k, err))
			return
		}
		a.checked = false
		if !p.saved(a, id) {
			return
		}
		if p.stopping.Load() {
			// Shutting down: release the rest of the thread to another replica.
			p.finish(a, outcome{status: dbq.PostStatusScheduled, uncount: true})
			a.log.Info("released thread at shutdown", "parts_sent", k+1)
			return
		}
	}
}

// sendWindow is the lease a send needs left: X's request timeout and a
// margin, or half the lease when leases are short.
func (p *Publisher) sendWindow() time.Duration {
	return min(xclient.DefaultTimeout+time.Second, p.cfg.Lease/2)
}

// saved records that the next part is on X as id. The last part goes to
// the published writer (which publishes the post with others); otherwise it
// reports whether to go on with the next.
func (p *Publisher) saved(a *attempt, id string) bool {
	a.ids = append(a.ids, id)
	if len(a.ids) == len(a.row.Parts) {
		p.published.record(a, id)
		return false
	}
	start := time.Now()
	var n int64
	err := p.retry(a.leaseEnd, "save thread part", func(ctx context.Context) (err error) {
		n, err = p.q.PostSavePart(ctx, dbq.PostSavePartParams{
			ID: a.row.ID, Owner: p.cfg.Owner, XPostID: id, XUsername: *a.row.Username,
			LeaseSecs: p.cfg.Lease.Seconds(), Now: p.cfg.Now.DB(),
		})
		return err
	})
	switch {
	case err != nil:
		p.unrecorded(a, id, err)
		return false
	case n == 0:
		p.leaseLost(a, id)
		return false
	}
	a.leaseEnd, a.marked = start.Add(p.cfg.Lease), -1
	return true
}

// markInFlight marks part k in flight before it is sent, after checking
// that the X account is still connected and active: a disconnected account
// gets no further part.
func (p *Publisher) markInFlight(a *attempt, k int) bool {
	start := time.Now()
	var m dbq.PostMarkInFlightRow
	err := p.retry(a.leaseEnd, "mark thread part in flight", func(ctx context.Context) (err error) {
		m, err = p.q.PostMarkInFlight(ctx, dbq.PostMarkInFlightParams{
			ID: a.row.ID, Owner: p.cfg.Owner, Part: int32(k), LeaseSecs: p.cfg.Lease.Seconds(), Now: p.cfg.Now.DB(),
		})
		return err
	})
	switch {
	case isNoRows(err):
		p.metrics.leaseLost.Inc()
		a.log.Error("lease lost before sending a thread part; another publisher has the post", "part", k+1)
		return false
	case err != nil:
		a.log.Error("cannot mark a thread part in flight; leaving the post to lease recovery", "part", k+1, "err", err)
		return false
	case !m.Marked && m.IntegrationStatus == nil:
		p.finish(a, outcome{status: dbq.PostStatusFailed, kind: dbq.PostErrorKindIntegrationDisconnected,
			message: fmt.Sprintf("The X account was disconnected from BetterPlan while this thread was being published, so part %d and later were not sent.", k+1) + a.onX()})
		return false
	case !m.Marked:
		reason := ""
		if m.IntegrationReason != nil && *m.IntegrationReason != "" {
			reason = " (" + *m.IntegrationReason + ")"
		}
		p.finish(a, outcome{status: dbq.PostStatusFailed, kind: dbq.PostErrorKindReconnectRequired,
			message: fmt.Sprintf("The X account @%s needs reconnecting%s, so part %d and later were not sent; reconnect it, then retry this post.", *a.row.Username, reason, k+1) + a.onX()})
		return false
	}
	a.leaseEnd, a.marked = start.Add(p.cfg.Lease), k
	return true
}

// classify turns X's answer to part k into what happens to the post.
func (p *Publisher) classify(a *attempt, k int, err error) outcome {
	row := a.row
	onX := a.onX()
	attempts := int(row.Attempts)
	var xe *xclient.Error
	if !errors.As(err, &xe) {
		// Not an answer from X (a shutdown that ran out of time): the
		// request may have left.
		a.doubt = true
		return outcome{status: dbq.PostStatusScheduled, delay: p.cfg.RecheckAfter, kind: dbq.PostErrorKindUnconfirmed,
			message: fmt.Sprintf("Sending part %d to X was interrupted; BetterPlan checks X and sends it only if it is not there.", k+1) + onX}
	}
	fail := func(kind dbq.PostErrorKind, msg string) outcome {
		return outcome{status: dbq.PostStatusFailed, kind: kind, message: msg + onX, xErr: xe}
	}
	if xe.Kind == xclient.BadRequest && attempts < p.cfg.MaxAttempts && strings.Contains(strings.ToLower(xDetail(xe)), "media") && p.forgetMedia(a, k) {
		// X no longer knows an id it gave (expired early, or X lost it):
		// the files go up again, then the part is sent.
		return outcome{status: dbq.PostStatusScheduled, delay: time.Second, kind: dbq.PostErrorKindMediaPending, xErr: xe,
			message: fmt.Sprintf("X refused the files of part %d (%s); BetterPlan uploads them again and then sends the part.", k+1, xDetail(xe)) + onX}
	}
	switch xe.Kind {
	case xclient.Unauthorized:
		reason := fmt.Sprintf("X rejected the credentials of @%s (access was revoked): reconnect your X account.", *row.Username)
		p.markNeedsReconnect(a, reason)
		return fail(dbq.PostErrorKindReconnectRequired, reason+" Then retry this post.")
	case xclient.Duplicate:
		if a.checked && attempts < p.cfg.MaxAttempts {
			// X's timeline did not show the part a moment ago, yet X calls
			// it a duplicate: it is probably there and the timeline lags.
			a.doubt = true
			return outcome{status: dbq.PostStatusScheduled, delay: 2 * p.cfg.RecheckAfter, kind: dbq.PostErrorKindUnconfirmed, xErr: xe,
				message: fmt.Sprintf("X refused part %d as a duplicate although it was not on the account's timeline a moment ago; BetterPlan checks X again.", k+1) + onX}
		}
		return fail(dbq.PostErrorKindDuplicate, "X refused this text as a duplicate of a post already on X; check your X profile, or change the text and retry.")
	case xclient.Forbidden, xclient.BadRequest:
		return fail(dbq.PostErrorKindRejected, "X refused the post: "+xDetail(xe)+".")
	case xclient.UsageCapped:
		return fail(dbq.PostErrorKindUsageCapped, "The X app's usage cap is spent, so X accepts no posts until it resets; retry then.")
	case xclient.RateLimited:
		until := xe.ResetAt
		if !until.After(row.DbNow) {
			until = row.DbNow.Add(15 * time.Minute)
		}
		p.deferIntegration(a, until)
		return outcome{status: dbq.PostStatusScheduled, due: &until, uncount: true, kind: dbq.PostErrorKindRateLimited, xErr: xe,
			message: fmt.Sprintf("X's rate limit for @%s is reached; this post waits until %s, when X allows posting again.", *row.Username, until.UTC().Format(time.RFC3339))}
	case xclient.NotReached:
		if attempts >= p.cfg.MaxAttempts {
			return fail(dbq.PostErrorKindXUnavailable, fmt.Sprintf("X could not be reached on all %d attempts; retry the post later.", attempts))
		}
		delay := p.backoff(attempts)
		return outcome{status: dbq.PostStatusScheduled, delay: delay, kind: dbq.PostErrorKindXUnavailable, xErr: xe,
			message: fmt.Sprintf("X could not be reached; trying again in %s (attempt %d of %d).", delay.Round(time.Second), attempts+1, p.cfg.MaxAttempts)}
	case xclient.ServerError:
		// X may have created the post before failing: look before resending.
		a.doubt = true
		delay := p.backoff(attempts)
		if attempts >= p.cfg.MaxAttempts {
			delay = p.cfg.RecheckAfter // one last look at X, then it fails
		}
		return outcome{status: dbq.PostStatusScheduled, delay: delay, kind: dbq.PostErrorKindXUnavailable, xErr: xe,
			message: fmt.Sprintf("X answered %s to part %d; in %s BetterPlan checks whether X created it anyway and sends it again only if not (attempt %d of %d).",
				xDetail(xe), k+1, delay.Round(time.Second), attempts, p.cfg.MaxAttempts) + onX}
	default: // Ambiguous, BadResponse: the part may be on X.
		a.doubt = true
		return outcome{status: dbq.PostStatusScheduled, delay: p.cfg.RecheckAfter, kind: dbq.PostErrorKindUnconfirmed, xErr: xe,
			message: fmt.Sprintf("The connection to X broke after part %d was sent; BetterPlan checks X and sends it again only if it is not there.", k+1) + onX}
	}
}

// readFailed is what happens to a post in doubt when X's timeline could
// not be read.
func (p *Publisher) readFailed(a *attempt, err error) outcome {
	row := a.row
	part := len(a.ids) + 1
	check := fmt.Sprintf(" Check %s: if part %d is not there, retry with force; if it is, nothing is lost (retrying without force checks X again).", a.web.Profile(*row.Username), part) + a.sent()
	var xe *xclient.Error
	if !errors.As(err, &xe) {
		return outcome{status: dbq.PostStatusUnconfirmed, kind: dbq.PostErrorKindUnconfirmed,
			message: fmt.Sprintf("BetterPlan could not tell from @%s's posts on X whether part %d went out: %s.", *row.Username, part, err) + check}
	}
	switch xe.Kind {
	case xclient.RateLimited:
		if !xe.ResetAt.IsZero() && xe.ResetAt.Sub(row.DbNow) <= maxReadWait {
			until := xe.ResetAt
			return outcome{status: dbq.PostStatusScheduled, due: &until, uncount: true, kind: dbq.PostErrorKindRateLimited, xErr: xe,
				message: fmt.Sprintf("X's read limit for @%s is reached; at %s BetterPlan checks X for part %d and sends it only if it is not there.",
					*row.Username, until.UTC().Format(time.RFC3339), part) + a.sent()}
		}
		return outcome{status: dbq.PostStatusUnconfirmed, kind: dbq.PostErrorKindUnconfirmed, xErr: xe,
			message: fmt.Sprintf("X will not let BetterPlan read @%s's posts again soon (rate limit), so it cannot tell whether part %d went out.", *row.Username, part) + check}
	case xclient.Unauthorized:
		reason := fmt.Sprintf("X rejected the credentials of @%s (access was revoked): reconnect your X account.", *row.Username)
		p.markNeedsReconnect(a, reason)
		return outcome{status: dbq.PostStatusFailed, kind: dbq.PostErrorKindReconnectRequired, xErr: xe,
			message: reason + fmt.Sprintf(" Part %d may be on X; check before you retry.", part) + a.sent()}
	case xclient.ServerError, xclient.NotReached, xclient.Ambiguous:
		attempts := int(row.Attempts)
		if attempts >= p.cfg.MaxAttempts {
			return outcome{status: dbq.PostStatusUnconfirmed, kind: dbq.PostErrorKindUnconfirmed, xErr: xe,
				message: fmt.Sprintf("X could not be read on %d attempts, so BetterPlan cannot tell whether part %d went out.", attempts, part) + check}
		}
		delay := p.backoff(attempts)
		return outcome{status: dbq.PostStatusScheduled, delay: delay, kind: dbq.PostErrorKindUnconfirmed, xErr: xe,
			message: fmt.Sprintf("X could not be read to find out whether part %d went out; trying again in %s.", part, delay.Round(time.Second)) + a.sent()}
	}
	return outcome{status: dbq.PostStatusUnconfirmed, kind: dbq.PostErrorKindUnconfirmed, xErr: xe,
		message: fmt.Sprintf("BetterPlan could not read @%s's posts on X (X said: %s), so it cannot tell whether part %d went out.", *row.Username, xDetail(xe), part) + check}
}

// cannotOpen handles stored credentials this publisher cannot open. A key
// it lacks is its own problem (the api sealed them with a newer key, say):
// the post is released for a replica that has the key, the account is left
// alone, and /healthz says what is missing. Anything else means the stored
// credentials are damaged: the account must be reconnected.
func (p *Publisher) cannotOpen(a *attempt, err error) {
	row := a.row
	if errors.Is(err, secretbox.ErrUnknownKey) {
		problem := fmt.Sprintf("stored X credentials are sealed with key id %s, which this publisher does not have (set TOKEN_ENCRYPTION_KEY / TOKEN_ENCRYPTION_OLD_KEYS like the api's); posts of those accounts are released for other publishers", *row.CredentialKeyID)
		p.keyProblem.Store(&problem)
		p.metrics.keyReleased.Inc()
		a.log.Error("cannot open stored X credentials: unknown key; releasing the post", "key_id", *row.CredentialKeyID, "integration_id", *row.IntegrationID)
		p.finish(a, outcome{status: dbq.PostStatusScheduled, delay: keyRelease, uncount: true, kind: dbq.PostErrorKindInternal,
			message: "A BetterPlan publisher without the encryption key of this account's stored credentials released the post for another publisher; the operator has been alerted."})
		return
	}
	a.log.Error("cannot open stored X credentials", "err", err)
	reason := "BetterPlan can no longer read this account's stored credentials (they are damaged); reconnect your X account."
	p.markNeedsReconnect(a, reason)
	p.finish(a, outcome{status: dbq.PostStatusFailed, kind: dbq.PostErrorKindReconnectRequired,
		message: "BetterPlan can no longer read the stored credentials of @" + *row.Username + ": reconnect your X account, then retry this post." + a.onX()})
}

// onX tells a person which parts of a thread are on X already, and which
// one may be.
func (a *attempt) onX() string {
	if a.doubt {
		return a.sent() + fmt.Sprintf(" Part %d may be on X too (its send was not confirmed).", len(a.ids)+1)
	}
	return a.sent()
}

// sent tells a person which parts of a thread are on X already.
func (a *attempt) sent() string {
	n := len(a.ids)
	if n == 0 {
		return ""
	}
	last := a.web.Post(*a.row.Username, a.ids[n-1])
	if n == 1 {
		return fmt.Sprintf(" Part 1 is on X (%s); retrying continues with part 2.", last)
	}
	return fmt.Sprintf(" Parts 1-%d are on X (the last: %s); retrying continues with part %d.", n, last, n+1)
}

func xDetail(xe *xclient.Error) string {
	switch {
	case xe.Detail != "":
		return xe.Detail
	case xe.Title != "":
		return xe.Title
	case xe.Status != 0:
		return fmt.Sprintf("HTTP %d", xe.Status)
	}
	return xe.Kind.String()
}

// finish records a publishing attempt that did not succeed: one write.
func (p *Publisher) finish(a *attempt, o outcome) {
	arg := dbq.PostFinishParams{
		ID: a.row.ID, Owner: p.cfg.Owner, Status: o.status, DueAt: o.due, DelaySecs: o.delay.Seconds(),
		KeepInFlight: a.doubt, ErrorMessage: o.message, Now: p.cfg.Now.DB(),
	}
	if o.kind != "" {
		arg.ErrorKind = &o.kind
	}
	if o.uncount {
		arg.Uncount = 1
	}
	if o.xErr != nil {
		arg.XTitle, arg.XDetail, arg.XStatus = o.xErr.Title, o.xErr.Detail, int32(o.xErr.Status)
	}
	var n int64
	err := p.retry(a.leaseEnd, "record publishing outcome", func(ctx context.Context) (err error) {
		n, err = p.q.PostFinish(ctx, arg)
		return err
	})
	switch {
	case err != nil:
		// The lease expires and the post is recovered; a part in doubt is
		// still marked, so X is read before it is sent again.
		a.log.Error("record publishing outcome", "status", o.status, "kind", o.kind, "err", err)
		return
	case n == 0:
		p.metrics.leaseLost.Inc()
		a.log.Error("lease lost before the outcome was recorded; another publisher has the post", "status", o.status, "kind", o.kind)
		return
	}
	switch o.status {
	case dbq.PostStatusFailed, dbq.PostStatusUnconfirmed:
		p.metrics.failed.WithLabelValues(string(o.kind)).Inc()
		a.log.Warn("post not published", "status", o.status, "kind", o.kind, "reason", o.message)
	case dbq.PostStatusScheduled:
		if o.kind != "" {
			p.metrics.deferred.WithLabelValues(string(o.kind)).Inc()
			a.log.Info("post deferred", "kind", o.kind, "in_doubt", a.doubt, "reason", o.message)
		}
	}
}

// recorded handles the outcome of marking a post published, once its
// batch is written.
func (p *Publisher) recorded(a *attempt, xPostID string, err error) {
	switch {
	case err == nil:
		p.metrics.published.Inc()
		a.log.Info("post published", "x_post_id", xPostID, "parts", len(a.ids))
	case errors.Is(err, errLeaseLost):
		p.leaseLost(a, xPostID)
	default:
		p.unrecorded(a, xPostID, err)
	}
}

// leaseLost: a part is on X as xPostID but this publisher no longer holds
// the post. The part is still marked in flight on the row, so whoever holds
// it now reads X and finds it.
func (p *Publisher) leaseLost(a *attempt, xPostID string) {
	p.metrics.leaseLost.Inc()
	a.log.Error("lease lost after X accepted a part; the publisher holding the post will find it on X",
		"part", len(a.ids), "x_post_id", xPostID)
}

// unrecorded: a part is on X as xPostID but the database could not be told
// before the lease ends. Lease recovery hands the post to reconciliation.
func (p *Publisher) unrecorded(a *attempt, xPostID string, err error) {
	p.metrics.unrecorded.Inc()
	a.log.Error("a part is on X but could not be recorded; after the lease ends it is found on X and recorded",
		"part", len(a.ids), "x_post_id", xPostID, "err", err)
}

func (p *Publisher) markNeedsReconnect(a *attempt, reason string) {
	err := p.retry(a.leaseEnd, "mark integration needs_reconnect", func(ctx context.Context) error {
		return p.q.IntegrationMarkNeedsReconnect(ctx, dbq.IntegrationMarkNeedsReconnectParams{
			ID: *a.row.IntegrationID, Credential: a.row.Credential, Reason: reason, Now: p.cfg.Now.DB(),
		})
	})
	if err != nil {
		a.log.Error("mark integration needs_reconnect", "integration_id", *a.row.IntegrationID, "err", err)
	}
}

// deferIntegration moves the account's other posts due before until to until,
// so they do not hit X's rate limit too. Other accounts are untouched.
func (p *Publisher) deferIntegration(a *attempt, until time.Time) {
	err := p.retry(a.leaseEnd, "defer rate-limited account's posts", func(ctx context.Context) error {
		return p.q.PostDeferIntegration(ctx, dbq.PostDeferIntegrationParams{
			IntegrationID: a.row.IntegrationID, Until: until, Now: p.cfg.Now.DB(),
		})
	})
	if err != nil {
		a.log.Error("defer rate-limited account's posts", "integration_id", *a.row.IntegrationID, "err", err)
	}
}
