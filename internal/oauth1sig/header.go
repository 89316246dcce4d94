package oauth1sig

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ErrNoAuthorization means the request carried no "Authorization: OAuth"
// header at all.
var ErrNoAuthorization = errors.New("oauth1sig: no OAuth Authorization header")

// ParseAuthorization parses an "Authorization: OAuth k="v", …" header value
// (RFC 5849 §3.5.1) into decoded key/value pairs. realm is returned like any
// other parameter; callers that sign must leave it out. A repeated key is an
// error because X rejects duplicate OAuth parameters.
func ParseAuthorization(header string) (map[string]string, error) {
	header = strings.TrimSpace(header)
	const scheme = "oauth"
	if len(header) < len(scheme) || !strings.EqualFold(header[:len(scheme)], scheme) {
		return nil, ErrNoAuthorization
	}
	rest := header[len(scheme):]
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return nil, ErrNoAuthorization // e.g. "OAuthx ..." is some other scheme
	}
	params := map[string]string{}
	for {
		rest = strings.TrimLeft(rest, " \t")
		if rest == "" {
			break
		}
		eq := strings.IndexByte(rest, '=')
		if eq <= 0 {
			return nil, fmt.Errorf("oauth1sig: malformed Authorization header near %q", clip(rest))
		}
		rawKey := strings.TrimSpace(rest[:eq])
		rest = strings.TrimLeft(rest[eq+1:], " \t")
		if rest == "" || rest[0] != '"' {
			return nil, fmt.Errorf("oauth1sig: unquoted value for %q in Authorization header", clip(rawKey))
		}
		end := strings.IndexByte(rest[1:], '"')
		if end < 0 {
			return nil, fmt.Errorf("oauth1sig: unterminated value for %q in Authorization header", clip(rawKey))
		}
		rawValue := rest[1 : 1+end]
		rest = strings.TrimLeft(rest[end+2:], " \t")
		if rest != "" {
			if rest[0] != ',' {
				return nil, fmt.Errorf("oauth1sig: expected ',' after %q in Authorization header", clip(rawKey))
			}
			rest = rest[1:]
		}
		key, err := url.PathUnescape(rawKey)
		if err != nil {
			return nil, fmt.Errorf("oauth1sig: bad encoding of key %q: %w", clip(rawKey), err)
		}
		value, err := url.PathUnescape(rawValue)
		if err != nil {
			return nil, fmt.Errorf("oauth1sig: bad encoding of %q value: %w", clip(key), err)
		}
		if _, dup := params[key]; dup {
			return nil, fmt.Errorf("oauth1sig: duplicate %q in Authorization header", clip(key))
		}
		params[key] = value
	}
	if len(params) == 0 {
		return nil, errors.New("oauth1sig: empty OAuth Authorization header")
	}
	return params, nil
}

// clip keeps error messages short; header fragments are not secret (the
// signature is public and no secret travels in the header) but can be long.
func clip(s string) string {
	const max = 40
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
