package xclient

import (
	"fmt"
	"log/slog"
)

// Credentials are a user's OAuth 1.0a access token and secret (or, inside
// the flow, a request token and its secret). They grant posting rights, so
// every way of printing them is redacted.
type Credentials struct {
	Token  string
	Secret string
}

const redacted = "[redacted]"

func redactedOrEmpty(s string) string {
	if s == "" {
		return `""`
	}
	return redacted
}

// String never shows the token or the secret, only whether they are set.
func (c Credentials) String() string {
	return "xclient.Credentials{Token:" + redactedOrEmpty(c.Token) + ", Secret:" + redactedOrEmpty(c.Secret) + "}"
}

// GoString covers %#v.
func (c Credentials) GoString() string { return c.String() }

// Format covers every other verb (%d, %x, %+v …), which would otherwise print
// the fields through reflection.
func (c Credentials) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }

// LogValue keeps slog from walking the fields.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("token", redactedOrEmpty(c.Token)),
		slog.String("secret", redactedOrEmpty(c.Secret)),
	)
}

// secrets lists the strings that must never appear in an error message.
func (c Credentials) secrets() []string { return []string{c.Token, c.Secret} }
