package e2e

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"

	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
)

// TestCounterMatchesValidatePost types texts into the composer and reads
// the live count the person sees (twitter-text, X's own library) next to
// what ValidatePost says for the same text (the server's count): they must
// agree, so the composer never says "fits" for a post the api refuses.
func TestCounterMatchesValidatePost(t *testing.T) {
	s := startStack(t)
	b := newBrowser(t, s)
	const email, password = "ada@example.com", "correct horse battery"
	signUp(b, s, email, password, "Ada Lovelace")
	api := signInAPI(b, s, email, password)

	b.click(role("button", "New post"))
	b.waitVisible(role("dialog", "New post"))
	b.waitVisible(label("Post"))
	area := b.nodes(label("Post").with(chromedp.NodeVisible))[0]

	cases := []string{
		"Hi http://test.co",
		strings.Repeat("😷", 160),
		"H🐱☺👨‍👩‍👧‍👦",
		"1⃣ and 1️⃣ and #️⃣",
		"🇺🇸🇩🇪🇯🇵 flags count two each",
		strings.Repeat("a", 64) + ".com",
		strings.Repeat("a", 63) + ".com",
		strings.Repeat("a", 280),
		strings.Repeat("a", 281),
		"see https://example.com/" + strings.Repeat("x", 300),
		strings.Repeat("a", 256) + " https://example.com/page",
		"two links: https://example.com and example.org/path?q=1#top, one www.example.co.uk",
		"no scheme: betterplan.app, a mail ada@example.com, a handle @ada_lovelace and #tags",
		strings.Repeat("漢", 140),
		strings.Repeat("漢", 141),
		"日本語とEnglishの混ざった文章です。ひらがな、カタカナ、漢字。",
		"한국어 문장도 두 개로 셉니다",
		"العربية تحسب واحدا لكل حرف",
		"Ελληνικά, кириллица, עברית: one each",
		"e\u0301 combining accent (NFC first)",
		"“curly quotes” — em dash … ellipsis • bullet",
		"tabs\tand\nnew\nlines",
		"https://t.co/abc123 is already short",
		"ends with a URL https://example.com/" + strings.Repeat("y", 20),
	}
	for i, text := range cases {
		shown := typeAndCount(b, area, text)
		res, err := api.posts.ValidatePost(context.Background(), connect.NewRequest(&postv1.ValidatePostRequest{Text: text}))
		if err != nil {
			b.fatalf("ValidatePost case %d: %v", i+1, err)
		}
		if want := int(res.Msg.GetWeightedLength()); shown != want {
			t.Errorf("case %d %q: the composer counts %d, ValidatePost %d", i+1, short(text), shown, want)
		}
	}
}

// typeAndCount puts text in the composer's text box as typing would, and
// reads the count shown once X's library has counted it (an approximate
// count shows "≈" first).
func typeAndCount(b *browser, area *chromedp.Node, text string) int {
	b.t.Helper()
	callOn[chromedp.Void](b, area, `function(v) {
		const setter = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, "value").set;
		setter.call(this, v);
		this.dispatchEvent(new Event("input", { bubbles: true }));
		// Let React render the new count before it is read.
		return new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r())));
	}`, text)
	var n int
	waitFor(b, fmt.Sprintf("the count of %q", short(text)), stepTimeout, func() (bool, string) {
		shown := callOn[string](b, area, `function() {
			return this.closest("[role=dialog]").querySelector('[data-testid="part-count"]').innerText;
		}`)
		// "Post: 26/280" (the label is for screen readers).
		_, frac, _ := strings.Cut(shown, ":")
		num, _, ok := strings.Cut(strings.TrimSpace(frac), "/")
		if !ok || strings.HasPrefix(num, "≈") {
			return false, "the composer shows " + shown
		}
		var err error
		n, err = strconv.Atoi(num)
		return err == nil, "the composer shows " + shown
	})
	return n
}

func short(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
