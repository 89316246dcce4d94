package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
)

// Prefix is where the app is served.
const Prefix = "/app/"

// securityPolicy lets the app load only its own scripts, styles and API,
// plus avatars from X (or the sandbox), and keeps it out of frames. The
// built app has no inline script or style and needs no eval.
const securityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: http: data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Mount serves the app at /app/ on mux and redirects / to it.
func Mount(mux *http.ServeMux) {
	mux.Handle("GET "+Prefix, Handler())
	mux.Handle("GET /{$}", http.RedirectHandler(Prefix, http.StatusFound))
}

// contentTypes fixes the types of the app's own files (the system's
// mime.types may say otherwise).
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
	".json": "application/json",
}

// An encoding of a file: its bytes as sent, and their ETag.
type encoded struct {
	body []byte
	etag string
}

type file struct {
	contentType string
	identity    encoded
	gzip        *encoded                // nil when compressing does not make it smaller
	br          atomic.Pointer[encoded] // nil likewise
}

// minCompress is the size below which a file is sent as it is.
const minCompress = 512

// Brotli's best level takes seconds for the app's script, too long to hold
// up the api's start: files are compressed at a quick level first, and at
// the best level in the background, swapped in when done (with their own
// ETag, as the bytes differ).
const (
	brotliQuick = 5
	brotliBest  = brotli.BestCompression
)

// files is the embedded app, read and compressed (gzip, and brotli) once
// per process, on first use.
var files = sync.OnceValue(func() map[string]*file {
	out := map[string]*file{}
	var wg sync.WaitGroup
	err := fs.WalkDir(App, "app", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := App.ReadFile(p)
		if err != nil {
			return err
		}
		ct := contentTypes[path.Ext(p)]
		if ct == "" {
			ct = mime.TypeByExtension(path.Ext(p))
		}
		if ct == "" {
			ct = http.DetectContentType(body)
		}
		sum := sha256.Sum256(body)
		tag := base64.RawURLEncoding.EncodeToString(sum[:12])
		f := &file{contentType: ct, identity: encoded{body: body, etag: `"` + tag + `"`}}
		out[strings.TrimPrefix(p, "app/")] = f
		if len(body) >= minCompress && compressible(ct) {
			wg.Go(func() { f.gzip = smaller(gzipped(body), body, `"`+tag+`-gzip"`) })
			wg.Go(func() { f.br.Store(smaller(brotlied(body, brotliQuick), body, brotliETag(tag, brotliQuick))) })
		}
		return nil
	})
	wg.Wait()
	if err != nil {
		panic("web: reading the embedded app: " + err.Error()) // the embed is fixed at build time
	}
	// Test binaries (any package's that mounts the app) skip the slow
	// part; this package's tests run it themselves.
	if !testing.Testing() {
		go recompress(out, brotliBest)
	}
	return out
})

// recompress replaces each file's brotli encoding with one at level.
func recompress(all map[string]*file, level int) {
	for _, f := range all {
		if f.br.Load() == nil {
			continue
		}
		tag := strings.Trim(f.identity.etag, `"`)
		if c := smaller(brotlied(f.identity.body, level), f.identity.body, brotliETag(tag, level)); c != nil {
			f.br.Store(c)
		}
	}
}

func brotliETag(tag string, level int) string {
	return `"` + tag + "-br" + strconv.Itoa(level) + `"`
}

func compressible(contentType string) bool {
	return strings.HasPrefix(contentType, "text/") || strings.Contains(contentType, "javascript") ||
		strings.Contains(contentType, "json") || strings.Contains(contentType, "svg")
}

func smaller(c, orig []byte, etag string) *encoded {
	if len(c) >= len(orig) {
		return nil
	}
	return &encoded{body: c, etag: etag}
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // a valid level: no error
	_, _ = w.Write(b)                                       // writes to a bytes.Buffer do not fail
	_ = w.Close()
	return buf.Bytes()
}

func brotlied(b []byte, level int) []byte {
	var buf bytes.Buffer
	w := brotli.NewWriterLevel(&buf, level)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

// Handler serves the embedded app under /app/. A path naming a file serves
// it; any other path is a page of the app and gets index.html, which routes
// in the browser. A missing path with a file extension (a stale asset) is a
// 404 rather than HTML where a script or stylesheet was expected. Every
// response is revalidated (the file names carry no hash) through its ETag.
//
// Text files are sent compressed with brotli or gzip, as the request's
// Accept-Encoding prefers (Vary: Accept-Encoding); each encoding has its
// own ETag.
func Handler() http.Handler {
	all := files()
	index, ok := all["index.html"]
	if !ok {
		panic("web: the embedded app has no index.html")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(path.Clean(r.URL.Path), strings.TrimSuffix(Prefix, "/"))
		name = strings.TrimPrefix(name, "/")
		f, ok := all[name]
		if !ok {
			if path.Ext(name) != "" {
				http.NotFound(w, r)
				return
			}
			f = index
		}
		h := w.Header()
		h.Set("Content-Type", f.contentType)
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Content-Type-Options", "nosniff")
		if strings.HasPrefix(f.contentType, "text/html") {
			h.Set("Content-Security-Policy", securityPolicy)
			h.Set("Referrer-Policy", "same-origin")
		}
		e := &f.identity
		if br := f.br.Load(); f.gzip != nil || br != nil {
			h.Add("Vary", "Accept-Encoding")
			switch negotiate(r.Header.Values("Accept-Encoding"), br != nil, f.gzip != nil) {
			case "br":
				e = br
				h.Set("Content-Encoding", "br")
			case "gzip":
				e = f.gzip
				h.Set("Content-Encoding", "gzip")
			}
		}
		if e != &f.identity {
			// ServeContent leaves out Content-Length for an encoded body
			// (it cannot tell how a range would be encoded); a whole
			// precompressed file has a known length, and is sent whole.
			r.Header.Del("Range")
			h.Set("Content-Length", strconv.Itoa(len(e.body)))
		}
		h.Set("ETag", e.etag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(e.body))
	})
}

// negotiate picks the encoding to send ("br", "gzip" or "" for the bytes
// as they are) from Accept-Encoding: the acceptable one with the highest
// q, brotli first on a tie. An absent header means no encoding.
func negotiate(accept []string, haveBr, haveGzip bool) string {
	q := map[string]float64{}
	for _, line := range accept {
		for _, part := range strings.Split(line, ",") {
			token, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			token = strings.ToLower(strings.TrimSpace(token))
			if token == "" {
				continue
			}
			v := 1.0
			for _, p := range strings.Split(params, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
				if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
					if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
						v = f
					}
				}
			}
			if token == "x-gzip" {
				token = "gzip"
			}
			if old, seen := q[token]; !seen || v > old {
				q[token] = v
			}
		}
	}
	weight := func(enc string) float64 {
		if v, ok := q[enc]; ok {
			return v
		}
		if v, ok := q["*"]; ok {
			return v
		}
		return 0
	}
	best, bestQ := "", 0.0
	if haveBr && weight("br") > bestQ {
		best, bestQ = "br", weight("br")
	}
	if haveGzip && weight("gzip") > bestQ {
		best = "gzip"
	}
	return best
}
