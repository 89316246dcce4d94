package oauth1sig

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
)

// Errors returned by Verify. Every failure wraps one of them so a server can
// pick the right X error body with errors.Is.
var (
	ErrMissingSignature  = errors.New("oauth1sig: oauth_signature missing")
	ErrUnsupportedMethod = errors.New("oauth1sig: unsupported oauth_signature_method (want HMAC-SHA1)")
	ErrBadVersion        = errors.New("oauth1sig: unsupported oauth_version (want 1.0)")
	ErrBadSignature      = errors.New("oauth1sig: signature mismatch")
)

// maxFormBody bounds how much of a form body we read to collect parameters;
// OAuth endpoints only ever carry a few short fields.
const maxFormBody = 1 << 20

// RequestParams collects the parameters that are signed (RFC 5849 §3.4.1.3):
// the query string, the body when it is application/x-www-form-urlencoded,
// and the Authorization header's parameters except oauth_signature and
// realm. The body is read and put back so handlers can still parse it.
// The header parameters are returned too, because callers need
// oauth_token, oauth_consumer_key and friends from them.
func RequestParams(r *http.Request) (params url.Values, header map[string]string, err error) {
	params = url.Values{}
	for k, vs := range r.URL.Query() {
		params[k] = append(params[k], vs...)
	}
	form, err := formBody(r)
	if err != nil {
		return nil, nil, err
	}
	for k, vs := range form {
		params[k] = append(params[k], vs...)
	}
	header, err = ParseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return nil, nil, err
	}
	for k, v := range header {
		if k == "oauth_signature" || k == "realm" {
			continue
		}
		params[k] = append(params[k], v)
	}
	return params, header, nil
}

// formBody returns the form-encoded body parameters, or nil when the body is
// anything else (JSON and multipart bodies are not signed).
func formBody(r *http.Request) (url.Values, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "application/x-www-form-urlencoded" {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxFormBody+1))
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("oauth1sig: read form body: %w", err)
	}
	if len(b) > maxFormBody {
		return nil, errors.New("oauth1sig: form body too large")
	}
	form, err := url.ParseQuery(string(b))
	if err != nil {
		return nil, fmt.Errorf("oauth1sig: parse form body: %w", err)
	}
	return form, nil
}

// Verify checks the HMAC-SHA1 signature of r. baseURL is the URL as the
// client saw it (scheme://host/path); a server behind a proxy must pass the
// public URL, not the one it was reached on. Only the signature is checked:
// consumer key, token and timestamp policy belong to the caller, which
// knows which secrets go with them.
//
// oauth_signature and oauth_signature_method are read from the
// Authorization header, where X's clients put them; OAuth parameters a
// client sends in the query or form body (oauth_callback, oauth_verifier)
// are signed like any other parameter.
func Verify(r *http.Request, baseURL string, consumerSecret, tokenSecret string) error {
	params, header, err := RequestParams(r)
	if err != nil {
		return err
	}
	got, ok := header["oauth_signature"]
	if !ok || got == "" {
		return ErrMissingSignature
	}
	if m := header["oauth_signature_method"]; m != "HMAC-SHA1" {
		return ErrUnsupportedMethod
	}
	if v, ok := header["oauth_version"]; ok && v != "1.0" {
		return ErrBadVersion
	}
	want := Sign(BaseString(r.Method, baseURL, params), consumerSecret, tokenSecret)
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return ErrBadSignature
	}
	return nil
}
