package xtext

import (
	"reflect"
	"testing"
)

func TestURLRanges(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string // text[Start:End] of each range
	}{
		{"no links here", nil},
		{"see https://example.com/a?b=1&c=2 now", []string{"https://example.com/a?b=1&c=2"}},
		{"two: http://a.com and foo.co.jp/path.", []string{"http://a.com", "foo.co.jp/path"}},
		// Offsets are bytes of the original, whatever came before.
		{"🧵 日本語 (https://x.com/1)", []string{"https://x.com/1"}},
		// Not NFC: "e" + combining acute before the URL; the ranges still
		// point into the text as given.
		{"cafe\u0301 https://example.com/e\u0301", []string{"https://example.com/e\u0301"}},
		{"cafe\u0301 www.example.com", []string{"www.example.com"}},
		{"-example.com is not a URL but example.com is", []string{"example.com"}},
	} {
		var got []string
		for _, r := range URLRanges(tc.text) {
			got = append(got, tc.text[r.Start:r.End])
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("URLRanges(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

// Every URL Parse counts as 23 is a range: replacing each by 23 ASCII
// characters keeps the weighted length.
func TestURLRangesMatchParse(t *testing.T) {
	for _, text := range []string{
		"a https://example.com/x b foo.com/bar?q=1 c http://✪df.ws/ejp",
		"http://example.comだよね.comtest/hogehoge and t.co/abc",
		"👨‍👩‍👧‍👦 https://www.youtube.com/watch?v=LOxOAuDHzaw&list=PLPoq910Q9jXhuH6pit_KwIsck9fEz_9U-",
	} {
		rs := URLRanges(text)
		if len(rs) == 0 {
			t.Fatalf("no URLs in %q", text)
		}
		replaced, last := "", 0
		for _, r := range rs {
			replaced += text[last:r.Start] + "https://t.co/abcdefghij"
			last = r.End
		}
		replaced += text[last:]
		if a, b := Parse(text).WeightedLength, Parse(replaced).WeightedLength; a != b {
			t.Errorf("%q: weighted length %d, with t.co links %d (%q)", text, a, b, replaced)
		}
	}
}
