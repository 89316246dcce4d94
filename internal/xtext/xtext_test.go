package xtext

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Sources quoted in the tables below.
const (
	srcSpot     = "x-text-length.md spot check"
	srcDiscount = "validate.yml WeightedTweetsWithDiscountedEmojiCounterTest"
	srcDirMark  = "validate.yml UnicodeDirectionalMarkerCounterTest"
	srcLengths  = "validate.yml lengths (URL rule; same under v3)"
	srcExtract  = "extract.yml urls"
	srcIndices  = "extract.yml urls_with_indices"
	srcOurs     = "xtext (derived from the v3 rules)"
	srcJS       = "twitter-text 3.1.0 (npm) parseTweet, run on the text"
)

const familyEmoji = "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466" // 👨‍👩‍👧‍👦

const tangPoem = "故人西辞黄鹤楼，烟花三月下扬州。孤帆远影碧空尽，唯见长江天际流。朱雀桥边野草花，乌衣巷口夕阳斜。旧时王谢堂前燕，飞入寻常百姓家。朝辞白帝彩云间，千里江陵一日还。两岸猿声啼不住，轻舟已过万重山。泪湿罗巾梦不成，夜深前殿按歌声。红颜未老恩先断，斜倚薰笼坐到明。独在异乡为异客，每逢佳节倍思亲。遥知兄弟登高处，遍插茱萸少一人。"

const noCheck = -2 // ValidRangeEnd not checked

type lengthCase struct {
	source   string
	desc     string // the description, quoted from the source when it has one
	text     string
	weighted int
	valid    bool
	rangeEnd int // ValidRangeEnd, or noCheck
}

func lengthCases() []lengthCase {
	x11 := strings.Repeat("xxxxxxxxxx-", 1)
	longURL := "https://" + strings.Repeat("somesuperlongurl", 249) + ".com/foo"
	kana := strings.Repeat("あいうえおかきくけこ", 12)
	kanaHost := strings.Repeat("あいうえおかきくけこ", 5)
	return []lengthCase{
		// x-text-length.md spot checks.
		{srcSpot, "Regular Tweet with url", "Hi http://test.co", 26, true, 16},
		{srcSpot, "160 emoji char, overflow at char index 140", strings.Repeat("😷", 160), 320, false, 279},
		{srcSpot, "Count a mix of single byte single word, and double word unicode characters", "H🐱☺" + familyEmoji, 7, true, 14},
		{srcSpot, "keycap without FE0F", "1\u20E3", 2, true, 1},
		{srcSpot, "Handle invalid characters", "ABC\u202A\uFFFFABC\uFFFE", 12, false, 3},
		{srcSpot, "Handle a 64 character domain without protocol", "randomurlrandomurlrandomurlrandomurlrandomurlrandomurlrandomurls.com", 68, true, 67},

		// validate.yml WeightedTweetsWithDiscountedEmojiCounterTest (config v3).
		{srcDiscount, "Just url", "http://test.co", 23, true, 13},
		{srcDiscount, "Long tweet, overflow at char index 280", "285 chars-" + strings.Repeat(x11, 25), 285, false, 279},
		{srcDiscount, "Long tweet with url in the middle, overflow at char index 284", "285 chars- http://www.twitter.com/jack " + strings.Repeat(x11, 24), 299, false, 283},
		{srcDiscount, "Long tweet with url at the end, overflow at char index 265", strings.Repeat(x11, 24) + " http://www.twitter.com/jack ", 289, false, 264},
		{srcDiscount, "10 url string, no overflow", strings.Repeat("https://www.twitter.com/aloha ", 10), 240, true, 299},
		{srcDiscount, "160 CJK char, overflow at char index 140", tangPoem, 320, false, 139},
		{srcDiscount, "3 latin char + 160 CJK char, overflow at char index 141", "the" + tangPoem, 323, false, 140},
		{srcDiscount, "'Á' is normalized into 1 char", "A\u0301B", 2, true, 2},
		{srcDiscount, "שּׁ is normalized into 3 chars", "A\uFB2C", 4, true, 1},
		{srcDiscount, "282 chars with a normalized character within valid range but outside 280", "282 chars-" + strings.Repeat(x11, 24) + "xxxxxA\u0301x", 281, false, 280},
		{srcDiscount, "Count unicode emoji chars inside the basic multilingual plane", "😷👾😡🔥💩", 10, true, 9},
		{srcDiscount, "Count unicode emoji chars outside the basic multilingual plane with skin tone modifiers", "🙋🏽👨\u200D🎤", 4, true, 8},
		{srcDiscount, "Handle General Punctuation Characters with visible spaces(u2000-200A), no ZWJ/ZWNJ",
			"This is a tweet with general punctuation characters: \u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u200B ‐ ‑ ‒ – — ― ‖  ‗ ‘ ’ ‚ ‛ “ ” „ ‟ ′ ″ ‴ ‵ ‶ ‷", 110, true, 109},
		{srcDiscount, "Handle long url with invalid domain labels and short url",
			"Long url with invalid domain labels and a short url: " + longURL + " " + longURL + " " + longURL + " https://validurl.com", 12079, false, 279},
		{srcDiscount, "Do not allow > 140 CJK characters by virtue of CJK chars greater than 63 punycode encoded chars in the host",
			kana + " http://" + kanaHost + "あいう.com", 358, false, 143},
		{srcDiscount, "Allow > 140 CJK characters by virtue of CJK chars less than 63 punycode encoded chars in the host",
			kana + " http://" + kanaHost + "あい.com", 264, true, 183},
		{srcDiscount, "140 family emoji", strings.Repeat(familyEmoji, 140), 280, true, 1539},
		{srcDiscount, "Unicode 10.0 emoji", "Unicode 10.0 emoji: 🤪; 🧕; 🧕🏾; 🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F", 34, true, 47},
		{srcDiscount, "Unicode 9.0 emoji", "Unicode 9.0 emoji: 🤠; 💃; 💃🏾", 29, true, 30},

		// validate.yml UnicodeDirectionalMarkerCounterTest.
		{srcDirMark, "Tweet text containing directional characters should be considered valid",
			"\u2066\u202Ahttp://foobar.پاکستان/\u202C\u2069", 31, true, 25},

		// validate.yml lengths: the URL rule is the same in every config.
		{srcLengths, "Count a URL starting with http:// as 23 characters", "http://test.com", 23, true, 14},
		{srcLengths, "Count a URL starting with https:// as 23 characters", "https://test.com", 23, true, 15},
		{srcLengths, "Count a URL without protocol as 23 characters", "test.com", 23, true, 7},
		{srcLengths, "Count multiple URLs correctly", "Test https://test.com test https://test.com test.com test", 86, true, 56},
		{srcLengths, "Count the number of characters", "This is a test.", 15, true, 14},

		// Checked against twitter-text 3.1.0 (the JavaScript library).
		{srcJS, "scheme-less URL with a query but no path: only the domain is a URL", "Visit example.com?ref=x now", 39, true, 26},
		{srcJS, "scheme-less URL with a port but no path: only the domain is a URL", "example.com:8080", 28, true, 15},
		{srcJS, "scheme-less URL with a port and a path", "example.com:8080/path", 23, true, 20},
		{srcJS, "quoted scheme-less URL", "He said \"example.com\" ok", 36, true, 23},
		{srcJS, "URL ending in balanced parentheses, then a period", "Read http://en.wikipedia.org/wiki/Primer_(film).", 29, true, 47},
		{srcJS, "parentheses after path punctuation end the path", "http://t.co/!(x)", 27, true, 15},
		{srcJS, "trailing periods and parentheses after a path", "see bit.ly/xß...(x)", 33, true, 18},
		{srcJS, "emoji right before a URL", "😀http://x.com", 25, true, 13},
		{srcJS, "scheme-less URL between CJK characters", "日本語example.com中国語", 35, true, 16},
		{srcJS, "scheme-less URL with a Unicode label is not a URL", "www.例え.jp", 11, true, 8},
		{srcJS, "URL with a Unicode label and a protocol", "http://例え.jp/path", 23, true, 16},
		{srcJS, "repeated ASCII domain inside one match", "a.comx😀a.com", 31, true, 12},
		{srcJS, "email address is not a URL", "ask me at bob@example.com", 25, true, 24},
		{srcJS, "question mark right after a scheme-less URL", "Did you see x.ai?", 36, true, 16},
		{srcJS, "Latin accents in a scheme-less domain", "café.com", 23, true, 7},
		{srcJS, "userinfo stops URL extraction", "http://user:pass@example.com/", 29, true, 28},

		{srcJS, "a skin tone after a family is a separate emoji", familyEmoji + "🏽", 4, true, 12},
		{srcJS, "FE0E after a ZWJ sequence is counted on its own", familyEmoji + "\uFE0E", 4, true, 11},
		{srcJS, "FE0F after a ZWJ sequence ending in an emoji-presentation character is counted on its own", "👨\u200D🎤\uFE0F", 4, true, 5},
		{srcJS, "watch with FE0F is one emoji", "⌚\uFE0F", 2, true, 1},
		{srcOurs, "deliberate: bus with FE0F is one emoji (Unicode 15 variation sequence; twitter-text 3.1.0 counts 4)", "🚍\uFE0F", 2, true, 2},
		{srcOurs, "deliberate: Emoji 12 ZWJ sequence is one emoji (twitter-text 3.1.0 counts 8)", "🧑🏽\u200D🤝\u200D🧑🏻", 2, true, 11},

		// Derived cases.
		{srcOurs, "NFC: e + combining acute counts 1", "e\u0301", 1, true, 1},
		{srcOurs, "NFC: precomposed é counts 1", "é", 1, true, 0},
		{srcOurs, "NFC: Hangul jamo compose into one syllable (2)", "\u1100\u1161", 2, true, 1},
		{srcOurs, "CJK counts 2 per character", "日本語", 6, true, 2},
		{srcOurs, "Hangul counts 2 per character", "저찀쯿쿿", 8, true, 3},
		{srcOurs, "astral-plane characters count 2", "\U00010000\U0010FFFF", 4, true, 3},
		{srcOurs, "Latin, Greek, Cyrillic, Hebrew, Arabic count 1", "aé Ωж שع", 8, true, 7},
		{srcOurs, "exactly 280 ASCII characters is valid", strings.Repeat("a", 280), 280, true, 279},
		{srcOurs, "281 ASCII characters is too long", strings.Repeat("a", 281), 281, false, 279},
		{srcOurs, "140 CJK characters is exactly 280", strings.Repeat("字", 140), 280, true, 139},
		{srcOurs, "257 characters plus a URL is exactly 280", strings.Repeat("a", 256) + " https://example.com/a/very/long/path/that/does/not/matter", 280, true, 313},
		{srcOurs, "URL with path and query", "Read https://example.com/path/to/resource?search=foo&lang=en now", 32, true, 63},
		{srcOurs, "http and https both count 23", "http://a.com https://a.com", 47, true, 25},
		{srcOurs, "trailing period is not part of the URL", "See http://example.com/path.", 28, true, 27},
		{srcOurs, "parentheses around a URL are not part of it", "(http://twitter.com)", 25, true, 19},
		{srcOurs, "trailing ! after a scheme-less URL", "Visit example.com!", 30, true, 17},
		{srcOurs, "question mark after a URL", "Did you see x.ai?", 36, true, 16},
		{srcOurs, "scheme-less URL on a ccTLD", "test.co", 23, true, 6},
		{srcOurs, "scheme-less URL on .ai", "x.ai", 23, true, 3},
		{srcOurs, "IDN host with protocol", "http://☃.net/", 23, true, 12},
		{srcOurs, "email addresses are not URLs", "mail me at jane.doe@example.com", 31, true, 30},
		{srcOurs, "email with a TLD before @ is not a URL", "john.doe.gov@mail.com", 21, true, 20},
		{srcOurs, "hashtag with a dot is not a URL", "#test.com", 9, true, 8},
		{srcOurs, "unknown TLD is not a URL", "file.txt and foo.baz", 20, true, 19},
		{srcOurs, "t.co slug longer than 40 is not a URL", "http://t.co/" + strings.Repeat("a", 41), 53, true, 52},
		{srcOurs, "hyphen right after a TLD stops the URL (JS/Java/Ruby TLD look-ahead)", "http://domain.com-x", 19, true, 18},
		{srcOurs, "keycap with FE0F", "1\uFE0F\u20E3", 2, true, 2},
		{srcOurs, "# keycap", "#\u20E3", 2, true, 1},
		{srcOurs, "plain digits are not emoji", "123", 3, true, 2},
		{srcOurs, "© alone counts 1", "©", 1, true, 0},
		{srcOurs, "© with FE0F is one emoji", "©\uFE0F", 2, true, 1},
		{srcOurs, "text presentation selector: counted per code point", "☺\uFE0E", 4, true, 1},
		{srcOurs, "emoji presentation selector: one emoji", "☺\uFE0F", 2, true, 1},
		{srcOurs, "flag is one emoji", "🇯🇵", 2, true, 3},
		{srcOurs, "rainbow flag ZWJ sequence is one emoji", "🏳\uFE0F\u200D🌈", 2, true, 5},
		{srcOurs, "deliberate: rainbow flag without FE0F is still one emoji (twitter-text 3.1.0 counts 5)", "🏳\u200D🌈", 2, true, 4},
		{srcOurs, "non-RGI ZWJ combination counts as its parts (as twemoji does)", "👨\u200D👨\u200D👨\u200D👨", 11, true, 10},
		{srcOurs, "family followed by an extra ZWJ child: family + ZWJ + child", familyEmoji + "\u200D👦", 5, true, 13},
		{srcOurs, "non-RGI regional indicator pair counts per code point", "🇦🇦", 4, true, 3},
		{srcOurs, "thumbs up with skin tone is one emoji", "👍🏽", 2, true, 3},
		{srcOurs, "FE0F after an emoji-presentation character counts alone (as twemoji does)", "😀\uFE0F", 4, true, 2},
		{srcOurs, "non-RGI tag sequence counts per code point", "🏴\U000E0061\U000E007F", 6, true, 5},
		{srcOurs, "skin tone after a non-emoji is counted alone", "a🏽", 3, true, 2},
		{srcOurs, "FE0F after a letter is counted alone", "a\uFE0F", 3, true, 1},
		{srcOurs, "dangling ZWJ after an emoji", "😀\u200D", 3, true, 2},
		{srcOurs, "ZWJ and ZWNJ count 1", "a\u200Db\u200Cc", 5, true, 4},
		{srcOurs, "invalid first character keeps twitter-text's validRangeEnd 0", "\uFFFEabc", 5, false, 0},
		{srcOurs, "BOM is invalid", "abc\uFEFF", 5, false, 2},
		{srcOurs, "whitespace only is empty (X rejects it)", "   ", 3, false, 2},
		{srcOurs, "newlines and tabs only are empty", "\n\t\r\n", 4, false, 3},
		{srcOurs, "zero-width space only is empty", "\u200B", 1, false, 0},
		{srcOurs, "text with spaces around is fine", "  hi  ", 6, true, 5},
		{srcOurs, "invalid UTF-8 counts as U+FFFD and is rejected", "a\xffb", 4, false, 2},
		{srcOurs, "empty text", "", 0, false, -1},
	}
}

func TestParseLengths(t *testing.T) {
	for _, tc := range lengthCases() {
		t.Run(tc.desc, func(t *testing.T) {
			got := Parse(tc.text)
			if got.WeightedLength != tc.weighted || got.Valid != tc.valid {
				t.Errorf("%s: Parse(%q) = length %d valid %v, want length %d valid %v (problems %v)",
					tc.source, short(tc.text), got.WeightedLength, got.Valid, tc.weighted, tc.valid, got.Problems)
			}
			if tc.rangeEnd != noCheck && got.ValidRangeEnd != tc.rangeEnd {
				t.Errorf("%s: Parse(%q).ValidRangeEnd = %d, want %d", tc.source, short(tc.text), got.ValidRangeEnd, tc.rangeEnd)
			}
			if got.Valid != (len(got.Problems) == 0) {
				t.Errorf("Valid = %v but Problems = %v", got.Valid, got.Problems)
			}
		})
	}
}

func TestParseProblems(t *testing.T) {
	tests := []struct {
		desc string
		text string
		want []Problem
	}{
		{"valid text has no problems", "Hello, world", nil},
		{"empty text", "", []Problem{{CodeEmpty, "Post is empty. Write some text before posting."}}},
		{"whitespace only", " \n ", []Problem{{CodeEmpty, "Post contains only whitespace. Add some visible text before posting."}}},
		{"too long", strings.Repeat("a", 312), []Problem{{CodeTooLong, "Post is 312 characters; X allows 280. Remove 32."}}},
		{"one invalid character", "abcd\uFFFE", []Problem{{CodeInvalidCharacter, "Text contains an invalid character U+FFFE at position 5. Remove it."}}},
		{"several invalid characters", "ABC\u202A\uFFFFABC\uFFFE", []Problem{{CodeInvalidCharacter,
			"Text contains an invalid character U+FFFF at position 5 (2 invalid characters in total). Remove them."}}},
		{"invalid character and too long", "\uFEFF" + strings.Repeat("字", 150), []Problem{
			{CodeInvalidCharacter, "Text contains an invalid character U+FEFF at position 1. Remove it."},
			{CodeTooLong, "Post is 302 characters; X allows 280. Remove 22."},
		}},
		{"invalid UTF-8", "ok\xc3", []Problem{{CodeInvalidEncoding,
			"Text is not valid UTF-8 (first bad byte at byte offset 2). Re-encode the text as UTF-8."}}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			got := Parse(tc.text).Problems
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse(%q).Problems =\n  %v\nwant\n  %v", short(tc.text), got, tc.want)
			}
		})
	}
}

// TestExtractURLs checks the URL extractor against twitter-text's
// conformance/extract.yml (latest, "tests/extract.yml"). Each case quotes
// its description.
func TestExtractURLs(t *testing.T) {
	tests := []struct {
		source string
		desc   string
		text   string
		want   []string
	}{
		{srcExtract, "Extract a lone URL", "http://example.com", []string{"http://example.com"}},
		{srcExtract, "Extract valid URL: http://google.com", "text http://google.com", []string{"http://google.com"}},
		{srcExtract, "Extract valid URL: http://foobar.com/#", "text http://foobar.com/#", []string{"http://foobar.com/#"}},
		{srcExtract, "Extract valid URL: http://google.com/#foo", "text http://google.com/#foo", []string{"http://google.com/#foo"}},
		{srcExtract, "Extract valid URL: http://google.com/#search?q=iphone%20-filter%3Alinks", "text http://google.com/#search?q=iphone%20-filter%3Alinks", []string{"http://google.com/#search?q=iphone%20-filter%3Alinks"}},
		{srcExtract, "Extract valid URL: http://somedomain.com/index.php?path=/abc/def/", "text http://somedomain.com/index.php?path=/abc/def/", []string{"http://somedomain.com/index.php?path=/abc/def/"}},
		{srcExtract, "Extract valid URL: http://www.boingboing.net/2007/02/14/katamari_damacy_phon.html", "text http://www.boingboing.net/2007/02/14/katamari_damacy_phon.html", []string{"http://www.boingboing.net/2007/02/14/katamari_damacy_phon.html"}},
		{srcExtract, "Extract valid URL: http://somehost.com:3000", "text http://somehost.com:3000", []string{"http://somehost.com:3000"}},
		{srcExtract, "Extract valid URL: http://xo.com/~matthew+%ff-x", "text http://xo.com/~matthew+%ff-x", []string{"http://xo.com/~matthew+%ff-x"}},
		{srcExtract, "Extract valid URL: http://xo.com/~matthew+%ff-,.;x", "text http://xo.com/~matthew+%ff-,.;x", []string{"http://xo.com/~matthew+%ff-,.;x"}},
		{srcExtract, "Extract valid URL: http://xo.com/,.;x", "text http://xo.com/,.;x", []string{"http://xo.com/,.;x"}},
		{srcExtract, "Extract valid URL: http://en.wikipedia.org/wiki/Primer_(film)", "text http://en.wikipedia.org/wiki/Primer_(film)", []string{"http://en.wikipedia.org/wiki/Primer_(film)"}},
		{srcExtract, "Extract valid URL: http://www.ams.org/bookstore-getitem/item=mbk-59", "text http://www.ams.org/bookstore-getitem/item=mbk-59", []string{"http://www.ams.org/bookstore-getitem/item=mbk-59"}},
		{srcExtract, "Extract valid URL: http://✪df.ws/ejp", "text http://✪df.ws/ejp", []string{"http://✪df.ws/ejp"}},
		{srcExtract, "Extract valid URL: http://example.com/", "test http://example.comだよね.comtest/hogehoge", []string{"http://example.com"}},
		{srcExtract, "Extract valid URL: http://chilp.it/?77e8fd", "text http://chilp.it/?77e8fd", []string{"http://chilp.it/?77e8fd"}},
		{srcExtract, "Extract valid URL: http://x.com/oneletterdomain", "text http://x.com/oneletterdomain", []string{"http://x.com/oneletterdomain"}},
		{srcExtract, "Extract valid URL: http://msdn.microsoft.com/ja-jp/library/system.net.httpwebrequest(v=VS.100).aspx", "text http://msdn.microsoft.com/ja-jp/library/system.net.httpwebrequest(v=VS.100).aspx", []string{"http://msdn.microsoft.com/ja-jp/library/system.net.httpwebrequest(v=VS.100).aspx"}},
		{srcExtract, "Extract valid URL with hyphen as query ending char: https://www.youtube.com/watch?v=LOxOAuDHzaw&list=PLPoq910Q9jXhuH6pit_KwIsck9fEz_9U-", "text https://www.youtube.com/watch?v=LOxOAuDHzaw&list=PLPoq910Q9jXhuH6pit_KwIsck9fEz_9U-", []string{"https://www.youtube.com/watch?v=LOxOAuDHzaw&list=PLPoq910Q9jXhuH6pit_KwIsck9fEz_9U-"}},
		{srcExtract, "DO NOT extract invalid URL: http://no-tld", "text http://no-tld", nil},
		{srcExtract, "DO NOT extract invalid URL: http://tld-too-short.x", "text http://tld-too-short.x", nil},
		{srcExtract, "DO NOT extract invalid URL with invalid preceding character: (http://twitter.com", "(http://twitter.com", []string{"http://twitter.com"}},
		{srcExtract, "Extract a very long hyphenated sub-domain URL (single letter hyphens)", "text http://word-and-a-number-8-ftw.domain.com/", []string{"http://word-and-a-number-8-ftw.domain.com/"}},
		// Deliberate: extract.yml expects ["http://domain.com"], but the
		// TLD look-ahead (?=[^a-z0-9@+-]|$) of the JS, Java and Ruby
		// implementations rejects a TLD followed by "-"; we follow the code.
		{srcExtract, "Extract a hyphenated TLD (usually a typo) [we follow the implementations: no URL]", "text http://domain.com-that-you-should-have-put-a-space-after", nil},
		{srcExtract, "Extract URL ending with # value", "text http://foo.com?#foo text", []string{"http://foo.com?#foo"}},
		{srcExtract, "Extract URLs without protocol on (com|org|edu|gov|net) domains", "foo.com foo.net foo.org foo.edu foo.gov", []string{"foo.com", "foo.net", "foo.org", "foo.edu", "foo.gov"}},
		{srcExtract, "Extract URLs without protocol not on (com|org|edu|gov|net) domains", "foo.baz foo.co.jp www.xxxxxxx.baz www.foo.co.uk wwwww.xxxxxxx foo.comm foo.somecom foo.govedu foo.jp", []string{"foo.co.jp", "www.foo.co.uk", "foo.jp"}},
		{srcExtract, "Extract URLs without protocol on ccTLD with slash", "t.co/abcde bit.ly/abcde", []string{"t.co/abcde", "bit.ly/abcde"}},
		{srcExtract, "Extract URLs with protocol on ccTLD domains", "http://foo.jp http://fooooo.jp", []string{"http://foo.jp", "http://fooooo.jp"}},
		{srcExtract, "Extract URLs with a - or + at the end of the path", "Go to http://example.com/a+ or http://example.com/a-", []string{"http://example.com/a+", "http://example.com/a-"}},
		{srcExtract, "Extract URLs with longer paths ending in -", "Go to http://example.com/view/slug-url-?foo=bar", []string{"http://example.com/view/slug-url-?foo=bar"}},
		{srcExtract, "Extract URLs with an en dash in the path", "Go to https://en.m.wikipedia.org/wiki/Hatfield–McCoy_feud please", []string{"https://en.m.wikipedia.org/wiki/Hatfield–McCoy_feud"}},
		{srcExtract, "Extract URLs beginning with a space", "@user Try http:// example.com/path", []string{"example.com/path"}},
		{srcExtract, "Extract long URL without protocol surrounded by CJK characters", "これは日本語です。example.com/path/index.html中国語example.com/path한국", []string{"example.com/path/index.html", "example.com/path"}},
		{srcExtract, "Extract short URL without protocol surrounded by CJK characters", "twitter.comこれは日本語です。example.com中国語t.co/abcde한국twitter.com example2.comテストtwitter.com/abcde", []string{"twitter.com", "example.com", "t.co/abcde", "twitter.com", "example2.com", "twitter.com/abcde"}},
		{srcExtract, "Extract URLs with and without protocol surrounded by CJK characters", "http://twitter.com/これは日本語です。example.com中国語http://t.co/abcde한국twitter.comテストexample2.comテストhttp://twitter.com/abcde", []string{"http://twitter.com/", "example.com", "http://t.co/abcde", "twitter.com", "example2.com", "http://twitter.com/abcde"}},
		{srcExtract, "Extract URLs with protocol and path containing Cyrillic characters", "Go to http://twitter.com/Русские_слова", []string{"http://twitter.com/Русские_слова"}},
		{srcExtract, "Extract non-ASCII host name URLs with protocol, but ignore host names bigger than 63 characters. Also handle exceptions for non-ASCII hostnames longer than 256 characters", "http://exampleこれは日本語です.com/path/index.html http://" + strings.Repeat("あ", 300) + ".com/path/index.html", []string{"http://exampleこれは日本語です.com/path/index.html"}},
		{srcExtract, "Extract short URLs without protocol on ccTLD domains without path", "twitter.jp日本語it.so中国語foo.jp it.so foo.jp", []string{"twitter.jp", "it.so", "foo.jp", "it.so", "foo.jp"}},
		{srcExtract, "DO NOT extract invalid URL", "Hello http://xn--はじめよう.com/index.html", nil},
		{srcExtract, "DO NOT Extract URL with domain preceeded by underscore: http://domain-begin_dash_2314352345_dfasd.foo-cow_4352.com", "text http://domain-dash_2314352345_dfasd.foo-cow_4352.com", nil},
		{srcExtract, "Extract some (tv|co) short URLs without protocol on ccTLD domains without path", "MLB.tv vine.co twitch.tv t.co", []string{"MLB.tv", "vine.co", "twitch.tv", "t.co"}},
		{srcExtract, "Extract URLs beginning with a non-breaking space (U+00A0)", "@user Try http://\u00A0example.com/path", []string{"example.com/path"}},
		{srcExtract, "Extract URLs with underscores and dashes in the subdomain", "test http://sub_domain-dash.twitter.com", []string{"http://sub_domain-dash.twitter.com"}},
		{srcExtract, "Extract URL with minimum number of valid characters", "test http://a.b.cd", []string{"http://a.b.cd"}},
		{srcExtract, "Extract URLs containing underscores and dashes", "test http://a_b.c-d.com", []string{"http://a_b.c-d.com"}},
		{srcExtract, "Extract URLs containing dashes in the subdomain", "test http://a-b.c.com", []string{"http://a-b.c.com"}},
		{srcExtract, "Extract URLs with dashes in the domain name", "test http://twitter-dash.com", []string{"http://twitter-dash.com"}},
		{srcExtract, "Extract URLs with lots of symbols then a period", "http://www.bestbuy.com/site/Currie+Technologies+-+Ezip+400+Scooter/9885188.p?id=1218189013070&skuId=9885188", []string{"http://www.bestbuy.com/site/Currie+Technologies+-+Ezip+400+Scooter/9885188.p?id=1218189013070&skuId=9885188"}},
		{srcExtract, "DO NOT extract URLs containing leading dashes in the subdomain", "test http://-leadingdash.twitter.com", nil},
		{srcExtract, "DO NOT extract URLs containing leading dashes in the domain with a subdomain", "test http://leadingdash.-twitter.com", nil},
		{srcExtract, "DO NOT extract URLs containing trailing dashes in the subdomain", "test http://trailingdash-.twitter.com", nil},
		{srcExtract, "DO NOT extract URLs containing trailing dashes in the domain with a subdomain", "test http://trailingdash.twitter-.com", nil},
		{srcExtract, "DO NOT extract URLs containing leading underscores in the subdomain", "test http://_leadingunderscore.twitter.com", nil},
		{srcExtract, "DO NOT extract URLs containing leading underscores in the domain with a subdomain", "test http://leadingunderscore._twitter.com", nil},
		{srcExtract, "DO NOT extract URLs containing trailing underscores in the subdomain", "test http://trailingunderscore_.twitter.com", nil},
		{srcExtract, "DO NOT extract URLs containing trailing underscores in the domain with a subdomain", "test http://trailingunderscore.twitter_.com", nil},
		{srcExtract, "DO NOT extract URLs containing leading dashes in the domain name", "test http://-twitter.com", nil},
		{srcExtract, "DO NOT extract URLs containing trailing dashes in the domain name", "test http://twitter-.com", nil},
		{srcExtract, "DO NOT extract URLs containing underscores in the domain name", "test http://twitter_underscore.com", nil},
		{srcExtract, "DO NOT extract URLs containing underscores in the tld", "test http://twitter.c_o_m", nil},
		{srcExtract, "Extract valid URL http://www.foo.com/foo/path-with-period./", "test http://www.foo.com/foo/path-with-period./", []string{"http://www.foo.com/foo/path-with-period./"}},
		{srcExtract, "Extract valid URL http://www.foo.org.za/foo/bar/688.1", "test http://www.foo.org.za/foo/bar/688.1", []string{"http://www.foo.org.za/foo/bar/688.1"}},
		{srcExtract, "Extract valid URL http://www.foo.com/bar-path/some.stm?param1=foo;param2=P1|0||P2|0", "test http://www.foo.com/bar-path/some.stm?param1=foo;param2=P1|0||P2|0", []string{"http://www.foo.com/bar-path/some.stm?param1=foo;param2=P1|0||P2|0"}},
		{srcExtract, "Extract valid URL http://foo.com/bar/123/foo_&_bar/", "test http://foo.com/bar/123/foo_&_bar/", []string{"http://foo.com/bar/123/foo_&_bar/"}},
		{srcExtract, "Extract valid URL http://www.cp.sc.edu/events/65", "test http://www.cp.sc.edu/events/65 test", []string{"http://www.cp.sc.edu/events/65"}},
		{srcExtract, "Extract valid URL http://www.andersondaradio.no.comunidades.net/", "http://www.andersondaradio.no.comunidades.net/ test test", []string{"http://www.andersondaradio.no.comunidades.net/"}},
		{srcExtract, "Extract valid URL ELPAÍS.com", "test ELPAÍS.com", []string{"ELPAÍS.com"}},
		{srcExtract, "DO NOT include period at the end of URL", "test http://twitter.com/.", []string{"http://twitter.com/"}},
		{srcExtract, "Extract a URL with '?' in fragment", "http://tn.com.ar/show/00056158/la-estrella-del-certamen-el-turno-de-pamela-anderson?fb_xd_fragment#?=&cb=fe17523f223b7&relation=parent.parent&transport=fragment&type=resize&height=20&ackdata", []string{"http://tn.com.ar/show/00056158/la-estrella-del-certamen-el-turno-de-pamela-anderson?fb_xd_fragment#?=&cb=fe17523f223b7&relation=parent.parent&transport=fragment&type=resize&height=20&ackdata"}},
		{srcExtract, "Extract a URL with a ton of trailing periods", "Test a ton of periods http://example.com/path..........................................", []string{"http://example.com/path"}},
		{srcExtract, "Extract a URL with a ton of trailing commas", "Test a ton of periods http://example.com/,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,", []string{"http://example.com/"}},
		{srcExtract, "Extract a URL with a ton of trailing '!'", "Test a ton of periods http://example.com/path/!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!", []string{"http://example.com/path/"}},
		{srcExtract, "DO NOT extract URLs in hashtag or @mention", "#test.com @test.com #http://test.com @http://test.com #t.co/abcde @t.co/abcde", nil},
		{srcExtract, "Extract a t.co URL with a trailing apostrophe", "I really like http://t.co/pbY2NfTZ's website", []string{"http://t.co/pbY2NfTZ"}},
		{srcExtract, "Extract a t.co URL with a trailing hyphen", "Check this site out http://t.co/FNkPfmii- it's great", []string{"http://t.co/FNkPfmii"}},
		{srcExtract, "Extract a t.co URL with a trailing colon", "According to http://t.co/ulYGBYSo: the internet is cool", []string{"http://t.co/ulYGBYSo"}},
		{srcExtract, "Extract a t.co URL with a long path", "I really like http://t.co/abcdefghijklmnopqrstuvwxyz0123456789", []string{"http://t.co/abcdefghijklmnopqrstuvwxyz0123456789"}},
		{srcExtract, "DO NOT extract URLs with > 40 characters in a t.co slug", "I really like http://t.co/abcdefghijklmnopqrstuvwxyz012345678901234", nil},
		{srcExtract, "Extract domain followed by Japanese characters", "example.comてすとですtwitter.みんなです", []string{"example.com", "twitter.みんな"}},
		{srcExtract, "Extract URL before newline", "http://twitter.com\nhttp://example.com\nhttp://example.com/path\nexample.com/path\nit.so\nit.so/abcde", []string{"http://twitter.com", "http://example.com", "http://example.com/path", "example.com/path", "it.so", "it.so/abcde"}},
		{srcExtract, "DO NOT extract URL if preceded by $", "$http://twitter.com $twitter.com $http://t.co/abcde $t.co/abcde $t.co $TVI.CA $RBS.CA", nil},
		{srcExtract, "DO NOT extract .bz2 file name as URL", "long.test.tar.bz2 test.tar.bz2 tar.bz2", nil},
		{srcExtract, "DO NOT extract URL with gTLD followed by @ sign", "john.doe.gov@mail.com", nil},
		{srcExtract, "DO NOT extract URL with ccTLD followed by @ sign", "john.doe.jp@mail.com", nil},

		{srcIndices, "Extract a URL from a Japanese tweet", "皆さん見てください！ http://google.com", []string{"http://google.com"}},
		{srcIndices, "Extract t.co URLs skipping trailing characters and adjusting indices correctly",
			"http://t.co/pbY2NfTZ's http://t.co/2vYHpAc5; http://t.co/ulYGBYSo: http://t.co/8MkmHU0k+c http://t.co/TKLp64dY.x http://t.co/8t7G3ddS#a http://t.co/FNkPfmii-",
			[]string{"http://t.co/pbY2NfTZ", "http://t.co/2vYHpAc5", "http://t.co/ulYGBYSo", "http://t.co/8MkmHU0k", "http://t.co/TKLp64dY", "http://t.co/8t7G3ddS", "http://t.co/FNkPfmii"}},
		{srcIndices, "Extract correct indices for duplicate instances of the same URL", "http://t.co http://t.co", []string{"http://t.co", "http://t.co"}},
		{srcIndices, "Extract I18N URL", "test http://xn--ls8h.XN--ls8h.la/", []string{"http://xn--ls8h.XN--ls8h.la/"}},
		{srcIndices, "Extract URLs with IDN(not encoded)", "test http://foobar.みんな/ http://foobar.中国/ http://foobar.پاکستان/ ", []string{"http://foobar.みんな/", "http://foobar.中国/", "http://foobar.پاکستان/"}},

		{"validate.yml urls", "Valid url: ipv4 (no TLD: not extracted as a URL entity)", "http://192.168.0.1/index.html?src=asdf", nil},
		{"validate.yml urls", "Valid url: port and userinfo (the extractor finds no entity: '@' cannot precede a URL)", "http://user:PASSW0RD@example.com:8080/login.php", nil},
		{"validate.yml urls", "Valid url: cased protocol and domain", "HTTPS://www.ExaMPLE.COM/index.html", []string{"HTTPS://www.ExaMPLE.COM/index.html"}},
		{"validate.yml urls", "Valid url: sub delims and question marks", "http://example.com?foo=$bar.;baz?BAZ&c=d-#top/?stories+", []string{"http://example.com?foo=$bar.;baz?BAZ&c=d-#top/?stories"}},
		{"validate.yml urls", "Valid unicode url: unicode domain", "http://☃.net/", []string{"http://☃.net/"}},
		{"validate.yml urls_without_protocol", "Valid url without protocol: subdomain + domain + ccTLD", "foo.co.jp", []string{"foo.co.jp"}},
		{"validate.yml urls_without_protocol", "Valid url without protocol: domain + path + query", "example.com/path/to/resource?search=foo&lang=en", []string{"example.com/path/to/resource?search=foo&lang=en"}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			got := extractedURLs(tc.text)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s: URLs in %q = %q, want %q", tc.source, short(tc.text), got, tc.want)
			}
		})
	}
}

// extractedURLs returns the URL strings twitter-text would report for
// text (its entities' url values).
func extractedURLs(text string) []string {
	u := utf16.Encode([]rune(norm.NFC.String(text)))
	var out []string
	for _, e := range findURLs(u) {
		out = append(out, string(utf16.Decode(u[e.start:e.start+e.length])))
	}
	return out
}

func TestEveryTLDIsExtracted(t *testing.T) {
	for tld := range tldSet {
		text := "a domain." + tld + " here"
		if got := extractedURLs(text); len(got) != 1 || got[0] != "domain."+tld {
			t.Errorf("TLD %q: URLs in %q = %q", tld, text, got)
		}
	}
}

func TestPunycode(t *testing.T) {
	// RFC 3492 section 7.1 samples and well-known IDNs.
	tests := []struct{ in, want string }{
		{"bücher", "bcher-kva"},
		{"☃", "n3h"},
		{"みんな", "q9jyb4c"},
		{"پاکستان", "mgbai9azgqp6j"},
		{"他们为什么不说中文", "ihqwcrb4cv8a8dqg056pqjye"},
		{"ليهمابتكلموشعربي؟", "egbpdaj6bu4bxfgehfvwxn"},
	}
	for _, tc := range tests {
		got, ok := punycodeEncode([]rune(tc.in))
		if !ok || got != tc.want {
			t.Errorf("punycodeEncode(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
}

func TestLabelLimit(t *testing.T) {
	tests := []struct {
		label string
		ok    bool
	}{
		{strings.Repeat("a", 63), true},
		{strings.Repeat("a", 64), false},
		// The punycode form, not the Unicode form, must fit in 63.
		{strings.Repeat("あいうえおかきくけこ", 5) + "あい", true},
		{strings.Repeat("あいうえおかきくけこ", 5) + "あいう", false},
		{"☃", true},
		{"", false},
	}
	for _, tc := range tests {
		if got := jsLabelOK(utf16.Encode([]rune(tc.label))); got != tc.ok {
			t.Errorf("jsLabelOK(%q) = %v, want %v", tc.label, got, tc.ok)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, tc := range lengthCases() {
		if len(tc.text) < 2000 {
			f.Add(tc.text)
		}
	}
	f.Add("a.a.a.a.a.a.a.a.a.com/((((a)))) http://t.co/x?y=z#w")
	f.Add("http://xn--はじめよう.com/ #\uFE0F\u20E3 🏴\U000E0067\U000E007F")
	f.Fuzz(func(t *testing.T, text string) {
		res := Parse(text)
		if res.WeightedLength < 0 {
			t.Fatalf("negative weighted length %d", res.WeightedLength)
		}
		if res.Valid && (res.WeightedLength == 0 || res.WeightedLength > MaxWeightedLength || len(res.Problems) > 0) {
			t.Fatalf("inconsistent result %+v", res)
		}
		if n16 := utf16LenString(text); n16 == 0 {
			if res.ValidRangeEnd != -1 {
				t.Fatalf("ValidRangeEnd %d for empty text", res.ValidRangeEnd)
			}
		} else if res.ValidRangeEnd < 0 || res.ValidRangeEnd >= n16 {
			t.Fatalf("ValidRangeEnd %d outside [0, %d)", res.ValidRangeEnd, n16)
		}
		u := utf16.Encode([]rune(norm.NFC.String(text)))
		prev := 0
		for _, e := range findURLs(u) {
			if e.start < prev || e.length <= 0 || e.start+e.length > len(u) {
				t.Fatalf("bad URL entity %+v (previous start %d, length %d)", e, prev, len(u))
			}
			prev = e.start
		}
		if !utf8.ValidString(text) && res.Valid {
			t.Fatalf("invalid UTF-8 accepted")
		}
	})
}

// typicalPost is a 280-character post with a URL, a hashtag, a mention,
// accented text and emoji.
var typicalPost = func() string {
	s := "Just shipped the new release of our planner 🎉 Thanks @betterplan team! " +
		"Details and changelog: https://example.com/blog/2024/release-notes?utm_source=x " +
		"Café-friendly, works offline, and finally supports shared boards 👨\u200D👩\u200D👧 #buildinpublic "
	for Parse(s).WeightedLength < 280 {
		s += "a"
	}
	return s
}()

func BenchmarkParse(b *testing.B) {
	if got := Parse(typicalPost).WeightedLength; got != 280 {
		b.Fatalf("typical post weighs %d, want 280", got)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(typicalPost)))
	for b.Loop() {
		Parse(typicalPost)
	}
}

func short(s string) string {
	if utf8.RuneCountInString(s) <= 80 {
		return s
	}
	return string([]rune(s)[:77]) + "..."
}
