package fakex_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dghubble/oauth1"

	"github.com/betterplan/betterplan/internal/fakex"
)

// callbackServer stands in for our app's /api/auth/x/callback.
type callbackServer struct {
	*httptest.Server
	mu   sync.Mutex
	hits []url.Values
}

func newCallbackServer(t *testing.T) *callbackServer {
	cs := &callbackServer{}
	cs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cs.mu.Lock()
		cs.hits = append(cs.hits, r.URL.Query())
		cs.mu.Unlock()
		io.WriteString(w, "back in the app")
	}))
	t.Cleanup(cs.Close)
	return cs
}

func (cs *callbackServer) last(t *testing.T) url.Values {
	t.Helper()
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if len(cs.hits) == 0 {
		t.Fatal("callback was never called")
	}
	return cs.hits[len(cs.hits)-1]
}

// browser is an http.Client with a cookie jar, following redirects like a
// browser does.
func newBrowser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar}
}

var (
	formAction  = regexp.MustCompile(`<form method="post" action="([^"]+)">`)
	hiddenToken = regexp.MustCompile(`name="oauth_token" value="([^"]*)"`)
	usernameVal = regexp.MustCompile(`name="username" value="([^"]*)"`)
	pinRe       = regexp.MustCompile(`id="pin">([^<]+)<`)
)

// clickThrough loads the authorize page and submits it like a user would.
func clickThrough(t *testing.T, browser *http.Client, authURL, username, action string) (page string, finalURL *url.URL) {
	t.Helper()
	resp, err := browser.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	html := string(b)
	if resp.StatusCode != 200 {
		t.Fatalf("authorize page: %d %s", resp.StatusCode, html)
	}
	if !strings.Contains(html, "OFFLINE X SANDBOX") || !strings.Contains(html, `value="approve"`) || !strings.Contains(html, `value="deny"`) {
		t.Fatalf("authorize page lacks the banner or the buttons:\n%s", html)
	}
	act, tok := formAction.FindStringSubmatch(html), hiddenToken.FindStringSubmatch(html)
	if act == nil || tok == nil {
		t.Fatalf("no form in page:\n%s", html)
	}
	target := resp.Request.URL.ResolveReference(&url.URL{Path: act[1]})
	resp, err = browser.PostForm(target.String(), url.Values{"oauth_token": {tok[1]}, "username": {username}, "action": {action}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ = io.ReadAll(resp.Body)
	return string(b), resp.Request.URL
}

func TestBrowserFlow(t *testing.T) {
	f := newFixture(t, fakex.Options{})
	cb := newCallbackServer(t)
	cfg := f.oauthConfig(cb.URL + "/api/auth/x/callback?provider=x")
	browser := newBrowser(t)

	var userIDs []string
	for i, typed := range []string{"Alice_1", "alice_1"} { // X usernames are case-insensitive
		reqTok, reqSec, err := cfg.RequestToken()
		if err != nil {
			t.Fatalf("request token: %v", err)
		}
		authURL, _ := cfg.AuthorizationURL(reqTok)
		if i == 1 {
			// The cookie set on approval prefills the username.
			resp, _ := browser.Get(authURL.String())
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if m := usernameVal.FindStringSubmatch(string(b)); m == nil || m[1] != "Alice_1" {
				t.Errorf("username not prefilled from cookie: %v", m)
			}
		}
		body, final := clickThrough(t, browser, authURL.String(), typed, "approve")
		if body != "back in the app" || final.Path != "/api/auth/x/callback" {
			t.Fatalf("ended at %s: %s", final, body)
		}
		q := cb.last(t)
		if q.Get("provider") != "x" || q.Get("oauth_token") != reqTok || q.Get("oauth_verifier") == "" || q.Has("denied") {
			t.Fatalf("callback query = %v", q)
		}
		gotTok, verifier, err := oauth1.ParseAuthorizationCallback(&http.Request{URL: final})
		if err != nil || gotTok != reqTok {
			t.Fatalf("ParseAuthorizationCallback: %v %s", err, gotTok)
		}
		accTok, accSec, err := cfg.AccessToken(reqTok, reqSec, verifier)
		if err != nil {
			t.Fatalf("access token: %v", err)
		}
		r := f.do(f.userClient(accTok, accSec), "GET", "/2/users/me?user.fields=profile_image_url", "", "")
		data, _ := r.json(t)["data"].(map[string]any)
		if r.status != 200 || data["username"] != "Alice_1" || data["id"] == "" || data["name"] == "" {
			t.Fatalf("me: %d %s", r.status, r.body)
		}
		id := data["id"].(string)
		if !strings.HasPrefix(accTok, id+"-") {
			t.Errorf("access token %q should look like <user id>-<random>", accTok)
		}
		img, _ := data["profile_image_url"].(string)
		if resp, err := http.Get(img); err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" {
			t.Errorf("profile image %q not served: %v", img, err)
		}
		userIDs = append(userIDs, id)
	}
	if userIDs[0] != userIDs[1] {
		t.Fatalf("reconnecting the same username gave ids %v", userIDs)
	}
}

func TestAccessTokenResponseShape(t *testing.T) {
	f := newFixture(t, fakex.Options{})
	cfg := f.oauthConfig("oob")
	reqTok, reqSec, err := cfg.RequestToken()
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := f.fake.Approve(reqTok, "xapi")
	if err != nil {
		t.Fatal(err)
	}
	// Send the verifier in the form body, the way node-twitter-api-v2 does.
	hc := f.userClient(reqTok, reqSec)
	r := f.do(hc, "POST", "/oauth/access_token", "application/x-www-form-urlencoded", url.Values{"oauth_verifier": {verifier}}.Encode())
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	v, err := url.ParseQuery(r.body)
	if err != nil || v.Get("oauth_token") == "" || v.Get("oauth_token_secret") == "" || v.Get("screen_name") != "xapi" || v.Get("user_id") == "" {
		t.Fatalf("body %q", r.body)
	}
}

func TestRequestTokenCallbackInFormBody(t *testing.T) {
	f := newFixture(t, fakex.Options{})
	// node-twitter-api-v2 style: oauth_callback and x_auth_access_type in
	// the signed form body rather than the header.
	hc := f.oauthConfig("").Client(context.Background(), oauth1.NewToken("", ""))
	r := f.do(hc, "POST", "/oauth/request_token", "application/x-www-form-urlencoded", "oauth_callback=oob&x_auth_access_type=read")
	v, _ := url.ParseQuery(r.body)
	if r.status != 200 || v.Get("oauth_callback_confirmed") != "true" || v.Get("oauth_token") == "" {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("content type %q; X says text/html", ct)
	}
	// The read-only grant must not be able to post.
	verifier, _ := f.fake.Approve(v.Get("oauth_token"), "reader")
	tok, sec, err := f.oauthConfig("").AccessToken(v.Get("oauth_token"), v.Get("oauth_token_secret"), verifier)
	if err != nil {
		t.Fatal(err)
	}
	r = f.post(f.userClient(tok, sec), "hello")
	if r.status != 403 || !strings.Contains(r.body, "oauth1-permissions") {
		t.Fatalf("read-only token posting: %d %s", r.status, r.body)
	}
}

func TestPINFlow(t *testing.T) {
	f := newFixture(t, fakex.Options{})
	cfg := f.oauthConfig("oob")
	reqTok, reqSec, err := cfg.RequestToken()
	if err != nil {
		t.Fatal(err)
	}
	authURL, _ := cfg.AuthorizationURL(reqTok)
	page, _ := clickThrough(t, newBrowser(t), authURL.String(), "pinuser", "approve")
	m := pinRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no PIN on page:\n%s", page)
	}
	if _, _, err := cfg.AccessToken(reqTok, reqSec, m[1]); err != nil {
		t.Fatalf("access token with PIN: %v", err)
	}
}

func TestDeny(t *testing.T) {
	f := newFixture(t, fakex.Options{})
	cb := newCallbackServer(t)
	cfg := f.oauthConfig(cb.URL + "/cb?provider=x")
	reqTok, reqSec, _ := cfg.RequestToken()
	authURL, _ := cfg.AuthorizationURL(reqTok)
	clickThrough(t, newBrowser(t), authURL.String(), "alice", "deny")
	q := cb.last(t)
	if q.Get("denied") != reqTok || q.Has("oauth_token") || q.Has("oauth_verifier") || q.Get("provider") != "x" {
		t.Fatalf("denial callback query = %v", q)
	}
	if _, err := f.fake.Approve(reqTok, "alice"); !errors.Is(err, fakex.ErrTokenAlreadyDecided) {
		t.Fatalf("approve after deny: %v", err)
	}
	_, _, err := cfg.AccessToken(reqTok, reqSec, "anything")
	if err == nil || !strings.Contains(err.Error(), badVerifier) {
		t.Fatalf("access token after deny: %v", err)
	}

	// PIN mode denial shows a page instead of redirecting.
	oob := f.oauthConfig("oob")
	reqTok, _, _ = oob.RequestToken()
	authURL, _ = oob.AuthorizationURL(reqTok)
	page, _ := clickThrough(t, newBrowser(t), authURL.String(), "alice", "deny")
	if !strings.Contains(page, "You denied access") {
		t.Fatalf("oob deny page:\n%s", page)
	}
}

func TestVerifier(t *testing.T) {
	f := newFixture(t, fakex.Options{})
	cfg := f.oauthConfig("oob")
	reqTok, reqSec, _ := cfg.RequestToken()
	verifier, err := f.fake.Approve(reqTok, "alice")
	if err != nil {
		t.Fatal(err)
	}
	wrong := func() string {
		r := f.do(f.userClient(reqTok, reqSec), "POST", "/oauth/access_token", "application/x-www-form-urlencoded", "oauth_verifier=wrong")
		return strings.TrimSpace(r.body) + " " + http.StatusText(r.status)
	}
	if got := wrong(); got != badVerifier+" Unauthorized" {
		t.Fatalf("wrong verifier: %s", got)
	}
	// A wrong guess does not burn the token.
	if _, _, err := cfg.AccessToken(reqTok, reqSec, verifier); err != nil {
		t.Fatalf("right verifier: %v", err)
	}
	_, _, err = cfg.AccessToken(reqTok, reqSec, verifier)
	if err == nil || !strings.Contains(err.Error(), "invalid status 401: "+badVerifier) {
		t.Fatalf("verifier reuse: %v", err)
	}
	// Signed with the wrong request secret: signature failure, not verifier.
	_, _, err = cfg.AccessToken(reqTok, reqSec+"x", verifier)
	if err == nil || !strings.Contains(err.Error(), v1CouldNotAuth) {
		t.Fatalf("bad signature: %v", err)
	}
	// Unknown request token.
	_, _, err = cfg.AccessToken("nope", reqSec, verifier)
	if err == nil || !strings.Contains(err.Error(), v1InvalidToken) {
		t.Fatalf("unknown request token: %v", err)
	}
}

func TestRequestTokenExpires(t *testing.T) {
	f := newFixture(t, fakex.Options{})
	cfg := f.oauthConfig("oob")
	reqTok, _, _ := cfg.RequestToken()
	stale, staleSec, _ := cfg.RequestToken()
	verifier, err := f.fake.Approve(stale, "alice")
	if err != nil {
		t.Fatal(err)
	}
	f.advance(15*time.Minute + time.Second)

	if _, err := f.fake.Approve(reqTok, "alice"); !errors.Is(err, fakex.ErrExpiredRequestToken) {
		t.Fatalf("approve expired: %v", err)
	}
	authURL, _ := cfg.AuthorizationURL(reqTok)
	resp, err := http.Get(authURL.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("authorize page for expired token: %d", resp.StatusCode)
	}
	_, _, err = cfg.AccessToken(stale, staleSec, verifier)
	if err == nil || !strings.Contains(err.Error(), v1InvalidToken) {
		t.Fatalf("exchange after expiry: %v", err)
	}
}

func TestCallbackNotApproved(t *testing.T) {
	f := newFixture(t, fakex.Options{AllowedCallbackPrefixes: []string{"https://app.example/"}})
	for cb, ok := range map[string]bool{
		"https://app.example/api/auth/x/callback": true,
		"oob":                     true,
		"https://evil.example/cb": false,
		"not a url":               false,
	} {
		_, _, err := f.oauthConfig(cb).RequestToken()
		if ok && err != nil {
			t.Errorf("%s: %v", cb, err)
		}
		if !ok && (err == nil || !strings.Contains(err.Error(), "invalid status 403") || !strings.Contains(err.Error(), `<error code="415">Callback URL not approved`)) {
			t.Errorf("%s: err = %v, want 403 XML code 415", cb, err)
		}
	}
}
