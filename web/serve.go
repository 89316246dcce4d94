package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// Prefix is where the app is served.
const Prefix = "/app/"

// securityPolicy lets the app load only its own script, styles and API,
// plus avatars from X (or the sandbox), and keeps it out of frames.
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

type file struct {
	body        []byte
	contentType string
	etag        string
}

// Handler serves the embedded app under /app/. A path naming a file serves
// it; any other path is a page of the app and gets index.html, which routes
// in the browser. A missing path with a file extension (a stale asset) is a
// 404 rather than HTML where a script or stylesheet was expected. Every
// response is revalidated (the file names carry no hash) through its ETag.
func Handler() http.Handler {
	files := map[string]file{}
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
		files[strings.TrimPrefix(p, "app/")] = file{body: body, contentType: ct, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
		return nil
	})
	if err != nil {
		panic("web: reading the embedded app: " + err.Error()) // the embed is fixed at build time
	}
	index, ok := files["index.html"]
	if !ok {
		panic("web: the embedded app has no index.html")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(path.Clean(r.URL.Path), strings.TrimSuffix(Prefix, "/"))
		name = strings.TrimPrefix(name, "/")
		f, ok := files[name]
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
		h.Set("ETag", f.etag)
		h.Set("X-Content-Type-Options", "nosniff")
		if strings.HasPrefix(f.contentType, "text/html") {
			h.Set("Content-Security-Policy", securityPolicy)
			h.Set("Referrer-Policy", "same-origin")
		}
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
	})
}
