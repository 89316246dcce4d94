// Package fakex is a stand-in for X (Twitter) that behaves like X as
// documented in /work/shared/reference/x-api.md: the OAuth 1.0a endpoints
// with an approve/deny page, GET /2/users/me, POST /2/tweets,
// DELETE /2/tweets/:id and GET /2/users/:id/tweets, with X's status
// codes, bodies and rate-limit headers. Every request's HMAC-SHA1
// signature is verified for real.
//
// It serves two purposes: every test in the project that needs X uses it
// (over real HTTP, via httptest), and cmd/xsandbox runs it as the offline
// sandbox so the whole product works without X keys. Production code only
// ever sees its base URL.
//
// Tests steer it with methods on *Server: SetLatency, Inject (faults that
// answer with X's real error bodies instead of or after handling, drop the
// connection before or after handling, or hang), SetRateLimit, Revoke,
// IssueCredentials, Approve; and observe it with Requests, Posts, InFlight
// and the OnPost hook.
//
// GET /2/users/:id/tweets serves each user's posts as X's timeline does.
// Texts in answers are rendered like X's (URLs as t.co links, &, <, >
// HTML-escaped); Posts keeps the texts as sent.
package fakex
