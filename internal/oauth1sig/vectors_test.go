package oauth1sig_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/betterplan/betterplan/internal/oauth1sig"
)

// The vectors below are X's own examples, quoted in
// /work/shared/reference/x-api.md §2 ("Creating a signature" and the
// "Log in with X" guide). Expected strings are literals copied from there,
// never computed by the code under test.

// statusesUpdate is the canonical "Creating a signature" example.
var statusesUpdate = struct {
	consumerKey, consumerSecret, token, tokenSecret string
	oauth                                           map[string]string
	status                                          string
	paramString                                     string
}{
	consumerKey:    "xvz1evFS4wEEPTGEFPHBog",
	consumerSecret: "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
	token:          "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
	tokenSecret:    "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
	oauth: map[string]string{
		"oauth_consumer_key":     "xvz1evFS4wEEPTGEFPHBog",
		"oauth_nonce":            "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
		"oauth_signature_method": "HMAC-SHA1",
		"oauth_timestamp":        "1318622958",
		"oauth_token":            "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
		"oauth_version":          "1.0",
	},
	status:      "Hello Ladies + Gentlemen, a signed OAuth request!",
	paramString: "include_entities=true&oauth_consumer_key=xvz1evFS4wEEPTGEFPHBog&oauth_nonce=kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg&oauth_signature_method=HMAC-SHA1&oauth_timestamp=1318622958&oauth_token=370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb&oauth_version=1.0&status=Hello%20Ladies%20%2B%20Gentlemen%2C%20a%20signed%20OAuth%20request%21",
}

var statusesUpdateVariants = []struct {
	name, baseURL, baseString, signature string
}{
	{
		name:       "api.x.com 1.1 (current docs, base string verbatim)",
		baseURL:    "https://api.x.com/1.1/statuses/update.json",
		baseString: "POST&https%3A%2F%2Fapi.x.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521",
		signature:  "Ls93hJiZbQ3akF3HF3x1Bz8/zU4=",
	},
	{
		name:       "api.twitter.com 1.1 (developer.twitter.com 2014-2023)",
		baseURL:    "https://api.twitter.com/1.1/statuses/update.json",
		baseString: "POST&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521",
		signature:  "hCtSmYh+iHYCEqBWrE7C7hYmtUk=",
	},
	{
		name:       "api.twitter.com 1 (2011 page, dghubble reference_test.go)",
		baseURL:    "https://api.twitter.com/1/statuses/update.json",
		baseString: "POST&https%3A%2F%2Fapi.twitter.com%2F1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521",
		signature:  "tnnArxj06cWHq44gCs1OSKk/jLY=",
	},
}

func statusesParams() url.Values {
	v := url.Values{"include_entities": {"true"}, "status": {statusesUpdate.status}}
	for k, val := range statusesUpdate.oauth {
		v.Set(k, val)
	}
	return v
}

func TestStatusesUpdateVectors(t *testing.T) {
	if got := oauth1sig.ParameterString(statusesParams()); got != statusesUpdate.paramString {
		t.Fatalf("parameter string:\n got %s\nwant %s", got, statusesUpdate.paramString)
	}
	for _, tc := range statusesUpdateVariants {
		t.Run(tc.name, func(t *testing.T) {
			base := oauth1sig.BaseString("POST", tc.baseURL, statusesParams())
			if base != tc.baseString {
				t.Fatalf("base string:\n got %s\nwant %s", base, tc.baseString)
			}
			if strings.Count(base, "&") != 2 {
				t.Errorf("base string has %d raw '&', want exactly 2", strings.Count(base, "&"))
			}
			sig := oauth1sig.Sign(base, statusesUpdate.consumerSecret, statusesUpdate.tokenSecret)
			if sig != tc.signature {
				t.Fatalf("signature = %s, want %s", sig, tc.signature)
			}
		})
	}
}

// TestStatusesUpdateRequestVerifies feeds the documented request, exactly as
// it goes over the wire (query string, form body with the docs' lower-case
// %2b/%2c escapes, Authorization header), through Verify.
func TestStatusesUpdateRequestVerifies(t *testing.T) {
	for _, tc := range statusesUpdateVariants {
		t.Run(tc.name, func(t *testing.T) {
			const body = "status=Hello%20Ladies%20%2b%20Gentlemen%2c%20a%20signed%20OAuth%20request%21"
			r, err := http.NewRequest("POST", tc.baseURL+"?include_entities=true", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			oauth := map[string]string{"oauth_signature": tc.signature}
			for k, v := range statusesUpdate.oauth {
				oauth[k] = v
			}
			r.Header.Set("Authorization", authHeader(oauth))
			if err := oauth1sig.Verify(r, tc.baseURL, statusesUpdate.consumerSecret, statusesUpdate.tokenSecret); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			// Verify must leave the body readable for the handler.
			if err := r.ParseForm(); err != nil || r.PostForm.Get("status") != statusesUpdate.status {
				t.Fatalf("body not restored: err=%v status=%q", err, r.PostForm.Get("status"))
			}
		})
	}
}

const (
	loginConsumerKey    = "cChZNFj6T5R0TigYB9yd1w"
	loginConsumerSecret = "L8qq9PZyRg6ieKGEKhZolGC0vJWLw8iEJ88DRdyOg"
)

func TestRequestTokenVectors(t *testing.T) {
	params := url.Values{
		"oauth_callback":         {"http://localhost/sign-in-with-twitter/"},
		"oauth_consumer_key":     {loginConsumerKey},
		"oauth_nonce":            {"ea9ec8429b68d6b77cd5600adbbb0456"},
		"oauth_signature_method": {"HMAC-SHA1"},
		"oauth_timestamp":        {"1318467427"},
		"oauth_version":          {"1.0"},
	}
	const wantParams = "oauth_callback=http%3A%2F%2Flocalhost%2Fsign-in-with-twitter%2F&oauth_consumer_key=cChZNFj6T5R0TigYB9yd1w&oauth_nonce=ea9ec8429b68d6b77cd5600adbbb0456&oauth_signature_method=HMAC-SHA1&oauth_timestamp=1318467427&oauth_version=1.0"
	if got := oauth1sig.ParameterString(params); got != wantParams {
		t.Fatalf("parameter string:\n got %s\nwant %s", got, wantParams)
	}
	for _, tc := range []struct{ url, base, sig string }{
		{
			url:  "https://api.twitter.com/oauth/request_token",
			base: "POST&https%3A%2F%2Fapi.twitter.com%2Foauth%2Frequest_token&oauth_callback%3Dhttp%253A%252F%252Flocalhost%252Fsign-in-with-twitter%252F%26oauth_consumer_key%3DcChZNFj6T5R0TigYB9yd1w%26oauth_nonce%3Dea9ec8429b68d6b77cd5600adbbb0456%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318467427%26oauth_version%3D1.0",
			sig:  "F1Li3tvehgcraF8DMJ7OyxO4w9Y=",
		},
		{
			url:  "https://api.x.com/oauth/request_token",
			base: "POST&https%3A%2F%2Fapi.x.com%2Foauth%2Frequest_token&oauth_callback%3Dhttp%253A%252F%252Flocalhost%252Fsign-in-with-twitter%252F%26oauth_consumer_key%3DcChZNFj6T5R0TigYB9yd1w%26oauth_nonce%3Dea9ec8429b68d6b77cd5600adbbb0456%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318467427%26oauth_version%3D1.0",
			sig:  "X9xhcB9d+NxXd/ThJ/n51vPhetM=",
		},
	} {
		t.Run(tc.url, func(t *testing.T) {
			base := oauth1sig.BaseString("POST", tc.url, params)
			if base != tc.base {
				t.Fatalf("base string:\n got %s\nwant %s", base, tc.base)
			}
			// Token secret is empty at this step: the key ends in "&".
			if sig := oauth1sig.Sign(base, loginConsumerSecret, ""); sig != tc.sig {
				t.Fatalf("signature = %s, want %s", sig, tc.sig)
			}
		})
	}
}

func TestAccessTokenVectors(t *testing.T) {
	params := url.Values{
		"oauth_consumer_key":     {loginConsumerKey},
		"oauth_nonce":            {"a9900fe68e2573b27a37f10fbad6a755"},
		"oauth_signature_method": {"HMAC-SHA1"},
		"oauth_timestamp":        {"1318467427"},
		"oauth_token":            {"NPcudxy0yU5T3tBzho7iCotZ3cnetKwcTIRlX0iwRl0"},
		"oauth_verifier":         {"uw7NjWHT6OJ1MpJOXsHfNxoAhPKpgI8BlYDhxEjIBY"},
		"oauth_version":          {"1.0"},
	}
	const tokenSecret = "veNRnAWe6inFuo8o2u8SLLZLjolYDmDP7SzL0YfYI"
	const wantParams = "oauth_consumer_key=cChZNFj6T5R0TigYB9yd1w&oauth_nonce=a9900fe68e2573b27a37f10fbad6a755&oauth_signature_method=HMAC-SHA1&oauth_timestamp=1318467427&oauth_token=NPcudxy0yU5T3tBzho7iCotZ3cnetKwcTIRlX0iwRl0&oauth_verifier=uw7NjWHT6OJ1MpJOXsHfNxoAhPKpgI8BlYDhxEjIBY&oauth_version=1.0"
	if got := oauth1sig.ParameterString(params); got != wantParams {
		t.Fatalf("parameter string:\n got %s\nwant %s", got, wantParams)
	}
	for _, tc := range []struct{ url, base, sig string }{
		{
			url:  "https://api.twitter.com/oauth/access_token",
			base: "POST&https%3A%2F%2Fapi.twitter.com%2Foauth%2Faccess_token&oauth_consumer_key%3DcChZNFj6T5R0TigYB9yd1w%26oauth_nonce%3Da9900fe68e2573b27a37f10fbad6a755%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318467427%26oauth_token%3DNPcudxy0yU5T3tBzho7iCotZ3cnetKwcTIRlX0iwRl0%26oauth_verifier%3Duw7NjWHT6OJ1MpJOXsHfNxoAhPKpgI8BlYDhxEjIBY%26oauth_version%3D1.0",
			sig:  "39cipBtIOHEEnybAR4sATQTpl2I=",
		},
		{
			url:  "https://api.x.com/oauth/access_token",
			base: "POST&https%3A%2F%2Fapi.x.com%2Foauth%2Faccess_token&oauth_consumer_key%3DcChZNFj6T5R0TigYB9yd1w%26oauth_nonce%3Da9900fe68e2573b27a37f10fbad6a755%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318467427%26oauth_token%3DNPcudxy0yU5T3tBzho7iCotZ3cnetKwcTIRlX0iwRl0%26oauth_verifier%3Duw7NjWHT6OJ1MpJOXsHfNxoAhPKpgI8BlYDhxEjIBY%26oauth_version%3D1.0",
			sig:  "G3DdousFWwxEepaZcmHguKqeBvs=",
		},
	} {
		t.Run(tc.url, func(t *testing.T) {
			base := oauth1sig.BaseString("POST", tc.url, params)
			if base != tc.base {
				t.Fatalf("base string:\n got %s\nwant %s", base, tc.base)
			}
			if sig := oauth1sig.Sign(base, loginConsumerSecret, tokenSecret); sig != tc.sig {
				t.Fatalf("signature = %s, want %s", sig, tc.sig)
			}
		})
	}
}

// TestSignHelloWorld is dghubble's auther_test.go vector:
// HMAC-SHA1(key="consumer_secret&token_secret", "hello world").
func TestSignHelloWorld(t *testing.T) {
	if got := oauth1sig.Sign("hello world", "consumer_secret", "token_secret"); got != "BE0uILOruKfSXd4UzYlLJDfOq08=" {
		t.Fatalf("Sign = %s, want BE0uILOruKfSXd4UzYlLJDfOq08=", got)
	}
}

// authHeader formats OAuth params the way X documents the header.
func authHeader(params map[string]string) string {
	var parts []string
	for k, v := range params {
		parts = append(parts, oauth1sig.PercentEncode(k)+`="`+oauth1sig.PercentEncode(v)+`"`)
	}
	return "OAuth " + strings.Join(parts, ", ")
}
