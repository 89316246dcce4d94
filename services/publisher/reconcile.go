package publisher

import (
	"context"
	"errors"
	"html"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/betterplan/betterplan/db/dbq"
	"github.com/betterplan/betterplan/internal/credential"
	"github.com/betterplan/betterplan/internal/xclient"
	"github.com/betterplan/betterplan/internal/xtext"
)

const (
	// readSlack widens the read of X's timeline before the first send of a
	// part in doubt: X's clock and PostgreSQL's may differ a little.
	readSlack = time.Minute
	// maxReadPages bounds one read: X serves at most the newest 3,200 posts,
	// 100 a page.
	maxReadPages = 32
	// maxReadWait: a post in doubt waits for X's read rate limit to reset
	// if that is this soon; later, it is left to a person (unconfirmed).
	maxReadWait = time.Hour
)

// resolution is what X's timeline says about an attempt's part in doubt.
type resolution struct {
	foundID string // the part is on X with this id
	err     error  // X could not be read
}

// reconcile settles the claimed posts of one X account whose next part may
// already be on X: it reads the account's posts since just before the
// earliest of those sends, once for all of them (every read is a request
// X counts, and may bill), then publishes each knowing the answer.
func (p *Publisher) reconcile(group []*attempt) {
	res := p.lookUp(group)
	for _, a := range group {
		go p.work(a, res[a])
	}
}

func (p *Publisher) lookUp(group []*attempt) map[*attempt]*resolution {
	first := group[0].row
	if first.IntegrationStatus == nil || *first.IntegrationStatus != dbq.IntegrationStatusActive {
		return nil // publish settles these without X
	}
	creds, err := credential.Open(p.cfg.Keys, credential.Sealed{
		Platform: *first.Platform, AccountID: *first.PlatformAccountID, Data: first.Credential, KeyID: *first.CredentialKeyID,
	})
	if err != nil {
		return nil // publish meets the same error and handles it
	}
	since := first.DbNow.Add(-time.Hour) // rows from before in_flight_since existed
	for i, a := range group {
		if t := a.row.InFlightSince; t != nil && (i == 0 || t.Before(since)) {
			since = *t
		}
	}
	since = since.Add(-readSlack)
	// The read must leave time to send what it does not find, within the
	// lease: a slow read fails (and is retried) instead.
	deadline := group[0].leaseEnd
	for _, a := range group {
		if a.leaseEnd.Before(deadline) {
			deadline = a.leaseEnd
		}
	}
	ctx, cancel := context.WithDeadline(p.hard, deadline.Add(-p.sendWindow()))
	defer cancel()
	posts, err := p.cfg.X.UserPosts(ctx, creds, *first.PlatformAccountID, since, maxReadPages)
	out := make(map[*attempt]*resolution, len(group))
	if err != nil {
		p.metrics.reconcileReads.WithLabelValues("failed").Inc()
		p.cfg.Log.Warn("reconciliation: cannot read X", "integration_id", *first.IntegrationID, "username", *first.Username,
			"posts_in_doubt", len(group), "err", err)
		for _, a := range group {
			out[a] = &resolution{err: err}
		}
		return out
	}
	p.metrics.reconcileReads.WithLabelValues("ok").Inc()
	p.cfg.Log.Info("reconciliation: read X to settle posts in doubt", "integration_id", *first.IntegrationID,
		"username", *first.Username, "posts_in_doubt", len(group), "posts_read", len(posts), "since", since)
	byText := map[string][]xclient.TimelinePost{}
	for _, tp := range posts {
		k := matchKey(html.UnescapeString(tp.Text))
		byText[k] = append(byText[k], tp)
	}
	// X serves only the newest 3,200 posts: when the read stopped there, a
	// part not found may be older than what it covered.
	truncated := len(posts) >= maxReadPages*100
	used := map[string]bool{}
	for _, a := range group {
		id := find(byText, a, used)
		if id == "" && truncated {
			out[a] = &resolution{err: errReadTruncated}
			continue
		}
		out[a] = &resolution{foundID: id}
	}
	return out
}

var errReadTruncated = errors.New("the account posted more since the send than X lets BetterPlan read back")

// find returns the id of the post on X that is a's part in doubt, or "":
// the same text and, for a thread part, a reply to the part before it.
func find(byText map[string][]xclient.TimelinePost, a *attempt, used map[string]bool) string {
	k := len(a.ids)
	if k >= len(a.row.Parts) {
		return ""
	}
	replyTo := ""
	if k > 0 {
		replyTo = a.ids[k-1]
	}
	for _, tp := range byText[matchKey(a.row.Parts[k])] {
		if tp.InReplyToID == replyTo && !used[tp.ID] {
			used[tp.ID] = true
			return tp.ID
		}
	}
	return ""
}

// matchKey is text as X shows it back, made comparable with what was sent:
// NFC (X normalises), every URL as one placeholder (X shows t.co links),
// whitespace runs as one space. X's own text must be HTML-unescaped first.
func matchKey(text string) string {
	text = norm.NFC.String(text)
	var b strings.Builder
	last := 0
	for _, r := range xtext.URLRanges(text) {
		b.WriteString(text[last:r.Start])
		b.WriteString("\x00url\x00")
		last = r.End
	}
	b.WriteString(text[last:])
	return strings.Join(strings.Fields(b.String()), " ")
}
