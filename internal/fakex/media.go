package fakex

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/betterplan/betterplan/internal/mediainfo"
)

// X's v2 media upload (x-api.md §4): one-shot POST /2/media/upload for
// images; initialize / {id}/append / {id}/finalize, then
// GET /2/media/upload?command=STATUS while GIFs and videos are processed.
// Media ids live in memory only (X's expire after a day anyway).

const (
	mediaExpiry  = 24 * time.Hour
	maxChunk     = 5 << 20
	maxSegments  = 1000
	mediaFieldMB = 1 << 20
)

// mediaLimits are X's sizes per media_category.
var mediaLimits = map[string]int64{
	"tweet_image": mediainfo.MaxImageBytes,
	"tweet_gif":   mediainfo.MaxGIFBytes,
	"tweet_video": mediainfo.MaxVideoBytes,
}

// mediaKeyPrefix is X's media_key type prefix.
var mediaKeyPrefix = map[string]string{"tweet_image": "3_", "tweet_gif": "16_", "tweet_video": "13_"}

type mediaItem struct {
	id, userID, category, mediaType string
	total                           int64
	segments                        map[int]int64
	altText                         string
	finalizedAt                     time.Time // zero until finalized
	expires                         time.Time
	processFails                    bool
}

// state is where processing is at t: "" before finalize, then pending for
// the first half of the processing time, in_progress, and succeeded (or
// failed, for a file X cannot play).
func (m *mediaItem) state(t time.Time, processing time.Duration) string {
	switch {
	case m.finalizedAt.IsZero():
		return ""
	case m.category == "tweet_image" || !t.Before(m.finalizedAt.Add(processing)):
		if m.processFails {
			return "failed"
		}
		return "succeeded"
	case t.Before(m.finalizedAt.Add(processing / 2)):
		return "pending"
	}
	return "in_progress"
}

func (m *mediaItem) size() int64 {
	var n int64
	for _, s := range m.segments {
		n += s
	}
	return n
}

func (s *Server) mediaData(m *mediaItem, t time.Time) map[string]any {
	d := map[string]any{
		"id": m.id, "media_key": mediaKeyPrefix[m.category] + m.id,
		"size": m.size(), "expires_after_secs": int64(math.Max(0, m.expires.Sub(t).Seconds())),
	}
	if st := m.state(t, s.mediaProcessing); st != "" && m.category != "tweet_image" {
		info := map[string]any{"state": st}
		switch st {
		case "pending", "in_progress":
			left := m.finalizedAt.Add(s.mediaProcessing).Sub(t)
			info["check_after_secs"] = max(1, int(math.Ceil(left.Seconds())))
			info["progress_percent"] = int(100 * t.Sub(m.finalizedAt) / max(s.mediaProcessing, time.Millisecond))
		case "failed":
			info["error"] = map[string]any{"code": 1, "name": "InvalidMedia", "message": "Unsupported video format"}
		case "succeeded":
			info["progress_percent"] = 100
		}
		d["processing_info"] = info
	}
	return d
}

func mediaProblem(w http.ResponseWriter, param, value, msg string) {
	writeProblem(w, http.StatusBadRequest, invalidRequestBody(param, []string{value}, msg))
}

// POST /2/media/upload: an image in one request (multipart: media, media_category).
func (s *Server) handleMediaUpload(w http.ResponseWriter, r *http.Request) {
	at, ok := s.authUser(w, r, styleV2)
	if !ok {
		return
	}
	if err := r.ParseMultipartForm(mediaFieldMB); err != nil {
		mediaProblem(w, "media", "", "The request must be multipart/form-data with a media part.")
		return
	}
	category := r.FormValue("media_category")
	if category == "" {
		mediaProblem(w, "media_category", "", "$.media_category: is missing but it is required")
		return
	}
	if category != "tweet_image" {
		mediaProblem(w, "media_category", category, "One-shot upload takes images; use the chunked upload for "+category+".")
		return
	}
	f, _, err := r.FormFile("media")
	if err != nil {
		mediaProblem(w, "media", "", "$.media: is missing but it is required")
		return
	}
	defer f.Close()
	body, _ := io.ReadAll(io.LimitReader(f, mediainfo.MaxImageBytes+1))
	if int64(len(body)) > mediainfo.MaxImageBytes {
		mediaProblem(w, "media", "", "File size exceeds 5242880 bytes.")
		return
	}
	info, err := mediainfo.Sniff(bytes.NewReader(body), int64(len(body)))
	if err != nil || info.Kind != mediainfo.Image {
		mediaProblem(w, "media", "", "Unsupported image format.")
		return
	}
	now := s.now()
	s.mu.Lock()
	m := &mediaItem{id: s.st.nextPostIDLocked(now), userID: at.UserID, category: category, mediaType: info.MIME,
		total: int64(len(body)), segments: map[int]int64{0: int64(len(body))}, finalizedAt: now, expires: now.Add(mediaExpiry)}
	s.media[m.id] = m
	s.mu.Unlock()
	d := s.mediaData(m, now)
	d["image"] = map[string]any{"image_type": info.MIME, "w": info.Width, "h": info.Height}
	writeJSON(w, http.StatusOK, map[string]any{"data": d})
}

// POST /2/media/upload/initialize (JSON: media_type, total_bytes, media_category).
func (s *Server) handleMediaInit(w http.ResponseWriter, r *http.Request) {
	at, ok := s.authUser(w, r, styleV2)
	if !ok {
		return
	}
	var body struct {
		MediaType     string `json:"media_type"`
		TotalBytes    int64  `json:"total_bytes"`
		MediaCategory string `json:"media_category"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeProblem(w, http.StatusBadRequest, invalidRequestBody("", nil, "Request body is not valid JSON."))
		return
	}
	limit, known := mediaLimits[body.MediaCategory]
	switch {
	case !known:
		mediaProblem(w, "media_category", body.MediaCategory, "media_category must be one of tweet_image, tweet_gif, tweet_video.")
		return
	case body.MediaType == "":
		mediaProblem(w, "media_type", "", "$.media_type: is missing but it is required")
		return
	case body.TotalBytes < 1:
		mediaProblem(w, "total_bytes", strconv.FormatInt(body.TotalBytes, 10), "total_bytes must be positive.")
		return
	case body.TotalBytes > limit:
		mediaProblem(w, "total_bytes", strconv.FormatInt(body.TotalBytes, 10), "File size exceeds "+strconv.FormatInt(limit, 10)+" bytes.")
		return
	}
	now := s.now()
	s.mu.Lock()
	m := &mediaItem{id: s.st.nextPostIDLocked(now), userID: at.UserID, category: body.MediaCategory, mediaType: body.MediaType,
		total: body.TotalBytes, segments: map[int]int64{}, expires: now.Add(mediaExpiry), processFails: body.MediaType == "video/x-unplayable"}
	s.media[m.id] = m
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{
		"id": m.id, "media_key": mediaKeyPrefix[m.category] + m.id, "expires_after_secs": int64(mediaExpiry.Seconds()),
	}})
}

// ownMedia finds the caller's media by id; another user's is as unknown.
func (s *Server) ownMedia(w http.ResponseWriter, id, userID string) *mediaItem {
	m := s.media[id]
	if m == nil || m.userID != userID || !s.now().Before(m.expires) {
		mediaProblem(w, "media_id", id, "The media_id ["+id+"] was not found.")
		return nil
	}
	return m
}

// POST /2/media/upload/{id}/append (multipart: media, segment_index).
func (s *Server) handleMediaAppend(w http.ResponseWriter, r *http.Request) {
	at, ok := s.authUser(w, r, styleV2)
	if !ok {
		return
	}
	if err := r.ParseMultipartForm(mediaFieldMB); err != nil {
		mediaProblem(w, "media", "", "The request must be multipart/form-data with a media part.")
		return
	}
	seg, err := strconv.Atoi(r.FormValue("segment_index"))
	if err != nil || seg < 0 || seg >= maxSegments {
		mediaProblem(w, "segment_index", r.FormValue("segment_index"), "segment_index must be 0 to 999.")
		return
	}
	f, _, err := r.FormFile("media")
	if err != nil {
		mediaProblem(w, "media", "", "$.media: is missing but it is required")
		return
	}
	defer f.Close()
	chunk, _ := io.ReadAll(io.LimitReader(f, maxChunk+1))
	if len(chunk) > maxChunk {
		mediaProblem(w, "media", "", "Segment size exceeds 5242880 bytes.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.ownMedia(w, r.PathValue("id"), at.UserID)
	if m == nil {
		return
	}
	if !m.finalizedAt.IsZero() {
		mediaProblem(w, "media_id", m.id, "The media was already finalized.")
		return
	}
	// A segment sent again replaces itself (a resumed upload).
	m.segments[seg] = int64(len(chunk))
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, `{"data":{"expires_at":`+strconv.FormatInt(m.expires.Unix(), 10)+`}}`)
}

// POST /2/media/upload/{id}/finalize.
func (s *Server) handleMediaFinalize(w http.ResponseWriter, r *http.Request) {
	at, ok := s.authUser(w, r, styleV2)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.ownMedia(w, r.PathValue("id"), at.UserID)
	if m == nil {
		return
	}
	if m.size() != m.total {
		mediaProblem(w, "media_id", m.id, "Segments do not add up to provided total file size.")
		return
	}
	if m.finalizedAt.IsZero() {
		m.finalizedAt = s.now()
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": s.mediaData(m, s.now())})
}

// GET /2/media/upload?command=STATUS&media_id=….
func (s *Server) handleMediaStatus(w http.ResponseWriter, r *http.Request) {
	at, ok := s.authUser(w, r, styleV2)
	if !ok {
		return
	}
	if r.URL.Query().Get("command") != "STATUS" {
		mediaProblem(w, "command", r.URL.Query().Get("command"), "command must be STATUS.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.ownMedia(w, r.URL.Query().Get("media_id"), at.UserID)
	if m == nil {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": s.mediaData(m, s.now())})
}

// usableMediaLocked says why a post cannot carry these media ids, or "":
// each must be the poster's, finalized, processed and not expired; up to 4
// images, or 1 GIF, or 1 video.
func (s *Server) usableMediaLocked(ids []string, userID string) string {
	now := s.now()
	kinds := map[string]int{}
	for _, id := range ids {
		m := s.media[id]
		if m == nil || m.userID != userID || !now.Before(m.expires) || m.state(now, s.mediaProcessing) != "succeeded" {
			return "Your media IDs are invalid."
		}
		kinds[m.category]++
	}
	switch {
	case len(ids) == 0 || len(ids) > 4:
		return "Your media IDs are invalid."
	case len(kinds) > 1 || (kinds["tweet_image"] == 0 && len(ids) > 1):
		return "Your media IDs are invalid."
	}
	return ""
}

// POST /2/media/metadata (JSON: id, metadata.alt_text.text ≤ 1000 characters).
func (s *Server) handleMediaMetadata(w http.ResponseWriter, r *http.Request) {
	at, ok := s.authUser(w, r, styleV2)
	if !ok {
		return
	}
	var body struct {
		ID       string `json:"id"`
		Metadata struct {
			AltText *struct {
				Text string `json:"text"`
			} `json:"alt_text"`
		} `json:"metadata"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeProblem(w, http.StatusBadRequest, invalidRequestBody("", nil, "Request body is not valid JSON."))
		return
	}
	if body.Metadata.AltText == nil {
		mediaProblem(w, "metadata", "", "$.metadata: no metadata to set")
		return
	}
	if n := len([]rune(body.Metadata.AltText.Text)); n > 1000 {
		mediaProblem(w, "metadata.alt_text.text", strconv.Itoa(n), "$.metadata.alt_text.text: must be at most 1000 characters")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.ownMedia(w, body.ID, at.UserID)
	if m == nil {
		return
	}
	m.altText = body.Metadata.AltText.Text
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{
		"id": m.id, "associated_metadata": map[string]any{"alt_text": map[string]any{"text": m.altText}},
	}})
}
