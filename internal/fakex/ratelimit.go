package fakex

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The defaults are deliberately generous so that tests and load runs are
// never throttled by accident; SetRateLimit gives a user real numbers.
// They are still enforced and reported honestly in the headers.
const (
	defaultWindow       = 15 * time.Minute
	defaultWindowLimit  = 10_000
	dayWindow           = 24 * time.Hour
	defaultUserDayLimit = 100_000
	defaultAppDayLimit  = 1_000_000
)

type rateLimit struct {
	limit  int
	window time.Duration
}

type windowCount struct {
	start time.Time
	count int
}

// rateLimits holds fixed windows per (user, endpoint), plus the 24-hour
// per-user and per-app windows that POST /2/tweets also reports. Guarded
// by Server.mu; not persisted.
type rateLimits struct {
	custom  map[string]rateLimit // by lower-case username
	windows map[string]*windowCount
}

func newRateLimits() rateLimits {
	return rateLimits{custom: map[string]rateLimit{}, windows: map[string]*windowCount{}}
}

// SetRateLimit gives username a limit of perWindow requests per window on
// each /2 endpoint (each endpoint counted separately, like X's 15-minute
// windows). Beyond it the fake answers X's 429 with the reset header.
// perWindow <= 0 restores the default. Existing windows restart.
func (s *Server) SetRateLimit(username string, perWindow int, window time.Duration) {
	key := strings.ToLower(username)
	s.mu.Lock()
	defer s.mu.Unlock()
	if perWindow <= 0 || window <= 0 {
		delete(s.limits.custom, key)
	} else {
		s.limits.custom[key] = rateLimit{limit: perWindow, window: window}
	}
	for k := range s.limits.windows {
		if strings.HasPrefix(k, key+" ") || k == "day "+key {
			delete(s.limits.windows, k)
		}
	}
}

// endpointKey names the rate-limited endpoint of r.
func endpointKey(r *http.Request) string {
	switch {
	case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/2/tweets/"):
		return "DELETE /2/tweets/:id"
	case r.Method == http.MethodGet && isUserPostsPath(r.URL.Path):
		return userPostsEndpoint
	default:
		return r.Method + " " + r.URL.Path
	}
}

// isUserPostsPath matches /2/users/{id}/tweets.
func isUserPostsPath(path string) bool {
	id, ok := strings.CutPrefix(path, "/2/users/")
	id, ok2 := strings.CutSuffix(id, "/tweets")
	return ok && ok2 && id != "" && !strings.Contains(id, "/")
}

type limitedWindow struct {
	header string // header family, e.g. "x-rate-limit"
	key    string
	rateLimit
}

func (s *Server) windowsFor(username, endpoint string) []limitedWindow {
	user := strings.ToLower(username)
	main := rateLimit{limit: defaultWindowLimit, window: defaultWindow}
	if c, ok := s.limits.custom[user]; ok {
		main = c
	}
	ws := []limitedWindow{{"x-rate-limit", user + " " + endpoint, main}}
	if endpoint == "POST /2/tweets" {
		ws = append(ws,
			limitedWindow{"x-user-limit-24hour", "day " + user, rateLimit{defaultUserDayLimit, dayWindow}},
			limitedWindow{"x-app-limit-24hour", "day-app", rateLimit{defaultAppDayLimit, dayWindow}},
		)
	}
	return ws
}

// currentLocked returns the window for w, starting a new one if the old
// one ended.
func (s *Server) currentLocked(w limitedWindow, now time.Time) *windowCount {
	wc := s.limits.windows[w.key]
	if wc == nil || !now.Before(wc.start.Add(w.window)) {
		wc = &windowCount{start: now}
		s.limits.windows[w.key] = wc
	}
	return wc
}

// takeRateLimit counts the request against username's windows and sets
// the rate-limit headers. It returns false, counting nothing, when a
// window is already spent.
func (s *Server) takeRateLimit(h http.Header, username, endpoint string) bool {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ws := s.windowsFor(username, endpoint)
	ok := true
	for _, w := range ws {
		if s.currentLocked(w, now).count >= w.limit {
			ok = false
		}
	}
	for _, w := range ws {
		wc := s.currentLocked(w, now)
		if ok {
			wc.count++
		}
		setWindowHeaders(h, w, wc)
	}
	return ok
}

// peekRateLimitHeaders sets the headers without counting (for canned and
// unauthenticated answers, which X does not count against the user).
func (s *Server) peekRateLimitHeaders(h http.Header, username, endpoint string) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range s.windowsFor(username, endpoint) {
		setWindowHeaders(h, w, s.currentLocked(w, now))
	}
}

func setWindowHeaders(h http.Header, w limitedWindow, wc *windowCount) {
	h.Set(w.header+"-limit", strconv.Itoa(w.limit))
	h.Set(w.header+"-remaining", strconv.Itoa(max(w.limit-wc.count, 0)))
	h.Set(w.header+"-reset", epoch(wc.start.Add(w.window)))
}
