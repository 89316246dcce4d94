// Package xclient is the only code in BetterPlan that talks to X. It does
// the OAuth 1.0a three-legged flow and the few v2 calls we need (who am I,
// create post, delete post, read an account's recent posts), signing with
// github.com/dghubble/oauth1.
//
// Every failure is an *Error whose Kind tells the caller what to do next.
// The Kind that matters most for a publisher is whether the request could
// have reached X: NotReached means it certainly did not (safe to retry),
// Ambiguous means X may have acted on it (a post may exist even though we
// have no id for it). That distinction is made from what net/http reports
// it wrote to the wire (net/http/httptrace), never from error strings.
//
// Nothing in this package prints tokens or secrets: Credentials redact
// themselves in every format, and error messages are built only from X's
// error fields and transport errors, with any credential scrubbed out.
package xclient
