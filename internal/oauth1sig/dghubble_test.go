package oauth1sig_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/dghubble/oauth1"

	"github.com/betterplan/betterplan/internal/oauth1sig"
)

// TestDghubbleSignerMatchesDocs checks the signer internal/xclient relies on
// (dghubble's exported HMACSigner) against X's example, over our base
// string. If both this and TestStatusesUpdateVectors pass, our verifier and
// their signer agree with X and with each other.
func TestDghubbleSignerMatchesDocs(t *testing.T) {
	for _, tc := range statusesUpdateVariants {
		base := oauth1sig.BaseString("POST", tc.baseURL, statusesParams())
		signer := &oauth1.HMACSigner{ConsumerSecret: statusesUpdate.consumerSecret}
		sig, err := signer.Sign(statusesUpdate.tokenSecret, base)
		if err != nil {
			t.Fatal(err)
		}
		if sig != tc.signature {
			t.Errorf("%s: dghubble HMACSigner = %s, want %s", tc.name, sig, tc.signature)
		}
	}
}

const (
	liveConsumerKey    = "live-consumer-key"
	liveConsumerSecret = "live consumer secret+/=&%" // characters that must be percent-encoded in the key
	liveToken          = "123-live-token"
	liveTokenSecret    = "live~token.secret_-"
)

// verifyingServer answers 204 when our Verify accepts the request and 401
// otherwise. It checks the form body is still readable afterwards.
func verifyingServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		base := "http://" + r.Host + r.URL.EscapedPath()
		if err := oauth1sig.Verify(r, base, liveConsumerSecret, liveTokenSecret); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		if r.Header.Get("Content-Type") == "application/x-www-form-urlencoded" {
			if err := r.ParseForm(); err != nil || len(r.PostForm) == 0 {
				http.Error(w, "form body lost", http.StatusInternalServerError)
				return
			}
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// tamperTransport changes the request after dghubble signed it.
type tamperTransport func(*http.Request)

func (f tamperTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	f(r)
	return http.DefaultTransport.RoundTrip(r)
}

func TestDghubbleTransportPassesVerify(t *testing.T) {
	srv := verifyingServer(t)

	type request struct {
		name        string
		method      string
		path        string
		contentType string
		body        string
	}
	requests := []request{
		{name: "GET with tricky query", method: "GET", path: "/2/users/me?user.fields=profile_image_url&q=caf%C3%A9+%2B+%7E%21%2A"},
		{name: "POST form body", method: "POST", path: "/1.1/statuses/update.json?include_entities=true", contentType: "application/x-www-form-urlencoded",
			body: url.Values{"status": {"Hello Ladies + Gentlemen, a signed OAuth request! ünïcødé"}}.Encode()},
		{name: "POST JSON body is not signed", method: "POST", path: "/2/tweets", contentType: "application/json", body: `{"text":"hi"}`},
		{name: "DELETE", method: "DELETE", path: "/2/tweets/1445880548472328192"},
	}

	send := func(t *testing.T, cfg *oauth1.Config, tok *oauth1.Token, base http.RoundTripper, req request) int {
		t.Helper()
		ctx := context.Background()
		if base != nil {
			ctx = context.WithValue(ctx, oauth1.HTTPClient, &http.Client{Transport: base})
		}
		client := oauth1.NewClient(ctx, cfg, tok)
		var body io.Reader
		if req.body != "" {
			body = strings.NewReader(req.body)
		}
		r, err := http.NewRequest(req.method, srv.URL+req.path, body)
		if err != nil {
			t.Fatal(err)
		}
		if req.contentType != "" {
			r.Header.Set("Content-Type", req.contentType)
		}
		resp, err := client.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		msg, _ := io.ReadAll(resp.Body)
		if resp.StatusCode == http.StatusInternalServerError {
			t.Fatalf("server: %s", msg)
		}
		return resp.StatusCode
	}
	good := oauth1.NewConfig(liveConsumerKey, liveConsumerSecret)
	tok := oauth1.NewToken(liveToken, liveTokenSecret)

	for _, req := range requests {
		t.Run(req.name, func(t *testing.T) {
			if got := send(t, good, tok, nil, req); got != http.StatusNoContent {
				t.Fatalf("correctly signed request: status %d, want 204", got)
			}
			badConsumer := oauth1.NewConfig(liveConsumerKey, flipLastByte(liveConsumerSecret))
			if got := send(t, badConsumer, tok, nil, req); got != http.StatusUnauthorized {
				t.Errorf("consumer secret off by one byte: status %d, want 401", got)
			}
			badToken := oauth1.NewToken(liveToken, flipLastByte(liveTokenSecret))
			if got := send(t, good, badToken, nil, req); got != http.StatusUnauthorized {
				t.Errorf("token secret off by one byte: status %d, want 401", got)
			}
			tamperPath := tamperTransport(func(r *http.Request) {
				r.URL.Path = flipLastByte(r.URL.Path)
				r.URL.RawPath = ""
			})
			if got := send(t, good, tok, tamperPath, req); got != http.StatusUnauthorized {
				t.Errorf("path changed after signing: status %d, want 401", got)
			}
			tamperToken := tamperTransport(func(r *http.Request) {
				r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), liveToken, flipLastByte(liveToken), 1))
			})
			if got := send(t, good, tok, tamperToken, req); got != http.StatusUnauthorized {
				t.Errorf("oauth_token changed after signing: status %d, want 401", got)
			}
		})
	}

	t.Run("query param changed after signing", func(t *testing.T) {
		tamper := tamperTransport(func(r *http.Request) { r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "profile", "profilf", 1) })
		if got := send(t, good, tok, tamper, requests[0]); got != http.StatusUnauthorized {
			t.Errorf("status %d, want 401", got)
		}
	})
	t.Run("form param changed after signing", func(t *testing.T) {
		tamper := tamperTransport(func(r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			changed := strings.Replace(string(b), "Hello", "Hellp", 1)
			r.Body = io.NopCloser(strings.NewReader(changed))
			r.ContentLength = int64(len(changed))
		})
		if got := send(t, good, tok, tamper, requests[1]); got != http.StatusUnauthorized {
			t.Errorf("status %d, want 401", got)
		}
	})
}

func flipLastByte(s string) string {
	b := []byte(s)
	b[len(b)-1] ^= 0x01
	return string(b)
}
