package auth

import (
	"net/http"
	"time"
)

// CookieName is the session cookie set by SignUp and SignIn.
const CookieName = "betterplan_session"

// Cookies builds the session cookie. Secure is on when the app is served over
// https; SameSite=Lax keeps it off cross-site POSTs.
type Cookies struct {
	Secure bool
}

// Session returns the cookie that carries token until expires.
func (c Cookies) Session(token string, expires time.Time, now time.Time) *http.Cookie {
	return &http.Cookie{
		Name:     CookieName,
		Value:    token,
		Path:     "/",
		Expires:  expires,
		MaxAge:   int(expires.Sub(now).Seconds()),
		HttpOnly: true,
		Secure:   c.Secure,
		SameSite: http.SameSiteLaxMode,
	}
}

// Clear returns a cookie that deletes the session cookie.
func (c Cookies) Clear() *http.Cookie {
	return &http.Cookie{
		Name:     CookieName,
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   c.Secure,
		SameSite: http.SameSiteLaxMode,
	}
}

// fromHeader reads the session cookie out of a request's headers.
func fromHeader(h http.Header) (string, bool) {
	r := http.Request{Header: h}
	c, err := r.Cookie(CookieName)
	if err != nil || c.Value == "" {
		return "", false
	}
	return c.Value, true
}
