package fakex

import (
	"encoding/base32"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// userPostsEndpoint is the rate-limit key of GET /2/users/:id/tweets.
const userPostsEndpoint = "GET /2/users/:id/tweets"

const (
	// timelineReach: X serves only the newest 3,200 posts of a user here.
	timelineReach = 3200

	timelineDefaultResults = 10
	timelineMinResults     = 5
	timelineMaxResults     = 100
)

// timelineParams are the query parameters X accepts on this endpoint;
// any other is a 400, as on X.
var timelineParams = []string{
	"since_id", "until_id", "max_results", "pagination_token", "exclude", "start_time", "end_time",
	"expansions", "tweet.fields", "media.fields", "poll.fields", "user.fields", "place.fields",
}

// tweetFields are the tweet.fields values X accepts. The fake fills in
// id, text, edit_history_tweet_ids (always), created_at, author_id,
// conversation_id, referenced_tweets and in_reply_to_user_id; the others
// are accepted and left out, as X leaves out fields a post does not have.
var tweetFields = []string{
	"article", "attachments", "author_id", "card_uri", "community_id", "context_annotations",
	"conversation_id", "created_at", "display_text_range", "edit_controls", "edit_history_tweet_ids",
	"entities", "geo", "id", "in_reply_to_user_id", "lang", "media_metadata", "non_public_metrics",
	"note_tweet", "organic_metrics", "possibly_sensitive", "promoted_metrics", "public_metrics",
	"referenced_tweets", "reply_settings", "scopes", "source", "text", "withheld",
}

var excludeValues = []string{"replies", "retweets"}

// timelineQuery is a validated request for one page.
type timelineQuery struct {
	userID     string
	maxResults int
	before     uint64 // from pagination_token: only ids below it; 0 = first page
	sinceID    uint64 // exclusive; 0 = none
	untilID    uint64 // exclusive
	hasUntil   bool
	start, end time.Time // inclusive, whole seconds; zero = none
	noReplies  bool
	fields     map[string]bool
}

// GET /2/users/{id}/tweets: a user's posts, newest first. Any
// authenticated user may read any user's posts (the fake's accounts are
// all public).
func (s *Server) handleUserPosts(w http.ResponseWriter, r *http.Request) {
	at, ok := s.authUser(w, r, styleV2)
	if !ok {
		return
	}
	if !s.takeRateLimit(w.Header(), at.Username, userPostsEndpoint) {
		writeProblem(w, http.StatusTooManyRequests, bodyV2TooMany)
		return
	}
	q, problem := parseTimelineQuery(r)
	if problem != "" {
		writeProblem(w, http.StatusBadRequest, problem)
		return
	}

	s.mu.Lock()
	if !s.userExistsLocked(q.userID) {
		s.mu.Unlock()
		// X answers 200 with only an "errors" array here, not a 404.
		writeJSON(w, http.StatusOK, map[string]any{"errors": []userNotFound{{
			Value:        q.userID,
			Detail:       "Could not find user with id: [" + q.userID + "].",
			Title:        "Not Found Error",
			ResourceType: "user",
			Parameter:    "id",
			ResourceID:   q.userID,
			Type:         "https://api.twitter.com/2/problems/resource-not-found",
		}}})
		return
	}
	page, more := s.timelinePageLocked(q)
	data := make([]map[string]any, len(page))
	for i, p := range page {
		data[i] = s.renderPostLocked(p, q.fields)
	}
	s.mu.Unlock()
	for i, p := range page {
		data[i]["text"] = displayText(p.ID, p.Text) // ID and Text never change: no lock needed
	}

	var resp timelineResponse
	resp.Meta.ResultCount = len(page)
	if len(page) > 0 {
		resp.Data = data
		resp.Meta.NewestID = page[0].ID
		resp.Meta.OldestID = page[len(page)-1].ID
		if more {
			resp.Meta.NextToken = encodePageToken(page[len(page)-1].ID)
		}
	}
	writeJSON(w, http.StatusOK, resp)
}

type timelineResponse struct {
	Data []map[string]any `json:"data,omitempty"`
	Meta struct {
		ResultCount int    `json:"result_count"`
		NewestID    string `json:"newest_id,omitempty"`
		OldestID    string `json:"oldest_id,omitempty"`
		NextToken   string `json:"next_token,omitempty"`
	} `json:"meta"`
}

// userNotFound is X's resource-not-found item, in X's field order.
type userNotFound struct {
	Value        string `json:"value"`
	Detail       string `json:"detail"`
	Title        string `json:"title"`
	ResourceType string `json:"resource_type"`
	Parameter    string `json:"parameter"`
	ResourceID   string `json:"resource_id"`
	Type         string `json:"type"`
}

func (s *Server) userExistsLocked(id string) bool {
	for _, u := range s.st.Users {
		if u.ID == id {
			return true
		}
	}
	return false
}

// timelinePageLocked returns up to q.maxResults posts, newest first, and
// whether more match beyond them.
func (s *Server) timelinePageLocked(q timelineQuery) (page []*Post, more bool) {
	reachable := 0
	for i := len(s.st.Posts) - 1; i >= 0 && reachable < timelineReach; i-- {
		p := s.st.Posts[i]
		if p.UserID != q.userID || p.Deleted {
			continue
		}
		reachable++
		if !q.matches(p) {
			continue
		}
		if len(page) == q.maxResults {
			return page, true
		}
		page = append(page, p)
	}
	return page, false
}

func (q timelineQuery) matches(p *Post) bool {
	id, _ := strconv.ParseUint(p.ID, 10, 64)
	second := p.ReceivedAt.Truncate(time.Second) // X's times have second granularity
	switch {
	case q.before != 0 && id >= q.before,
		id <= q.sinceID,
		q.hasUntil && id >= q.untilID,
		!q.start.IsZero() && second.Before(q.start),
		!q.end.IsZero() && second.After(q.end),
		q.noReplies && p.InReplyToID != "":
		return false
	}
	return true
}

// renderPostLocked is one post as X returns it with the requested fields,
// except its text, which the caller renders outside the lock.
func (s *Server) renderPostLocked(p *Post, fields map[string]bool) map[string]any {
	out := map[string]any{
		"id":                     p.ID,
		"edit_history_tweet_ids": []string{p.ID},
	}
	if fields["created_at"] {
		out["created_at"] = p.ReceivedAt.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	if fields["author_id"] {
		out["author_id"] = p.UserID
	}
	if fields["conversation_id"] {
		out["conversation_id"] = s.conversationRootLocked(p).ID
	}
	if p.InReplyToID != "" {
		if fields["referenced_tweets"] {
			out["referenced_tweets"] = []map[string]string{{"type": "replied_to", "id": p.InReplyToID}}
		}
		if parent := s.st.postIndex[p.InReplyToID]; fields["in_reply_to_user_id"] && parent != nil {
			out["in_reply_to_user_id"] = parent.UserID
		}
	}
	return out
}

// conversationRootLocked follows replies up to the post that started the
// thread (deleted posts included: the conversation keeps its id).
func (s *Server) conversationRootLocked(p *Post) *Post {
	for range len(s.st.Posts) { // bound: a reply chain cannot be longer
		parent := s.st.postIndex[p.InReplyToID]
		if parent == nil {
			break
		}
		p = parent
	}
	return p
}

// parseTimelineQuery validates the request like X; on failure it returns
// X's 400 invalid-request body.
func parseTimelineQuery(r *http.Request) (timelineQuery, string) {
	q := timelineQuery{userID: r.PathValue("id"), maxResults: timelineDefaultResults, fields: map[string]bool{}}
	if !isSnowflake(q.userID) {
		return q, invalidRequestBody("id", []string{q.userID}, "The `id` query parameter value ["+q.userID+"] does not match ^[0-9]{1,19}$")
	}
	values := r.URL.Query()
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	slices.Sort(names) // the first problem reported is the same every time
	for _, name := range names {
		if !slices.Contains(timelineParams, name) {
			return q, invalidRequestBody(name, values[name],
				"The query parameter ["+name+"] is not one of [id,"+strings.Join(timelineParams, ",")+"]")
		}
	}
	get := func(name string) (string, bool) {
		vs, ok := values[name]
		if !ok {
			return "", false
		}
		return vs[0], true
	}

	if v, ok := get("max_results"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < timelineMinResults || n > timelineMaxResults {
			return q, invalidRequestBody("max_results", []string{v},
				"The `max_results` query parameter value ["+v+"] is not between 5 and 100")
		}
		q.maxResults = n
	}
	if v, ok := get("pagination_token"); ok {
		before, valid := decodePageToken(v)
		if !valid {
			return q, invalidRequestBody("pagination_token", []string{v},
				"The `pagination_token` query parameter value ["+v+"] is not a valid pagination token")
		}
		q.before = before
	}
	for _, id := range []struct {
		name string
		dst  *uint64
		has  *bool
	}{{"since_id", &q.sinceID, nil}, {"until_id", &q.untilID, &q.hasUntil}} {
		v, ok := get(id.name)
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(v, 10, 64)
		if !isSnowflake(v) || err != nil {
			return q, invalidRequestBody(id.name, []string{v}, "The `"+id.name+"` query parameter value ["+v+"] does not match ^[0-9]{1,19}$")
		}
		*id.dst = n
		if id.has != nil {
			*id.has = true
		}
	}
	for _, tp := range []struct {
		name string
		dst  *time.Time
	}{{"start_time", &q.start}, {"end_time", &q.end}} {
		v, ok := get(tp.name)
		if !ok {
			continue
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return q, invalidRequestBody(tp.name, []string{v},
				"Invalid '"+tp.name+"':'"+v+"'. '"+tp.name+"' must be a date-time in RFC 3339 format, e.g. 2026-03-01T09:00:00Z.")
		}
		*tp.dst = t.Truncate(time.Second) // second granularity
	}
	if !q.start.IsZero() && !q.end.IsZero() && q.start.After(q.end) {
		v, _ := get("end_time")
		return q, invalidRequestBody("end_time", []string{v}, "Invalid 'end_time':'"+v+"'. 'end_time' must be on or after 'start_time'.")
	}
	if v, ok := get("exclude"); ok {
		for _, e := range strings.Split(v, ",") {
			if !slices.Contains(excludeValues, e) {
				return q, invalidRequestBody("exclude", []string{v},
					"The `exclude` query parameter value ["+e+"] is not one of ["+strings.Join(excludeValues, ",")+"]")
			}
			q.noReplies = q.noReplies || e == "replies" // the fake has no retweets
		}
	}
	if v, ok := get("tweet.fields"); ok {
		for _, f := range strings.Split(v, ",") {
			if !slices.Contains(tweetFields, f) {
				return q, invalidRequestBody("tweet.fields", []string{v},
					"The `tweet.fields` query parameter value ["+f+"] is not one of ["+strings.Join(tweetFields, ",")+"]")
			}
			q.fields[f] = true
		}
	}
	return q, ""
}

// isSnowflake matches X's id pattern ^[0-9]{1,19}$.
func isSnowflake(s string) bool {
	if len(s) == 0 || len(s) > 19 {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Pagination tokens are opaque to clients, like X's (lower-case
// alphanumerics); inside is the id of the last post of the previous page.
var pageTokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

const pageTokenPrefix = "fakex-before:"

func encodePageToken(lastID string) string {
	return pageTokenEncoding.EncodeToString([]byte(pageTokenPrefix + lastID))
}

func decodePageToken(tok string) (uint64, bool) {
	b, err := pageTokenEncoding.DecodeString(tok)
	rest, found := strings.CutPrefix(string(b), pageTokenPrefix)
	if err != nil || !found || !isSnowflake(rest) {
		return 0, false
	}
	n, err := strconv.ParseUint(rest, 10, 64)
	return n, err == nil && n > 0
}
