package fakex

import "github.com/betterplan/betterplan/internal/xtext"

// maxPostLength is X's limit for non-Premium accounts.
const maxPostLength = xtext.MaxWeightedLength

// postLength is X's weighted length (URLs 23, CJK and emoji 2, NFC), so the
// fake refuses exactly what X would.
func postLength(text string) int { return xtext.Parse(text).WeightedLength }
