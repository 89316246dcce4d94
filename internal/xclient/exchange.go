package xclient

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
)

// maxResponseBody bounds what we buffer from X; its answers are tiny.
const maxResponseBody = 1 << 20

// exchange is a one-shot http.RoundTripper that records one round trip:
// whether net/http started writing the request, and the response with its
// body fully read (so a broken body is noticed while we still know the
// status). A fresh exchange is made for every call.
//
// dghubble's Config.RequestToken and AccessToken build their requests
// without a context; setting ctx makes the exchange attach one, so
// cancellation and our per-request timeout still apply to them.
type exchange struct {
	base http.RoundTripper
	ctx  context.Context // overrides the request's context when non-nil

	wroteHeaders atomic.Bool

	resp    *http.Response // nil until a response header arrived
	body    []byte
	bodyErr error
}

func (x *exchange) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if x.ctx != nil {
		ctx = x.ctx
	}
	// WroteHeaders is the earliest moment a server could see a complete
	// request head; before it nothing usable has left this process, so a
	// failure means X certainly never got the request. (Transport retries
	// on a fresh connection only make this more conservative.)
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteHeaders: func() { x.wroteHeaders.Store(true) },
	})
	resp, err := x.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	resp.Body.Close()
	x.resp, x.body, x.bodyErr = resp, body, err
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// client returns an *http.Client that sends through the exchange and never
// follows redirects: X does not redirect API calls, and following one
// would turn a POST into a GET.
func (x *exchange) client() *http.Client {
	return &http.Client{Transport: x, CheckRedirect: noRedirects}
}

func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
