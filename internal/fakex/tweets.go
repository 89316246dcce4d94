package fakex

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
)

// postFields are the top-level keys X's createPosts schema allows
// (additionalProperties: false, OpenAPI v2.167). Any other key is a 400.
var postFields = []string{
	"text", "reply", "media", "poll", "quote_tweet_id", "reply_settings",
	"for_super_followers_only", "share_with_followers", "nullcast", "geo",
	"card_uri", "direct_message_deep_link", "community_id", "edit_options",
	"made_with_ai", "paid_partnership",
}

type createPostBody struct {
	Text  *string `json:"text"`
	Reply *struct {
		InReplyToTweetID string `json:"in_reply_to_tweet_id"`
	} `json:"reply"`
	Media *struct {
		MediaIDs []string `json:"media_ids"`
	} `json:"media"`
}

// POST /2/tweets.
func (s *Server) handleCreatePost(w http.ResponseWriter, r *http.Request) {
	at, ok := s.authUser(w, r, styleV2)
	if !ok {
		return
	}
	if !s.takeRateLimit(w.Header(), at.Username, "POST /2/tweets") {
		writeProblem(w, http.StatusTooManyRequests, bodyV2TooMany)
		return
	}
	if at.AccessType == "read" {
		writeProblem(w, http.StatusForbidden, bodyV2Permissions)
		return
	}
	body, problem := decodeCreatePost(r)
	if problem != "" {
		writeProblem(w, http.StatusBadRequest, problem)
		return
	}
	text := ""
	if body.Text != nil {
		text = *body.Text
	}
	var mediaIDs []string
	if body.Media != nil {
		s.mu.Lock()
		problem := s.usableMediaLocked(body.Media.MediaIDs, at.UserID)
		s.mu.Unlock()
		if problem != "" {
			writeProblem(w, http.StatusBadRequest, invalidRequestBody("media.media_ids", body.Media.MediaIDs, problem))
			return
		}
		mediaIDs = body.Media.MediaIDs
	}
	var alts []string
	if len(mediaIDs) > 0 {
		s.mu.Lock()
		for _, id := range mediaIDs {
			alts = append(alts, s.media[id].altText)
		}
		s.mu.Unlock()
	}
	// Text is required unless media is given.
	if strings.TrimSpace(text) == "" && len(mediaIDs) == 0 {
		writeProblem(w, http.StatusBadRequest, invalidRequestBody("text", []string{text}, "Post text must not be empty."))
		return
	}
	if postLength(text) > maxPostLength {
		// What X answers non-Premium accounts for overlong text.
		writeProblem(w, http.StatusForbidden, bodyV2Forbidden)
		return
	}
	replyTo := ""
	if body.Reply != nil {
		replyTo = body.Reply.InReplyToTweetID
		if replyTo == "" {
			writeProblem(w, http.StatusBadRequest, invalidRequestBody("reply.in_reply_to_tweet_id", []string{""}, "$.reply.in_reply_to_tweet_id: is missing but it is required"))
			return
		}
	}

	s.mu.Lock()
	if replyTo != "" {
		if target := s.st.postIndex[replyTo]; target == nil || target.Deleted {
			s.mu.Unlock()
			writeProblem(w, http.StatusBadRequest, invalidRequestBody("reply.in_reply_to_tweet_id", []string{replyTo},
				"The `reply.in_reply_to_tweet_id` query parameter value ["+replyTo+"] is not one of [a post you can reply to]"))
			return
		}
	}
	if text != "" && s.st.liveTexts[textKey{at.UserID, text}] > 0 {
		s.mu.Unlock()
		writeProblem(w, http.StatusForbidden, bodyV2Duplicate)
		return
	}
	now := s.now()
	p := &Post{
		ID:          s.st.nextPostIDLocked(now),
		UserID:      at.UserID,
		Username:    at.Username,
		Text:        text,
		InReplyToID: replyTo,
		ReceivedAt:  now,
		MediaIDs:    mediaIDs,
		MediaAlt:    alts,
	}
	s.st.Posts = append(s.st.Posts, p)
	s.st.indexPost(p)
	s.saveLocked()
	created := *p
	s.mu.Unlock()

	if s.onPost != nil {
		s.onPost(created)
	}
	writeJSON(w, http.StatusCreated, map[string]any{"data": map[string]any{
		"id":                     created.ID,
		"text":                   displayText(created.ID, created.Text),
		"edit_history_tweet_ids": []string{created.ID},
	}})
}

// decodeCreatePost parses the JSON body, returning an invalid-request
// problem body for anything X's schema rejects.
func decodeCreatePost(r *http.Request) (createPostBody, string) {
	var raw map[string]json.RawMessage
	var body createPostBody
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r.Body); err != nil || json.Unmarshal(buf.Bytes(), &raw) != nil || raw == nil {
		return body, invalidRequestBody("", nil, "Request body is not valid JSON.")
	}
	var unknown []string
	for k := range raw {
		if !slices.Contains(postFields, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return body, invalidRequestBody("", nil, "$."+unknown[0]+": is not defined in the schema and the schema does not allow additional properties")
	}
	if err := json.Unmarshal(buf.Bytes(), &body); err != nil {
		return body, invalidRequestBody("", nil, "Request body does not match the schema: "+err.Error())
	}
	return body, ""
}

// DELETE /2/tweets/{id}.
func (s *Server) handleDeletePost(w http.ResponseWriter, r *http.Request) {
	at, ok := s.authUser(w, r, styleV2)
	if !ok {
		return
	}
	if !s.takeRateLimit(w.Header(), at.Username, "DELETE /2/tweets/:id") {
		writeProblem(w, http.StatusTooManyRequests, bodyV2TooMany)
		return
	}
	if at.AccessType == "read" {
		writeProblem(w, http.StatusForbidden, bodyV2Permissions)
		return
	}
	id := r.PathValue("id")
	s.mu.Lock()
	p := s.st.postIndex[id]
	switch {
	case p == nil || p.Deleted:
		s.mu.Unlock()
		writeProblem(w, http.StatusNotFound, notFoundBody(id))
		return
	case p.UserID != at.UserID:
		s.mu.Unlock()
		writeProblem(w, http.StatusForbidden, bodyV2Forbidden)
		return
	}
	s.st.markDeleted(p)
	s.saveLocked()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]bool{"deleted": true}})
}

// Any other /2 path: X's 404 shape, with the headers every /2 answer has.
func (s *Server) handleV2NotFound(w http.ResponseWriter, r *http.Request) {
	s.peekRateLimitHeaders(w.Header(), "", endpointKey(r))
	writeProblem(w, http.StatusNotFound, `{"title":"Not Found Error","detail":"Sorry, that page does not exist.","type":"about:blank","status":404}`)
}
