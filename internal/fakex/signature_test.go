package fakex_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/dghubble/oauth1"

	"github.com/betterplan/betterplan/internal/fakex"
	"github.com/betterplan/betterplan/internal/oauth1sig"
)

// rewriteTransport changes a request after dghubble signed it.
type rewriteTransport func(*http.Request)

func (f rewriteTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	f(r)
	return http.DefaultTransport.RoundTrip(r)
}

func (f *fixture) tamperedClient(token, secret string, tamper func(*http.Request)) *http.Client {
	ctx := context.WithValue(context.Background(), oauth1.HTTPClient, &http.Client{Transport: rewriteTransport(tamper)})
	return f.oauthConfig("").Client(ctx, oauth1.NewToken(token, secret))
}

func TestSignatureChecking(t *testing.T) {
	f := newFixture(t, fakex.Options{})
	_, tok, sec := f.fake.IssueCredentials("alice")
	const me = "/2/users/me?user.fields=profile_image_url"

	t.Run("valid signature passes", func(t *testing.T) {
		r := f.do(f.userClient(tok, sec), "GET", me, "", "")
		if r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
	})
	t.Run("tampered query param", func(t *testing.T) {
		hc := f.tamperedClient(tok, sec, func(r *http.Request) { r.URL.RawQuery = "user.fields=profile_image_urk" })
		wantBody(t, f.do(hc, "GET", me, "", ""), 401, v2Unauthorized)
	})
	t.Run("param added after signing, OAuth endpoint", func(t *testing.T) {
		hc := f.tamperedClient(tok, sec, func(r *http.Request) {
			r.Body = http.NoBody
			r.ContentLength = 0
			r.URL.RawQuery = "extra=1"
		})
		wantBody(t, f.do(hc, "POST", "/1.1/oauth/invalidate_token", "", ""), 401, v1CouldNotAuth)
	})
	t.Run("wrong token secret", func(t *testing.T) {
		wantBody(t, f.do(f.userClient(tok, sec+"x"), "GET", me, "", ""), 401, v2Unauthorized)
	})
	t.Run("wrong consumer secret", func(t *testing.T) {
		cfg := f.oauthConfig("")
		cfg.ConsumerSecret += "x"
		wantBody(t, f.do(cfg.Client(context.Background(), oauth1.NewToken(tok, sec)), "GET", me, "", ""), 401, v2Unauthorized)
	})
	t.Run("wrong consumer key", func(t *testing.T) {
		cfg := f.oauthConfig("")
		cfg.ConsumerKey = "someone-else"
		wantBody(t, f.do(cfg.Client(context.Background(), oauth1.NewToken(tok, sec)), "GET", me, "", ""), 401, v2Unauthorized)
		wantBody(t, f.do(cfg.Client(context.Background(), oauth1.NewToken(tok, sec)), "POST", "/1.1/oauth/invalidate_token", "", ""), 401, v1CouldNotAuth)
	})
	t.Run("unknown token", func(t *testing.T) {
		wantBody(t, f.do(f.userClient("123-nope", sec), "GET", me, "", ""), 401, v2Unauthorized)
		wantBody(t, f.do(f.userClient("123-nope", sec), "POST", "/1.1/oauth/invalidate_token", "", ""), 401, v1InvalidToken)
	})
	t.Run("no Authorization header", func(t *testing.T) {
		wantBody(t, f.do(http.DefaultClient, "GET", me, "", ""), 401, v2Unauthorized)
		wantBody(t, f.do(http.DefaultClient, "POST", "/oauth/request_token", "", ""), 401, v1CouldNotAuth)
	})
	t.Run("request_token with wrong consumer secret", func(t *testing.T) {
		cfg := f.oauthConfig("oob")
		cfg.ConsumerSecret = "wrong"
		_, _, err := cfg.RequestToken()
		if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), `"code":32`) {
			t.Fatalf("err = %v, want 401 code 32", err)
		}
	})
	t.Run("revoked token", func(t *testing.T) {
		_, tok2, sec2 := f.fake.IssueCredentials("bob")
		hc := f.userClient(tok2, sec2)
		if r := f.post(hc, "before revocation"); r.status != 201 {
			t.Fatalf("status %d", r.status)
		}
		f.fake.Revoke("BOB") // case-insensitive, like X usernames
		wantBody(t, f.post(hc, "after revocation"), 401, v2Unauthorized)
		wantBody(t, f.do(hc, "POST", "/1.1/oauth/invalidate_token", "", ""), 401, v1InvalidToken)
		// Others are unaffected.
		if r := f.do(f.userClient(tok, sec), "GET", me, "", ""); r.status != 200 {
			t.Fatalf("alice: status %d", r.status)
		}
	})
	t.Run("invalidate_token revokes", func(t *testing.T) {
		_, tok3, sec3 := f.fake.IssueCredentials("carol")
		hc := f.userClient(tok3, sec3)
		r := f.do(hc, "POST", "/1.1/oauth/invalidate_token", "", "")
		if r.status != 200 || r.json(t)["access_token"] != tok3 {
			t.Fatalf("invalidate: %d %s", r.status, r.body)
		}
		wantBody(t, f.do(hc, "GET", me, "", ""), 401, v2Unauthorized)
	})
}

// TestHandSignedRequest signs with our own oauth1sig (not dghubble), using
// a realm and the OAuth parameters' RFC encoding, to check the fake does
// not merely agree with one client library.
func TestHandSignedRequest(t *testing.T) {
	f := newFixture(t, fakex.Options{})
	_, tok, sec := f.fake.IssueCredentials("alice")
	u := f.srv.URL + "/2/users/me?user.fields=profile_image_url"
	oauth := map[string]string{
		"oauth_consumer_key":     testKey,
		"oauth_nonce":            "a b+c/d=", // needs encoding
		"oauth_signature_method": "HMAC-SHA1",
		"oauth_timestamp":        strconv.FormatInt(f.clock().Unix(), 10),
		"oauth_token":            tok,
		"oauth_version":          "1.0",
	}
	params := url.Values{"user.fields": {"profile_image_url"}}
	for k, v := range oauth {
		params.Set(k, v)
	}
	oauth["oauth_signature"] = oauth1sig.Sign(oauth1sig.BaseString("GET", u, params), testSecret, sec)
	oauth["realm"] = "https://api.x.com/"
	var parts []string
	for k, v := range oauth {
		parts = append(parts, k+`="`+oauth1sig.PercentEncode(v)+`"`)
	}
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Authorization", "OAuth "+strings.Join(parts, ", "))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

// TestForwardedProto: behind a TLS-terminating proxy the client signs
// https://…; the fake must rebuild that URL from X-Forwarded-Proto.
func TestForwardedProto(t *testing.T) {
	f := newFixture(t, fakex.Options{})
	_, tok, sec := f.fake.IssueCredentials("alice")
	viaProxy := func(proto string) *http.Client {
		return f.tamperedClient(tok, sec, func(r *http.Request) {
			r.URL.Scheme = "http" // the proxy forwards plain HTTP
			if proto != "" {
				r.Header.Set("X-Forwarded-Proto", proto)
			}
		})
	}
	httpsURL := "https" + strings.TrimPrefix(f.srv.URL, "http") + "/2/users/me"
	get := func(hc *http.Client) int {
		req, _ := http.NewRequest("GET", httpsURL, nil)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := get(viaProxy("https")); got != 200 {
		t.Fatalf("with X-Forwarded-Proto: status %d, want 200", got)
	}
	if got := get(viaProxy("")); got != 401 {
		t.Fatalf("without X-Forwarded-Proto: status %d, want 401", got)
	}
}
