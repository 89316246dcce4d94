package fakex

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/betterplan/betterplan/internal/oauth1sig"
)

// Defaults for Options.ConsumerKey/ConsumerSecret, shared with cmd/xsandbox.
const (
	DefaultConsumerKey    = "sandbox-client-id"
	DefaultConsumerSecret = "sandbox-client-secret"
)

// requestTokenTTL: X's request tokens are only good for a short while.
const requestTokenTTL = 15 * time.Minute

// maxBody bounds request bodies: the largest X takes is a 5 MB media
// segment (or image) in a multipart body.
const maxBody = 6 << 20

// Options configure a Server. The zero value works.
type Options struct {
	// ConsumerKey and ConsumerSecret are the only app credentials accepted;
	// DefaultConsumerKey/DefaultConsumerSecret when empty.
	ConsumerKey    string
	ConsumerSecret string
	// Now is the clock for token expiry, post timestamps, ids and
	// rate-limit windows; time.Now when nil. (SetLatency and Hang use real
	// time: they exist to make real clients wait.)
	Now func() time.Time
	// AllowedCallbackPrefixes, when not empty, is the app's registered
	// callback list: any other oauth_callback (except "oob") gets X's 403
	// code 415.
	AllowedCallbackPrefixes []string
	// Logger gets one record per request (method, path, status, username,
	// fault); never tokens, secrets or verifiers. Discarded when nil.
	Logger *slog.Logger
	// StateFile, if set, persists users, tokens and posts as JSON after
	// every change and loads them at start, so a restarted sandbox keeps
	// connected accounts working. Use Open to get load errors.
	StateFile string
	// OnPost is called (outside any lock) for every post created, e.g. so
	// a benchmark can timestamp arrivals.
	OnPost func(Post)
	// MediaProcessing is how long a finalized GIF or video stays pending,
	// then in progress, before it succeeds (by Now); images need none.
	// Default 2 s. A video initialized with media_type video/x-unplayable
	// fails processing, as X does for a file it cannot play.
	MediaProcessing time.Duration
}

// Request is what the fake saw of one request, for test assertions.
type Request struct {
	Method   string
	Path     string
	Query    url.Values
	Form     url.Values      // form-encoded body, if any
	JSON     json.RawMessage // JSON body, if any
	Username string          // the X user the token belongs to (or who approved, on the authorize form)
	// Status is what the fake produced: the canned status for Respond, 0
	// for DropBeforeHandling, and for the faults that handle the request
	// first (DropAfterHandling, RespondAfterHandling, Hang) the status of
	// that real handling, which the client never saw.
	Status int
	Fault  string // the injected fault that applied, if any: "respond", "drop-before-handling", …
	// Host is the Host the client called (r.Host, host:port), which tells
	// apart listeners that serve the same Server.
	Host string
	// ReceivedAt is Options.Now when the request arrived.
	ReceivedAt time.Time
	// FinishedAt is the real time (time.Now, not Options.Now) when the
	// fake was done with the request; for Hang, when it let go.
	FinishedAt time.Time
}

// Server is the fake X. Create it with New or Open; it is an http.Handler.
// All methods are safe for concurrent use.
type Server struct {
	consumerKey    string
	consumerSecret string
	now            func() time.Time
	callbacks      []string
	log            *slog.Logger
	stateFile      string
	onPost         func(Post)
	mux            *http.ServeMux

	latency   atomic.Int64 // time.Duration
	closed    chan struct{}
	closeOnce sync.Once

	mu       sync.Mutex
	st       state
	limits   rateLimits
	faults   []*activeFault
	requests []Request
	inFlight map[string]int // by lower-case Host
	media    map[string]*mediaItem
	// mediaProcessing: see Options.MediaProcessing.
	mediaProcessing time.Duration
}

// New returns a fake X. It panics if Options.StateFile exists but cannot
// be read; Open returns that error instead.
func New(opts Options) *Server {
	s, err := Open(opts)
	if err != nil {
		panic(err)
	}
	return s
}

// Open is New returning state-file errors instead of panicking.
func Open(opts Options) (*Server, error) {
	s := &Server{
		consumerKey:     cmp.Or(opts.ConsumerKey, DefaultConsumerKey),
		consumerSecret:  cmp.Or(opts.ConsumerSecret, DefaultConsumerSecret),
		now:             opts.Now,
		callbacks:       slices.Clone(opts.AllowedCallbackPrefixes),
		log:             opts.Logger,
		stateFile:       opts.StateFile,
		onPost:          opts.OnPost,
		closed:          make(chan struct{}),
		inFlight:        map[string]int{},
		st:              newState(),
		limits:          newRateLimits(),
		media:           map[string]*mediaItem{},
		mediaProcessing: cmp.Or(opts.MediaProcessing, 2*time.Second),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.stateFile != "" {
		st, err := loadState(s.stateFile)
		if err != nil {
			return nil, err
		}
		s.st = st
	}
	s.mux = s.routes()
	return s, nil
}

func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("POST /oauth/request_token", s.handleRequestToken)
	m.HandleFunc("GET /oauth/authorize", s.handleAuthorizePage)
	m.HandleFunc("GET /oauth/authenticate", s.handleAuthorizePage)
	m.HandleFunc("POST /oauth/authorize", s.handleAuthorizeForm)
	m.HandleFunc("POST /oauth/authenticate", s.handleAuthorizeForm)
	m.HandleFunc("POST /oauth/access_token", s.handleAccessToken)
	m.HandleFunc("POST /1.1/oauth/invalidate_token", s.handleInvalidateToken)
	m.HandleFunc("GET /2/users/me", s.handleMe)
	m.HandleFunc("GET /2/users/{id}/tweets", s.handleUserPosts)
	m.HandleFunc("POST /2/tweets", s.handleCreatePost)
	m.HandleFunc("DELETE /2/tweets/{id}", s.handleDeletePost)
	m.HandleFunc("POST /2/media/upload", s.handleMediaUpload)
	m.HandleFunc("GET /2/media/upload", s.handleMediaStatus)
	m.HandleFunc("POST /2/media/upload/initialize", s.handleMediaInit)
	m.HandleFunc("POST /2/media/metadata", s.handleMediaMetadata)
	m.HandleFunc("POST /2/media/upload/{id}/append", s.handleMediaAppend)
	m.HandleFunc("POST /2/media/upload/{id}/finalize", s.handleMediaFinalize)
	// The web pages that links to X point at (X_WEB_URL under make run).
	m.HandleFunc("GET /{username}", s.handleProfile)
	m.HandleFunc("GET /{username}/status/{id}", s.handleStatus)
	m.HandleFunc("/", s.notFound)
	m.HandleFunc("GET /profile_images/{file}", s.handleAvatar)
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	m.HandleFunc("GET /{$}", s.handleHome)
	return m
}

// Close releases requests stalled by a Hang fault (they are then dropped)
// and cuts short any latency (those requests are handled at once). The
// Server keeps serving otherwise.
func (s *Server) Close() { s.closeOnce.Do(func() { close(s.closed) }) }

// SetLatency delays every request by d before it is handled. Like real X,
// which finishes a request it has fully received, the fake handles it
// after the delay even if the client has gone away meanwhile: a post sent
// by a client that timed out or was killed is still created.
func (s *Server) SetLatency(d time.Duration) { s.latency.Store(int64(d)) }

// InFlight returns how many requests to host (host:port as the client
// called it, see Request.Host) the fake has received and not yet finished
// with. Serving one Server on several listeners, it tells which of them
// has requests outstanding.
func (s *Server) InFlight(host string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inFlight[strings.ToLower(host)]
}

// Requests returns every request received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Posts returns every post received, deleted ones included, oldest first.
func (s *Server) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Post, len(s.st.Posts))
	for i, p := range s.st.Posts {
		out[i] = *p
	}
	return out
}

// reqInfo travels in the request context so handlers can tell the
// middleware who the request was for.
type reqInfo struct{ username string }

type reqInfoKey struct{}

func setUsername(r *http.Request, username string) {
	if info, ok := r.Context().Value(reqInfoKey{}).(*reqInfo); ok {
		info.username = username
	}
}

// ServeHTTP records the request, applies latency and faults, and routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	hostKey := strings.ToLower(r.Host)
	s.mu.Lock()
	s.inFlight[hostKey]++
	s.mu.Unlock()
	// Deferred so that it also runs when a fault aborts the handler.
	defer func() {
		s.mu.Lock()
		if s.inFlight[hostKey]--; s.inFlight[hostKey] <= 0 {
			delete(s.inFlight, hostKey)
		}
		s.mu.Unlock()
	}()

	rec := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Host: r.Host, ReceivedAt: s.now()}
	if err := captureBody(r, &rec); err != nil {
		writeProblem(w, http.StatusRequestEntityTooLarge, ServerError(http.StatusRequestEntityTooLarge).Body)
		return
	}
	// The whole request is in: from here on it is handled even if the
	// client disconnects (handlers do not watch r.Context()).
	s.sleepLatency()
	info := &reqInfo{username: s.usernameForToken(r)}
	r = r.WithContext(context.WithValue(r.Context(), reqInfoKey{}, info))

	fault := s.matchFault(r.Method, r.URL.Path, info.username)
	// finish records the request; it returns its index so Hang can stamp
	// FinishedAt when it lets go.
	finish := func(status int) int {
		rec.Username, rec.Status = info.username, status
		if fault != nil {
			rec.Fault = fault.Action.String()
		}
		if fault == nil || fault.Action != Hang {
			rec.FinishedAt = time.Now()
		}
		s.mu.Lock()
		s.requests = append(s.requests, rec)
		i := len(s.requests) - 1
		s.mu.Unlock()
		s.log.Info("fakex request", "method", rec.Method, "path", rec.Path, "status", status,
			"username", rec.Username, "fault", rec.Fault, "duration", time.Since(start))
		return i
	}

	switch {
	case fault == nil:
		sw := &statusWriter{ResponseWriter: w}
		s.mux.ServeHTTP(sw, r)
		finish(sw.statusOr200())
	case fault.Action == Respond:
		s.writeCanned(w, r, info.username, fault.Response)
		finish(fault.Response.Status)
	case fault.Action == DropBeforeHandling:
		finish(0)
		panic(http.ErrAbortHandler) // net/http closes the connection, no response
	case fault.Action == RespondAfterHandling:
		// Handle for real (the post is created), then answer the canned
		// response instead of the real one.
		bw := &bufferedWriter{header: http.Header{}}
		s.mux.ServeHTTP(bw, r)
		s.writeCanned(w, r, info.username, fault.Response)
		finish(bw.statusOr200())
	case fault.Action == DropAfterHandling, fault.Action == Hang:
		// Handle for real (the post is created) into a buffer the client
		// never sees.
		bw := &bufferedWriter{header: http.Header{}}
		s.mux.ServeHTTP(bw, r)
		i := finish(bw.statusOr200())
		if fault.Action == Hang {
			select {
			case <-r.Context().Done(): // the client gave up
			case <-s.closed:
			}
			s.mu.Lock()
			s.requests[i].FinishedAt = time.Now()
			s.mu.Unlock()
		}
		panic(http.ErrAbortHandler)
	}
}

// captureBody reads the body for the record and puts it back for handlers.
func captureBody(r *http.Request, rec *Request) error {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	r.Body.Close()
	if err != nil || len(b) > maxBody {
		return io.ErrUnexpectedEOF
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case mediaType == "application/x-www-form-urlencoded":
		rec.Form, _ = url.ParseQuery(string(b))
	case json.Valid(b):
		rec.JSON = json.RawMessage(b)
	}
	return nil
}

// sleepLatency waits out SetLatency's delay. It does not stop when the
// client goes away (X would still act on the request), only on Close so
// that shutting a test down does not wait for it.
func (s *Server) sleepLatency() {
	d := time.Duration(s.latency.Load())
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.closed:
	}
}

// usernameForToken finds whose token the request carries, without
// checking the signature: it is only used to match faults and label the
// record. Handlers authenticate properly.
func (s *Server) usernameForToken(r *http.Request) string {
	hdr, err := oauth1sig.ParseAuthorization(r.Header.Get("Authorization"))
	if err != nil || hdr["oauth_token"] == "" {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if at := s.st.AccessTokens[hdr["oauth_token"]]; at != nil {
		return at.Username
	}
	if rt := s.st.RequestTokens[hdr["oauth_token"]]; rt != nil {
		return rt.Username
	}
	return ""
}

// baseURL is the URL the client signed: scheme from TLS or a proxy's
// X-Forwarded-Proto, the Host header, the escaped path.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	} else if p := r.Header.Get("X-Forwarded-Proto"); p != "" {
		scheme = strings.ToLower(strings.TrimSpace(strings.Split(p, ",")[0]))
	}
	return scheme + "://" + r.Host + r.URL.EscapedPath()
}

// origin is baseURL without the path, for links the fake hands out.
func origin(r *http.Request) string {
	u := baseURL(r)
	return strings.TrimSuffix(u, r.URL.EscapedPath())
}

// saveLocked persists the state if a StateFile is configured. Failing to
// save is logged, not fatal: the in-memory fake still works.
func (s *Server) saveLocked() {
	if s.stateFile == "" {
		return
	}
	if err := saveState(s.stateFile, &s.st); err != nil {
		s.log.Error("fakex: saving state failed", "file", s.stateFile, "error", err)
	}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) statusOr200() int { return cmp.Or(w.status, http.StatusOK) }

// bufferedWriter swallows a response the client must never receive.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *bufferedWriter) Header() http.Header { return w.header }
func (w *bufferedWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *bufferedWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}
func (w *bufferedWriter) statusOr200() int { return cmp.Or(w.status, http.StatusOK) }
