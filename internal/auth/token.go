// Package auth authenticates callers of BetterPlan's RPCs: it makes and hashes
// session and API tokens, sets the session cookie, and holds the interceptor
// that puts the signed-in user on the context.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// Token prefixes tell the two kinds apart (and let secret scanners spot them).
const (
	SessionPrefix  = "bps_"
	APITokenPrefix = "bpt_"
)

// NewToken returns prefix followed by 256 random bits, base64url-encoded.
func NewToken(prefix string) string {
	buf := make([]byte, 32)
	_, _ = rand.Read(buf) // crypto/rand.Read never fails on supported platforms
	return prefix + base64.RawURLEncoding.EncodeToString(buf)
}

// Hash is what the database stores instead of a token.
func Hash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// DisplayPrefix is the part of an API token safe to show to tell tokens apart.
func DisplayPrefix(token string) string {
	const n = len(APITokenPrefix) + 6
	if len(token) < n {
		return token
	}
	return token[:n]
}

// bearer extracts the token of an "Authorization: Bearer <token>" header.
func bearer(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
