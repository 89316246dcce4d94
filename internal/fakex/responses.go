package fakex

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Response is a canned answer for Inject. The constructors below return
// X's real bodies (x-api.md §3); build your own for anything else.
type Response struct {
	Status int
	Header http.Header // merged over the defaults (content type, rate-limit headers)
	Body   string
}

// X's bodies, verbatim from the reference.
const (
	bodyV2Unauthorized = `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`
	bodyV2Duplicate    = `{"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403}`
	bodyV2Forbidden    = `{"detail":"You are not permitted to perform this action.","type":"about:blank","title":"Forbidden","status":403}`
	bodyV2Permissions  = `{"title":"Forbidden","status":403,"detail":"Your client app is not configured with the appropriate oauth1 app permissions for this endpoint.","type":"https://api.twitter.com/2/problems/oauth1-permissions"}`
	bodyV2TooMany      = `{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}`
	bodyV2UsageCapped  = `{"title":"UsageCapExceeded","detail":"Usage cap exceeded: Monthly product cap","type":"https://api.twitter.com/2/problems/usage-capped","period":"Monthly","scope":"Product"}`

	bodyV1CouldNotAuth  = `{"errors":[{"code":32,"message":"Could not authenticate you."}]}`
	bodyV1InvalidToken  = `{"errors":[{"code":89,"message":"Invalid or expired token."}]}`
	bodyV1BadAuthData   = `{"errors":[{"code":215,"message":"Bad Authentication data."}]}`
	bodyCallbackRefused = `<?xml version='1.0' encoding='UTF-8'?><errors><error code="415">Callback URL not approved for this client application. Approved callback URLs can be adjusted in your application settings</error></errors>`
	bodyBadVerifier     = `Error processing your OAuth request: Invalid oauth_verifier parameter`
)

const (
	contentTypeJSON    = "application/json; charset=utf-8"
	contentTypeProblem = "application/problem+json"
	contentTypeForm    = "text/html; charset=utf-8" // what X's token endpoints say, despite the form-encoded body
)

// Unauthorized is the v2 401 (revoked or invalid token, bad signature).
func Unauthorized() *Response { return &Response{Status: 401, Body: bodyV2Unauthorized} }

// UnauthorizedV1 is the v1.1-style 401 of the OAuth and /1.1 endpoints
// for an invalid or expired token (code 89).
func UnauthorizedV1() *Response {
	return &Response{Status: 401, Body: bodyV1InvalidToken, Header: http.Header{"Content-Type": {contentTypeJSON}}}
}

// Duplicate is the 403 for a post whose text the user already posted.
func Duplicate() *Response { return &Response{Status: 403, Body: bodyV2Duplicate} }

// Forbidden is the generic 403 (text too long, automation filters…).
func Forbidden() *Response { return &Response{Status: 403, Body: bodyV2Forbidden} }

// RateLimited is a 429 whose 15-minute window is spent until reset.
func RateLimited(reset time.Time) *Response {
	return &Response{Status: 429, Body: bodyV2TooMany, Header: http.Header{
		"X-Rate-Limit-Limit":     {"100"},
		"X-Rate-Limit-Remaining": {"0"},
		"X-Rate-Limit-Reset":     {epoch(reset)},
	}}
}

// UsageCapped is the 429 for an app whose monthly cap is spent.
func UsageCapped() *Response { return &Response{Status: 429, Body: bodyV2UsageCapped} }

// ServerError is a 5xx with a problem body (X does not document one).
func ServerError(status int) *Response {
	text := http.StatusText(status)
	return &Response{Status: status, Body: fmt.Sprintf(`{"title":%q,"detail":%q,"type":"about:blank","status":%d}`, text, text, status)}
}

// BadRequest is X's 400 invalid-request problem.
func BadRequest() *Response {
	return &Response{Status: 400, Body: invalidRequestBody("", nil, "One or more parameters to your request was invalid.")}
}

// invalidRequestBody builds the 400 invalid-request problem; parameter may
// be empty.
func invalidRequestBody(parameter string, values []string, message string) string {
	type item struct {
		Parameters map[string][]string `json:"parameters"`
		Message    string              `json:"message"`
	}
	it := item{Parameters: map[string][]string{}, Message: message}
	if parameter != "" {
		it.Parameters[parameter] = values
	}
	b, _ := json.Marshal(struct {
		Errors []item `json:"errors"`
		Title  string `json:"title"`
		Detail string `json:"detail"`
		Type   string `json:"type"`
	}{[]item{it}, "Invalid Request", "One or more parameters to your request was invalid.", "https://api.twitter.com/2/problems/invalid-request"})
	return string(b)
}

func notFoundBody(id string) string {
	b, _ := json.Marshal(map[string]any{
		"title":  "Not Found Error",
		"detail": "Could not find post with id: [" + id + "].",
		"type":   "https://api.twitter.com/2/problems/resource-not-found",
		"status": 404,
	})
	return string(b)
}

func epoch(t time.Time) string {
	// Round up: a client that waits until the stated second must be past
	// the window's end.
	sec := t.Unix()
	if t.Nanosecond() > 0 {
		sec++
	}
	return strconv.FormatInt(sec, 10)
}

func writeBody(w http.ResponseWriter, status int, contentType, body string) {
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", contentType)
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// writeProblem writes a v2 problem body; its content type follows the body
// (problems are application/problem+json, others application/json).
func writeProblem(w http.ResponseWriter, status int, body string) {
	writeBody(w, status, contentTypeProblem, body)
}

// writeJSON writes v without Go's \u0026-style escaping of &, < and >,
// so texts read "&amp;" on the wire as in X's answers.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		writeProblem(w, 500, ServerError(500).Body)
		return
	}
	writeBody(w, status, contentTypeJSON, strings.TrimSuffix(b.String(), "\n"))
}
