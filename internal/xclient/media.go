package xclient

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/url"
	"strconv"
	"time"
)

// Media is what X says about an upload.
type Media struct {
	ID string
	// ExpiresAfter: the id must be used in a post within this long.
	ExpiresAfter time.Duration
	// State is "" (no processing: images), pending, in_progress, succeeded
	// or failed; CheckAfter is when X asks to be asked again.
	State      string
	CheckAfter time.Duration
	// Error is X's words for a failed processing.
	Error string
}

type mediaResponse struct {
	Data struct {
		ID               string `json:"id"`
		ExpiresAfterSecs int64  `json:"expires_after_secs"`
		ProcessingInfo   *struct {
			State          string `json:"state"`
			CheckAfterSecs int64  `json:"check_after_secs"`
			Error          *struct {
				Name    string `json:"name"`
				Message string `json:"message"`
			} `json:"error"`
		} `json:"processing_info"`
	} `json:"data"`
}

func parseMedia(op string, x *exchange) (Media, error) {
	var r mediaResponse
	if json.Unmarshal(x.body, &r) != nil || r.Data.ID == "" {
		return Media{}, badResponse(op, "the response lacks data.id", x.resp.StatusCode)
	}
	m := Media{ID: r.Data.ID, ExpiresAfter: time.Duration(r.Data.ExpiresAfterSecs) * time.Second}
	if p := r.Data.ProcessingInfo; p != nil {
		m.State, m.CheckAfter = p.State, time.Duration(p.CheckAfterSecs)*time.Second
		if p.Error != nil {
			m.Error = p.Error.Message
		}
	}
	return m, nil
}

// multipartBody is a form with the file as "media" and the fields.
func multipartBody(data []byte, fields ...[2]string) ([]byte, string, error) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, f := range fields {
		if err := w.WriteField(f[0], f[1]); err != nil {
			return nil, "", err
		}
	}
	part, err := w.CreateFormFile("media", "media")
	if err != nil {
		return nil, "", err
	}
	if _, err := part.Write(data); err != nil {
		return nil, "", err
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return b.Bytes(), w.FormDataContentType(), nil
}

// UploadImage sends an image in one request (POST /2/media/upload,
// media_category tweet_image). Not idempotent: a retry after an ambiguous
// failure makes a second media id (harmless: unused ids expire).
func (c *Client) UploadImage(ctx context.Context, creds Credentials, data []byte) (Media, error) {
	const op = "upload image"
	body, ct, err := multipartBody(data, [2]string{"media_category", "tweet_image"})
	if err != nil {
		return Media{}, &Error{Op: op, Kind: BadRequest, Err: err}
	}
	x, err := c.roundTrip(ctx, call{op: op, method: "POST", path: "/2/media/upload", secrets: creds.secrets(),
		send: c.signedSend(creds, "POST", "/2/media/upload", body, ct)})
	if err != nil {
		return Media{}, err
	}
	return parseMedia(op, x)
}

// InitUpload starts a chunked upload (POST /2/media/upload/initialize) of
// totalBytes of mediaType in category (tweet_gif, tweet_video, tweet_image).
func (c *Client) InitUpload(ctx context.Context, creds Credentials, mediaType string, totalBytes int64, category string) (Media, error) {
	const op = "start media upload"
	body, err := json.Marshal(map[string]any{"media_type": mediaType, "total_bytes": totalBytes, "media_category": category})
	if err != nil {
		return Media{}, &Error{Op: op, Kind: BadRequest, Err: err}
	}
	x, err := c.roundTrip(ctx, call{op: op, method: "POST", path: "/2/media/upload/initialize", secrets: creds.secrets(),
		send: c.signedSend(creds, "POST", "/2/media/upload/initialize", body, "application/json")})
	if err != nil {
		return Media{}, err
	}
	return parseMedia(op, x)
}

// AppendSegment sends segment index (0..999, at most 5 MB) of an upload.
// Sending a segment again replaces it, so it is safe to retry.
func (c *Client) AppendSegment(ctx context.Context, creds Credentials, mediaID string, index int, chunk []byte) error {
	const op = "upload media segment"
	if !isPostID(mediaID) {
		return &Error{Op: op, Kind: BadRequest, Detail: "media id must be 1-19 digits"}
	}
	body, ct, err := multipartBody(chunk, [2]string{"segment_index", strconv.Itoa(index)})
	if err != nil {
		return &Error{Op: op, Kind: BadRequest, Err: err}
	}
	path := "/2/media/upload/" + mediaID + "/append"
	_, err = c.roundTrip(ctx, call{op: op, method: "POST", path: "/2/media/upload/{id}/append", idempotent: true, secrets: creds.secrets(),
		send: c.signedSend(creds, "POST", path, body, ct)})
	return err
}

// FinalizeUpload ends a chunked upload; GIFs and videos then process
// (State pending or in_progress: ask UploadStatus after CheckAfter).
func (c *Client) FinalizeUpload(ctx context.Context, creds Credentials, mediaID string) (Media, error) {
	const op = "finish media upload"
	if !isPostID(mediaID) {
		return Media{}, &Error{Op: op, Kind: BadRequest, Detail: "media id must be 1-19 digits"}
	}
	path := "/2/media/upload/" + mediaID + "/finalize"
	x, err := c.roundTrip(ctx, call{op: op, method: "POST", path: "/2/media/upload/{id}/finalize", idempotent: true, secrets: creds.secrets(),
		send: c.signedSend(creds, "POST", path, nil, "")})
	if err != nil {
		return Media{}, err
	}
	return parseMedia(op, x)
}

// UploadStatus asks how processing goes (GET /2/media/upload?command=STATUS).
func (c *Client) UploadStatus(ctx context.Context, creds Credentials, mediaID string) (Media, error) {
	const op = "read media status"
	if !isPostID(mediaID) {
		return Media{}, &Error{Op: op, Kind: BadRequest, Detail: "media id must be 1-19 digits"}
	}
	q := url.Values{"command": {"STATUS"}, "media_id": {mediaID}}
	x, err := c.roundTrip(ctx, call{op: op, method: "GET", path: "/2/media/upload", idempotent: true, secrets: creds.secrets(),
		send: c.signedSend(creds, "GET", "/2/media/upload?"+q.Encode(), nil, "")})
	if err != nil {
		return Media{}, err
	}
	return parseMedia(op, x)
}

// SetAltText describes an uploaded image or GIF for people who cannot see
// it (POST /2/media/metadata; at most 1,000 characters). Safe to retry.
func (c *Client) SetAltText(ctx context.Context, creds Credentials, mediaID, text string) error {
	const op = "set alt text"
	if !isPostID(mediaID) {
		return &Error{Op: op, Kind: BadRequest, Detail: "media id must be 1-19 digits"}
	}
	body, err := json.Marshal(map[string]any{"id": mediaID, "metadata": map[string]any{"alt_text": map[string]string{"text": text}}})
	if err != nil {
		return &Error{Op: op, Kind: BadRequest, Err: err}
	}
	_, err = c.roundTrip(ctx, call{op: op, method: "POST", path: "/2/media/metadata", idempotent: true, secrets: creds.secrets(),
		send: c.signedSend(creds, "POST", "/2/media/metadata", body, "application/json")})
	return err
}
