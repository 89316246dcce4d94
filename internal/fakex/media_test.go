package fakex_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/betterplan/betterplan/internal/fakex"
)

func pngBytes(w, h int) []byte {
	var b bytes.Buffer
	_ = png.Encode(&b, image.NewRGBA(image.Rect(0, 0, w, h)))
	return b.Bytes()
}

// multipartBody is a multipart/form-data body with a media part and fields.
func multipartBody(media []byte, fields map[string]string) (string, string) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if media != nil {
		part, _ := mw.CreateFormFile("media", "blob")
		_, _ = part.Write(media)
	}
	_ = mw.Close()
	return mw.FormDataContentType(), b.String()
}

func (f *fixture) uploadImage(hc *http.Client, media []byte, category string) response {
	f.t.Helper()
	ct, body := multipartBody(media, map[string]string{"media_category": category})
	return f.do(hc, "POST", "/2/media/upload", ct, body)
}

func dataID(t *testing.T, r response) string {
	t.Helper()
	id, _ := r.json(t)["data"].(map[string]any)["id"].(string)
	if r.status != 200 || id == "" {
		t.Fatalf("%d %s", r.status, r.body)
	}
	return id
}

func (f *fixture) postMedia(hc *http.Client, text string, ids ...string) response {
	f.t.Helper()
	b, _ := json.Marshal(map[string]any{"text": text, "media": map[string]any{"media_ids": ids}})
	return f.do(hc, "POST", "/2/tweets", "application/json", string(b))
}

func TestOneShotImageUpload(t *testing.T) {
	f := newFixture(t, fakex.Options{})
	_, hc := f.connect("ada")
	r := f.uploadImage(hc, pngBytes(800, 320), "tweet_image")
	id := dataID(t, r)
	img := r.json(t)["data"].(map[string]any)["image"].(map[string]any)
	if img["image_type"] != "image/png" || img["w"] != 800.0 || img["h"] != 320.0 || !strings.HasPrefix(r.json(t)["data"].(map[string]any)["media_key"].(string), "3_") {
		t.Fatalf("upload answer: %s", r.body)
	}
	if p := f.postMedia(hc, "a picture", id); p.status != 201 {
		t.Fatalf("post with the image: %d %s", p.status, p.body)
	}
	if got := f.fake.Posts(); len(got) != 1 || len(got[0].MediaIDs) != 1 || got[0].MediaIDs[0] != id {
		t.Fatalf("the post's media: %+v", got)
	}
	for name, tc := range map[string]struct {
		media    []byte
		category string
		want     string
	}{
		"no category":   {pngBytes(2, 2), "", "media_category: is missing"},
		"video":         {pngBytes(2, 2), "tweet_video", "chunked upload"},
		"not an image":  {[]byte("hello"), "tweet_image", "Unsupported image format"},
		"over 5 MB":     {bytes.Repeat([]byte{0}, 5<<20+1), "tweet_image", "exceeds 5242880"},
		"no media part": {nil, "tweet_image", "media: is missing"},
	} {
		if r := f.uploadImage(hc, tc.media, tc.category); r.status != 400 || !strings.Contains(r.body, tc.want) {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	// Signed like every call: a request without a signature is 401.
	ct, body := multipartBody(pngBytes(2, 2), map[string]string{"media_category": "tweet_image"})
	if r := f.do(http.DefaultClient, "POST", "/2/media/upload", ct, body); r.status != 401 {
		t.Fatalf("unsigned upload: %d", r.status)
	}
}

// chunked uploads a video (or GIF) of n bytes in segments of seg bytes
// and finalizes it.
func (f *fixture) chunked(hc *http.Client, category, mediaType string, n, seg int) (string, response) {
	f.t.Helper()
	b, _ := json.Marshal(map[string]any{"media_type": mediaType, "total_bytes": n, "media_category": category})
	id := dataID(f.t, f.do(hc, "POST", "/2/media/upload/initialize", "application/json", string(b)))
	for i := 0; i*seg < n; i++ {
		ct, body := multipartBody(bytes.Repeat([]byte{byte(i)}, min(seg, n-i*seg)), map[string]string{"segment_index": fmt.Sprint(i)})
		if r := f.do(hc, "POST", "/2/media/upload/"+id+"/append", ct, body); r.status != 200 {
			f.t.Fatalf("append %d: %d %s", i, r.status, r.body)
		}
	}
	return id, f.do(hc, "POST", "/2/media/upload/"+id+"/finalize", "", "")
}

func processing(t *testing.T, r response) map[string]any {
	t.Helper()
	info, _ := r.json(t)["data"].(map[string]any)["processing_info"].(map[string]any)
	return info
}

func TestChunkedVideoUpload(t *testing.T) {
	f := newFixture(t, fakex.Options{MediaProcessing: 4 * time.Second})
	_, hc := f.connect("ada")
	_, eve := f.connect("eve")
	id, fin := f.chunked(hc, "tweet_video", "video/mp4", 12, 5)
	if p := processing(t, fin); fin.status != 200 || p["state"] != "pending" || p["check_after_secs"] != 4.0 {
		t.Fatalf("finalize: %d %s", fin.status, fin.body)
	}
	status := func(hc *http.Client, id string) response {
		return f.do(hc, "GET", "/2/media/upload?command=STATUS&media_id="+id, "", "")
	}
	// Not postable while processing.
	if p := f.postMedia(hc, "too early", id); p.status != 400 || !strings.Contains(p.body, "media IDs are invalid") {
		t.Fatalf("post with a video in processing: %d %s", p.status, p.body)
	}
	f.advance(3 * time.Second)
	if p := processing(t, status(hc, id)); p["state"] != "in_progress" || p["check_after_secs"] != 1.0 {
		t.Fatalf("after 3 s: %v", p)
	}
	f.advance(time.Second)
	if p := processing(t, status(hc, id)); p["state"] != "succeeded" {
		t.Fatalf("after 4 s: %v", p)
	}
	// Another user's media id is unknown to them, and unusable in their posts.
	if r := status(eve, id); r.status != 400 || !strings.Contains(r.body, "not found") {
		t.Fatalf("eve reads ada's media: %d %s", r.status, r.body)
	}
	if p := f.postMedia(eve, "stolen", id); p.status != 400 {
		t.Fatalf("eve posts ada's media: %d", p.status)
	}
	// A video goes alone.
	img := dataID(t, f.uploadImage(hc, pngBytes(2, 2), "tweet_image"))
	if p := f.postMedia(hc, "mixed", id, img); p.status != 400 {
		t.Fatalf("a video with an image: %d %s", p.status, p.body)
	}
	if p := f.postMedia(hc, "the launch video", id); p.status != 201 {
		t.Fatalf("post with the video: %d %s", p.status, p.body)
	}
	// After a day the id has expired.
	f.advance(24 * time.Hour)
	if p := f.postMedia(hc, "again, later", id); p.status != 400 {
		t.Fatalf("an expired media id: %d", p.status)
	}

	// Segments must add up; a finalized upload takes no more segments.
	b, _ := json.Marshal(map[string]any{"media_type": "video/mp4", "total_bytes": 10, "media_category": "tweet_video"})
	short := dataID(t, f.do(hc, "POST", "/2/media/upload/initialize", "application/json", string(b)))
	ct, body := multipartBody([]byte("12345"), map[string]string{"segment_index": "0"})
	f.do(hc, "POST", "/2/media/upload/"+short+"/append", ct, body)
	if r := f.do(hc, "POST", "/2/media/upload/"+short+"/finalize", "", ""); r.status != 400 || !strings.Contains(r.body, "do not add up") {
		t.Fatalf("finalize a short upload: %d %s", r.status, r.body)
	}
	done, _ := f.chunked(hc, "tweet_gif", "image/gif", 3, 3)
	if r := f.do(hc, "POST", "/2/media/upload/"+done+"/append", ct, body); r.status != 400 || !strings.Contains(r.body, "already finalized") {
		t.Fatalf("append after finalize: %d %s", r.status, r.body)
	}
	// Limits per category, and X's failure for a file it cannot play.
	b, _ = json.Marshal(map[string]any{"media_type": "video/mp4", "total_bytes": 600 << 20, "media_category": "tweet_video"})
	if r := f.do(hc, "POST", "/2/media/upload/initialize", "application/json", string(b)); r.status != 400 || !strings.Contains(r.body, "exceeds") {
		t.Fatalf("600 MB video: %d %s", r.status, r.body)
	}
	bad, _ := f.chunked(hc, "tweet_video", "video/x-unplayable", 4, 4)
	f.advance(5 * time.Second)
	if p := processing(t, status(hc, bad)); p["state"] != "failed" || p["error"] == nil {
		t.Fatalf("an unplayable video: %v", p)
	}
	// Up to 4 images.
	var imgs []string
	for range 5 {
		imgs = append(imgs, dataID(t, f.uploadImage(hc, pngBytes(2, 2), "tweet_image")))
	}
	if p := f.postMedia(hc, "five", imgs...); p.status != 400 {
		t.Fatalf("five images: %d", p.status)
	}
	if p := f.postMedia(hc, "", imgs[:4]...); p.status != 201 {
		t.Fatalf("four images, no text: %d %s", p.status, p.body)
	}
}

func TestMediaAltText(t *testing.T) {
	f := newFixture(t, fakex.Options{})
	_, hc := f.connect("ada")
	_, eve := f.connect("eve")
	id := dataID(t, f.uploadImage(hc, pngBytes(2, 2), "tweet_image"))
	meta := func(hc *http.Client, id, text string) response {
		b, _ := json.Marshal(map[string]any{"id": id, "metadata": map[string]any{"alt_text": map[string]any{"text": text}}})
		return f.do(hc, "POST", "/2/media/metadata", "application/json", string(b))
	}
	if r := meta(hc, id, "A <cat> at a loom"); r.status != 200 || !strings.Contains(r.body, `"associated_metadata":{"alt_text":{"text":"A <cat> at a loom"}}`) {
		t.Fatalf("set alt text: %d %s", r.status, r.body)
	}
	if r := meta(hc, id, strings.Repeat("é", 1001)); r.status != 400 || !strings.Contains(r.body, "at most 1000") {
		t.Fatalf("1001 characters: %d %s", r.status, r.body)
	}
	if r := meta(eve, id, "mine now"); r.status != 400 || !strings.Contains(r.body, "not found") {
		t.Fatalf("another user's media: %d %s", r.status, r.body)
	}
	if p := f.postMedia(hc, "with alt text", id); p.status != 201 {
		t.Fatalf("post: %d %s", p.status, p.body)
	}
	if got := f.fake.Posts(); len(got[0].MediaAlt) != 1 || got[0].MediaAlt[0] != "A <cat> at a loom" {
		t.Fatalf("the post's alt texts: %v", got[0].MediaAlt)
	}
	// The sandbox's page shows it, escaped.
	if home := f.do(http.DefaultClient, "GET", "/", "", ""); !strings.Contains(home.body, "alt text: A &lt;cat&gt; at a loom") {
		t.Fatalf("the sandbox page: %s", home.body)
	}
}
