// Package xweb makes links to X's web pages: a profile, a post. The site is
// https://x.com in production and the offline sandbox under make run, so a
// link a person clicks opens where the post really went.
package xweb

import "strings"

// Default is X's site.
const Default = "https://x.com"

// Site is the origin of X's web pages, e.g. https://x.com. The zero Site
// is X's.
type Site struct{ base string }

// New returns the site at base (no trailing slash needed); "" is X's.
func New(base string) Site {
	return Site{base: strings.TrimRight(base, "/")}
}

func (s Site) origin() string {
	if s.base == "" {
		return Default
	}
	return s.base
}

// Profile is the account's page.
func (s Site) Profile(username string) string {
	return s.origin() + "/" + username
}

// Post is the page of one post.
func (s Site) Post(username, postID string) string {
	return s.origin() + "/" + username + "/status/" + postID
}
