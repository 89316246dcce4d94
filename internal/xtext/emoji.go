package xtext

import (
	"unicode"
	"unicode/utf8"
)

const (
	zwj          = '\u200D'
	vs15         = '\uFE0E' // text presentation selector
	vs16         = '\uFE0F' // emoji presentation selector
	keycapMark   = '\u20E3'
	tagCancel    = '\U000E007F'
	tagFirst     = '\U000E0020'
	tagLast      = '\U000E007E'
	riFirst      = '\U0001F1E6' // regional indicator A
	riLast       = '\U0001F1FF' // regional indicator Z
	modifierLow  = '\U0001F3FB' // skin tone 1-2
	modifierHigh = '\U0001F3FF' // skin tone 6

	// maxZWJElements bounds the ZWJ chain examined; no RGI sequence has
	// more than 4 elements.
	maxZWJElements = 8
)

// rgiSet holds rgiSequences (FE0F removed) for lookup.
var rgiSet = func() map[string]struct{} {
	m := make(map[string]struct{}, len(rgiSequences))
	for _, s := range rgiSequences {
		m[s] = struct{}{}
	}
	return m
}()

// emojiLen returns the number of runes of the multi-code-point emoji that
// starts at t[i], or 0 when none starts there.
//
// twitter-text finds emoji with twemoji-parser, whose regular expression
// lists the emoji of a given Unicode version, and counts each as one unit of
// defaultWeight. This is the same recognition driven by the Unicode 15 emoji
// data:
//
//   - keycaps: [#*0-9] FE0F? 20E3 ("1⃣" and "1️⃣");
//   - RGI flags (regional indicator pairs) and RGI tag sequences (🏴󠁧󠁢󠁥󠁮󠁧󠁿);
//   - RGI ZWJ sequences (👨‍👩‍👧‍👦, 🏳️‍🌈, 🧑🏽‍🤝‍🧑🏻), compared without
//     U+FE0F so that minimally-qualified forms count the same;
//   - an Emoji_Modifier_Base with a skin tone (👍🏽);
//   - a character with an emoji variation sequence followed by FE0F (☺️, ©️).
//
// Anything else is left to per-code-point weighting: a lone emoji code
// point weighs the same either way (the only emoji code points in the light
// ranges, #, *, 0-9, © and ®, are not emoji on their own in twitter-text),
// and an unknown ZWJ combination counts as its parts, as in twitter-text.
func emojiLen(t []rune, i int) int {
	n := len(t)
	r := t[i]
	switch {
	case r == '#' || r == '*' || (r >= '0' && r <= '9'):
		j := i + 1
		if j < n && t[j] == vs16 {
			j++
		}
		if j < n && t[j] == keycapMark {
			return j + 1 - i
		}
		return 0
	case r >= riFirst && r <= riLast:
		if i+1 < n && t[i+1] >= riFirst && t[i+1] <= riLast && isRGI(t[i:i+2]) {
			return 2
		}
		return 0
	case r < 0x80 || !unicode.Is(emojiChars, r):
		return 0
	}

	first := emojiElementEnd(t, i)
	if first < 0 {
		return 0 // followed by the text presentation selector
	}

	// Tag sequence: base, tag characters, cancel tag.
	if first == i+1 && first < n && t[first] >= tagFirst && t[first] <= tagLast {
		k := first
		for k < n && t[k] >= tagFirst && t[k] <= tagLast {
			k++
		}
		if k < n && t[k] == tagCancel && isRGI(t[i:k+1]) {
			return k + 1 - i
		}
	}

	// ZWJ sequence: the longest RGI sequence the text starts with, as a
	// prefix of element (ZWJ element)*. Like twemoji's regular expression,
	// what follows the sequence does not matter: in "👨‍👩‍👧‍👦🏼" the family
	// is one emoji and the skin tone another, so an element's skin tone or
	// FE0F may be left out of the match.
	var ends, bases [maxZWJElements]int
	ends[0], bases[0] = first, i+1
	count := 1
	for j := first; count < maxZWJElements && j+1 < n && t[j] == zwj && unicode.Is(emojiChars, t[j+1]); {
		e := emojiElementEnd(t, j+1)
		if e < 0 {
			e = j + 2 // a trailing FE0E is not part of the sequence
		}
		ends[count], bases[count] = e, j+2
		count++
		j = e
	}
	for k := count - 1; k >= 1; k-- {
		if isRGI(t[i:ends[k]]) {
			return ends[k] - i
		}
		if bases[k] != ends[k] && isRGI(t[i:bases[k]]) {
			return bases[k] - i
		}
	}

	// A single element: skin-toned base, or presentation sequence.
	if first == i+2 {
		return 2
	}
	return 0
}

// emojiElementEnd returns the end of the emoji element at t[i]: an emoji
// character, then FE0F when the character has an emoji presentation
// sequence, or a skin tone when it is a modifier base. It returns -1 when the
// character is followed by the text presentation selector FE0E. An FE0F
// that does not belong to the character (😀️) is left out, as twemoji leaves
// it out.
func emojiElementEnd(t []rune, i int) int {
	j := i + 1
	if j >= len(t) {
		return j
	}
	switch c := t[j]; {
	case c == vs15:
		return -1
	case c == vs16 && unicode.Is(emojiVS16Bases, t[i]):
		return j + 1
	case c >= modifierLow && c <= modifierHigh && unicode.Is(emojiModifierBases, t[i]):
		return j + 1
	}
	return j
}

// isRGI reports whether seq, with every FE0F removed, is an RGI flag, tag or
// ZWJ sequence.
func isRGI(seq []rune) bool {
	var buf [128]byte
	n := 0
	for _, r := range seq {
		if r == vs16 {
			continue
		}
		if n+utf8.UTFMax > len(buf) {
			return false
		}
		n += utf8.EncodeRune(buf[n:], r)
	}
	_, ok := rgiSet[string(buf[:n])]
	return ok
}
