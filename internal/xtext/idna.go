package xtext

import "unicode"

// jsLabelOK is the per-label check of twitter-text's idna.toAscii: the
// label's punycode.toASCII form (punycode.js 1.4: parts split at
// U+3002/U+FF0E/U+FF61 are "xn--" + punycode when they contain anything
// outside U+0020..U+007E, and are then joined with dots) must be 1..63
// characters long. Like punycode.js there is no nameprep: the code points
// are encoded as they are, and lone surrogates are encoded as code points.
func jsLabelOK(label []uint16) bool {
	total := 0
	start := 0
	for i := 0; i <= len(label); i++ {
		if i < len(label) && !isIDNSeparator(label[i]) {
			continue
		}
		part := label[start:i]
		if start > 0 {
			total++ // the joining dot
		}
		if needsPunycode(part) {
			enc, ok := punycodeEncode(ucs2decode(part))
			if !ok {
				return false // punycode.js throws on overflow
			}
			total += len("xn--") + len(enc)
		} else {
			total += len(part)
		}
		if total > maxLabelLength {
			return false
		}
		start = i + 1
	}
	return total >= 1
}

func isIDNSeparator(c uint16) bool {
	return c == '.' || c == 0x3002 || c == 0xFF0E || c == 0xFF61
}

func needsPunycode(part []uint16) bool {
	for _, c := range part {
		if c < 0x20 || c > 0x7E {
			return true
		}
	}
	return false
}

// ucs2decode turns UTF-16 code units into code points, keeping lone
// surrogates as they are (punycode.js ucs2decode).
func ucs2decode(units []uint16) []rune {
	out := make([]rune, 0, len(units))
	for i := 0; i < len(units); i++ {
		c := rune(units[i])
		if c >= 0xD800 && c <= 0xDBFF && i+1 < len(units) {
			if d := rune(units[i+1]); d >= 0xDC00 && d <= 0xDFFF {
				out = append(out, (c-0xD800)<<10+(d-0xDC00)+0x10000)
				i++
				continue
			}
		}
		out = append(out, c)
	}
	return out
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
