package xclient

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strings"
	"unicode/utf8"
)

// xProblem is what we keep of an error body. X answers in four shapes:
//   - v2 problem JSON: {"title","detail","type","status",…} (on /2);
//   - v2 invalid-request: the same plus "errors":[{"message","parameters"}];
//   - v1.1 JSON: {"errors":[{"code":32,"message":"Could not authenticate you."}]}
//     (on /oauth and /1.1);
//   - XML <errors><error code="415">…</error></errors> or plain text
//     ("Error processing your OAuth request: Invalid oauth_verifier
//     parameter") on the OAuth endpoints.
type xProblem struct {
	Title, Detail, Type string
	Code                int
}

type jsonProblem struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Type   string `json:"type"`
	Errors []struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
}

type xmlErrors struct {
	Errors []struct {
		Code    int    `xml:"code,attr"`
		Message string `xml:",chardata"`
	} `xml:"error"`
}

// maxDetail bounds text copied from a body we did not understand (an HTML
// error page from a proxy, say) into an error message.
const maxDetail = 300

func parseProblem(body []byte) xProblem {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return xProblem{}
	}
	switch body[0] {
	case '{':
		var jp jsonProblem
		if json.Unmarshal(body, &jp) == nil {
			p := xProblem{Title: jp.Title, Detail: jp.Detail, Type: jp.Type}
			if len(jp.Errors) > 0 {
				p.Code = jp.Errors[0].Code
				switch msg := jp.Errors[0].Message; {
				case p.Detail == "":
					p.Detail = msg
				case msg != "" && msg != p.Detail:
					// invalid-request: the generic detail plus the specific reason
					p.Detail += ": " + msg
				}
			}
			return p
		}
	case '<':
		var xe xmlErrors
		if xml.Unmarshal(body, &xe) == nil && len(xe.Errors) > 0 {
			return xProblem{Code: xe.Errors[0].Code, Detail: strings.TrimSpace(xe.Errors[0].Message)}
		}
	}
	return xProblem{Detail: clipText(string(body))}
}

func clipText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= maxDetail {
		return s
	}
	cut := maxDetail
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// statusError turns a non-2xx answer into an *Error.
func statusError(op string, status int, header http.Header, body []byte) *Error {
	p := parseProblem(body)
	e := &Error{
		Op:     op,
		Status: status,
		Title:  p.Title,
		Detail: p.Detail,
		Type:   p.Type,
		Code:   p.Code,
	}
	e.Kind = classify(status, p)
	if e.Kind == RateLimited {
		e.ResetAt = rateLimitReset(header)
	}
	return e
}

func classify(status int, p xProblem) Kind {
	switch {
	case status == http.StatusUnauthorized:
		return Unauthorized
	case status == http.StatusForbidden:
		switch {
		case p.Code == 187 || strings.Contains(strings.ToLower(p.Detail), "duplicate content"):
			return Duplicate
		case p.Code == 185: // "User is over daily status update limit"
			return RateLimited
		}
		return Forbidden
	case status == http.StatusTooManyRequests || status == 420: // 420: Twitter's old "Enhance Your Calm"
		// Problem type URIs come with api.twitter.com and api.x.com hosts.
		if strings.HasSuffix(p.Type, "/usage-capped") || p.Title == "UsageCapExceeded" {
			return UsageCapped
		}
		return RateLimited
	case status >= 500:
		return ServerError
	case status >= 400:
		return BadRequest
	}
	return BadResponse
}
