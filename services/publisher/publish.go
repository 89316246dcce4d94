package publisher

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/betterplan/betterplan/db/dbq"
	"github.com/betterplan/betterplan/internal/credential"
	"github.com/betterplan/betterplan/internal/xclient"
)

// Error kinds written to posts.last_error_kind (PostService maps them to
// its ErrorKind enum).
const (
	kindReconnect    = "reconnect_required"
	kindDuplicate    = "duplicate"
	kindRejected     = "rejected"
	kindRateLimited  = "rate_limited"
	kindUsageCapped  = "usage_capped"
	kindUnavailable  = "x_unavailable"
	kindUnconfirmed  = "unconfirmed"
	kindMissed       = "missed"
	kindDisconnected = "integration_disconnected"
	kindInternal     = "internal"
)

// outcome is how a publishing attempt ends when it does not succeed.
type outcome struct {
	status  string     // failed, unconfirmed or scheduled
	due     *time.Time // for scheduled
	uncount bool       // the attempt does not count (rate limit, shutdown)
	kind    string
	message string
	xErr    *xclient.Error
}

// publish sends the parts of one claimed post that are not on X yet, in
// order, saving each part's id before sending the next.
func (p *Publisher) publish(ctx context.Context, row dbq.PostClaimDueRow) {
	log := p.cfg.Log.With("post_id", row.ID, "attempt", row.Attempts)
	now := p.cfg.Now()
	sent := len(row.XPostIds)

	switch {
	case row.IntegrationID == nil || row.IntegrationStatus == nil:
		p.finish(ctx, row, outcome{status: "failed", kind: kindDisconnected,
			message: "The X account was disconnected from BetterPlan before this post went out; reconnect it and schedule the post again."})
		return
	case *row.IntegrationStatus == "needs_reconnect":
		p.finish(ctx, row, outcome{status: "failed", kind: kindReconnect,
			message: fmt.Sprintf("X rejected the credentials of @%s: reconnect your X account, then retry this post.", *row.Username)})
		return
	case sent == 0 && row.DueAt != nil && now.Sub(*row.DueAt) > p.cfg.MissedAfter:
		p.finish(ctx, row, outcome{status: "failed", kind: kindMissed,
			message: fmt.Sprintf("This post was due %s ago, while BetterPlan's publisher was not running; it was not published late. Reschedule it or publish it now.",
				now.Sub(*row.DueAt).Round(time.Minute))})
		return
	}
	creds, err := credential.Open(p.cfg.Keys, dbq.Integration{
		ID: *row.IntegrationID, Platform: *row.Platform, PlatformAccountID: *row.PlatformAccountID,
		Credential: row.Credential, CredentialKeyID: *row.CredentialKeyID,
	})
	if err != nil {
		log.Error("cannot open stored X credentials", "err", err)
		p.markNeedsReconnect(ctx, *row.IntegrationID, "BetterPlan can no longer read this account's stored credentials (the encryption key changed); reconnect your X account.")
		p.finish(ctx, row, outcome{status: "failed", kind: kindReconnect,
			message: "BetterPlan can no longer read the stored credentials of @" + *row.Username + " (the encryption key changed): reconnect your X account, then retry this post."})
		return
	}
	if row.DueAt != nil && sent == 0 {
		p.metrics.lag.Observe(now.Sub(*row.DueAt).Seconds())
	}
	ids := row.XPostIds
	for k := sent; k < len(row.Parts); k++ {
		replyTo := ""
		if k > 0 {
			replyTo = ids[k-1]
		}
		if k > sent { // the claim marked the first part of this attempt
			n, err := p.q.PostMarkInFlight(ctx, dbq.PostMarkInFlightParams{
				ID: row.ID, Owner: p.cfg.Owner, Part: int32(k), LeaseUntil: p.cfg.Now().Add(p.cfg.Lease), Now: p.cfg.Now(),
			})
			if err != nil || n == 0 {
				log.Error("mark thread part in flight; leaving the post to lease recovery", "part", k+1, "err", err, "rows", n)
				return
			}
		}
		id, err := p.cfg.X.CreatePost(ctx, creds, row.Parts[k], replyTo)
		if err != nil {
			p.finish(ctx, row, p.classify(row, k, err))
			return
		}
		ids = append(ids, id)
		now := p.cfg.Now()
		if k == len(row.Parts)-1 {
			if err := p.published.record(row.ID, id, *row.Username, now); err != nil {
				// The part is on X but not recorded: the lease will expire
				// with the part in flight, and the post becomes unconfirmed.
				log.Error("save published post", "err", err)
				return
			}
			p.metrics.published.Inc()
			log.Info("post published", "x_post_id", id, "parts", len(row.Parts))
			return
		}
		if err := p.q.PostSavePart(ctx, dbq.PostSavePartParams{
			ID: row.ID, Owner: p.cfg.Owner, XPostID: id, XUsername: *row.Username,
			LeaseUntil: now.Add(p.cfg.Lease), Now: now,
		}); err != nil {
			log.Error("save thread part", "part", k+1, "err", err)
			return
		}
		if p.stopping.Load() {
			// Shutting down: release the rest of the thread to another replica.
			due := now
			p.finish(ctx, row, outcome{status: "scheduled", due: &due, uncount: true})
			log.Info("released thread at shutdown", "parts_sent", k+1)
			return
		}
	}
}

// classify turns X's answer to part k into what happens to the post.
func (p *Publisher) classify(row dbq.PostClaimDueRow, k int, err error) outcome {
	var xe *xclient.Error
	if !errors.As(err, &xe) {
		return outcome{status: "failed", kind: kindInternal, message: "Publishing failed unexpectedly; retry the post."}
	}
	onX := ""
	if k > 0 {
		onX = fmt.Sprintf(" Parts 1-%d are on X; retrying continues with part %d.", k, k+1)
	}
	fail := func(kind, msg string) outcome {
		return outcome{status: "failed", kind: kind, message: msg + onX, xErr: xe}
	}
	switch xe.Kind {
	case xclient.Unauthorized:
		reason := fmt.Sprintf("X rejected the credentials of @%s (access was revoked): reconnect your X account.", *row.Username)
		p.markNeedsReconnect(context.Background(), *row.IntegrationID, reason)
		return fail(kindReconnect, reason+" Then retry this post.")
	case xclient.Duplicate:
		return fail(kindDuplicate, "X refused this text as a duplicate of a post already on X (possibly an earlier attempt of this very post whose answer was lost); check your X profile, or change the text and retry.")
	case xclient.Forbidden, xclient.BadRequest:
		return fail(kindRejected, "X refused the post: "+xDetail(xe)+".")
	case xclient.UsageCapped:
		return fail(kindUsageCapped, "The X app's usage cap is spent, so X accepts no posts until it resets; retry then.")
	case xclient.RateLimited:
		until := xe.ResetAt
		if !until.After(p.cfg.Now()) {
			until = p.cfg.Now().Add(15 * time.Minute)
		}
		p.deferIntegration(*row.IntegrationID, until)
		return outcome{status: "scheduled", due: &until, uncount: true, kind: kindRateLimited, xErr: xe,
			message: fmt.Sprintf("X's rate limit for @%s is reached; this post waits until %s, when X allows posting again.", *row.Username, until.UTC().Format(time.RFC3339))}
	case xclient.ServerError, xclient.NotReached:
		what := "X answered " + xDetail(xe)
		if xe.Kind == xclient.NotReached {
			what = "X could not be reached"
		}
		if int(row.Attempts) >= p.cfg.MaxAttempts {
			return fail(kindUnavailable, fmt.Sprintf("%s on all %d attempts; retry the post later.", what, row.Attempts))
		}
		due := p.cfg.Now().Add(p.backoff(int(row.Attempts)))
		return outcome{status: "scheduled", due: &due, kind: kindUnavailable, xErr: xe,
			message: fmt.Sprintf("%s; trying again at %s (attempt %d of %d).", what, due.UTC().Format(time.RFC3339), row.Attempts+1, p.cfg.MaxAttempts)}
	default: // Ambiguous, BadResponse: the part may be on X.
		return outcome{status: "unconfirmed", kind: kindUnconfirmed, xErr: xe,
			message: fmt.Sprintf("The connection to X broke after part %d was sent, so it may or may not be on X. Check X; if it is not there, retry with force.%s", k+1, onX)}
	}
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

// finish records a publishing attempt that did not succeed.
func (p *Publisher) finish(ctx context.Context, row dbq.PostClaimDueRow, o outcome) {
	arg := dbq.PostFinishParams{
		ID: row.ID, Owner: p.cfg.Owner, Status: o.status, DueAt: o.due,
		ErrorKind: o.kind, ErrorMessage: o.message, Now: p.cfg.Now(),
	}
	if o.uncount {
		arg.Uncount = 1
	}
	if o.xErr != nil {
		arg.XTitle, arg.XDetail, arg.XStatus = o.xErr.Title, o.xErr.Detail, int32(o.xErr.Status)
	}
	if err := p.q.PostFinish(ctx, arg); err != nil {
		// The lease expires and the post is recovered by a later round.
		p.cfg.Log.Error("record publishing outcome", "post_id", row.ID, "status", o.status, "err", err)
		return
	}
	switch o.status {
	case "failed", "unconfirmed":
		p.metrics.failed.WithLabelValues(o.kind).Inc()
		p.cfg.Log.Warn("post not published", "post_id", row.ID, "status", o.status, "kind", o.kind, "reason", o.message)
	case "scheduled":
		if o.kind != "" {
			p.metrics.deferred.WithLabelValues(o.kind).Inc()
			p.cfg.Log.Info("post deferred", "post_id", row.ID, "kind", o.kind, "due", o.due, "reason", o.message)
		}
	}
}

func (p *Publisher) markNeedsReconnect(ctx context.Context, integrationID, reason string) {
	if err := p.q.IntegrationMarkNeedsReconnect(ctx, dbq.IntegrationMarkNeedsReconnectParams{
		ID: integrationID, Reason: reason, Now: p.cfg.Now(),
	}); err != nil {
		p.cfg.Log.Error("mark integration needs_reconnect", "integration_id", integrationID, "err", err)
	}
}

// deferIntegration moves the account's other posts due before until to until,
// so they do not hit X's rate limit too. Other accounts are untouched.
func (p *Publisher) deferIntegration(integrationID string, until time.Time) {
	if err := p.q.PostDeferIntegration(context.Background(), dbq.PostDeferIntegrationParams{
		IntegrationID: &integrationID, Until: until, Now: p.cfg.Now(),
	}); err != nil {
		p.cfg.Log.Error("defer rate-limited account's posts", "integration_id", integrationID, "err", err)
	}
}
