// Package clientaddr decides which address a request comes from: the TCP
// peer, or, when the peer is a proxy we trust, the address that proxy saw
// (X-Forwarded-For). Throttles, sessions and logs all use this one answer.
package clientaddr

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Resolver finds client addresses, trusting X-Forwarded-For only from the
// given proxies. The zero Resolver trusts no proxy.
type Resolver struct {
	trusted []netip.Prefix
}

// NewResolver trusts X-Forwarded-For from peers in these prefixes.
func NewResolver(trusted []netip.Prefix) Resolver {
	return Resolver{trusted: trusted}
}

// ParseProxy reads one TRUSTED_PROXIES entry: a CIDR (10.0.0.0/8) or a
// single address (192.168.1.10, ::1).
func ParseProxy(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not a CIDR like 10.0.0.0/8 or fd00::/8", clip(s))
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 { // peers are compared as IPv4
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR, like 10.0.0.1 or 10.0.0.0/8", clip(s))
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// Resolve returns the client address of a request that arrived from
// remoteAddr (host:port) with header h: the peer itself unless the peer is a
// trusted proxy; then the right-most X-Forwarded-For entry that is not a
// trusted proxy. Entries that are not addresses are skipped (each proxy
// appends the address it saw, so anything else came from the client); with
// no usable entry it is the peer.
func (r Resolver) Resolve(remoteAddr string, h http.Header) string {
	peer, ok := parseAddr(remoteAddr)
	if !ok {
		host, _, err := net.SplitHostPort(remoteAddr)
		if err != nil {
			return clip(remoteAddr)
		}
		return clip(host)
	}
	if !r.trusts(peer) {
		return peer.String()
	}
	values := h.Values("X-Forwarded-For")
	for i := len(values) - 1; i >= 0; i-- {
		entries := strings.Split(values[i], ",")
		for j := len(entries) - 1; j >= 0; j-- {
			a, ok := parseAddr(entries[j])
			if !ok || r.trusts(a) {
				continue
			}
			return a.String()
		}
	}
	return peer.String()
}

func (r Resolver) trusts(a netip.Addr) bool {
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseAddr reads an address with or without a port ("1.2.3.4",
// "1.2.3.4:80", "::1", "[::1]:80"), IPv4-mapped IPv6 as IPv4, without zone.
func parseAddr(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, perr := netip.ParseAddrPort(s)
		if perr != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a.Unmap().WithZone(""), true
}

// clip keeps what is echoed of an unparsable value short.
func clip(s string) string {
	if len(s) > 64 {
		return strings.ToValidUTF8(s[:64], "") + "…"
	}
	return s
}

type ctxKey struct{}

// Middleware puts every request's client address on its context, for From.
func (r Resolver) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		addr := r.Resolve(req.RemoteAddr, req.Header)
		next.ServeHTTP(w, req.WithContext(context.WithValue(req.Context(), ctxKey{}, addr)))
	})
}

// From returns the client address Middleware put on ctx, or "unknown"
// outside a request.
func From(ctx context.Context) string {
	if a, ok := ctx.Value(ctxKey{}).(string); ok {
		return a
	}
	return "unknown"
}
