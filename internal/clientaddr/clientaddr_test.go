package clientaddr

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func resolver(t *testing.T, entries ...string) Resolver {
	t.Helper()
	var ps []netip.Prefix
	for _, e := range entries {
		p, err := ParseProxy(e)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	return NewResolver(ps)
}

func TestResolve(t *testing.T) {
	r := resolver(t, "127.0.0.1", "10.0.0.0/8", "fd00::/8")
	cases := []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"no proxy", "203.0.113.7:5555", nil, "203.0.113.7"},
		{"untrusted peer's header is ignored", "203.0.113.7:5555", []string{"198.51.100.1"}, "203.0.113.7"},
		{"trusted peer without header", "127.0.0.1:5555", nil, "127.0.0.1"},
		{"trusted peer", "127.0.0.1:5555", []string{"198.51.100.1"}, "198.51.100.1"},
		{"right-most untrusted wins over a spoofed left part", "10.1.2.3:80", []string{"1.1.1.1, 198.51.100.1, 10.9.9.9"}, "198.51.100.1"},
		{"several header lines are one list", "10.1.2.3:80", []string{"1.1.1.1", "198.51.100.1", "10.9.9.9"}, "198.51.100.1"},
		{"malformed entries are skipped", "10.1.2.3:80", []string{"198.51.100.1, not-an-ip, , 10.9.9.9"}, "198.51.100.1"},
		{"ports and brackets", "10.1.2.3:80", []string{"[2001:db8::1]:443"}, "2001:db8::1"},
		{"ipv4 with port", "10.1.2.3:80", []string{"198.51.100.1:1234"}, "198.51.100.1"},
		{"mapped ipv6 is ipv4", "[::ffff:10.1.2.3]:80", []string{"::ffff:198.51.100.1"}, "198.51.100.1"},
		{"only trusted entries: the peer", "10.1.2.3:80", []string{"10.0.0.1, 127.0.0.1"}, "10.1.2.3"},
		{"only garbage: the peer", "127.0.0.1:80", []string{"<script>, unknown"}, "127.0.0.1"},
		{"trusted ipv6 proxy", "[fd00::5]:80", []string{"2001:db8::2"}, "2001:db8::2"},
		{"not a host:port peer", "@", []string{"198.51.100.1"}, "@"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for _, v := range tc.xff {
				h.Add("X-Forwarded-For", v)
			}
			if got := r.Resolve(tc.peer, h); got != tc.want {
				t.Fatalf("Resolve(%q, %q) = %q, want %q", tc.peer, tc.xff, got, tc.want)
			}
		})
	}
	// With no trusted proxies the header never counts.
	h := http.Header{"X-Forwarded-For": {"198.51.100.1"}}
	if got := (Resolver{}).Resolve("127.0.0.1:1", h); got != "127.0.0.1" {
		t.Fatalf("zero Resolver used X-Forwarded-For: %q", got)
	}
}

func TestParseProxy(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.0/8":           "10.0.0.0/8",
		" 10.1.2.3/8 ":         "10.0.0.0/8",
		"127.0.0.1":            "127.0.0.1/32",
		"::1":                  "::1/128",
		"::ffff:10.0.0.0/104":  "10.0.0.0/8",
		"2001:db8::/32":        "2001:db8::/32",
		"::ffff:192.168.1.200": "192.168.1.200/32",
	} {
		p, err := ParseProxy(in)
		if err != nil || p.String() != want {
			t.Errorf("ParseProxy(%q) = %v, %v; want %s", in, p, err, want)
		}
	}
	for _, bad := range []string{"", "localhost", "10.0.0.300", "10.0.0.0/33", "fe80::1%eth0", strings.Repeat("9", 500)} {
		_, err := ParseProxy(bad)
		if err == nil {
			t.Errorf("ParseProxy(%q) accepted", bad)
		} else if len(err.Error()) > 150 {
			t.Errorf("error echoes too much: %d bytes", len(err.Error()))
		}
	}
}

func TestMiddleware(t *testing.T) {
	var got string
	h := resolver(t, "127.0.0.1").Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		got = From(r.Context())
	}))
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.RemoteAddr = "127.0.0.1:4444"
	req.Header.Set("X-Forwarded-For", "198.51.100.9")
	h.ServeHTTP(httptest.NewRecorder(), req)
	if got != "198.51.100.9" {
		t.Fatalf("From = %q", got)
	}
	if From(context.Background()) != "unknown" {
		t.Fatal("From outside a request")
	}
}
