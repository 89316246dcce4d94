package media_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"

	mediav1 "github.com/betterplan/betterplan/gen/betterplan/media/v1"
	"github.com/betterplan/betterplan/internal/apitest"
	"github.com/betterplan/betterplan/internal/mediainfo/mediatest"
)

var ctx = context.Background()

// get fetches a URL with the token, as the web app does (a range if given).
func get(t *testing.T, env *apitest.Env, token, url, rng string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	resp, err := env.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// TestUploads: each kind X takes is read from its bytes, kept in the
// bucket and served back, with a directory and with an S3 bucket.
func TestUploads(t *testing.T) {
	t.Parallel()
	for _, bucket := range []string{"file", "s3"} {
		t.Run(bucket, func(t *testing.T) {
			opts := apitest.Options{}
			if bucket == "s3" {
				opts.BucketURL = apitest.S3Bucket(t)
			}
			env := apitest.Start(t, opts)
			token := env.SignUp(t, "ada@example.com")
			ws := env.PersonalWorkspace(t, token)
			movie := mediatest.MP4(300 << 10)
			for _, tc := range []struct {
				name, declared string
				data           []byte
				kind           mediav1.Kind
				mime           string
				w, h, ms       int32
			}{
				{"cat.png", "image/png", mediatest.PNG(800, 600), mediav1.Kind_KIND_IMAGE, "image/png", 800, 600, 0},
				// The declared type and the name are not trusted: this is a PNG.
				{"dog.jpg", "image/jpeg", mediatest.PNG(64, 48), mediav1.Kind_KIND_IMAGE, "image/png", 64, 48, 0},
				{"sunset.jpeg", "image/jpeg", mediatest.JPEG(1200, 675), mediav1.Kind_KIND_IMAGE, "image/jpeg", 1200, 675, 0},
				{"spin.gif", "image/gif", mediatest.GIF(320, 240, 12), mediav1.Kind_KIND_GIF, "image/gif", 320, 240, 0},
				{"still.gif", "image/gif", mediatest.GIF(100, 100, 1), mediav1.Kind_KIND_IMAGE, "image/gif", 100, 100, 0},
				{"clip.mp4", "video/mp4", movie, mediav1.Kind_KIND_VIDEO, "video/mp4", 1280, 720, 5000},
			} {
				m := env.Upload(t, token, ws, tc.name, tc.declared, tc.data)
				sum := sha256.Sum256(tc.data)
				if m.GetState() != mediav1.State_STATE_READY || m.GetKind() != tc.kind || m.GetMimeType() != tc.mime ||
					m.GetWidth() != tc.w || m.GetHeight() != tc.h || m.GetDurationMs() != tc.ms ||
					m.GetSizeBytes() != int64(len(tc.data)) || m.GetSha256() != hex.EncodeToString(sum[:]) || m.GetFilename() != tc.name {
					t.Fatalf("%s: %+v", tc.name, m)
				}
				resp, body := get(t, env, token, m.GetContentUrl(), "")
				if resp.StatusCode != 200 || !bytes.Equal(body, tc.data) || resp.Header.Get("Content-Type") != tc.mime ||
					resp.Header.Get("X-Content-Type-Options") != "nosniff" {
					t.Fatalf("%s served: %d %s, %d bytes", tc.name, resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
				}
			}
			// Video previews seek: a range request gets that range.
			list, err := env.Media(token).ListMedia(ctx, connect.NewRequest(&mediav1.ListMediaRequest{WorkspaceId: ws}))
			if err != nil || len(list.Msg.GetMedia()) != 6 || list.Msg.GetMedia()[0].GetFilename() != "clip.mp4" {
				t.Fatalf("library: %v %v", list, err)
			}
			resp, body := get(t, env, token, list.Msg.GetMedia()[0].GetContentUrl(), "bytes=1000-1999")
			if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, movie[1000:2000]) {
				t.Fatalf("range: %d, %d bytes", resp.StatusCode, len(body))
			}
			// Nobody else reads it: no credentials, or another person's.
			if resp, _ := get(t, env, "", list.Msg.GetMedia()[0].GetContentUrl(), ""); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("without credentials: %d", resp.StatusCode)
			}
			other := env.SignUp(t, "eve@example.com")
			if resp, body := get(t, env, other, list.Msg.GetMedia()[0].GetContentUrl(), ""); resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), `"not_found"`) {
				t.Fatalf("another person: %d %s", resp.StatusCode, body)
			}
		})
	}
}

func code(err error) connect.Code {
	var he *apitest.HTTPError
	if errors.As(err, &he) {
		for c := connect.Code(1); c <= 16; c++ {
			if c.String() == he.Code {
				return c
			}
		}
	}
	return connect.CodeOf(err)
}

func wantErr(t *testing.T, what string, err error, c connect.Code, words string) {
	t.Helper()
	if code(err) != c || !strings.Contains(err.Error(), words) {
		t.Fatalf("%s: %v, want %s saying %q", what, err, c, words)
	}
}

// TestRefusals: every file X would refuse is refused with what X would
// say, and none of it is kept.
func TestRefusals(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	token := env.SignUp(t, "ada@example.com")
	ws := env.PersonalWorkspace(t, token)
	c := env.Media(token)
	create := func(name, ct string, size int64) (*mediav1.CreateUploadResponse, error) {
		res, err := c.CreateUpload(ctx, connect.NewRequest(&mediav1.CreateUploadRequest{WorkspaceId: ws, Filename: name, ContentType: ct, SizeBytes: size}))
		if err != nil {
			return nil, err
		}
		return res.Msg, nil
	}
	_, err := create("doc.pdf", "application/pdf", 1000)
	wantErr(t, "a PDF", err, connect.CodeInvalidArgument, "JPEG, PNG, WEBP or GIF image, or an MP4 or MOV video")
	_, err = create("big.jpg", "image/jpeg", 6<<20)
	wantErr(t, "a 6 MB image", err, connect.CodeInvalidArgument, "X takes images up to 5.0 MB")
	_, err = create("huge.mp4", "video/mp4", 600<<20)
	wantErr(t, "a 600 MB video", err, connect.CodeInvalidArgument, "X takes videos up to 512.0 MB")
	_, err = create("", "image/png", 10)
	wantErr(t, "no name", err, connect.CodeInvalidArgument, "filename")
	_, err = create("a.png", "image/png", 0)
	wantErr(t, "no size", err, connect.CodeInvalidArgument, "size_bytes is required")
	_, err = create("a.png", "image/png", -5)
	wantErr(t, "a negative size", err, connect.CodeInvalidArgument, "size_bytes must be the file's exact size in bytes, more than 0")

	png := mediatest.PNG(10, 10)
	up, err := create("../../etc/a.png", "image/png", int64(len(png)))
	if err != nil || up.GetMedia().GetFilename() != "a.png" {
		t.Fatalf("path in the name: %v %v", up, err)
	}
	_, err = c.CompleteUpload(ctx, connect.NewRequest(&mediav1.CompleteUploadRequest{Id: up.GetMedia().GetId()}))
	wantErr(t, "complete before the bytes", err, connect.CodeFailedPrecondition, "PUT the file")
	wantErr(t, "fewer bytes", env.PutBytes(token, up.GetUploadUrl(), png[:10]), connect.CodeInvalidArgument, "announced")
	wantErr(t, "more bytes", env.PutBytes(token, up.GetUploadUrl(), append(png, 0)), connect.CodeInvalidArgument, "announced")
	other := env.SignUp(t, "eve@example.com")
	wantErr(t, "a stranger's PUT", env.PutBytes(other, up.GetUploadUrl(), png), connect.CodeNotFound, "no such file")
	wantErr(t, "no credentials", env.PutBytes("", up.GetUploadUrl(), png), connect.CodeUnauthenticated, "")
	if err := env.PutBytes(token, up.GetUploadUrl(), png); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, ct string
		data     []byte
		words    string
	}{
		{"notes.png", "image/png", []byte("just some text, not a picture"), "notes.png cannot go to X: not a JPEG, PNG, WEBP or GIF image"},
		{"long.mp4", "video/mp4", func() []byte { m := mediatest.GoodMovie(); m.Duration = 200000; return m.Bytes() }(), "lasts 200.0 s: X takes videos of 0.5 to 140 seconds"},
		{"hevc.mov", "video/quicktime", func() []byte { m := mediatest.GoodMovie(); m.Video = "hvc1"; return m.Bytes() }(), "encoded as H.265/HEVC: X takes H.264"},
		{"huge.gif", "image/gif", mediatest.GIF(1400, 100, 2), "1400×100: X takes animated GIFs up to 1280×1080"},
	} {
		_, err := env.TryUpload(token, ws, tc.name, tc.ct, tc.data)
		wantErr(t, tc.name, err, connect.CodeInvalidArgument, tc.words)
	}
	list, err := c.ListMedia(ctx, connect.NewRequest(&mediav1.ListMediaRequest{WorkspaceId: ws}))
	if err != nil || len(list.Msg.GetMedia()) != 0 {
		t.Fatalf("refused files are not in the library: %v %v", list, err)
	}
	// The bucket holds the one upload in progress and nothing else.
	keys := 0
	iter := env.Bucket.List(nil)
	for {
		obj, err := iter.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		keys++
		if obj.Key != "media/"+up.GetMedia().GetId() {
			t.Errorf("left in the bucket: %s", obj.Key)
		}
	}
	if keys != 1 {
		t.Fatalf("%d objects in the bucket, want 1", keys)
	}
}

// TestLibrary: pages newest first, alt text, and deleting.
func TestLibrary(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	token := env.SignUp(t, "ada@example.com")
	ws := env.PersonalWorkspace(t, token)
	c := env.Media(token)
	var ids []string
	for i := range 5 {
		ids = append(ids, env.Upload(t, token, ws, fmt.Sprintf("p%d.png", i), "image/png", mediatest.PNG(10+i, 10)).GetId())
	}
	var got []string
	tok := ""
	for {
		res, err := c.ListMedia(ctx, connect.NewRequest(&mediav1.ListMediaRequest{WorkspaceId: ws, PageSize: 2, PageToken: tok}))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range res.Msg.GetMedia() {
			got = append(got, m.GetId())
		}
		if tok = res.Msg.GetNextPageToken(); tok == "" {
			break
		}
	}
	if fmt.Sprint(got) != fmt.Sprint([]string{ids[4], ids[3], ids[2], ids[1], ids[0]}) {
		t.Fatalf("pages: %v, want newest first of %v", got, ids)
	}
	_, err := c.ListMedia(ctx, connect.NewRequest(&mediav1.ListMediaRequest{WorkspaceId: ws, PageToken: "bogus"}))
	wantErr(t, "a made-up page token", err, connect.CodeInvalidArgument, "page_token")

	alt := strings.Repeat("é", 1000)
	res, err := c.UpdateMedia(ctx, connect.NewRequest(&mediav1.UpdateMediaRequest{Id: ids[0], AltText: alt}))
	if err != nil || res.Msg.GetMedia().GetAltText() != alt {
		t.Fatalf("1,000 characters of alt text: %v", err)
	}
	_, err = c.UpdateMedia(ctx, connect.NewRequest(&mediav1.UpdateMediaRequest{Id: ids[0], AltText: alt + "e"}))
	wantErr(t, "1,001 characters", err, connect.CodeInvalidArgument, "alt_text")

	url := res.Msg.GetMedia().GetContentUrl()
	if _, err := c.DeleteMedia(ctx, connect.NewRequest(&mediav1.DeleteMediaRequest{Id: ids[0]})); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetMedia(ctx, connect.NewRequest(&mediav1.GetMediaRequest{Id: ids[0]}))
	wantErr(t, "deleted", err, connect.CodeNotFound, "no such file")
	if resp, _ := get(t, env, token, url, ""); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("a deleted file's bytes: %d", resp.StatusCode)
	}
	if ok, _ := env.Bucket.Exists(ctx, "media/"+ids[0]); ok {
		t.Fatal("a deleted file's bytes are still in the bucket")
	}
}
