package fakex

import (
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"
)

var homeTmpl = template.Must(template.New("home").Funcs(template.FuncMap{
	"ts": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>X sandbox — posts</title>
<meta http-equiv="refresh" content="5">
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}
.banner{background:#ffe08a;padding:.5rem 1rem;border-radius:.4rem}
article{border-bottom:1px solid #ddd;padding:.7rem 0}article:target{background:#eef6ff}
.meta{color:#555;font-size:.85rem}.deleted{opacity:.5;text-decoration:line-through}
.text{white-space:pre-wrap;margin:.3rem 0}.reply{font-size:.85rem}</style></head>
<body>
<p class="banner"><strong>OFFLINE X SANDBOX</strong> — this is not real X. Posts below were received by the sandbox and went nowhere else.</p>
<h1>Posts received ({{len .Posts}})</h1>
{{if not .Posts}}<p>No posts yet.</p>{{end}}
{{range .Posts}}
<article id="post-{{.ID}}"{{if .Deleted}} class="deleted"{{end}}>
<div class="meta"><strong>@{{.Username}}</strong> · {{ts .ReceivedAt}} · id {{.ID}}{{if .Deleted}} · deleted{{end}}</div>
{{if .InReplyToID}}<div class="reply">↳ reply to <a href="#post-{{.InReplyToID}}">{{.InReplyToID}}</a></div>{{end}}
<p class="text">{{.Text}}</p>
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
	renderHTML(w, http.StatusOK, homeTmpl, map[string]any{"Posts": posts, "Users": users})
}
