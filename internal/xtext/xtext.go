// Package xtext measures post text the way X (Twitter) does: the weighted
// character count of twitter-text configuration v3.
//
// The rules, as in twitter-text's parseTweet (config/v3.json; this package
// follows the JavaScript library, twitter-text 3.1.0, which X's composer
// uses, and its conformance suite):
//
//   - The text is normalised to Unicode NFC first; everything is counted on
//     the normalised text.
//   - Every URL (found by twitter-text's extractor: http/https URLs and
//     scheme-less ones whose host ends in a known TLD) counts 23, however long.
//   - Every emoji sequence (keycap, flag, tag sequence, skin-toned or
//     presentation-selected emoji, ZWJ sequence) counts 2 in total.
//   - Every other code point counts 1 when it is in U+0000–U+10FF,
//     U+2000–U+200D, U+2010–U+201F or U+2032–U+2037, and 2 otherwise (CJK,
//     most symbols, everything outside the BMP).
//   - A post is valid when it has no invalid character (U+FFFE, U+FEFF,
//     U+FFFF), is not empty and counts at most MaxWeightedLength.
//
// Deliberate differences from twitter-text are listed on Parse.
package xtext

import (
	"fmt"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxWeightedLength is the largest weighted length X accepts for a post.
const MaxWeightedLength = 280

// twitter-text config v3.
const (
	scale                = 100
	defaultWeight        = 200
	transformedURLLength = 23
)

// Problem codes reported in Result.Problems.
const (
	CodeEmpty            = "empty"             // no text, or only whitespace
	CodeTooLong          = "too_long"          // weighted length above MaxWeightedLength
	CodeInvalidCharacter = "invalid_character" // U+FFFE, U+FEFF or U+FFFF
	CodeInvalidEncoding  = "invalid_encoding"  // the string is not valid UTF-8
)

// Problem is one reason a post would be rejected.
type Problem struct {
	// Code is a stable machine-readable identifier: one of the Code*
	// constants.
	Code string
	// Message is a sentence a person can act on.
	Message string
}

// Result is the outcome of Parse.
type Result struct {
	// WeightedLength is the length X counts against MaxWeightedLength.
	WeightedLength int
	// Valid reports whether X would accept the text (Problems is empty).
	Valid bool
	// Problems lists why the text is not valid, in a stable order: empty,
	// invalid_encoding, invalid_character, too_long.
	Problems []Problem
	// ValidRangeEnd is the UTF-16 index, in the original text, of the last
	// code unit that still fits within MaxWeightedLength and precedes the
	// first invalid character (twitter-text's validRangeEnd). It is -1 for
	// empty text and never negative otherwise (twitter-text reports 0 when
	// even the first character is invalid; so does Parse).
	ValidRangeEnd int
}

// Parse computes the weighted length of text and whether X accepts it.
//
// Deliberate differences from twitter-text's parseTweet:
//
//   - Text made only of whitespace (Unicode White_Space, zero-width spaces
//     and joiners, directional marks) is reported as CodeEmpty and is not
//     valid. twitter-text counts it as valid (weighted length > 0), but X
//     rejects such posts. WeightedLength is still the twitter-text count.
//   - Emoji are recognised from the Unicode 15 emoji data (RGI flag, tag and
//     ZWJ sequences, modifier bases, emoji variation sequences) instead of
//     the twemoji-parser 11 regular expression bundled with twitter-text
//     3.1.0. So emoji added since Emoji 11 count 2 (twitter-text counts
//     "🧑🏽‍🤝‍🧑🏻" as its parts, 8); ZWJ sequences are compared without
//     U+FE0F ("🏳‍🌈" counts 2, not 5); and an FE0F after a character that
//     Unicode 15 gives an emoji variation sequence belongs to it ("🚍️",
//     "♾️" count 2, not 4).
//   - Scheme-less URLs are recognised with the current IANA TLD list plus
//     every TLD twitter-text 3.1.0 knows (a superset of its list).
//   - Invalid UTF-8 bytes are counted as U+FFFD (weight 2 each) and reported
//     as CodeInvalidEncoding.
//   - ValidRangeEnd is -1 for empty text and never negative otherwise.
func Parse(text string) Result {
	if text == "" {
		return Result{
			Valid:         false,
			ValidRangeEnd: -1,
			Problems: []Problem{{
				Code:    CodeEmpty,
				Message: "Post is empty. Write some text before posting.",
			}},
		}
	}

	// Like twitter-text (JavaScript), walk the NFC text in UTF-16 code units.
	runes := []rune(norm.NFC.String(text))
	u := utf16.Encode(runes)
	urls := findURLs(u)

	weight := 0   // in scale units
	validEnd := 0 // UTF-16 index in the normalised text
	valid := true // no invalid character so far
	const limit = MaxWeightedLength * scale
	ri, riStart := 0, 0 // runes[ri] starts at code unit riStart
	for ci, next := 0, 0; ci < len(u); ci++ {
		for next < len(urls) && urls[next].start < ci {
			next++ // skipped over by an earlier entity, as in twitter-text
		}
		for riStart < ci {
			riStart += utf16RuneLen(runes[ri])
			ri++
		}
		if next < len(urls) && urls[next].start == ci {
			weight += transformedURLLength * scale
			ci += urls[next].length - 1
			next++
		} else if emoji := emojiAt(runes, ri, riStart == ci); emoji > 0 {
			weight += defaultWeight
			for _, r := range runes[ri : ri+emoji] {
				ci += utf16RuneLen(r)
			}
			ci--
		} else {
			if ci+1 < len(u) && isSurrogatePair(u[ci], u[ci+1]) {
				ci++ // twitter-text weighs the low surrogate: always 2
			}
			weight += charWeight(rune(u[ci]))
		}
		// As in twitter-text, the last code unit of each step is checked.
		if valid && isInvalidChar(rune(u[ci])) {
			valid = false
		}
		if valid && weight <= limit {
			validEnd = ci
		}
	}

	res := Result{WeightedLength: weight / scale}
	// Like twitter-text, shift by the length difference that NFC introduced;
	// unlike it, never report a negative index for non-empty text.
	res.ValidRangeEnd = max(validEnd+utf16LenString(text)-len(u), 0)

	if isBlank(runes) {
		res.Problems = append(res.Problems, Problem{
			Code:    CodeEmpty,
			Message: "Post contains only whitespace. Add some visible text before posting.",
		})
	}
	if off := firstInvalidUTF8(text); off >= 0 {
		res.Problems = append(res.Problems, Problem{
			Code: CodeInvalidEncoding,
			Message: fmt.Sprintf("Text is not valid UTF-8 (first bad byte at byte offset %d). "+
				"Re-encode the text as UTF-8.", off),
		})
	}
	if p, ok := invalidCharProblem(text); ok {
		res.Problems = append(res.Problems, p)
	}
	if res.WeightedLength > MaxWeightedLength {
		res.Problems = append(res.Problems, Problem{
			Code: CodeTooLong,
			Message: fmt.Sprintf("Post is %d characters; X allows %d. Remove %d.",
				res.WeightedLength, MaxWeightedLength, res.WeightedLength-MaxWeightedLength),
		})
	}
	res.Valid = len(res.Problems) == 0 && res.WeightedLength > 0
	return res
}

// emojiAt is emojiLen(runes, ri) when the current code unit starts runes[ri]
// (an emoji never starts inside a surrogate pair), else 0.
func emojiAt(runes []rune, ri int, atRuneStart bool) int {
	if !atRuneStart {
		return 0
	}
	return emojiLen(runes, ri)
}

// charWeight is the weight, in scale units, of a code point outside any
// entity (config v3 ranges).
func charWeight(r rune) int {
	switch {
	case r <= 0x10FF, // Latin, Greek, Cyrillic, Hebrew, Arabic, ... Georgian
		r >= 0x2000 && r <= 0x200D, // spaces, ZWSP, ZWNJ, ZWJ
		r >= 0x2010 && r <= 0x201F, // dashes, quotation marks
		r >= 0x2032 && r <= 0x2037: // primes
		return 100
	}
	return defaultWeight
}

// isInvalidChar reports the characters X refuses in a post.
func isInvalidChar(r rune) bool {
	return r == 0xFFFE || r == 0xFEFF || r == 0xFFFF
}

// invalidCharProblem describes the first invalid character of text, with
// its 1-based code point position in the original text.
func invalidCharProblem(text string) (Problem, bool) {
	first, firstPos, count := rune(0), 0, 0
	pos := 0
	for _, r := range text {
		pos++
		if isInvalidChar(r) {
			if count == 0 {
				first, firstPos = r, pos
			}
			count++
		}
	}
	if count == 0 {
		return Problem{}, false
	}
	msg := fmt.Sprintf("Text contains an invalid character U+%04X at position %d. Remove it.", first, firstPos)
	if count > 1 {
		msg = fmt.Sprintf("Text contains an invalid character U+%04X at position %d "+
			"(%d invalid characters in total). Remove them.", first, firstPos, count)
	}
	return Problem{Code: CodeInvalidCharacter, Message: msg}, true
}

// isBlank reports whether t has no visible character: only White_Space,
// zero-width spaces and joiners, word joiner, and directional marks.
func isBlank(t []rune) bool {
	for _, r := range t {
		if unicode.IsSpace(r) {
			continue
		}
		switch r {
		case 0x180E, 0x200B, 0x200C, 0x200D, 0x2060, // invisible spaces and joiners
			0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E,
			0x2066, 0x2067, 0x2068, 0x2069: // directional characters
			continue
		}
		return false
	}
	return true
}

func firstInvalidUTF8(s string) int {
	if utf8.ValidString(s) {
		return -1
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

func isSurrogatePair(hi, lo uint16) bool {
	return hi >= 0xD800 && hi <= 0xDBFF && lo >= 0xDC00 && lo <= 0xDFFF
}

func utf16RuneLen(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// utf16LenString is the JavaScript length of s (invalid bytes count as one
// U+FFFD each, as Go decodes them).
func utf16LenString(s string) int {
	n := 0
	for _, r := range s {
		n += utf16RuneLen(r)
	}
	return n
}
