// Package blobtest starts S3-protocol servers for tests: gofakes3 over real
// HTTP, so the s3:// code path of MEDIA_BUCKET_URL runs in CI.
package blobtest

import (
	"net/http/httptest"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// S3 starts a server with an empty bucket "media" and returns its
// MEDIA_BUCKET_URL. Signed requests need the AWS_* variables, which
// t.Setenv forbids in parallel tests: unsigned ones (anonymous=true) do not.
func S3(t testing.TB, signed bool) string {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket("media"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	query := "region=us-east-1&endpoint=" + srv.URL + "&use_path_style=true&disable_https=true"
	if signed {
		t.Setenv("AWS_ACCESS_KEY_ID", "test")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
	} else {
		query += "&anonymous=true"
	}
	return "s3://media?" + query
}
