package fakex

import (
	"crypto/sha256"
	"strings"

	"github.com/betterplan/betterplan/internal/xtext"
)

// htmlEscaper escapes what X escapes in a returned text: only &, < and >
// (quotes stay as they are).
var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// displayText is a post's text as X returns it (the 201 of POST /2/tweets,
// timelines): every URL X recognises, the ones that count 23 in the
// weighted length, becomes a t.co link, and the rest is HTML-escaped.
// Clients that compare it with what they sent must expect the difference;
// Server.Posts keeps the text as sent.
func displayText(postID, text string) string {
	var b strings.Builder
	last := 0
	for _, r := range xtext.URLRanges(text) {
		b.WriteString(htmlEscaper.Replace(text[last:r.Start]))
		b.WriteString(tcoLink(postID, text[r.Start:r.End]))
		last = r.End
	}
	b.WriteString(htmlEscaper.Replace(text[last:]))
	return b.String()
}

const tcoAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// tcoLink is the shortened link for url in the post: https://t.co/ and 10
// alphanumerics (23 characters, what the weighted length charges), the
// same every time the post is read.
func tcoLink(postID, url string) string {
	sum := sha256.Sum256([]byte(postID + "\x00" + url))
	slug := make([]byte, 10)
	for i := range slug {
		slug[i] = tcoAlphabet[int(sum[i])%len(tcoAlphabet)]
	}
	return "https://t.co/" + string(slug)
}
