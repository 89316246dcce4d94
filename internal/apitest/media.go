package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	"connectrpc.com/connect"

	mediav1 "github.com/betterplan/betterplan/gen/betterplan/media/v1"
	"github.com/betterplan/betterplan/gen/betterplan/media/v1/mediav1connect"
	"github.com/betterplan/betterplan/internal/blobstore/blobtest"
)

// Media is a MediaService client for the caller with token.
func (e *Env) Media(token string, opts ...connect.ClientOption) mediav1connect.MediaServiceClient {
	return mediav1connect.NewMediaServiceClient(e.HTTPClient(), e.URL, append([]connect.ClientOption{WithBearer(token)}, opts...)...)
}

// S3Bucket starts an S3-protocol server over real HTTP with an empty
// bucket and returns its MEDIA_BUCKET_URL, for Options.BucketURL (unsigned
// requests, so parallel tests can use it).
func S3Bucket(t testing.TB) string { return blobtest.S3(t, false) }

// HTTPError is a plain HTTP handler's error, in Connect's JSON shape.
type HTTPError struct {
	Status  int
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *HTTPError) Error() string { return fmt.Sprintf("HTTP %d %s: %s", e.Status, e.Code, e.Message) }

// PutBytes sends data to an upload URL as a client would (PUT, bearer token).
func (e *Env) PutBytes(token, uploadURL string, data []byte) error {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPut, uploadURL, bytes.NewReader(data))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := e.HTTPClient().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		he := &HTTPError{Status: resp.StatusCode}
		_ = json.Unmarshal(body, he)
		return he
	}
	return nil
}

// Upload uploads data as filename (declared as contentType) to the
// workspace through CreateUpload, PUT and CompleteUpload.
func (e *Env) Upload(t testing.TB, token, workspaceID, filename, contentType string, data []byte) *mediav1.Media {
	t.Helper()
	m, err := e.TryUpload(token, workspaceID, filename, contentType, data)
	if err != nil {
		t.Fatalf("upload %s: %v", filename, err)
	}
	return m
}

// TryUpload is Upload returning the error of the step that failed.
func (e *Env) TryUpload(token, workspaceID, filename, contentType string, data []byte) (*mediav1.Media, error) {
	ctx := context.Background()
	c := e.Media(token)
	up, err := c.CreateUpload(ctx, connect.NewRequest(&mediav1.CreateUploadRequest{
		WorkspaceId: workspaceID, Filename: filename, ContentType: contentType, SizeBytes: int64(len(data)),
	}))
	if err != nil {
		return nil, err
	}
	if err := e.PutBytes(token, up.Msg.GetUploadUrl(), data); err != nil {
		return nil, err
	}
	done, err := c.CompleteUpload(ctx, connect.NewRequest(&mediav1.CompleteUploadRequest{Id: up.Msg.GetMedia().GetId()}))
	if err != nil {
		return nil, err
	}
	return done.Msg.GetMedia(), nil
}
