package xclient_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"testing"
	"time"

	"github.com/betterplan/betterplan/internal/fakex"
	"github.com/betterplan/betterplan/internal/xclient"
)

// TestMediaUploads: an image in one request, a video in segments with
// its processing followed, both then attached to posts; a file X cannot
// play ends in X's words.
func TestMediaUploads(t *testing.T) {
	e := newEnv(t, fakex.Options{MediaProcessing: 3 * time.Second}, nil)
	ctx := context.Background()
	creds := e.connect("ada")

	var img bytes.Buffer
	_ = png.Encode(&img, image.NewRGBA(image.Rect(0, 0, 64, 32)))
	m, err := e.client.UploadImage(ctx, creds, img.Bytes())
	if err != nil || m.ID == "" || m.ExpiresAfter != 24*time.Hour || m.State != "" {
		t.Fatalf("UploadImage: %+v %v", m, err)
	}
	if err := e.client.SetAltText(ctx, creds, m.ID, "A small black rectangle"); err != nil {
		t.Fatalf("SetAltText: %v", err)
	}
	if _, err := e.client.CreatePost(ctx, creds, "with a picture", "", m.ID); err != nil {
		t.Fatalf("post with the image: %v", err)
	}

	if got := e.fake.Posts(); len(got) != 1 || len(got[0].MediaAlt) != 1 || got[0].MediaAlt[0] != "A small black rectangle" {
		t.Fatalf("X has %+v", got)
	}

	video := bytes.Repeat([]byte("v"), 7<<20) // two segments
	v, err := e.client.InitUpload(ctx, creds, "video/mp4", int64(len(video)), "tweet_video")
	if err != nil {
		t.Fatal(err)
	}
	for i, chunk := range [][]byte{video[:5<<20], video[5<<20:]} {
		if err := e.client.AppendSegment(ctx, creds, v.ID, i, chunk); err != nil {
			t.Fatalf("segment %d: %v", i, err)
		}
	}
	// A segment sent again (a retry) changes nothing.
	if err := e.client.AppendSegment(ctx, creds, v.ID, 1, video[5<<20:]); err != nil {
		t.Fatal(err)
	}
	fin, err := e.client.FinalizeUpload(ctx, creds, v.ID)
	if err != nil || fin.State != "pending" || fin.CheckAfter != 3*time.Second {
		t.Fatalf("finalize: %+v %v", fin, err)
	}
	if _, err := e.client.CreatePost(ctx, creds, "too soon", "", v.ID); xclient.KindOf(err) != xclient.BadRequest {
		t.Fatalf("post with a video still processing: %v", err)
	}
	e.advance(3 * time.Second)
	st, err := e.client.UploadStatus(ctx, creds, v.ID)
	if err != nil || st.State != "succeeded" {
		t.Fatalf("status: %+v %v", st, err)
	}
	if _, err := e.client.CreatePost(ctx, creds, "", "", v.ID); err != nil {
		t.Fatalf("post with the video and no text: %v", err)
	}

	bad, _ := e.client.InitUpload(ctx, creds, "video/x-unplayable", 4, "tweet_video")
	_ = e.client.AppendSegment(ctx, creds, bad.ID, 0, []byte("junk"))
	_, _ = e.client.FinalizeUpload(ctx, creds, bad.ID)
	e.advance(4 * time.Second)
	if st, err := e.client.UploadStatus(ctx, creds, bad.ID); err != nil || st.State != "failed" || st.Error == "" {
		t.Fatalf("unplayable: %+v %v", st, err)
	}
	if _, err := e.client.UploadStatus(ctx, creds, "../../etc"); xclient.KindOf(err) != xclient.BadRequest {
		t.Fatalf("a malformed id: %v", err)
	}
}
