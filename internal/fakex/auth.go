package fakex

import (
	"net/http"
	"strings"

	"github.com/betterplan/betterplan/internal/oauth1sig"
)

// authStyle picks the error body: X answers v1.1-style JSON on the OAuth
// and /1.1 endpoints and v2 problem JSON on /2.
type authStyle int

const (
	styleV1 authStyle = iota
	styleV2
)

// authFailure is why a request did not authenticate.
type authFailure int

const (
	failCouldNotAuth authFailure = iota // bad consumer key, bad signature: code 32
	failInvalidToken                    // unknown, revoked or expired token: code 89
)

func (s *Server) writeAuthFailure(w http.ResponseWriter, r *http.Request, style authStyle, why authFailure) {
	if style == styleV2 {
		s.peekRateLimitHeaders(w.Header(), "", endpointKey(r))
		writeProblem(w, http.StatusUnauthorized, bodyV2Unauthorized)
		return
	}
	body := bodyV1CouldNotAuth
	if why == failInvalidToken {
		body = bodyV1InvalidToken
	}
	writeBody(w, http.StatusUnauthorized, contentTypeJSON, body)
}

// oauthHeader parses the Authorization header and checks the consumer key.
func (s *Server) oauthHeader(r *http.Request) (map[string]string, bool) {
	hdr, err := oauth1sig.ParseAuthorization(r.Header.Get("Authorization"))
	if err != nil || hdr["oauth_consumer_key"] != s.consumerKey {
		return nil, false
	}
	return hdr, true
}

// authUser authenticates a request made with an access token and returns
// a copy of the token record. On failure it has written X's 401.
func (s *Server) authUser(w http.ResponseWriter, r *http.Request, style authStyle) (accessToken, bool) {
	hdr, ok := s.oauthHeader(r)
	if !ok {
		s.writeAuthFailure(w, r, style, failCouldNotAuth)
		return accessToken{}, false
	}
	s.mu.Lock()
	at, found := s.st.AccessTokens[hdr["oauth_token"]]
	var tok accessToken
	if found {
		tok = *at
	}
	s.mu.Unlock()
	if !found || tok.Revoked {
		s.writeAuthFailure(w, r, style, failInvalidToken)
		return accessToken{}, false
	}
	if err := oauth1sig.Verify(r, baseURL(r), s.consumerSecret, tok.Secret); err != nil {
		s.writeAuthFailure(w, r, style, failCouldNotAuth)
		return accessToken{}, false
	}
	setUsername(r, tok.Username)
	return tok, true
}

// oauthParam finds an OAuth protocol parameter wherever the client put it:
// the Authorization header (dghubble) or the form body / query
// (node-twitter-api-v2 sends oauth_callback and oauth_verifier that way).
//
// Call it only after Verify: it consumes the form body (ParseForm).
func oauthParam(r *http.Request, hdr map[string]string, name string) string {
	_ = r.ParseForm()
	if v := hdr[name]; v != "" {
		return v
	}
	return strings.TrimSpace(r.Form.Get(name))
}
