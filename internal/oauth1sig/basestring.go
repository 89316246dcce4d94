package oauth1sig

import (
	"net"
	"net/url"
	"sort"
	"strings"
)

// BaseString returns the signature base string of RFC 5849 §3.4.1:
// UPPER(method) & enc(base URL) & enc(parameter string).
//
// baseURL is normalised with NormalizeBaseURL first, so a URL with a query,
// upper-case host or default port gives the same result as the clean one.
// params must already exclude oauth_signature and realm.
func BaseString(method, baseURL string, params url.Values) string {
	return strings.ToUpper(method) + "&" +
		PercentEncode(NormalizeBaseURL(baseURL)) + "&" +
		PercentEncode(ParameterString(params))
}

// ParameterString normalises params per RFC 5849 §3.4.1.3.2: every key and
// value is percent-encoded, pairs are sorted by encoded key and then by
// encoded value (so repeated keys are handled as the RFC says), and joined
// as k=v with "&".
func ParameterString(params url.Values) string {
	type pair struct{ k, v string }
	pairs := make([]pair, 0, len(params))
	for k, vs := range params {
		ek := PercentEncode(k)
		for _, v := range vs {
			pairs = append(pairs, pair{ek, PercentEncode(v)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

// NormalizeBaseURL returns the base string URI of RFC 5849 §3.4.1.2:
// lower-case scheme and host, the port only when it is not the scheme's
// default, the (escaped) path, and no query or fragment. An unparsable
// input is returned unchanged so the signature simply fails to match.
func NormalizeBaseURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return rawURL
	}
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Host)
	if h, port, err := net.SplitHostPort(host); err == nil {
		if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
			host = h
			if strings.Contains(h, ":") { // IPv6 literal needs its brackets back
				host = "[" + h + "]"
			}
		}
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host + path
}
