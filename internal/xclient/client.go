package xclient

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/dghubble/oauth1"
)

// DefaultTimeout bounds each request (connect, send, and reading the
// answer) when Config.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Config configures a Client.
type Config struct {
	// BaseURL is X's API origin, e.g. "https://api.x.com", or the sandbox's
	// URL. Every endpoint is built from it, including the authorize page.
	BaseURL string
	// ConsumerKey and ConsumerSecret identify our app (X calls them API
	// key and secret).
	ConsumerKey    string
	ConsumerSecret string
	// Timeout bounds each request; DefaultTimeout when zero.
	Timeout time.Duration
	// Transport sends the requests; if nil, HTTPClient.Transport; if that
	// is nil too, http.DefaultTransport. Only the transport of HTTPClient
	// is used: timeouts come from Timeout and redirects are never followed.
	Transport  http.RoundTripper
	HTTPClient *http.Client
	// Logger receives one debug record per request (operation, method,
	// path, status, duration, error kind), never credentials. Optional.
	Logger *slog.Logger
}

// LogValue lets a Config be logged at startup with the secret masked.
func (c Config) LogValue() slog.Value {
	secret := redactedOrEmpty(c.ConsumerSecret)
	return slog.GroupValue(
		slog.String("base_url", c.BaseURL),
		slog.String("consumer_key", c.ConsumerKey),
		slog.String("consumer_secret", secret),
		slog.Duration("timeout", c.Timeout),
	)
}

// Client talks to X. It is safe for concurrent use.
type Client struct {
	baseURL        string // no trailing slash
	consumerKey    string
	consumerSecret string
	timeout        time.Duration
	transport      http.RoundTripper
	log            *slog.Logger
}

// User is the account an access token belongs to.
type User struct {
	ID              string
	Username        string
	Name            string
	ProfileImageURL string
}

// New validates cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	switch {
	case cfg.BaseURL == "":
		return nil, errors.New("xclient: BaseURL is required")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return nil, fmt.Errorf("xclient: BaseURL %q is not an http(s) URL", cfg.BaseURL)
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("xclient: BaseURL %q must not have a query or fragment", cfg.BaseURL)
	case cfg.ConsumerKey == "":
		return nil, errors.New("xclient: ConsumerKey is required")
	case cfg.ConsumerSecret == "":
		return nil, errors.New("xclient: ConsumerSecret is required")
	case cfg.Timeout < 0:
		return nil, errors.New("xclient: Timeout must not be negative")
	}
	c := &Client{
		baseURL:        u.String(),
		consumerKey:    cfg.ConsumerKey,
		consumerSecret: cfg.ConsumerSecret,
		timeout:        cfg.Timeout,
		transport:      cfg.Transport,
		log:            cfg.Logger,
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if c.transport == nil && cfg.HTTPClient != nil {
		c.transport = cfg.HTTPClient.Transport
	}
	if c.transport == nil {
		c.transport = http.DefaultTransport
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// oauthConfig returns a fresh dghubble config per call: dghubble fills in
// a default Noncer on first use, which would be a data race on a shared one.
func (c *Client) oauthConfig() *oauth1.Config {
	return &oauth1.Config{
		ConsumerKey:    c.consumerKey,
		ConsumerSecret: c.consumerSecret,
		Endpoint: oauth1.Endpoint{
			RequestTokenURL: c.baseURL + "/oauth/request_token",
			AuthorizeURL:    c.baseURL + "/oauth/authorize",
			AccessTokenURL:  c.baseURL + "/oauth/access_token",
		},
		Noncer: oauth1.Base64Noncer{},
	}
}

// call describes one request for roundTrip.
type call struct {
	op         string
	method     string
	path       string // for logs; no query
	idempotent bool
	secrets    []string // scrubbed from any error
	// send performs the request through x (directly or via dghubble).
	send func(ctx context.Context, x *exchange) error
}

// roundTrip runs one call under the per-request timeout and turns every
// failure into an *Error. On success it returns the recorded exchange with
// a 2xx response whose body was read completely.
func (c *Client) roundTrip(ctx context.Context, cl call) (*exchange, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	start := time.Now()
	x := &exchange{base: c.transport}
	sendErr := cl.send(ctx, x)

	var e *Error
	switch {
	case x.resp == nil:
		if sendErr == nil {
			sendErr = errors.New("no response")
		}
		e = &Error{Kind: Ambiguous, Err: sendErr}
		if !x.wroteHeaders.Load() {
			e.Kind = NotReached
		}
	case x.resp.StatusCode < 200 || x.resp.StatusCode > 299:
		e = statusError(cl.op, x.resp.StatusCode, x.resp.Header, x.body)
	case x.bodyErr != nil:
		// X accepted the request but the answer broke off: it acted, we
		// don't know the result (e.g. the new post's id).
		e = &Error{Kind: Ambiguous, Status: x.resp.StatusCode, Detail: "response body broken off", Err: x.bodyErr}
	}

	attrs := []any{
		slog.String("op", cl.op), slog.String("method", cl.method), slog.String("path", cl.path),
		slog.Duration("duration", time.Since(start)),
	}
	if x.resp != nil {
		attrs = append(attrs, slog.Int("status", x.resp.StatusCode))
	}
	if e == nil {
		c.log.DebugContext(ctx, "x request", attrs...)
		return x, nil
	}
	e.Op, e.idempotent = cl.op, cl.idempotent
	e.scrub(append(cl.secrets, c.consumerSecret))
	c.log.DebugContext(ctx, "x request failed", append(attrs, slog.String("kind", e.Kind.String()), slog.String("error", e.Error()))...)
	return nil, e
}

// signedSend returns a call.send that issues method path with body, signed
// with the consumer credentials and creds by dghubble's transport.
func (c *Client) signedSend(creds Credentials, method, pathAndQuery string, body []byte, contentType string) func(context.Context, *exchange) error {
	return func(ctx context.Context, x *exchange) error {
		req, err := http.NewRequestWithContext(ctx, method, c.baseURL+pathAndQuery, bytesReader(body))
		if err != nil {
			return err
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		// dghubble's transport sends through the client stored under
		// oauth1.HTTPClient in the context it is built with.
		base := context.WithValue(ctx, oauth1.HTTPClient, &http.Client{Transport: x})
		hc := c.oauthConfig().Client(base, oauth1.NewToken(creds.Token, creds.Secret))
		hc.CheckRedirect = noRedirects
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		return resp.Body.Close() // already buffered by the exchange
	}
}

// badResponse reports a 2xx answer we cannot use.
func badResponse(op, detail string, status int) *Error {
	return &Error{Op: op, Kind: BadResponse, Status: status, Detail: detail}
}
