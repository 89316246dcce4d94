package fakex

import (
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"
)

var homeTmpl = template.Must(template.New("home").Funcs(template.FuncMap{
	"ts": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>X sandbox — {{.Title}}</title>
{{if .Refresh}}<meta http-equiv="refresh" content="5">{{end}}
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}
.banner{background:#ffe08a;padding:.5rem 1rem;border-radius:.4rem}
article{border-bottom:1px solid #ddd;padding:.7rem 0}article:target{background:#eef6ff}
.meta{color:#555;font-size:.85rem}.deleted{opacity:.5;text-decoration:line-through}
.text{white-space:pre-wrap;margin:.3rem 0}.reply{font-size:.85rem}</style></head>
<body>
<p class="banner"><strong>OFFLINE X SANDBOX</strong> — this is not real X. Posts below were received by the sandbox and went nowhere else.</p>
{{if .Back}}<p><a href="/">← all posts</a></p>{{end}}
<h1>{{.Heading}}</h1>
{{if not .Posts}}<p>{{.Empty}}</p>{{end}}
{{range .Posts}}
<article id="post-{{.ID}}"{{if .Deleted}} class="deleted"{{end}}>
<div class="meta"><a href="/{{.Username}}"><strong>@{{.Username}}</strong></a> · {{ts .ReceivedAt}} · <a href="/{{.Username}}/status/{{.ID}}">id {{.ID}}</a>{{if .Deleted}} · deleted{{end}}</div>
{{if .InReplyToID}}<div class="reply">↳ reply to <a href="/i/status/{{.InReplyToID}}">{{.InReplyToID}}</a></div>{{end}}
<p class="text">{{.Text}}</p>
{{$p := .}}{{range $i, $id := .MediaIDs}}<div class="reply">media {{$id}}{{with index $p.MediaAlt $i}} · alt text: {{.}}{{end}}</div>{{end}}
</article>
{{end}}
{{if .Users}}<h2>Accounts</h2><ul>{{range .Users}}<li>@{{.Username}} (id {{.ID}})</li>{{end}}</ul>{{end}}
</body></html>
`))

// GET /: the sandbox's visible result, newest post first.
func (s *Server) handleHome(w http.ResponseWriter, _ *http.Request) {
	posts := s.Posts()
	slices.Reverse(posts)
	s.mu.Lock()
	users := make([]user, 0, len(s.st.Users))
	for _, u := range s.st.Users {
		users = append(users, *u)
	}
	s.mu.Unlock()
	slices.SortFunc(users, func(a, b user) int { return strings.Compare(strings.ToLower(a.Username), strings.ToLower(b.Username)) })
	renderHTML(w, http.StatusOK, homeTmpl, map[string]any{
		"Title": "posts", "Refresh": true, "Heading": fmt.Sprintf("Posts received (%d)", len(posts)),
		"Empty": "No posts yet.", "Posts": posts, "Users": users,
	})
}

// GET /{username}: an account's posts, as x.com/{username} shows them
// (the links BetterPlan makes point here under make run).
func (s *Server) handleProfile(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("username")
	var posts []Post
	for _, p := range slices.Backward(s.Posts()) {
		if strings.EqualFold(p.Username, name) {
			posts = append(posts, p)
		}
	}
	renderHTML(w, http.StatusOK, homeTmpl, map[string]any{
		"Title": "@" + name, "Refresh": true, "Back": true, "Heading": fmt.Sprintf("@%s: posts received (%d)", name, len(posts)),
		"Empty": "No posts from this account yet.", "Posts": posts,
	})
}

// GET /{username}/status/{id}: one post, as x.com shows it; like X, the
// id decides and the username in the path does not need to match.
func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	for _, p := range s.Posts() {
		if p.ID == id {
			renderHTML(w, http.StatusOK, homeTmpl, map[string]any{
				"Title": "post " + id, "Back": true, "Heading": "Post by @" + p.Username, "Posts": []Post{p},
			})
			return
		}
	}
	renderHTML(w, http.StatusNotFound, homeTmpl, map[string]any{
		"Title": "not found", "Back": true, "Heading": "This post doesn't exist", "Empty": "Try searching for something else.",
	})
}

// notFound answers paths nothing else serves: the v2 API's JSON problem
// under /2/, a page otherwise.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/2/") {
		s.handleV2NotFound(w, r)
		return
	}
	renderHTML(w, http.StatusNotFound, homeTmpl, map[string]any{
		"Title": "not found", "Back": true, "Heading": "This page doesn't exist", "Empty": "Try searching for something else.",
	})
}
