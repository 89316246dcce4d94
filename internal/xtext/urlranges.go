package xtext

import (
	"sort"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// URLRange is a URL in a text: text[Start:End], in bytes.
type URLRange struct{ Start, End int }

// URLRanges returns where the URLs are that Parse counts as 23 characters
// (and that X replaces with t.co links), in text order, as byte ranges of
// text itself. Like Parse it finds them in the NFC form of text; for text
// that is not NFC a range boundary inside a normalisation segment widens
// to the segment's edge.
func URLRanges(text string) []URLRange {
	nfc := norm.NFC.String(text)
	// unitAt[i] is the byte offset in nfc of the rune holding UTF-16 code
	// unit i (findURLs indexes code units, as twitter-text does).
	units := utf16.Encode([]rune(nfc))
	unitAt := make([]int, 0, len(units)+1)
	for off := 0; off < len(nfc); {
		r, size := utf8.DecodeRuneInString(nfc[off:])
		for range utf16RuneLen(r) {
			unitAt = append(unitAt, off)
		}
		off += size
	}
	unitAt = append(unitAt, len(nfc))

	var out []URLRange
	end := 0 // in code units; like Parse, skip an entity overlapping the previous
	for _, e := range findURLs(units) {
		if e.start < end {
			continue
		}
		end = min(e.start+e.length, len(units))
		stop := unitAt[end]
		if end > 0 && end < len(units) && unitAt[end] == unitAt[end-1] {
			stop = unitAt[end+1] // ends inside a surrogate pair: take the whole rune
		}
		out = append(out, URLRange{unitAt[e.start], stop})
	}
	if nfc == text || len(out) == 0 {
		return out
	}
	return mapToOriginal(text, nfc, out)
}

// mapToOriginal turns byte ranges of nfc into byte ranges of text, walking
// both in normalisation segments (which normalise independently).
func mapToOriginal(text, nfc string, rs []URLRange) []URLRange {
	type edge struct{ nfc, orig int }
	edges := []edge{{0, 0}}
	for o, n := 0, 0; o < len(text); {
		seg := norm.NFC.NextBoundaryInString(text[o:], true)
		if seg <= 0 {
			seg = len(text) - o
		}
		n += len(norm.NFC.String(text[o : o+seg]))
		o += seg
		edges = append(edges, edge{n, o})
	}
	if edges[len(edges)-1].nfc != len(nfc) {
		return nil // segments did not normalise independently; no reliable mapping
	}
	down := func(b int) int { // the segment edge at or before b
		i := sort.Search(len(edges), func(i int) bool { return edges[i].nfc > b })
		return edges[i-1].orig
	}
	up := func(b int) int { // the segment edge at or after b
		i := sort.Search(len(edges), func(i int) bool { return edges[i].nfc >= b })
		return edges[i].orig
	}
	out := make([]URLRange, len(rs))
	for i, r := range rs {
		out[i] = URLRange{down(r.Start), up(r.End)}
	}
	return out
}
