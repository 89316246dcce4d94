package e2e

import (
	"testing"
)

// TestSmoke opens the app signed out: the api serves it at /app/ (the root
// redirects there), it asks for an email and a password, and axe finds no
// serious problem on that page.
func TestSmoke(t *testing.T) {
	s := startStack(t)
	b := newBrowser(t, s)
	b.navigate(s.AppURL + "/")
	b.waitURL(`/app/`)
	b.waitVisible(role("heading", ""))
	b.waitVisible(label("Email"))
	b.waitVisible(label("Password"))
	b.checkA11y("sign-in page")
}
