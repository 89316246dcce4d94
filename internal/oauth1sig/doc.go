// Package oauth1sig implements the server side of OAuth 1.0a HMAC-SHA1
// request signing (RFC 5849 §3.4) the way X documents it: collecting the
// signed parameters from a request, building the signature base string,
// signing it and verifying a received signature.
//
// It exists so that our fake X (internal/fakex) checks signatures for real,
// and so that the signing done by github.com/dghubble/oauth1 in
// internal/xclient is tested against X's published vectors by code we own.
package oauth1sig
