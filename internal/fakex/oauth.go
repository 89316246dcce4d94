package fakex

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/betterplan/betterplan/internal/oauth1sig"
)

// POST /oauth/request_token: signed with the consumer secret only.
func (s *Server) handleRequestToken(w http.ResponseWriter, r *http.Request) {
	hdr, ok := s.oauthHeader(r)
	if !ok {
		s.writeAuthFailure(w, r, styleV1, failCouldNotAuth)
		return
	}
	if err := oauth1sig.Verify(r, baseURL(r), s.consumerSecret, ""); err != nil {
		s.writeAuthFailure(w, r, styleV1, failCouldNotAuth)
		return
	}
	callback := oauthParam(r, hdr, "oauth_callback")
	if callback == "" {
		writeBody(w, http.StatusBadRequest, contentTypeJSON, bodyV1BadAuthData)
		return
	}
	if !s.callbackAllowed(callback) {
		writeBody(w, http.StatusForbidden, "application/xml;charset=utf-8", bodyCallbackRefused)
		return
	}
	accessType := r.Form.Get("x_auth_access_type") // query or form body
	if accessType != "" && accessType != "read" && accessType != "write" {
		writeBody(w, http.StatusBadRequest, contentTypeJSON, bodyV1BadAuthData)
		return
	}

	now := s.now()
	rt := &requestToken{
		Token:      randomToken(2),
		Secret:     randomToken(2),
		Callback:   callback,
		AccessType: accessType,
		CreatedAt:  now,
	}
	s.mu.Lock()
	for k, old := range s.st.RequestTokens { // keep the map from growing forever
		if now.Sub(old.CreatedAt) > 2*requestTokenTTL {
			delete(s.st.RequestTokens, k)
		}
	}
	s.st.RequestTokens[rt.Token] = rt
	s.saveLocked()
	s.mu.Unlock()

	writeBody(w, http.StatusOK, contentTypeForm, url.Values{
		"oauth_token":              {rt.Token},
		"oauth_token_secret":       {rt.Secret},
		"oauth_callback_confirmed": {"true"},
	}.Encode())
}

// callbackAllowed: "oob" always; otherwise an absolute URL, and one of the
// registered prefixes when any are configured.
func (s *Server) callbackAllowed(cb string) bool {
	if cb == "oob" {
		return true
	}
	u, err := url.Parse(cb)
	if err != nil || u.Scheme == "" || (u.Host == "" && u.Opaque == "") {
		return false
	}
	if len(s.callbacks) == 0 {
		return true
	}
	for _, p := range s.callbacks {
		if strings.HasPrefix(cb, p) {
			return true
		}
	}
	return false
}

// Errors from Approve (and the authorize page).
var (
	ErrUnknownRequestToken = errors.New("fakex: unknown request token")
	ErrExpiredRequestToken = errors.New("fakex: request token expired")
	ErrTokenAlreadyDecided = errors.New("fakex: request token was already approved or denied")
	ErrInvalidUsername     = errors.New("fakex: username must be 1-15 letters, digits or underscores")
)

// pendingLocked returns the request token if it can still be decided on.
func (s *Server) pendingLocked(token string, now time.Time) (*requestToken, error) {
	rt := s.st.RequestTokens[token]
	switch {
	case rt == nil:
		return nil, ErrUnknownRequestToken
	case now.Sub(rt.CreatedAt) > requestTokenTTL:
		return nil, ErrExpiredRequestToken
	case rt.Verifier != "" || rt.Denied || rt.Used:
		return nil, ErrTokenAlreadyDecided
	}
	return rt, nil
}

// Approve is the user clicking "Authorize app" as username, without the
// browser: it returns the verifier X would put in the callback (or show
// as the PIN).
func (s *Server) Approve(requestToken, username string) (verifier string, err error) {
	if !validUsername.MatchString(username) {
		return "", ErrInvalidUsername
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	rt, err := s.pendingLocked(requestToken, now)
	if err != nil {
		return "", err
	}
	u := s.ensureUserLocked(username)
	rt.Username = u.Username
	rt.Verifier = randomToken(1)
	s.saveLocked()
	return rt.Verifier, nil
}

func (s *Server) deny(requestToken string) (*requestToken, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	rt, err := s.pendingLocked(requestToken, now)
	if err != nil {
		return nil, err
	}
	rt.Denied = true
	s.saveLocked()
	cp := *rt
	return &cp, nil
}

// ensureUserLocked returns the user, creating it on first sight. The id is
// derived from the username so it is the same on every reconnect.
func (s *Server) ensureUserLocked(username string) *user {
	key := strings.ToLower(username)
	if u := s.st.Users[key]; u != nil {
		return u
	}
	u := &user{ID: userIDFor(username), Username: username, Name: username}
	s.st.Users[key] = u
	return u
}

// issueLocked creates an access token "<user id>-<random>" like X's.
func (s *Server) issueLocked(u *user, accessType string) *accessToken {
	at := &accessToken{
		Token:      u.ID + "-" + randomToken(2)[:40],
		Secret:     randomToken(2)[:45],
		UserID:     u.ID,
		Username:   u.Username,
		AccessType: accessType,
		CreatedAt:  s.now(),
	}
	s.st.AccessTokens[at.Token] = at
	return at
}

// IssueCredentials connects username (creating the user if needed) without
// the browser dance and returns a read-write access token and secret.
func (s *Server) IssueCredentials(username string) (userID, token, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.ensureUserLocked(username)
	at := s.issueLocked(u, "write")
	s.saveLocked()
	return u.ID, at.Token, at.Secret
}

// Revoke invalidates every access token of username, as if the user
// removed the app in X's settings; any call with them gets X's 401.
func (s *Server) Revoke(username string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, at := range s.st.AccessTokens {
		if strings.EqualFold(at.Username, username) {
			at.Revoked = true
		}
	}
	s.saveLocked()
}

// POST /oauth/access_token: signed with the request token and its secret.
func (s *Server) handleAccessToken(w http.ResponseWriter, r *http.Request) {
	hdr, ok := s.oauthHeader(r)
	if !ok {
		s.writeAuthFailure(w, r, styleV1, failCouldNotAuth)
		return
	}
	now := s.now()
	s.mu.Lock()
	rt, found := s.st.RequestTokens[hdr["oauth_token"]]
	var tok requestToken
	if found {
		tok = *rt
	}
	s.mu.Unlock()
	if !found || now.Sub(tok.CreatedAt) > requestTokenTTL {
		s.writeAuthFailure(w, r, styleV1, failInvalidToken)
		return
	}
	if err := oauth1sig.Verify(r, baseURL(r), s.consumerSecret, tok.Secret); err != nil {
		s.writeAuthFailure(w, r, styleV1, failCouldNotAuth)
		return
	}
	setUsername(r, tok.Username)
	verifier := oauthParam(r, hdr, "oauth_verifier")

	s.mu.Lock()
	rt = s.st.RequestTokens[tok.Token]
	// Single use: Used is set under the lock, so two racing exchanges
	// cannot both succeed.
	if rt == nil || rt.Used || rt.Denied || rt.Verifier == "" ||
		subtle.ConstantTimeCompare([]byte(verifier), []byte(rt.Verifier)) != 1 {
		s.mu.Unlock()
		writeBody(w, http.StatusUnauthorized, "text/plain; charset=utf-8", bodyBadVerifier)
		return
	}
	rt.Used = true
	u := s.ensureUserLocked(rt.Username)
	at := s.issueLocked(u, rt.AccessType)
	s.saveLocked()
	s.mu.Unlock()

	writeBody(w, http.StatusOK, contentTypeForm, url.Values{
		"oauth_token":        {at.Token},
		"oauth_token_secret": {at.Secret},
		"user_id":            {u.ID},
		"screen_name":        {u.Username},
	}.Encode())
}

// POST /1.1/oauth/invalidate_token: revokes the token it is signed with.
func (s *Server) handleInvalidateToken(w http.ResponseWriter, r *http.Request) {
	at, ok := s.authUser(w, r, styleV1)
	if !ok {
		return
	}
	s.mu.Lock()
	if cur := s.st.AccessTokens[at.Token]; cur != nil {
		cur.Revoked = true
	}
	s.saveLocked()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"access_token": at.Token})
}
