package xtext

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/bidi"
	"golang.org/x/text/unicode/norm"
)

// maxLabelLength is the longest DNS label, in ASCII (punycode) form.
const maxLabelLength = 63

// asciiHostLength mirrors twitter-text's host check (Java's
// IDN.toASCII(host, ALLOW_UNASSIGNED), IDNA2003): every label is converted to
// its ASCII form and must be 1..63 characters long. It returns the length of
// the ASCII form of the whole host, or ok=false when the host would be
// rejected (a label too long or empty, a prohibited character, a bidi
// violation, or a non-ASCII label that already starts with "xn--").
func asciiHostLength(host []rune) (n int, ok bool) {
	start := 0
	labels := 0
	for i := 0; i <= len(host); i++ {
		if i < len(host) && !isLabelSeparator(host[i]) {
			continue
		}
		l, ok := asciiLabelLength(host[start:i])
		if !ok {
			return 0, false
		}
		if labels > 0 {
			n++ // the dot
		}
		n += l
		labels++
		start = i + 1
	}
	return n, true
}

// isLabelSeparator reports the IDNA2003 label separators.
func isLabelSeparator(r rune) bool {
	return r == '.' || r == '\u3002' || r == '\uFF0E' || r == '\uFF61'
}

func asciiLabelLength(label []rune) (int, bool) {
	ascii := true
	for _, r := range label {
		if r >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return len(label), len(label) > 0 && len(label) <= maxLabelLength
	}
	prepped, ok := nameprep(label)
	if !ok || len(prepped) == 0 {
		return 0, false
	}
	if isASCIIRunes(prepped) {
		return len(prepped), len(prepped) <= maxLabelLength
	}
	if len(prepped) >= 4 && strings.EqualFold(string(prepped[:4]), "xn--") {
		return 0, false // the input starts with the ACE prefix
	}
	enc, ok := punycodeEncode(prepped)
	if !ok {
		return 0, false
	}
	l := len("xn--") + len(enc)
	return l, l <= maxLabelLength
}

func isASCIIRunes(rs []rune) bool {
	for _, r := range rs {
		if r >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

var foldCaser = cases.Fold()

// nameprep approximates RFC 3491 (stringprep profile for IDN) with unassigned
// code points allowed: map-to-nothing characters are dropped, the label is
// case folded and NFKC normalised, prohibited characters are rejected and the
// RFC 3454 bidi rule is enforced.
func nameprep(label []rune) ([]rune, bool) {
	var b strings.Builder
	for _, r := range label {
		if mappedToNothing(r) {
			continue
		}
		b.WriteRune(r)
	}
	s := norm.NFKC.String(foldCaser.String(b.String()))
	out := []rune(s)
	hasRandAL, hasL := false, false
	for _, r := range out {
		if prohibited(r) {
			return nil, false
		}
		p, _ := bidi.LookupRune(r)
		switch p.Class() {
		case bidi.R, bidi.AL:
			hasRandAL = true
		case bidi.L:
			hasL = true
		}
	}
	if hasRandAL {
		if hasL {
			return nil, false
		}
		first, _ := bidi.LookupRune(out[0])
		last, _ := bidi.LookupRune(out[len(out)-1])
		if !isRandAL(first.Class()) || !isRandAL(last.Class()) {
			return nil, false
		}
	}
	return out, true
}

func isRandAL(c bidi.Class) bool { return c == bidi.R || c == bidi.AL }

// mappedToNothing is RFC 3454 table B.1.
func mappedToNothing(r rune) bool {
	switch {
	case r == 0x00AD, r == 0x034F, r == 0x1806, r >= 0x180B && r <= 0x180D,
		r >= 0x200B && r <= 0x200D, r == 0x2060, r >= 0xFE00 && r <= 0xFE0F, r == 0xFEFF:
		return true
	}
	return false
}

// prohibited covers the RFC 3491 prohibited tables (RFC 3454 C.1.2, C.2, C.3,
// C.4, C.5, C.6, C.7, C.8, C.9).
func prohibited(r rune) bool {
	switch {
	case unicode.IsSpace(r) && r >= utf8.RuneSelf, unicode.Is(unicode.Zs, r): // C.1.2
		return true
	case unicode.Is(unicode.Cc, r): // C.2.1, C.2.2 (controls)
		return true
	case r == 0x06DD, r == 0x070F, r == 0x180E, r >= 0x200C && r <= 0x200D,
		r >= 0x2028 && r <= 0x2029, r >= 0x2060 && r <= 0x2063, r >= 0x206A && r <= 0x206F,
		r == 0xFEFF, r >= 0xFFF9 && r <= 0xFFFC, r >= 0x1D173 && r <= 0x1D17A: // C.2.2
		return true
	case unicode.Is(unicode.Co, r), unicode.Is(unicode.Cs, r): // C.3, C.5
		return true
	case r >= 0xFDD0 && r <= 0xFDEF, r&0xFFFE == 0xFFFE: // C.4 non-characters
		return true
	case r >= 0xFFF9 && r <= 0xFFFD: // C.6
		return true
	case r >= 0x2FF0 && r <= 0x2FFB: // C.7
		return true
	case r == 0x0340, r == 0x0341, r == 0x200E, r == 0x200F, r >= 0x202A && r <= 0x202E,
		r >= 0x206A && r <= 0x206F: // C.8
		return true
	case r == 0xE0001, r >= 0xE0020 && r <= 0xE007F: // C.9
		return true
	}
	return false
}

// Punycode parameters (RFC 3492 section 5).
const (
	pcBase        = 36
	pcTMin        = 1
	pcTMax        = 26
	pcSkew        = 38
	pcDamp        = 700
	pcInitialBias = 72
	pcInitialN    = 128
)

// punycodeEncode encodes a label with the RFC 3492 bootstring algorithm
// (without the "xn--" prefix).
func punycodeEncode(input []rune) (string, bool) {
	var out []byte
	for _, r := range input {
		if r < 0x80 {
			out = append(out, byte(r))
		}
	}
	b := len(out)
	h := b
	if b > 0 {
		out = append(out, '-')
	}
	n := rune(pcInitialN)
	delta := 0
	bias := pcInitialBias
	for h < len(input) {
		m := rune(unicode.MaxRune + 1)
		for _, r := range input {
			if r >= n && r < m {
				m = r
			}
		}
		if int(m-n) > (1<<31-1-delta)/(h+1) {
			return "", false // overflow
		}
		delta += int(m-n) * (h + 1)
		n = m
		for _, r := range input {
			if r < n {
				delta++
				if delta < 0 {
					return "", false
				}
			}
			if r != n {
				continue
			}
			q := delta
			for k := pcBase; ; k += pcBase {
				t := k - bias
				if t < pcTMin {
					t = pcTMin
				} else if t > pcTMax {
					t = pcTMax
				}
				if q < t {
					break
				}
				out = append(out, punycodeDigit(t+(q-t)%(pcBase-t)))
				q = (q - t) / (pcBase - t)
			}
			out = append(out, punycodeDigit(q))
			bias = punycodeAdapt(delta, h+1, h == b)
			delta = 0
			h++
		}
		delta++
		n++
	}
	return string(out), true
}

func punycodeDigit(d int) byte {
	if d < 26 {
		return byte('a' + d)
	}
	return byte('0' + d - 26)
}

func punycodeAdapt(delta, numPoints int, first bool) int {
	if first {
		delta /= pcDamp
	} else {
		delta /= 2
	}
	delta += delta / numPoints
	k := 0
	for delta > ((pcBase-pcTMin)*pcTMax)/2 {
		delta /= pcBase - pcTMin
		k += pcBase
	}
	return k + (pcBase-pcTMin+1)*delta/(delta+pcSkew)
}
