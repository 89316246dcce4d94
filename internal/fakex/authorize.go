package fakex

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

// usernameCookie remembers who last approved in this browser, to prefill
// the form the way X keeps you logged in.
const usernameCookie = "fakex_username"

var authorizeTmpl = template.Must(template.New("authorize").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize app — X sandbox</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}
.banner{background:#ffe08a;padding:.5rem 1rem;border-radius:.4rem}
.err{color:#b00020}button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.5rem}
input{font-size:1rem;padding:.4rem;width:100%;box-sizing:border-box}</style></head>
<body>
<p class="banner"><strong>OFFLINE X SANDBOX</strong> — this is not real X. Nothing is posted publicly.</p>
{{if .Fatal}}
<h1>Whoa there!</h1>
<p class="err">{{.Fatal}}</p>
{{else}}
<h1>Authorize app to use your account?</h1>
<p>The app will be able to read your profile and post for you.
After you decide you will be sent to <code>{{.CallbackHost}}</code>.</p>
{{if .Error}}<p class="err">{{.Error}}</p>{{end}}
<form method="post" action="{{.Action}}">
<input type="hidden" name="oauth_token" value="{{.Token}}">
<p><label>X username (any name; the same name is the same account)<br>
<input name="username" value="{{.Username}}" autocomplete="username" autofocus pattern="[A-Za-z0-9_]{1,15}"></label></p>
<p><button type="submit" name="action" value="approve">Authorize app</button>
<button type="submit" name="action" value="deny">Cancel</button></p>
</form>
{{end}}
</body></html>
`))

var resultTmpl = template.Must(template.New("result").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>X sandbox</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}
.banner{background:#ffe08a;padding:.5rem 1rem;border-radius:.4rem}
.pin{font-size:2rem;font-family:monospace;letter-spacing:.1em}</style></head>
<body>
<p class="banner"><strong>OFFLINE X SANDBOX</strong> — this is not real X.</p>
{{if .PIN}}<h1>You've granted access</h1>
<p>Enter this PIN in the app to complete authorization:</p>
<p class="pin" id="pin">{{.PIN}}</p>
{{else}}<h1>You denied access</h1><p>You can close this page.</p>{{end}}
</body></html>
`))

type authorizeView struct {
	Fatal, Error  string
	Action, Token string
	Username      string
	CallbackHost  string
}

// GET /oauth/authorize?oauth_token=… (and /oauth/authenticate).
func (s *Server) handleAuthorizePage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("oauth_token")
	view := authorizeView{Action: r.URL.Path, Token: token}
	if c, err := r.Cookie(usernameCookie); err == nil {
		view.Username = c.Value
	}
	// X also takes screen_name to prefill the field.
	if sn := r.URL.Query().Get("screen_name"); sn != "" {
		view.Username = sn
	}
	s.mu.Lock()
	rt, err := s.pendingLocked(token, s.now())
	if err == nil {
		view.CallbackHost = callbackHost(rt.Callback)
	}
	s.mu.Unlock()
	if err != nil {
		view.Fatal = tokenProblem(err)
		renderHTML(w, http.StatusBadRequest, authorizeTmpl, view)
		return
	}
	renderHTML(w, http.StatusOK, authorizeTmpl, view)
}

// POST /oauth/authorize: the Authorize app / Cancel buttons.
func (s *Server) handleAuthorizeForm(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	token := r.PostForm.Get("oauth_token")
	username := strings.TrimPrefix(strings.TrimSpace(r.PostForm.Get("username")), "@")
	view := authorizeView{Action: r.URL.Path, Token: token, Username: username}

	switch r.PostForm.Get("action") {
	case "approve":
		setUsername(r, username)
		verifier, err := s.Approve(token, username)
		if errors.Is(err, ErrInvalidUsername) {
			s.mu.Lock()
			if rt := s.st.RequestTokens[token]; rt != nil {
				view.CallbackHost = callbackHost(rt.Callback)
			}
			s.mu.Unlock()
			view.Error = "Usernames are 1-15 letters, digits or underscores."
			renderHTML(w, http.StatusBadRequest, authorizeTmpl, view)
			return
		}
		if err != nil {
			view.Fatal = tokenProblem(err)
			renderHTML(w, http.StatusBadRequest, authorizeTmpl, view)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: usernameCookie, Value: username, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		callback := s.callbackOf(token)
		if callback == "oob" {
			renderHTML(w, http.StatusOK, resultTmpl, map[string]string{"PIN": verifier})
			return
		}
		http.Redirect(w, r, withQuery(callback, url.Values{"oauth_token": {token}, "oauth_verifier": {verifier}}), http.StatusFound)
	case "deny":
		rt, err := s.deny(token)
		if err != nil {
			view.Fatal = tokenProblem(err)
			renderHTML(w, http.StatusBadRequest, authorizeTmpl, view)
			return
		}
		if rt.Callback == "oob" {
			renderHTML(w, http.StatusOK, resultTmpl, map[string]string{})
			return
		}
		// X's denial callback: only denied=<request token>, no oauth_token
		// and no oauth_verifier.
		http.Redirect(w, r, withQuery(rt.Callback, url.Values{"denied": {token}}), http.StatusFound)
	default:
		http.Error(w, "action must be approve or deny", http.StatusBadRequest)
	}
}

func (s *Server) callbackOf(token string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rt := s.st.RequestTokens[token]; rt != nil {
		return rt.Callback
	}
	return ""
}

// withQuery adds params to callback, keeping the query it already has.
func withQuery(callback string, params url.Values) string {
	u, err := url.Parse(callback)
	if err != nil {
		return callback
	}
	q := u.Query()
	for k, vs := range params {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func callbackHost(cb string) string {
	if cb == "oob" {
		return "a page showing a PIN"
	}
	if u, err := url.Parse(cb); err == nil && u.Host != "" {
		return u.Host
	}
	return cb
}

func tokenProblem(err error) string {
	switch {
	case errors.Is(err, ErrExpiredRequestToken):
		return "This page is no longer valid: the request token expired. Go back to the app and try again."
	case errors.Is(err, ErrTokenAlreadyDecided):
		return "This request token was already used. Go back to the app and try again."
	}
	return "The request token for this page is invalid. It may have already been used, or expired because it is too old."
}

func renderHTML(w http.ResponseWriter, status int, t *template.Template, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = t.Execute(w, data)
}
