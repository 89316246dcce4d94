package oauth1sig

import "strings"

// PercentEncode encodes s per RFC 3986 §2.1 as RFC 5849 §3.6 requires:
// only the unreserved characters A-Z a-z 0-9 - . _ ~ are kept, every other
// byte becomes %XX with upper-case hex. Unlike url.QueryEscape a space is
// %20, never "+", which is why the standard library encoders can't be used.
func PercentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&0x0F])
	}
	return b.String()
}

func isUnreserved(c byte) bool {
	switch {
	case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		return true
	case c == '-', c == '.', c == '_', c == '~':
		return true
	}
	return false
}
