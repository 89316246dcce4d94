package xclient

import (
	"net/http"
	"testing"
	"time"
)

func TestRateLimitReset(t *testing.T) {
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	at := func(sec int64) time.Time { return time.Unix(sec, 0) }
	for _, tc := range []struct {
		name string
		h    http.Header
		want time.Time
	}{
		{"none", h(), time.Time{}},
		{"garbage", h("x-rate-limit-reset", "soon"), time.Time{}},
		{"15-minute only", h("x-rate-limit-reset", "1682422975"), at(1682422975)},
		{"latest of all when none says remaining=0",
			h("x-rate-limit-reset", "1000", "x-user-limit-24hour-reset", "3000", "x-app-limit-24hour-reset", "2000"), at(3000)},
		{"latest when remaining is absent, as X sometimes sends",
			h("x-rate-limit-reset", "1000", "x-rate-limit-remaining", "5", "x-app-limit-24hour-reset", "2000"), at(2000)},
		{"only the spent window counts: 15-minute",
			h("x-rate-limit-reset", "1000", "x-rate-limit-remaining", "0",
				"x-user-limit-24hour-reset", "90000", "x-user-limit-24hour-remaining", "16",
				"x-app-limit-24hour-reset", "80000", "x-app-limit-24hour-remaining", "1500"), at(1000)},
		{"only the spent window counts: user 24h",
			h("x-rate-limit-reset", "1000", "x-rate-limit-remaining", "99",
				"x-user-limit-24hour-reset", "90000", "x-user-limit-24hour-remaining", "0",
				"x-app-limit-24hour-reset", "95000", "x-app-limit-24hour-remaining", "1500"), at(90000)},
		{"latest of the spent windows",
			h("x-rate-limit-reset", "1000", "x-rate-limit-remaining", "0",
				"x-app-limit-24hour-reset", "80000", "x-app-limit-24hour-remaining", "0"), at(80000)},
	} {
		if got := rateLimitReset(tc.h); !got.Equal(tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestParseProblemAndClassify(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
		want   xProblem
		kind   Kind
	}{
		{401, `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`,
			xProblem{Title: "Unauthorized", Detail: "Unauthorized", Type: "about:blank"}, Unauthorized},
		{401, `{"errors":[{"code":89,"message":"Invalid or expired token."}]}`,
			xProblem{Detail: "Invalid or expired token.", Code: 89}, Unauthorized},
		{401, "Error processing your OAuth request: Invalid oauth_verifier parameter\n",
			xProblem{Detail: "Error processing your OAuth request: Invalid oauth_verifier parameter"}, Unauthorized},
		{403, `<?xml version='1.0' encoding='UTF-8'?><errors><error code="415">Callback URL not approved for this client application.</error></errors>`,
			xProblem{Detail: "Callback URL not approved for this client application.", Code: 415}, Forbidden},
		{403, `{"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403}`,
			xProblem{Title: "Forbidden", Detail: "You are not allowed to create a Tweet with duplicate content.", Type: "about:blank"}, Duplicate},
		{403, `{"errors":[{"code":185,"message":"User is over daily status update limit."}]}`,
			xProblem{Detail: "User is over daily status update limit.", Code: 185}, RateLimited},
		{429, `{"title":"UsageCapExceeded","detail":"Usage cap exceeded: Monthly product cap","type":"https://api.x.com/2/problems/usage-capped","period":"Monthly","scope":"Product"}`,
			xProblem{Title: "UsageCapExceeded", Detail: "Usage cap exceeded: Monthly product cap", Type: "https://api.x.com/2/problems/usage-capped"}, UsageCapped},
		{429, `{"errors":[{"code":88,"message":"Rate limit exceeded"}]}`,
			xProblem{Detail: "Rate limit exceeded", Code: 88}, RateLimited},
		{400, `{"errors":[{"parameters":{"text":[""]},"message":"bad text"}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request"}`,
			xProblem{Title: "Invalid Request", Detail: "One or more parameters to your request was invalid.: bad text", Type: "https://api.twitter.com/2/problems/invalid-request"}, BadRequest},
		{404, ``, xProblem{}, BadRequest},
		{504, `upstream timed out`, xProblem{Detail: "upstream timed out"}, ServerError},
		{302, ``, xProblem{}, BadResponse},
	} {
		got := parseProblem([]byte(tc.body))
		if got != tc.want {
			t.Errorf("parseProblem(%s):\n got %+v\nwant %+v", tc.body, got, tc.want)
		}
		if k := classify(tc.status, got); k != tc.kind {
			t.Errorf("classify(%d, %s) = %v, want %v", tc.status, tc.body, k, tc.kind)
		}
	}
	long := make([]byte, 5000)
	for i := range long {
		long[i] = 'x'
	}
	if d := parseProblem(long).Detail; len(d) > maxDetail+len("…") {
		t.Errorf("detail not clipped: %d bytes", len(d))
	}
}
