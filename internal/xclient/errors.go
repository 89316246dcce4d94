package xclient

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind says what went wrong and, with it, what the caller may do next.
type Kind int

// The zero Kind is never used by this package; KindOf returns it for errors
// that are not *Error.
const (
	// Unauthorized: HTTP 401. The token was revoked or is invalid, the
	// consumer key is wrong, or the signature did not verify. Reconnect.
	Unauthorized Kind = iota + 1
	// Forbidden: HTTP 403 other than duplicates: text too long for the
	// account, app permissions (read-only token), app not enrolled, spam
	// filters, callback URL not approved (v1 code 415).
	Forbidden
	// Duplicate: HTTP 403 because the same text was already posted
	// ("duplicate content" in detail, or v1 code 187).
	Duplicate
	// RateLimited: HTTP 429 (or v1 code 185 "over daily status limit").
	// Error.ResetAt says when to try again.
	RateLimited
	// UsageCapped: HTTP 429 with the usage-capped problem type: the app's
	// monthly cap is spent; retrying soon will not help.
	UsageCapped
	// BadRequest: any other 4xx, e.g. 400 invalid-request or 404.
	BadRequest
	// ServerError: HTTP 5xx. X documents these as "wait and retry".
	ServerError
	// NotReached: the request certainly never reached X (DNS, dial,
	// connection refused, TLS handshake, or cancelled before anything was
	// written). Safe to retry.
	NotReached
	// Ambiguous: the request was (at least partly) written and then the
	// connection broke or the deadline passed before a usable answer came
	// back. X may have acted on it.
	Ambiguous
	// BadResponse: X answered 2xx (or 3xx) with a body we cannot use, e.g.
	// a request token response without oauth_callback_confirmed=true.
	BadResponse
)

var kindNames = map[Kind]string{
	Unauthorized: "unauthorized",
	Forbidden:    "forbidden",
	Duplicate:    "duplicate",
	RateLimited:  "rate limited",
	UsageCapped:  "usage capped",
	BadRequest:   "bad request",
	ServerError:  "server error",
	NotReached:   "not reached",
	Ambiguous:    "outcome unknown",
	BadResponse:  "bad response",
}

func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Error is the only error type the Client returns.
type Error struct {
	Op     string // what we were doing, e.g. "create post"
	Kind   Kind
	Status int // HTTP status, 0 when no response arrived

	// X's explanation, from a v2 problem body (title/detail/type), a v1.1
	// {"errors":[{"code","message"}]} body, an XML <error code=…> body or a
	// plain-text body (then only Detail is set).
	Title  string
	Detail string
	Type   string
	Code   int // v1.1 error code (32, 89, 187, 415, …), 0 if none

	// ResetAt is when a RateLimited request may be retried: the latest
	// reset among the exhausted rate-limit windows X reported (see
	// rateLimitReset). Zero when X sent no reset header.
	ResetAt time.Time

	// Err is the underlying transport or context error, if any.
	Err error

	// idempotent records whether repeating Op is harmless even if the
	// first attempt took effect; it makes Ambiguous retryable for reads.
	idempotent bool
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("xclient: ")
	b.WriteString(e.Op)
	b.WriteString(": ")
	b.WriteString(e.Kind.String())
	if e.Kind == Ambiguous {
		b.WriteString(" (may have reached X)")
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	if e.Code != 0 {
		fmt.Fprintf(&b, " code %d", e.Code)
	}
	if e.Title != "" {
		b.WriteString(" ")
		b.WriteString(e.Title)
	}
	if e.Detail != "" && e.Detail != e.Title {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	if !e.ResetAt.IsZero() {
		b.WriteString(" (resets ")
		b.WriteString(e.ResetAt.UTC().Format(time.RFC3339))
		b.WriteString(")")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// MayHaveReachedX reports whether X could have received (and acted on) the
// request. It is false only for NotReached.
func (e *Error) MayHaveReachedX() bool { return e.Kind != NotReached }

// IsRetryable reports whether repeating the same call later can succeed
// without risk: NotReached, ServerError and RateLimited (after ResetAt)
// are; Ambiguous is only for operations that are harmless to repeat
// (everything except CreatePost), because a repeated post could duplicate.
//
// Note that X may have created a post even when it answered 5xx; a
// publisher that retries a ServerError should expect a Duplicate answer.
func (e *Error) IsRetryable() bool {
	switch e.Kind {
	case NotReached, ServerError, RateLimited:
		return true
	case Ambiguous:
		return e.idempotent
	}
	return false
}

// KindOf returns the Kind of err if it is (or wraps) an *Error, else 0.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

// minScrubLen: shorter strings are not credentials X issues (its tokens
// and secrets are 40+ characters), and replacing them would shred
// ordinary words in the message.
const minScrubLen = 8

// scrub removes any of secrets from the error's text fields. X never echoes
// credentials, but a misbehaving proxy might, and Error() must stay clean.
func (e *Error) scrub(secrets []string) {
	clean := func(s string) string {
		for _, sec := range secrets {
			if len(sec) >= minScrubLen {
				s = strings.ReplaceAll(s, sec, redacted)
			}
		}
		return s
	}
	e.Title, e.Detail, e.Type = clean(e.Title), clean(e.Detail), clean(e.Type)
	if e.Err != nil {
		if msg := e.Err.Error(); clean(msg) != msg {
			e.Err = errors.New(clean(msg)) // loses the chain, keeps the secret out
		}
	}
}
