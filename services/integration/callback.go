package integration

import (
	"context"
	"net/http"
	"net/url"

	"github.com/betterplan/betterplan/internal/auth"
)

// maxOAuthParam bounds oauth_token and oauth_verifier in the callback's
// query, as the proto rules of CompleteXAuthorizationRequest bound them.
const maxOAuthParam = 256

// Callback handles GET /api/auth/x/callback, where X sends the browser after
// the person approves (or denies) BetterPlan. It always ends in a redirect to
// the integrations page, with ?connected=<id> or ?error=<code>; the cause of
// a failure is logged, never shown raw.
func (s *Service) Callback() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		// The state cookie has done its job whatever happens next.
		http.SetCookie(w, s.clearStateCookie())
		id, err := s.handleCallback(ctx, r)
		target := s.AppURL + "/app/integrations?"
		if err != nil {
			code := callbackCode(err)
			level := s.Log.WarnContext
			if code == "internal" {
				level = s.Log.ErrorContext
			}
			level(ctx, "X callback failed", "error_code", code, "err", err)
			target += url.Values{"error": {code}}.Encode()
		} else {
			target += url.Values{"connected": {id}}.Encode()
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
	})
}

func (s *Service) handleCallback(ctx context.Context, r *http.Request) (string, error) {
	q := r.URL.Query()
	if s.X == nil {
		return "", errNotConfigured
	}
	cookie, _ := r.Cookie(StateCookie)
	if denied := q.Get("denied"); denied != "" {
		// Consume the pending request so it cannot be completed later, but
		// only when this browser started it.
		if cookie != nil && cookie.Value == denied && len(denied) <= maxOAuthParam {
			_, _ = s.claim(ctx, denied, "")
		}
		return "", errDenied
	}
	token, verifier := q.Get("oauth_token"), q.Get("oauth_verifier")
	if token == "" || verifier == "" || len(token) > maxOAuthParam || len(verifier) > maxOAuthParam {
		return "", errBadCallback
	}
	if cookie == nil || cookie.Value != token {
		return "", errMismatch
	}
	pending, err := s.peek(ctx, token)
	if err != nil {
		return "", err
	}
	if pending.PinFlow {
		return "", errMismatch
	}
	// A browser signed in as someone else must not attach the account to
	// the user who started the flow.
	if sess := sessionOnly(r.Header); sess != nil && s.SessionUser != nil {
		if p, err := s.SessionUser(ctx, sess); err == nil && p.UserID != pending.UserID {
			return "", errOtherUser
		}
	}
	claimed, err := s.claim(ctx, token, pending.UserID)
	if err != nil {
		return "", err
	}
	row, err := s.connect(ctx, claimed, verifier)
	if err != nil {
		return "", err
	}
	return row.ID, nil
}

// sessionOnly keeps just the session cookie of a request's headers, or nil.
func sessionOnly(h http.Header) http.Header {
	r := http.Request{Header: h}
	c, err := r.Cookie(auth.CookieName)
	if err != nil {
		return nil
	}
	return http.Header{"Cookie": {c.String()}}
}
