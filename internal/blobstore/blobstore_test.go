package blobstore_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/betterplan/betterplan/internal/blobstore"
	"github.com/betterplan/betterplan/internal/blobstore/blobtest"
)

// TestBuckets writes an object and reads parts of it back, through the
// directory driver and through S3 over HTTP: the same code either way.
func TestBuckets(t *testing.T) {
	ctx := context.Background()
	data := bytes.Repeat([]byte("0123456789"), 100_000) // 1 MB
	for name, url := range map[string]string{"file": "file://" + t.TempDir() + "/media", "s3": blobtest.S3(t, true)} {
		t.Run(name, func(t *testing.T) {
			b, err := blobstore.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if err := b.WriteAll(ctx, "ws/01J/original", data, nil); err != nil {
				t.Fatal(err)
			}
			r := blobstore.NewReaderAt(ctx, b, "ws/01J/original", int64(len(data)))
			part := make([]byte, 16)
			if n, err := r.ReadAt(part, 500_003); err != nil || n != 16 || string(part) != "3456789012345678" {
				t.Fatalf("ReadAt in the middle: %d %q %v", n, part, err)
			}
			if n, err := r.ReadAt(part, int64(len(data))-4); err != io.EOF || n != 4 || string(part[:4]) != "6789" {
				t.Fatalf("ReadAt over the end: %d %q %v", n, part[:n], err)
			}
			if n, err := r.ReadAt(part, int64(len(data))); err != io.EOF || n != 0 {
				t.Fatalf("ReadAt past the end: %d %v", n, err)
			}
		})
	}
}

func TestOpenRefusesBadURLs(t *testing.T) {
	ctx := context.Background()
	for url, want := range map[string]string{
		"":                       "must be a URL",
		"media":                  "must be a URL",
		"gs://bucket":            "scheme must be file or s3",
		"file://relative/dir":    "absolute path",
		"s3://?region=us-east-1": "names no bucket",
		"s3://nope?region=us-east-1&endpoint=http://127.0.0.1:1&use_path_style=true&disable_https=true": "cannot reach",
	} {
		t.Setenv("AWS_ACCESS_KEY_ID", "test")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
		if _, err := blobstore.Open(ctx, url); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error saying %q", url, err, want)
		}
	}
}
