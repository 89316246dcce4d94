package fakex

import "unicode/utf8"

// maxPostLength is X's limit for non-Premium accounts.
const maxPostLength = 280

// postLength is a PLACEHOLDER for X's weighted length (URLs count 23, CJK
// and emoji count 2, NFC-normalised; see x-text-length.md): it counts
// runes. The lead will swap in internal/xtext here.
func postLength(text string) int { return utf8.RuneCountInString(text) }
