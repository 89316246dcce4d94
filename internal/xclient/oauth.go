package xclient

import (
	"bytes"
	"context"
	"io"
	"net/url"
	"strings"
)

// RequestToken starts the OAuth 1.0a flow (POST /oauth/request_token).
// callback is where X sends the user back, or "oob" for PIN mode; X
// rejects callbacks not registered for the app with a Forbidden error
// (Code 415). The returned secret must be kept (server-side) until
// AccessToken.
func (c *Client) RequestToken(ctx context.Context, callback string) (token, secret string, err error) {
	const op = "request token"
	x, err := c.roundTrip(ctx, call{
		op: op, method: "POST", path: "/oauth/request_token", idempotent: true,
		send: func(ctx context.Context, x *exchange) error {
			cfg := c.oauthConfig()
			cfg.CallbackURL = callback
			x.ctx = ctx
			cfg.HTTPClient = x.client()
			// dghubble signs (oauth_callback in the header) and sends; we
			// judge the answer ourselves from the exchange, so its error
			// (which may quote the body) is only used when nothing came back.
			_, _, err := cfg.RequestToken()
			return err
		},
	})
	if err != nil {
		return "", "", err
	}
	v, perr := url.ParseQuery(strings.TrimSpace(string(x.body)))
	token, secret = v.Get("oauth_token"), v.Get("oauth_token_secret")
	switch {
	case perr != nil || token == "" || secret == "":
		return "", "", badResponse(op, "response lacks oauth_token or oauth_token_secret", x.resp.StatusCode)
	case v.Get("oauth_callback_confirmed") != "true":
		return "", "", badResponse(op, "oauth_callback_confirmed is not true", x.resp.StatusCode)
	}
	return token, secret, nil
}

// AuthorizationURL is where to send the user's browser to approve the app
// (GET /oauth/authorize, which always prompts).
func (c *Client) AuthorizationURL(requestToken string) string {
	return c.baseURL + "/oauth/authorize?" + url.Values{"oauth_token": {requestToken}}.Encode()
}

// AccessToken exchanges an approved request token and the verifier from the
// callback (or the PIN) for the user's access credentials
// (POST /oauth/access_token). A wrong or reused verifier is Unauthorized.
func (c *Client) AccessToken(ctx context.Context, requestToken, requestSecret, verifier string) (Credentials, error) {
	const op = "access token"
	x, err := c.roundTrip(ctx, call{
		op: op, method: "POST", path: "/oauth/access_token",
		// Repeating is harmless but pointless: the verifier is single-use.
		idempotent: true,
		secrets:    []string{requestToken, requestSecret, verifier},
		send: func(ctx context.Context, x *exchange) error {
			cfg := c.oauthConfig()
			x.ctx = ctx
			cfg.HTTPClient = x.client()
			_, _, err := cfg.AccessToken(requestToken, requestSecret, verifier)
			return err
		},
	})
	if err != nil {
		return Credentials{}, err
	}
	// The body also has user_id and screen_name (which dghubble drops);
	// callers use Me for the profile anyway.
	v, perr := url.ParseQuery(strings.TrimSpace(string(x.body)))
	creds := Credentials{Token: v.Get("oauth_token"), Secret: v.Get("oauth_token_secret")}
	if perr != nil || creds.Token == "" || creds.Secret == "" {
		return Credentials{}, badResponse(op, "response lacks oauth_token or oauth_token_secret", x.resp.StatusCode)
	}
	return creds, nil
}

// InvalidateToken revokes the access token at X
// (POST /1.1/oauth/invalidate_token). Afterwards every call with it is
// Unauthorized.
func (c *Client) InvalidateToken(ctx context.Context, creds Credentials) error {
	_, err := c.roundTrip(ctx, call{
		op: "invalidate token", method: "POST", path: "/1.1/oauth/invalidate_token", idempotent: true,
		secrets: creds.secrets(),
		send:    c.signedSend(creds, "POST", "/1.1/oauth/invalidate_token", nil, ""),
	})
	return err
}

func bytesReader(b []byte) io.Reader {
	if b == nil {
		return nil
	}
	return bytes.NewReader(b)
}
