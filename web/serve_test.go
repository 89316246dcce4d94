package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

func get(t *testing.T, h http.Handler, target string, header ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

// decoded is a response's body with its Content-Encoding undone.
func decoded(t *testing.T, res *http.Response) []byte {
	t.Helper()
	var r io.Reader = res.Body
	switch enc := res.Header.Get("Content-Encoding"); enc {
	case "":
	case "gzip":
		zr, err := gzip.NewReader(res.Body)
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		r = zr
	case "br":
		r = brotli.NewReader(res.Body)
	default:
		t.Fatalf("unexpected Content-Encoding %q", enc)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("reading the %s body: %v", res.Header.Get("Content-Encoding"), err)
	}
	return b
}

func embedded(t *testing.T, name string) []byte {
	t.Helper()
	b, err := App.ReadFile("app/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCompression: text files go out as brotli or gzip as Accept-Encoding
// prefers, decode to the embedded bytes, vary by Accept-Encoding, and carry
// an ETag per encoding that revalidates only that encoding.
func TestCompression(t *testing.T) {
	h := Handler()
	for _, tc := range []struct {
		accept, want string
	}{
		{"", ""},
		{"identity", ""},
		{"gzip", "gzip"},
		{"x-gzip", "gzip"},
		{"gzip, deflate, br, zstd", "br"},
		{"br;q=0, gzip", "gzip"},
		{"gzip;q=0.5, br;q=0.4", "gzip"},
		{"gzip;q=0, br;q=0", ""},
		{"*", "br"},
		{"*, br;q=0", "gzip"},
		{"deflate", ""},
		{"GZIP ; Q=1.0", "gzip"},
	} {
		res := get(t, h, "/app/app.js", "Accept-Encoding", tc.accept)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("Accept-Encoding %q: status %d", tc.accept, res.StatusCode)
		}
		if got := res.Header.Get("Content-Encoding"); got != tc.want {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", tc.accept, got, tc.want)
		}
		if got := res.Header.Values("Vary"); len(got) != 1 || got[0] != "Accept-Encoding" {
			t.Errorf("Accept-Encoding %q: Vary %q, want Accept-Encoding", tc.accept, got)
		}
		if !bytes.Equal(decoded(t, res), embedded(t, "app.js")) {
			t.Errorf("Accept-Encoding %q: the decoded body is not app/app.js", tc.accept)
		}
	}

	// Each encoding has its own ETag.
	tags := map[string]string{}
	for _, enc := range []string{"", "gzip", "br"} {
		res := get(t, h, "/app/app.css", "Accept-Encoding", enc)
		tag := res.Header.Get("ETag")
		if tag == "" || !strings.HasPrefix(tag, `"`) {
			t.Fatalf("%q: ETag %q", enc, tag)
		}
		for other, ot := range tags {
			if ot == tag {
				t.Errorf("encodings %q and %q share the ETag %s", other, enc, tag)
			}
		}
		tags[enc] = tag
		if cl := res.Header.Get("Content-Length"); cl == "" {
			t.Errorf("%q: no Content-Length", enc)
		}
	}
	if res := get(t, h, "/app/app.css", "Accept-Encoding", "gzip", "If-None-Match", tags["gzip"]); res.StatusCode != http.StatusNotModified {
		t.Errorf("gzip with its own ETag: status %d, want 304", res.StatusCode)
	}
	if res := get(t, h, "/app/app.css", "If-None-Match", tags[""]); res.StatusCode != http.StatusNotModified {
		t.Errorf("identity with its own ETag: status %d, want 304", res.StatusCode)
	}
	res := get(t, h, "/app/app.css", "Accept-Encoding", "gzip", "If-None-Match", tags[""])
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("gzip with the identity ETag: status %d, encoding %q; want 200 gzip", res.StatusCode, res.Header.Get("Content-Encoding"))
	}

	// A range of an encoded file is not served: the whole file is, with
	// its length.
	res = get(t, h, "/app/app.css", "Accept-Encoding", "gzip", "Range", "bytes=0-9")
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Length") != strconv.Itoa(len(raw)) {
		t.Errorf("gzip with a Range: status %d, Content-Length %q for %d bytes", res.StatusCode, res.Header.Get("Content-Length"), len(raw))
	}
	res.Body = io.NopCloser(bytes.NewReader(raw))
	if !bytes.Equal(decoded(t, res), embedded(t, "app.css")) {
		t.Error("gzip with a Range: the decoded body is not app/app.css")
	}

	// The brotli encoding is redone at the best level after the start (in
	// the background; here at a level that is quick under the race
	// detector), with its own ETag: a client holding the quick one gets
	// the new bytes.
	recompress(files(), brotliQuick+1)
	res = get(t, h, "/app/app.css", "Accept-Encoding", "br", "If-None-Match", tags["br"])
	if res.StatusCode != http.StatusOK {
		t.Errorf("br after recompressing, with the earlier ETag: status %d, want 200", res.StatusCode)
	}
	newer := res.Header.Get("ETag")
	if newer == tags["br"] || newer == "" {
		t.Errorf("br after recompressing: ETag %q, before %q", newer, tags["br"])
	}
	if !bytes.Equal(decoded(t, res), embedded(t, "app.css")) {
		t.Error("the recompressed brotli does not decode to app/app.css")
	}
	if res := get(t, h, "/app/app.css", "Accept-Encoding", "br", "If-None-Match", newer); res.StatusCode != http.StatusNotModified {
		t.Errorf("br with its own ETag: status %d, want 304", res.StatusCode)
	}
}

// TestPages: a page of the app is index.html (compressed when it is big
// enough), with the strict Content-Security-Policy; a missing asset is 404;
// small files go out as they are.
func TestPages(t *testing.T) {
	h := Handler()
	for _, p := range []string{"/app/", "/app/calendar", "/app/posts?show=published", "/app/integrations"} {
		res := get(t, h, p, "Accept-Encoding", "gzip, br")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", p, res.StatusCode)
		}
		if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", p, ct)
		}
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
			t.Errorf("%s: Content-Security-Policy %q", p, csp)
		}
		if !bytes.Equal(decoded(t, res), embedded(t, "index.html")) {
			t.Errorf("%s: the body is not index.html", p)
		}
	}
	res := get(t, h, "/app/app.js", "Accept-Encoding", "br")
	if res.Header.Get("Content-Security-Policy") != "" {
		t.Error("a script carries a Content-Security-Policy")
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/javascript; charset=utf-8" {
		t.Errorf("app.js: Content-Type %q", ct)
	}
	if res := get(t, h, "/app/gone.js", "Accept-Encoding", "br"); res.StatusCode != http.StatusNotFound {
		t.Errorf("a missing asset: status %d, want 404", res.StatusCode)
	}
}

// TestIndexReferencesBuiltFiles: index.html loads files that exist (the
// bundle is built with fixed names; a stale index would 404 its script).
func TestIndexReferencesBuiltFiles(t *testing.T) {
	h := Handler()
	index := string(embedded(t, "index.html"))
	for _, ref := range []string{`src="/app/app.js"`, `href="/app/app.css"`} {
		if !strings.Contains(index, ref) {
			t.Errorf("index.html does not reference %s", ref)
		}
	}
	if strings.Contains(index, "<script>") || strings.Contains(index, "<style") || strings.Contains(index, "style=") {
		t.Error("index.html has an inline script or style, which the Content-Security-Policy refuses")
	}
	for _, f := range []string{"/app/app.js", "/app/app.css"} {
		if res := get(t, h, f); res.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", f, res.StatusCode)
		}
	}
}

func TestNegotiate(t *testing.T) {
	for _, tc := range []struct {
		accept         []string
		haveBr, haveGz bool
		want           string
	}{
		{[]string{"br, gzip"}, false, true, "gzip"},
		{[]string{"br, gzip"}, true, false, "br"},
		{[]string{"br"}, false, true, ""},
		{[]string{"gzip;q=0.9", "br;q=0.8"}, true, true, "gzip"},
		{[]string{"gzip;q=0.8, br;q=0.8"}, true, true, "br"},
		{[]string{"gzip;q=abc"}, true, true, "gzip"},
		{nil, true, true, ""},
	} {
		if got := negotiate(tc.accept, tc.haveBr, tc.haveGz); got != tc.want {
			t.Errorf("negotiate(%q, br %v, gzip %v) = %q, want %q", tc.accept, tc.haveBr, tc.haveGz, got, tc.want)
		}
	}
}
