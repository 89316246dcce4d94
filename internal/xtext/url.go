package xtext

import (
	"unicode"
	"unicode/utf8"
)

// This file is a hand-written equivalent of twitter-text's URL extractor
// (Regex.VALID_URL and Extractor.extractURLsWithIndices in the Java
// implementation, which the JS and Ruby versions mirror). The regular
// expression is emulated step by step instead of being compiled because Go's
// regexp package has no look-around and because a direct scan stays linear
// on hostile input.
//
// All positions are indices into the rune slice of the NFC-normalised text.

const (
	maxURLLength       = 4096 // twitter-text MAX_URL_LENGTH
	maxTcoSlugLength   = 40   // twitter-text MAX_TCO_SLUG_LENGTH
	defaultProtocolLen = len("https://")
)

// span is a half-open rune range [start, end).
type span struct{ start, end int }

// urlScanner holds the text and per-position tables used to match domains
// in constant time per start position.
type urlScanner struct {
	t []rune
	// runEnd[i] is the end of the maximal run of label characters
	// ([a-z0-9_-] and Latin accents) starting at i.
	runEnd []int32
	// underscores[i] is the number of '_' in t[:i].
	underscores []int32
	// lastGood[i] is the start of the domain-name label of the longest
	// "subdomain* domain-name . TLD" match starting at i, or -1.
	lastGood []int32
	// tldEnd[i] is the end of the TLD following the label that starts at i
	// when that label can be the domain name, else -1.
	tldEnd []int32
}

// findURLs returns the URL entities of t, in order, as twitter-text would
// extract them (including scheme-less URLs).
func findURLs(t []rune) []span {
	hasDot := false
	for _, r := range t {
		if r == '.' {
			hasDot = true
			break
		}
	}
	if !hasDot {
		return nil // twitter-text's fast path: no dot, no URL
	}
	s := newURLScanner(t)
	var urls []span
	n := len(t)
	pos := 0
	for pos < n {
		m, before, ok := s.find(pos)
		if !ok {
			break
		}
		pos = m.end // like Matcher.find: continue after the whole match
		if u, ok := s.accept(m, before); ok {
			urls = append(urls, u)
		}
	}
	return urls
}

// urlMatch is one match of the URL pattern.
type urlMatch struct {
	start, end         int // the URL (group 3)
	protocolLen        int // 0 when there is no protocol
	hostStart, hostEnd int // the domain (group 5)
}

// find returns the first match starting at or after pos, with the preceding
// character it consumed (0 when the match is anchored at the text start).
func (s *urlScanner) find(pos int) (urlMatch, rune, bool) {
	n := len(s.t)
	for i := pos; i < n; i++ {
		if isURLPrecedingChar(s.t[i]) {
			if m, ok := s.matchAt(i + 1); ok {
				return m, s.t[i], true
			}
		}
		if i == 0 {
			if m, ok := s.matchAt(0); ok {
				return m, 0, true
			}
		}
	}
	return urlMatch{}, 0, false
}

// accept applies the extractor's post-match checks to m. It returns the
// entity span, or false when twitter-text would skip the match.
func (s *urlScanner) accept(m urlMatch, before rune) (span, bool) {
	if m.protocolLen == 0 && (before == '-' || before == '_' || before == '.' || before == '/') {
		return span{}, false // INVALID_URL_WITHOUT_PROTOCOL_MATCH_BEGIN
	}
	end := m.end
	if m.protocolLen > 0 {
		if tcoEnd, slug, ok := s.matchTco(m.start, m.end); ok {
			if slug > maxTcoSlugLength {
				return span{}, false
			}
			end = tcoEnd
		}
	}
	host := s.t[m.hostStart:m.hostEnd]
	asciiLen, ok := asciiHostLength(host)
	if !ok || asciiLen == 0 {
		return span{}, false
	}
	urlLen := utf16Len(s.t[m.start:end]) + asciiLen - utf16Len(host)
	if m.protocolLen == 0 {
		urlLen += defaultProtocolLen
	}
	if urlLen > maxURLLength {
		return span{}, false
	}
	return span{m.start, end}, true
}

// matchAt matches the URL pattern (protocol? domain port? path? query?) at p.
func (s *urlScanner) matchAt(p int) (urlMatch, bool) {
	n := len(s.t)
	if p >= n {
		return urlMatch{}, false
	}
	plen := s.protocolAt(p)
	if plen == 0 {
		// Without a protocol the domain must start with a label character
		// (the Unicode alternative is only possible right after "http(s)://").
		if !isLabelChar(s.t[p]) && !s.afterProtocol(p) {
			return urlMatch{}, false
		}
	}
	hostStart := p + plen
	hostEnd := s.domainAt(hostStart)
	if hostEnd < 0 {
		// With a protocol, retrying without it would make the domain start
		// with "http:" which can never match, so there is nothing to retry.
		return urlMatch{}, false
	}
	end := hostEnd
	// Port: ":" [0-9]+
	if end+1 < n && s.t[end] == ':' && isASCIIDigit(s.t[end+1]) {
		end += 2
		for end < n && isASCIIDigit(s.t[end]) {
			end++
		}
	}
	// Path: "/" validUrlPath*
	if end < n && s.t[end] == '/' {
		end = s.pathEnd(end + 1)
	}
	// Query: "?" queryChar* queryEndingChar
	if end < n && s.t[end] == '?' {
		if q := s.queryEnd(end+1, n); q > 0 {
			end = q
		}
	}
	return urlMatch{start: p, end: end, protocolLen: plen, hostStart: hostStart, hostEnd: hostEnd}, true
}

// protocolAt returns the length of "http://" or "https://" at p (any case).
func (s *urlScanner) protocolAt(p int) int {
	t := s.t
	if p+7 > len(t) || lowerASCII(t[p]) != 'h' || lowerASCII(t[p+1]) != 't' ||
		lowerASCII(t[p+2]) != 't' || lowerASCII(t[p+3]) != 'p' {
		return 0
	}
	i := p + 4
	if lowerASCII(t[i]) == 's' {
		i++
	}
	if i+3 <= len(t) && t[i] == ':' && t[i+1] == '/' && t[i+2] == '/' {
		return i + 3 - p
	}
	return 0
}

// afterProtocol reports whether the text before p ends with "http://" or
// "https://" (the look-behind of the Unicode-domain alternative).
func (s *urlScanner) afterProtocol(p int) bool {
	for _, l := range [...]int{7, 8} {
		if p >= l && s.protocolAt(p-l) == l {
			return true
		}
	}
	return false
}

// domainAt matches the domain at p and returns its end, or -1.
func (s *urlScanner) domainAt(p int) int {
	if g := s.lastGood[p]; g >= 0 {
		return int(s.tldEnd[g])
	}
	if s.afterProtocol(p) {
		return s.unicodeDomainAt(p)
	}
	return -1
}

// unicodeDomainAt matches a single Unicode label and a listed TLD, allowed
// only right after a protocol: "http://☃.net", "http://exampleこれは.com".
func (s *urlScanner) unicodeDomainAt(p int) int {
	t := s.t
	n := len(t)
	if p >= n || !isUnicodeDomainChar(t[p]) {
		return -1
	}
	j := p + 1
	for j < n && (isUnicodeDomainChar(t[j]) || t[j] == '-') {
		j++
	}
	if j >= n || t[j] != '.' || !isUnicodeDomainChar(t[j-1]) {
		return -1
	}
	return s.listedTLDAt(j + 1)
}

func newURLScanner(t []rune) *urlScanner {
	n := len(t)
	buf := make([]int32, 4*(n+1))
	s := &urlScanner{
		t:           t,
		runEnd:      buf[0 : n+1 : n+1],
		underscores: buf[n+1 : 2*(n+1) : 2*(n+1)],
		lastGood:    buf[2*(n+1) : 3*(n+1) : 3*(n+1)],
		tldEnd:      buf[3*(n+1):],
	}
	for i, r := range t {
		s.underscores[i+1] = s.underscores[i]
		if r == '_' {
			s.underscores[i+1]++
		}
	}
	s.runEnd[n] = int32(n)
	s.lastGood[n] = -1
	s.tldEnd[n] = -1
	for i := n - 1; i >= 0; i-- {
		// A label character extends the run that starts at i+1 (or ends it
		// there when t[i+1] is not a label character: runEnd[i+1] == i+1).
		if isLabelChar(t[i]) {
			s.runEnd[i] = s.runEnd[i+1]
		} else {
			s.runEnd[i] = int32(i)
		}
		s.tldEnd[i] = -1
		s.lastGood[i] = -1
		// A subdomain label: starts and ends with a letter/digit, "-" and
		// "_" allowed inside, followed by a dot.
		e := int(s.runEnd[i])
		if e == i || !isDomainChar(t[i]) || !isDomainChar(t[e-1]) || e >= n || t[e] != '.' {
			continue
		}
		next := e + 1
		if next < n && s.lastGood[next] >= 0 {
			s.lastGood[i] = s.lastGood[next]
			continue
		}
		// The label can be the domain name if it has no underscore and a
		// TLD follows its dot.
		if s.underscores[e]-s.underscores[i] == 0 {
			if end := s.tldAt(next); end >= 0 {
				s.tldEnd[i] = int32(end)
				s.lastGood[i] = int32(i)
			}
		}
	}
	return s
}

// tldAt matches a TLD at q: a listed TLD not followed by [a-z0-9@+-], else a
// punycode TLD "xn--[-0-9a-z]+". It returns the end or -1.
func (s *urlScanner) tldAt(q int) int {
	if end := s.listedTLDAt(q); end >= 0 {
		return end
	}
	t := s.t
	if q+4 < len(t) && lowerASCII(t[q]) == 'x' && lowerASCII(t[q+1]) == 'n' && t[q+2] == '-' && t[q+3] == '-' {
		j := q + 4
		for j < len(t) && (isASCIIAlnum(t[j]) || t[j] == '-') {
			j++
		}
		if j > q+4 {
			return j
		}
	}
	return -1
}

// listedTLDAt matches the longest listed TLD at q that ends on a boundary.
func (s *urlScanner) listedTLDAt(q int) int {
	t := s.t
	var buf [128]byte
	var ends [32]int // byte length of the candidate after k+1 runes
	nb, k := 0, 0
	for j := q; j < len(t) && k < maxTLDRunes && k < len(ends); j++ {
		r := t[j]
		if r < 0x80 {
			if !isASCIILetter(r) {
				break
			}
			buf[nb] = byte(lowerASCII(r))
			nb++
		} else {
			if !unicode.IsLetter(r) && !unicode.IsMark(r) {
				break
			}
			if nb+4 > len(buf) {
				break
			}
			nb += utf8.EncodeRune(buf[nb:], r)
		}
		ends[k] = nb
		k++
	}
	for ; k > 0; k-- {
		if _, ok := tldSet[string(buf[:ends[k-1]])]; ok && tldBoundary(t, q+k) {
			return q + k
		}
	}
	return -1
}

// tldBoundary is the TLD look-ahead (?=[^a-z0-9@+-]|$).
func tldBoundary(t []rune, j int) bool {
	if j >= len(t) {
		return true
	}
	r := t[j]
	return !(isASCIIAlnum(r) || r == '@' || r == '+' || r == '-')
}

// pathEnd returns the end of the URL path whose first character (after the
// "/") is at i. The path runs over path characters and balanced parentheses
// and ends on its last "ending" character, so trailing punctuation such as
// "." or "!" is left out.
func (s *urlScanner) pathEnd(i int) int {
	t := s.t
	last := i
	j := i
	for j < len(t) {
		switch r := t[j]; {
		case isPathChar(r):
			j++
			if isPathEndChar(r) {
				last = j
			}
		case r == '(':
			e := s.balancedParens(j)
			if e < 0 {
				return last
			}
			j = e
			last = j
		default:
			return last
		}
	}
	return last
}

// balancedParens matches "(" path+ ")" or "(" path* "(" path+ ")" path* ")"
// at j and returns its end, or -1.
func (s *urlScanner) balancedParens(j int) int {
	t := s.t
	n := len(t)
	k := j + 1
	for k < n && isPathChar(t[k]) {
		k++
	}
	if k < n && t[k] == ')' && k > j+1 {
		return k + 1
	}
	if k >= n || t[k] != '(' {
		return -1
	}
	k++
	inner := k
	for k < n && isPathChar(t[k]) {
		k++
	}
	if k == inner || k >= n || t[k] != ')' {
		return -1
	}
	k++
	for k < n && isPathChar(t[k]) {
		k++
	}
	if k < n && t[k] == ')' {
		return k + 1
	}
	return -1
}

// queryEnd returns the end of a query string whose first character (after
// the "?") is at i, or 0 when no query ending character follows.
func (s *urlScanner) queryEnd(i, limit int) int {
	t := s.t
	last := 0
	for j := i; j < limit && isQueryChar(t[j]); j++ {
		if isQueryEndChar(t[j]) {
			last = j + 1
		}
	}
	return last
}

// matchTco matches ^https?://t\.co/([a-z0-9]+)(?:\?queryChar*queryEnd)? in
// t[start:end] and returns the match end and the slug length.
func (s *urlScanner) matchTco(start, end int) (int, int, bool) {
	t := s.t
	p := start + s.protocolAt(start)
	if p == start || p+5 > end || lowerASCII(t[p]) != 't' || t[p+1] != '.' ||
		lowerASCII(t[p+2]) != 'c' || lowerASCII(t[p+3]) != 'o' || t[p+4] != '/' {
		return 0, 0, false
	}
	j := p + 5
	for j < end && isASCIIAlnum(t[j]) {
		j++
	}
	slug := j - (p + 5)
	if slug == 0 {
		return 0, 0, false
	}
	if j < end && t[j] == '?' {
		if q := s.queryEnd(j+1, end); q > 0 {
			j = q
		}
	}
	return j, slug, true
}

// isURLPrecedingChar is [^a-z0-9@＠$#＃\uFFFE\uFEFF\uFFFF] (case-insensitive).
func isURLPrecedingChar(r rune) bool {
	switch r {
	case '@', '＠', '$', '#', '＃', 0xFFFE, 0xFEFF, 0xFFFF:
		return false
	}
	return !isASCIIAlnum(r)
}

// asciiDomain and asciiLabel classify ASCII characters for isDomainChar and
// isLabelChar.
var asciiDomain, asciiLabel = func() (d, l [128]bool) {
	for r := rune(0); r < 128; r++ {
		d[r] = isASCIIAlnum(r)
		l[r] = d[r] || r == '-' || r == '_'
	}
	return
}()

// isDomainChar is twitter-text's URL_VALID_CHARS: ASCII letters and digits
// plus Latin accented letters.
func isDomainChar(r rune) bool {
	if r < 0x80 {
		return asciiDomain[r]
	}
	return isLatinAccent(r)
}

// isLabelChar is a character that may appear inside a subdomain label.
func isLabelChar(r rune) bool {
	if r < 0x80 {
		return asciiLabel[r]
	}
	return isLatinAccent(r)
}

// isUnicodeDomainChar is URL_VALID_UNICODE_CHARS: anything but ASCII
// punctuation, whitespace, separators and the General Punctuation block.
func isUnicodeDomainChar(r rune) bool {
	switch {
	case r < 0x80:
		// Java's \s is ASCII-only; ASCII controls and "\\" are not excluded.
		switch r {
		case ' ', '\t', '\n', '\v', '\f', '\r':
			return false
		}
		return !isPunctuationChar(r)
	case r >= 0x2000 && r <= 0x206F:
		return false
	case unicode.In(r, unicode.Zs, unicode.Zl, unicode.Zp):
		return false
	}
	return true
}

// isPunctuationChar is twitter-text's PUNCTUATION_CHARS.
func isPunctuationChar(r rune) bool {
	switch r {
	case '-', '_', '!', '"', '#', '$', '%', '&', '\'', '(', ')', '*', '+', ',', '.', '/', ':', ';',
		'<', '=', '>', '?', '@', '[', ']', '^', '`', '{', '|', '}', '~':
		return true
	}
	return false
}

func isLatinAccent(r rune) bool {
	switch {
	case r < 0xC0:
		return false
	case r <= 0xFF:
		return r != 0xD7 && r != 0xF7
	case r <= 0x024F:
		return true
	case r == 0x0253, r == 0x0254, r == 0x0256, r == 0x0257, r == 0x0259, r == 0x025B,
		r == 0x0263, r == 0x0268, r == 0x026F, r == 0x0272, r == 0x0289, r == 0x028B, r == 0x02BB:
		return true
	case r >= 0x0300 && r <= 0x036F, r >= 0x1E00 && r <= 0x1EFF:
		return true
	}
	return false
}

func isCyrillic(r rune) bool { return r >= 0x0400 && r <= 0x04FF }

// isPathChar is URL_VALID_GENERAL_PATH_CHARS.
func isPathChar(r rune) bool {
	if r < 0x80 {
		if isASCIIAlnum(r) {
			return true
		}
		switch r {
		case '!', '*', '\'', ';', ':', '=', '+', ',', '.', '$', '/', '%', '#', '[', ']', '-', '_', '~', '|', '&', '@':
			return true
		}
		return false
	}
	return r == 0x2013 || isLatinAccent(r) || isCyrillic(r)
}

// isPathEndChar is URL_VALID_PATH_ENDING_CHARS (without the parentheses).
func isPathEndChar(r rune) bool {
	if r < 0x80 {
		if isASCIIAlnum(r) {
			return true
		}
		switch r {
		case '=', '_', '#', '/', '-', '+':
			return true
		}
		return false
	}
	return isLatinAccent(r) || isCyrillic(r)
}

// isQueryChar is URL_VALID_URL_QUERY_CHARS.
func isQueryChar(r rune) bool {
	if isASCIIAlnum(r) {
		return true
	}
	switch r {
	case '!', '?', '*', '\'', '(', ')', ';', ':', '&', '=', '+', '$', '/', '%', '#', '[', ']', '-', '_', '.', ',', '~', '|', '@':
		return true
	}
	return false
}

// isQueryEndChar is URL_VALID_URL_QUERY_ENDING_CHARS.
func isQueryEndChar(r rune) bool {
	if isASCIIAlnum(r) {
		return true
	}
	switch r {
	case '-', '_', '&', '=', '#', '/':
		return true
	}
	return false
}

func isASCIIDigit(r rune) bool  { return r >= '0' && r <= '9' }
func isASCIILetter(r rune) bool { return r < 0x80 && (r|0x20) >= 'a' && (r|0x20) <= 'z' }
func isASCIIAlnum(r rune) bool  { return isASCIIDigit(r) || isASCIILetter(r) }

func lowerASCII(r rune) rune {
	if r >= 'A' && r <= 'Z' {
		return r + ('a' - 'A')
	}
	return r
}
