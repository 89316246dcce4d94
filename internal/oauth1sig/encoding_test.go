package oauth1sig_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/dghubble/oauth1"

	"github.com/betterplan/betterplan/internal/oauth1sig"
)

func TestPercentEncode(t *testing.T) {
	for in, want := range map[string]string{
		"":           "",
		"AZaz09-._~": "AZaz09-._~",
		"Hello Ladies + Gentlemen, a signed OAuth request!": "Hello%20Ladies%20%2B%20Gentlemen%2C%20a%20signed%20OAuth%20request%21",
		"http://x/?a=b&c": "http%3A%2F%2Fx%2F%3Fa%3Db%26c",
		"ü☃":              "%C3%BC%E2%98%83",
		"*'()":            "%2A%27%28%29",
		"base64+/=":       "base64%2B%2F%3D",
	} {
		if got := oauth1sig.PercentEncode(in); got != want {
			t.Errorf("PercentEncode(%q) = %q, want %q", in, got, want)
		}
		if got := oauth1.PercentEncode(in); got != want { // agree with the client library
			t.Errorf("dghubble PercentEncode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNormalizeBaseURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://api.x.com/2/tweets":                "https://api.x.com/2/tweets",
		"HTTPS://API.X.COM/2/tweets?x=1#frag":       "https://api.x.com/2/tweets",
		"https://api.x.com:443/oauth/request_token": "https://api.x.com/oauth/request_token",
		"http://localhost:80/a":                     "http://localhost/a",
		"http://localhost:3001/a":                   "http://localhost:3001/a",
		"https://localhost:80/a":                    "https://localhost:80/a", // 80 is only default for http
		"http://[::1]:80/a":                         "http://[::1]/a",
		"http://example.com":                        "http://example.com/",
		"http://example.com/a%20b/C":                "http://example.com/a%20b/C", // path case kept
	} {
		if got := oauth1sig.NormalizeBaseURL(in); got != want {
			t.Errorf("NormalizeBaseURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParameterStringRepeatedKeysSortByValue(t *testing.T) {
	// RFC 5849 §3.4.1.3.2: same key → sort by value.
	got := oauth1sig.ParameterString(url.Values{"a": {"z", "b", "a b"}, "A": {"1"}})
	if want := "A=1&a=a%20b&a=b&a=z"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestParseAuthorization(t *testing.T) {
	got, err := oauth1sig.ParseAuthorization(`OAuth realm="Photos",  oauth_consumer_key="dpf43f3p2l4k3l03",oauth_signature="tR3%2BTy81lMeYAr%2FFid0kMTYa%2FWM%3D" , oauth_callback="http%3A%2F%2Fprinter.example.com%2Fready", oauth_token=""`)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"realm":              "Photos",
		"oauth_consumer_key": "dpf43f3p2l4k3l03",
		"oauth_signature":    "tR3+Ty81lMeYAr/Fid0kMTYa/WM=",
		"oauth_callback":     "http://printer.example.com/ready",
		"oauth_token":        "",
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if _, err := oauth1sig.ParseAuthorization(`oauth oauth_nonce="a"`); err != nil {
		t.Errorf("scheme is case-insensitive: %v", err)
	}

	for _, bad := range []string{
		"",
		"Bearer abc",
		"OAuthx a=\"b\"",
		"OAuth",
		`OAuth a=b`,
		`OAuth a="b`,
		`OAuth a="b" c="d"`,
		`OAuth a="b", a="c"`,
		`OAuth a="%zz"`,
	} {
		if _, err := oauth1sig.ParseAuthorization(bad); err == nil {
			t.Errorf("ParseAuthorization(%q) succeeded, want error", bad)
		}
	}
	if _, err := oauth1sig.ParseAuthorization("Basic Zm9vOmJhcg=="); !errors.Is(err, oauth1sig.ErrNoAuthorization) {
		t.Errorf("other scheme: %v, want ErrNoAuthorization", err)
	}
}

func TestVerifyRejects(t *testing.T) {
	newReq := func(auth string) *http.Request {
		r, _ := http.NewRequest("GET", "http://h/p", nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		return r
	}
	cases := []struct {
		name string
		auth string
		want error
	}{
		{"no header", "", oauth1sig.ErrNoAuthorization},
		{"no signature", `OAuth oauth_signature_method="HMAC-SHA1"`, oauth1sig.ErrMissingSignature},
		{"plaintext method", `OAuth oauth_signature_method="PLAINTEXT", oauth_signature="x"`, oauth1sig.ErrUnsupportedMethod},
		{"bad version", `OAuth oauth_signature_method="HMAC-SHA1", oauth_signature="x", oauth_version="2.0"`, oauth1sig.ErrBadVersion},
		{"wrong signature", `OAuth oauth_signature_method="HMAC-SHA1", oauth_signature="x"`, oauth1sig.ErrBadSignature},
	}
	for _, tc := range cases {
		if err := oauth1sig.Verify(newReq(tc.auth), "http://h/p", "cs", "ts"); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestRequestParamsFormWithCharset(t *testing.T) {
	// RFC 5849 signs the body whenever the media type is form-encoded,
	// parameters such as charset notwithstanding.
	r, _ := http.NewRequest("POST", "http://h/oauth/request_token?x_auth_access_type=write", strings.NewReader("oauth_callback=oob"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	r.Header.Set("Authorization", `OAuth oauth_consumer_key="k", oauth_signature="s", realm="r"`)
	params, header, err := oauth1sig.RequestParams(r)
	if err != nil {
		t.Fatal(err)
	}
	if params.Get("oauth_callback") != "oob" || params.Get("x_auth_access_type") != "write" || params.Get("oauth_consumer_key") != "k" {
		t.Errorf("params = %v", params)
	}
	if params.Has("oauth_signature") || params.Has("realm") {
		t.Errorf("oauth_signature and realm must not be signed: %v", params)
	}
	if header["oauth_signature"] != "s" {
		t.Errorf("header params = %v", header)
	}
}
