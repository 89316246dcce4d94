package xtext

import "unicode"

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
)

// emojiLen returns the number of runes of the multi-code-point emoji that
// starts at t[i], or 0 when no such emoji starts there.
//
// twitter-text (via twemoji-parser) counts a whole emoji as one unit of
// defaultWeight. Single code points are deliberately not reported here: a
// lone emoji code point weighs the same as any other code point outside the
// light ranges, and the only emoji code points inside them (#, *, 0-9, ©, ®)
// are not emoji on their own in twitter-text either. What is recognised:
//
//   - keycaps: [#*0-9] FE0F? 20E3 ("1⃣" and "1️⃣");
//   - flags: two regional indicators;
//   - an emoji character followed by FE0F, by a skin-tone modifier (when it is
//     an Emoji_Modifier_Base) or by a tag sequence ending in E007F;
//   - ZWJ sequences of such elements (👨‍👩‍👧‍👦, 🏳️‍🌈, 🧑🏽‍🤝‍🧑🏻).
//
// An emoji character followed by FE0E (text presentation) is not an emoji.
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
		if i+1 < n && t[i+1] >= riFirst && t[i+1] <= riLast {
			return 2
		}
		return 0
	case r < 0x80 || !unicode.Is(emojiChars, r):
		return 0
	}
	j := emojiElementEnd(t, i)
	if j < 0 {
		return 0
	}
	for j+1 < n && t[j] == zwj && unicode.Is(emojiChars, t[j+1]) {
		e := emojiElementEnd(t, j+1)
		if e < 0 {
			break
		}
		j = e
	}
	if j-i < 2 {
		return 0
	}
	return j - i
}

// emojiElementEnd returns the end of the emoji element (character plus an
// optional presentation selector, skin tone or tag sequence) at t[i], whose
// first rune is known to be an emoji character, or -1 when the character is
// followed by the text presentation selector.
func emojiElementEnd(t []rune, i int) int {
	n := len(t)
	j := i + 1
	if j >= n {
		return j
	}
	switch c := t[j]; {
	case c == vs15:
		return -1
	case c == vs16:
		j++
	case c >= modifierLow && c <= modifierHigh && unicode.Is(emojiModifierBases, t[i]):
		j++
	case c >= tagFirst && c <= tagLast:
		k := j
		for k < n && t[k] >= tagFirst && t[k] <= tagLast {
			k++
		}
		if k < n && t[k] == tagCancel {
			j = k + 1
		}
	}
	return j
}
