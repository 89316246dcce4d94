package fakex

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"strings"
)

// GET /2/users/me[?user.fields=profile_image_url,…].
func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	at, ok := s.authUser(w, r, styleV2)
	if !ok {
		return
	}
	if !s.takeRateLimit(w.Header(), at.Username, "GET /2/users/me") {
		writeProblem(w, http.StatusTooManyRequests, bodyV2TooMany)
		return
	}
	s.mu.Lock()
	u := *s.ensureUserLocked(at.Username)
	s.mu.Unlock()
	data := map[string]string{"id": u.ID, "name": u.Name, "username": u.Username}
	for _, f := range strings.Split(r.URL.Query().Get("user.fields"), ",") {
		if strings.TrimSpace(f) == "profile_image_url" {
			// Served by the fake itself so the offline sandbox can show it.
			data["profile_image_url"] = origin(r) + "/profile_images/" + u.ID + "_normal.svg"
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
}

// GET /profile_images/{id}_normal.svg: a coloured circle with the
// username's initial.
func (s *Server) handleAvatar(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimSuffix(r.PathValue("file"), "_normal.svg")
	s.mu.Lock()
	var name string
	for _, u := range s.st.Users {
		if u.ID == id {
			name = u.Username
		}
	}
	s.mu.Unlock()
	if name == "" {
		http.NotFound(w, r)
		return
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48" viewBox="0 0 48 48">`+
		`<circle cx="24" cy="24" r="24" fill="hsl(%d,55%%,45%%)"/>`+
		`<text x="24" y="31" font-family="sans-serif" font-size="22" fill="#fff" text-anchor="middle">%s</text></svg>`,
		h.Sum32()%360, strings.ToUpper(name[:1]))
}
