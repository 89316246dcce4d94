package xtext

import "unicode"

// This file is a hand-written equivalent of twitter-text's URL extractor as
// shipped in the JavaScript library (twitter-text 3.1.0: regexp/extractUrl.js
// and extractUrlsWithIndices.js; the Ruby gem has the same design), which is
// what X's composer counts with. The regular expression is emulated step by
// step rather than compiled, because Go's regexp package has no look-ahead
// and because a direct scan stays linear on hostile input.
//
// Like the JavaScript original it works on UTF-16 code units: a surrogate
// half is an ordinary "domain character", and every index is a UTF-16 index
// into the NFC-normalised text.

const (
	maxURLLength     = 4096 // twitter-text MAX_URL_LENGTH
	maxTcoSlugLength = 40   // twitter-text MAX_TCO_SLUG_LENGTH
	defaultProtocol  = len("https://")
	maxLabelLength   = 63 // DNS label limit applied to the punycode form
)

// urlEntity is a URL found in the text: it starts at start and parseTweet
// skips length code units from there (the length of the entity's URL
// string, which for some scheme-less URLs differs from its index span).
type urlEntity struct{ start, length int }

// urlScanner holds the text and per-position tables that let the domain
// part of the pattern be matched in constant time per start position.
type urlScanner struct {
	u []uint16
	// runEnd[i] is the end of the run of label characters (domain
	// characters, "-" and "_") that starts at i.
	runEnd []int32
	// underscores[i] is the number of '_' in u[:i].
	underscores []int32
	// lastGood[i] is the start of the domain-name label of the match of
	// "subdomain* domain-name TLD" at i (the one with the most subdomains),
	// or -1 when there is none.
	lastGood []int32
	// tldEnd[i] is the end of the TLD after the label starting at i when
	// that label can be the domain name, else -1.
	tldEnd []int32
}

// findURLs returns the URL entities of u in text order, as twitter-text's
// extractUrlsWithIndices would return them.
func findURLs(u []uint16) []urlEntity {
	hasDot := false
	for _, c := range u {
		if c == '.' {
			hasDot = true
			break
		}
	}
	if !hasDot {
		return nil // twitter-text's fast path
	}
	s := newURLScanner(u)
	var urls []urlEntity
	for pos := 0; pos < len(u); {
		m, ok := s.find(pos)
		if !ok {
			break
		}
		pos = m.end // like a global RegExp: continue after the whole match
		urls = s.appendEntities(urls, m)
	}
	return urls
}

// urlMatch is one match of the URL pattern.
type urlMatch struct {
	before             int // the preceding character, or -1 at the start of the text
	start, end         int // the URL (group 3)
	protocolLen        int // 0 when there is no protocol (group 4)
	hostStart, hostEnd int // the domain (group 5)
	hasPath            bool
}

// find returns the first match of the URL pattern at or after pos. The
// pattern begins with a preceding character that it consumes, or with ^.
func (s *urlScanner) find(pos int) (urlMatch, bool) {
	for i := pos; i < len(s.u); i++ {
		if isURLPrecedingChar(rune(s.u[i])) {
			if m, ok := s.matchAt(i + 1); ok {
				m.before = int(s.u[i])
				return m, true
			}
		}
		if i == 0 {
			if m, ok := s.matchAt(0); ok {
				m.before = -1
				return m, true
			}
		}
	}
	return urlMatch{}, false
}

// appendEntities applies extractUrlsWithIndices's checks to m and appends
// the resulting entities (none, one, or several for a scheme-less match).
func (s *urlScanner) appendEntities(urls []urlEntity, m urlMatch) []urlEntity {
	u := s.u
	if !s.validURL(m) {
		return urls
	}
	if m.protocolLen > 0 {
		end := m.end
		if tcoEnd, slug, ok := s.matchTco(m.start, m.end); ok {
			if slug > maxTcoSlugLength {
				return urls
			}
			end = tcoEnd
		}
		return append(urls, urlEntity{m.start, end - m.start})
	}
	switch m.before {
	case '-', '_', '.', '/':
		return urls // invalidUrlWithoutProtocolPrecedingChars
	}
	// Without a protocol only the ASCII domains inside the matched domain
	// are URLs. Each is placed where domain.indexOf finds it, searching from
	// the end of the previous one, as twitter-text does.
	n0 := len(urls)
	searchFrom := m.hostStart
	s.asciiDomains(m.hostStart, m.hostEnd, func(start, end int) {
		at := indexUnits(u[searchFrom:m.hostEnd], u[start:end])
		at += searchFrom
		searchFrom = at + (end - start)
		urls = append(urls, urlEntity{at, end - start})
	})
	if len(urls) > n0 && m.hasPath {
		// The last one takes the port, path and query: its URL becomes
		// asciiDomain + everything after the domain.
		urls[len(urls)-1].length += m.end - m.hostEnd
	}
	return urls
}

// validURL is twitter-text's isValidUrl: every label's punycode form is
// 1..63 characters long, a domain starting with "xn--" has an ASCII domain
// in it, and the URL (with "https://" when it has no protocol) fits in
// 4096 characters.
func (s *urlScanner) validURL(m urlMatch) bool {
	u := s.u
	host := u[m.hostStart:m.hostEnd]
	if len(host) >= 4 && host[0] == 'x' && host[1] == 'n' && host[2] == '-' && host[3] == '-' {
		found := false
		s.asciiDomains(m.hostStart, m.hostEnd, func(int, int) { found = true })
		if !found {
			return false
		}
	}
	start := 0
	for i := 0; i <= len(host); i++ {
		if i < len(host) && host[i] != '.' {
			continue
		}
		if !jsLabelOK(host[start:i]) {
			return false
		}
		start = i + 1
	}
	protocol := m.protocolLen
	if protocol == 0 {
		protocol = defaultProtocol
	}
	return protocol+(m.end-m.start) <= maxURLLength
}

// matchAt matches "(https?://)? domain (:port)? (/path)? (?query)?" at p.
func (s *urlScanner) matchAt(p int) (urlMatch, bool) {
	u := s.u
	n := len(u)
	if p >= n {
		return urlMatch{}, false
	}
	plen := s.protocolAt(p)
	hostStart := p + plen
	if hostStart >= n || s.lastGood[hostStart] < 0 {
		// With a protocol, retrying without it would put "http:" in the
		// domain, which can never match.
		return urlMatch{}, false
	}
	hostEnd := int(s.tldEnd[s.lastGood[hostStart]])
	end := hostEnd
	if end+1 < n && u[end] == ':' && isASCIIDigit(rune(u[end+1])) {
		end += 2
		for end < n && isASCIIDigit(rune(u[end])) {
			end++
		}
	}
	hasPath := false
	if end < n && u[end] == '/' {
		hasPath = true
		end = s.pathEnd(end + 1)
	}
	if end < n && u[end] == '?' {
		if q := s.queryEnd(end+1, n); q > 0 {
			end = q
		}
	}
	return urlMatch{start: p, end: end, protocolLen: plen, hostStart: hostStart, hostEnd: hostEnd, hasPath: hasPath}, true
}

// protocolAt returns the length of "http://" or "https://" at p (any case).
func (s *urlScanner) protocolAt(p int) int {
	u := s.u
	if p+7 > len(u) || lowerUnit(u[p]) != 'h' || lowerUnit(u[p+1]) != 't' ||
		lowerUnit(u[p+2]) != 't' || lowerUnit(u[p+3]) != 'p' {
		return 0
	}
	i := p + 4
	if lowerUnit(u[i]) == 's' {
		i++
	}
	if i+3 <= len(u) && u[i] == ':' && u[i+1] == '/' && u[i+2] == '/' {
		return i + 3 - p
	}
	return 0
}

func newURLScanner(u []uint16) *urlScanner {
	n := len(u)
	buf := make([]int32, 4*(n+1))
	s := &urlScanner{
		u:           u,
		runEnd:      buf[0 : n+1 : n+1],
		underscores: buf[n+1 : 2*(n+1) : 2*(n+1)],
		lastGood:    buf[2*(n+1) : 3*(n+1) : 3*(n+1)],
		tldEnd:      buf[3*(n+1):],
	}
	for i, c := range u {
		s.underscores[i+1] = s.underscores[i]
		if c == '_' {
			s.underscores[i+1]++
		}
	}
	s.runEnd[n] = int32(n)
	s.lastGood[n] = -1
	s.tldEnd[n] = -1
	for i := n - 1; i >= 0; i-- {
		c := rune(u[i])
		// A label character extends the run starting at i+1; otherwise the
		// run is empty (and runEnd[i+1] == i+1 ends the run at i+1).
		if isLabelChar(c) {
			s.runEnd[i] = s.runEnd[i+1]
		} else {
			s.runEnd[i] = int32(i)
		}
		s.tldEnd[i] = -1
		s.lastGood[i] = -1
		// A subdomain: a label that starts and ends with a domain
		// character ("-" and "_" allowed inside), followed by a dot.
		e := int(s.runEnd[i])
		if e == i || !isDomainChar(c) || !isDomainChar(rune(u[e-1])) || e >= n || u[e] != '.' {
			continue
		}
		next := e + 1
		if next < n && s.lastGood[next] >= 0 {
			s.lastGood[i] = s.lastGood[next]
			continue
		}
		// It is the domain name when it has no "_" and a TLD follows.
		if s.underscores[e] == s.underscores[i] {
			if end := s.tldAt(next, n); end >= 0 {
				s.tldEnd[i] = int32(end)
				s.lastGood[i] = int32(i)
			}
		}
	}
	return s
}

// tldAt matches a TLD at q, with limit as the end of the text: the longest
// listed TLD followed by a character other than [0-9a-zA-Z@+-] (or by the
// end), else a punycode TLD "xn--[-0-9a-z]+". It returns the end or -1.
func (s *urlScanner) tldAt(q, limit int) int {
	u := s.u
	var buf [128]byte
	var ends [32]int // byte length of the candidate after k+1 units
	nb, k := 0, 0
	for j := q; j < limit && k < maxTLDRunes && k < len(ends); j++ {
		r := rune(u[j])
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
			// JavaScript's case-insensitive matching never maps a
			// non-ASCII character to an ASCII one.
			if l := unicode.ToLower(r); l >= 0x80 {
				r = l
			}
			nb += encodeRuneBMP(buf[nb:], r)
		}
		ends[k] = nb
		k++
	}
	for ; k > 0; k-- {
		if _, ok := tldSet[string(buf[:ends[k-1]])]; ok && tldBoundary(u, q+k, limit) {
			return q + k
		}
	}
	if q+4 < limit && lowerUnit(u[q]) == 'x' && lowerUnit(u[q+1]) == 'n' && u[q+2] == '-' && u[q+3] == '-' {
		j := q + 4
		for j < limit && (isASCIIAlnum(rune(u[j])) || u[j] == '-') {
			j++
		}
		if j > q+4 {
			return j
		}
	}
	return -1
}

// tldBoundary is the TLD look-ahead (?=[^0-9a-zA-Z@+-]|$).
func tldBoundary(u []uint16, j, limit int) bool {
	if j >= limit {
		return true
	}
	c := rune(u[j])
	return !(isASCIIAlnum(c) || c == '@' || c == '+' || c == '-')
}

// asciiDomains calls f for each match, left to right, of twitter-text's
// validAsciiDomain pattern "([-a-z0-9 Latin accents]+\.)+ TLD" inside the
// domain u[ds:de] (the TLD look-ahead sees the end of the domain as $).
func (s *urlScanner) asciiDomains(ds, de int, f func(start, end int)) {
	u := s.u
	L := de - ds
	// chain[i]: deepest label start, in the chain of "label." beginning at
	// ds+i, that is followed by a TLD; end[i]: that TLD's end.
	chain := make([]int32, L+1)
	end := make([]int32, L+1)
	runEnd := make([]int32, L+1)
	chain[L], runEnd[L] = -1, int32(L)
	for i := L - 1; i >= 0; i-- {
		chain[i] = -1
		if isASCIIDomainLabelChar(rune(u[ds+i])) {
			runEnd[i] = runEnd[i+1]
		} else {
			runEnd[i] = int32(i)
			continue
		}
		e := int(runEnd[i])
		if e >= L || u[ds+e] != '.' {
			continue
		}
		next := e + 1
		if next < L && chain[next] >= 0 {
			chain[i], end[i] = chain[next], end[next]
			continue
		}
		if t := s.tldAt(ds+next, de); t >= 0 {
			chain[i], end[i] = int32(i), int32(t-ds)
		}
	}
	for i := 0; i < L; i++ {
		if chain[i] >= 0 {
			f(ds+i, ds+int(end[i]))
			i = int(end[i]) - 1
		}
	}
}

// pathEnd returns the end of the URL path whose first character after the
// "/" is at i. twitter-text's validUrlPath is, because its ending-character
// alternative is spliced in without parentheses, a repetition of either
//
//	pathChar* (balancedParens pathChar*)* pathEndingChar
//
// or a lone balanced-parentheses group. Each repetition takes its longest
// match, so trailing punctuation such as "." or "!" is left out.
func (s *urlScanner) pathEnd(i int) int {
	u := s.u
	pos := i
	// The run scanned from pos has no ending character before noEnd; a
	// later pos inside that run (reached through lone parentheses) sees a
	// suffix of the same run, so it is not scanned again.
	noEnd := -1
	for pos < len(u) {
		if pos >= noEnd {
			// First alternative: the last ending character of the run of
			// path characters and balanced parentheses starting at pos.
			last := -1
			j := pos
		run:
			for j < len(u) {
				switch c := rune(u[j]); {
				case isPathChar(c):
					j++
					if isPathEndChar(c) {
						last = j
					}
				case c == '(':
					e := s.balancedParens(j)
					if e < 0 {
						break run
					}
					j = e
				default:
					break run
				}
			}
			if last >= 0 {
				pos = last
				continue
			}
			noEnd = j
		}
		// Second alternative: balanced parentheses on their own.
		if u[pos] == '(' {
			if e := s.balancedParens(pos); e >= 0 {
				pos = e
				continue
			}
		}
		break
	}
	return pos
}

// balancedParens matches "(" path+ ")" or "(" path* "(" path+ ")" path* ")"
// at j and returns its end, or -1.
func (s *urlScanner) balancedParens(j int) int {
	u := s.u
	n := len(u)
	k := j + 1
	for k < n && isPathChar(rune(u[k])) {
		k++
	}
	if k < n && u[k] == ')' && k > j+1 {
		return k + 1
	}
	if k >= n || u[k] != '(' {
		return -1
	}
	k++
	inner := k
	for k < n && isPathChar(rune(u[k])) {
		k++
	}
	if k == inner || k >= n || u[k] != ')' {
		return -1
	}
	k++
	for k < n && isPathChar(rune(u[k])) {
		k++
	}
	if k < n && u[k] == ')' {
		return k + 1
	}
	return -1
}

// queryEnd returns the end of a query string whose first character after
// the "?" is at i, or 0 when no query ending character follows.
func (s *urlScanner) queryEnd(i, limit int) int {
	last := 0
	for j := i; j < limit && isQueryChar(rune(s.u[j])); j++ {
		if isQueryEndChar(rune(s.u[j])) {
			last = j + 1
		}
	}
	return last
}

// matchTco matches ^https?://t\.co/([a-z0-9]+)(?:\?query)? in u[start:end]
// and returns the match end and the slug length.
func (s *urlScanner) matchTco(start, end int) (int, int, bool) {
	u := s.u
	p := start + s.protocolAt(start)
	if p == start || p+5 > end || lowerUnit(u[p]) != 't' || u[p+1] != '.' ||
		lowerUnit(u[p+2]) != 'c' || lowerUnit(u[p+3]) != 'o' || u[p+4] != '/' {
		return 0, 0, false
	}
	j := p + 5
	for j < end && isASCIIAlnum(rune(u[j])) {
		j++
	}
	slug := j - (p + 5)
	if slug == 0 {
		return 0, 0, false
	}
	if j < end && u[j] == '?' {
		if q := s.queryEnd(j+1, end); q > 0 {
			j = q
		}
	}
	return j, slug, true
}

// indexUnits is String.prototype.indexOf on code units.
func indexUnits(haystack, needle []uint16) int {
	for i := 0; i+len(needle) <= len(haystack); i++ {
		match := true
		for j := range needle {
			if haystack[i+j] != needle[j] {
				match = false
				break
			}
		}
		if match {
			return i
		}
	}
	return -1
}

// isURLPrecedingChar is [^A-Za-z0-9@＠$#＃\uFFFE\uFEFF\uFFFF].
func isURLPrecedingChar(r rune) bool {
	switch r {
	case '@', '＠', '$', '#', '＃', 0xFFFE, 0xFEFF, 0xFFFF:
		return false
	}
	return !isASCIIAlnum(r)
}

// isDomainChar is twitter-text's validDomainChars: anything but its
// punctuation list, spaces, invalid characters and directional marks. Note
// that '"' and '`' are not in that punctuation list, so they are domain
// characters, and so is each half of a surrogate pair.
func isDomainChar(r rune) bool {
	if r < 0x80 {
		return asciiDomain[r]
	}
	switch r {
	case 0x85, 0xA0, 0x1680, 0x180E, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, // spaces
		0xFFFE, 0xFEFF, 0xFFFF, // invalid characters
		0x061C, 0x200E, 0x200F, 0x2066, 0x2067, 0x2068, 0x2069: // directional marks
		return false
	}
	return !(r >= 0x2000 && r <= 0x200A) && !(r >= 0x202A && r <= 0x202E)
}

// isLabelChar is a character of a subdomain label: a domain character or
// one of "-" and "_".
func isLabelChar(r rune) bool {
	return r == '-' || r == '_' || isDomainChar(r)
}

// asciiDomain classifies ASCII for isDomainChar: everything except
// twitter-text's punct list (!'#%&()*+,\-./:;<=>?@[]^_{|}~$) and the
// spaces \t \n \v \f \r and " ".
var asciiDomain = func() (d [128]bool) {
	for r := rune(0); r < 128; r++ {
		d[r] = true
	}
	for _, r := range "!'#%&()*+,\\-./:;<=>?@[]^_{|}~$\t\n\v\f\r " {
		d[r] = false
	}
	return d
}()

// isASCIIDomainLabelChar is the label class of validAsciiDomain:
// [-a-z0-9] (any case) and Latin accents.
func isASCIIDomainLabelChar(r rune) bool {
	return isASCIIAlnum(r) || r == '-' || isLatinAccent(r)
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

// isPathChar is validGeneralUrlPathChars.
func isPathChar(r rune) bool {
	if r < 0x80 {
		if isASCIIAlnum(r) {
			return true
		}
		switch r {
		case '!', '*', '\'', ';', ':', '=', '+', ',', '.', '$', '/', '%', '#', '[', ']', '-', '_', '~', '@', '|', '&':
			return true
		}
		return false
	}
	return r == 0x2013 || isLatinAccent(r) || isCyrillic(r)
}

// isPathEndChar is validUrlPathEndingChars (without the parentheses).
func isPathEndChar(r rune) bool {
	if r < 0x80 {
		if isASCIIAlnum(r) {
			return true
		}
		switch r {
		case '+', '-', '=', '_', '#', '/':
			return true
		}
		return false
	}
	return isLatinAccent(r) || isCyrillic(r)
}

// isQueryChar is validUrlQueryChars.
func isQueryChar(r rune) bool {
	if isASCIIAlnum(r) {
		return true
	}
	switch r {
	case '!', '?', '*', '\'', '@', '(', ')', ';', ':', '&', '=', '+', '$', '/', '%', '#', '[', ']', '-', '_', '.', ',', '~', '|':
		return true
	}
	return false
}

// isQueryEndChar is validUrlQueryEndingChars.
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

func lowerUnit(c uint16) rune { return lowerASCII(rune(c)) }

// encodeRuneBMP writes the UTF-8 encoding of a BMP rune that is not a
// surrogate (TLD characters always are).
func encodeRuneBMP(p []byte, r rune) int {
	switch {
	case r < 0x800:
		p[0] = byte(0xC0 | r>>6)
		p[1] = byte(0x80 | r&0x3F)
		return 2
	default:
		p[0] = byte(0xE0 | r>>12)
		p[1] = byte(0x80 | (r>>6)&0x3F)
		p[2] = byte(0x80 | r&0x3F)
		return 3
	}
}
