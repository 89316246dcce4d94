package fakex

import (
	"net/http"
	"strings"
)

// Action is what an injected Fault does to a matching request.
type Action int

const (
	// Respond answers with Fault.Response without handling the request
	// (nothing is posted).
	Respond Action = iota
	// DropBeforeHandling closes the connection without handling the
	// request: nothing is posted, but the client cannot know that.
	DropBeforeHandling
	// DropAfterHandling handles the request (the post is created), then
	// closes the connection instead of answering: the client cannot know
	// the post exists.
	DropAfterHandling
	// Hang handles the request, then never answers until the client gives
	// up (or Server.Close is called).
	Hang
	// RespondAfterHandling handles the request (the post is created), then
	// answers with Fault.Response instead of the real answer: X created
	// the post and still said, e.g., 503.
	RespondAfterHandling
)

func (a Action) String() string {
	switch a {
	case Respond:
		return "respond"
	case DropBeforeHandling:
		return "drop-before-handling"
	case DropAfterHandling:
		return "drop-after-handling"
	case Hang:
		return "hang"
	case RespondAfterHandling:
		return "respond-after-handling"
	}
	return "unknown"
}

// Forever as Fault.Times makes a fault apply to every matching request.
const Forever = -1

// Fault is a scripted misbehaviour. Empty match fields match anything.
type Fault struct {
	Method     string // e.g. "POST"; case-insensitive
	PathPrefix string // e.g. "/2/tweets"
	PathSuffix string // e.g. "/append" (paths with ids in the middle)
	Username   string // the X user whose token the request carries; case-insensitive
	// Times is how many matching requests the fault applies to: 0 means
	// once, Forever means until ClearFaults.
	Times int
	// Skip lets this many matching requests through before the fault
	// applies (e.g. fail the second segment of an upload).
	Skip     int
	Action   Action
	Response *Response // required for Respond and RespondAfterHandling
}

type activeFault struct {
	Fault
	left int // < 0: forever
	skip int
}

// Inject adds a fault. Faults are tried in the order injected; the first
// that matches a request applies to it. Inject panics on a Respond or
// RespondAfterHandling fault without a Response, which is a bug in the
// test.
func (s *Server) Inject(f Fault) {
	if (f.Action == Respond || f.Action == RespondAfterHandling) && f.Response == nil {
		panic("fakex: Inject: a " + f.Action.String() + " fault needs a Response")
	}
	left := f.Times
	if left == 0 {
		left = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &activeFault{Fault: f, left: left, skip: f.Skip})
}

// ClearFaults removes every pending fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// matchFault finds and consumes the first fault matching the request.
func (s *Server) matchFault(method, path, username string) *activeFault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Method != "" && !strings.EqualFold(f.Method, method) ||
			f.PathPrefix != "" && !strings.HasPrefix(path, f.PathPrefix) ||
			f.PathSuffix != "" && !strings.HasSuffix(path, f.PathSuffix) ||
			f.Username != "" && !strings.EqualFold(f.Username, username) {
			continue
		}
		if f.skip > 0 {
			f.skip--
			continue
		}
		if f.left > 0 {
			f.left--
			if f.left == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		return f
	}
	return nil
}

// writeCanned writes an injected Response. On /2 paths it adds the
// rate-limit headers X always sends (without counting the request), so a
// canned answer looks like a real one; the Response's own headers win.
func (s *Server) writeCanned(w http.ResponseWriter, r *http.Request, username string, resp *Response) {
	if strings.HasPrefix(r.URL.Path, "/2/") {
		s.peekRateLimitHeaders(w.Header(), username, endpointKey(r))
	}
	for k, vs := range resp.Header {
		w.Header()[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	ct := contentTypeJSON
	switch {
	case strings.HasPrefix(resp.Body, "<"):
		ct = "application/xml;charset=utf-8"
	case strings.HasPrefix(resp.Body, "{") && strings.HasPrefix(r.URL.Path, "/2/"):
		ct = contentTypeProblem
	case !strings.HasPrefix(resp.Body, "{"):
		ct = "text/plain; charset=utf-8"
	}
	writeBody(w, resp.Status, ct, resp.Body)
}
