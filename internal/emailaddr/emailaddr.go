// Package emailaddr normalizes the email addresses people sign up and are
// invited with, so the two compare equal.
package emailaddr

import (
	"net/mail"
	"strings"

	"github.com/betterplan/betterplan/internal/apierr"
)

// Normalize trims and lower-cases an address and checks it is a plain
// address like name@example.com; field names the request field in errors.
// The error never quotes the input: it goes back to the client and into the
// access log, whatever its size.
func Normalize(field, raw string) (string, error) {
	email := strings.ToLower(strings.TrimSpace(raw))
	if email == "" {
		return "", apierr.Invalid(field, "is required")
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || addr.Name != "" || !strings.Contains(email[strings.LastIndexByte(email, '@')+1:], ".") || len(email) > 254 {
		return "", apierr.Invalid(field, "is not an email address like name@example.com")
	}
	return email, nil
}
