// Package blobstore opens the bucket media bytes live in, named by
// MEDIA_BUCKET_URL (gocloud.dev/blob): file:///path for a directory (the
// default under make run) or s3://bucket?region=…&endpoint=… for any
// S3-compatible store (AWS S3, MinIO, R2). Metadata lives in PostgreSQL;
// the bucket holds bytes only.
package blobstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:// URLs
	_ "gocloud.dev/blob/s3blob"   // s3:// URLs
)

// Open opens the bucket at rawURL. A file:// directory is created when
// missing; an s3:// bucket must exist.
func Open(ctx context.Context, rawURL string) (*blob.Bucket, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || u.Scheme == "" {
		return nil, fmt.Errorf("MEDIA_BUCKET_URL=%q must be a URL like file:///var/lib/betterplan/media or s3://bucket?region=eu-west-1", rawURL)
	}
	switch u.Scheme {
	case "file":
		if (u.Host != "" && u.Host != "localhost") || !strings.HasPrefix(u.Path, "/") {
			return nil, fmt.Errorf("MEDIA_BUCKET_URL=%q: a file URL needs an absolute path, like file:///var/lib/betterplan/media", rawURL)
		}
		if err := os.MkdirAll(u.Path, 0o750); err != nil {
			return nil, fmt.Errorf("MEDIA_BUCKET_URL: %w", err)
		}
	case "s3":
		if u.Host == "" {
			return nil, fmt.Errorf("MEDIA_BUCKET_URL=%q names no bucket (s3://bucket?region=…)", u.Redacted())
		}
	default:
		return nil, fmt.Errorf("MEDIA_BUCKET_URL=%q: the scheme must be file or s3", u.Redacted())
	}
	b, err := blob.OpenBucket(ctx, u.String())
	if err != nil {
		return nil, fmt.Errorf("MEDIA_BUCKET_URL: open %s: %w", u.Redacted(), err)
	}
	// A bucket that cannot be reached is found at start, not at the first upload.
	if _, err := b.Exists(ctx, "betterplan-startup-check"); err != nil {
		_ = b.Close()
		return nil, fmt.Errorf("MEDIA_BUCKET_URL: cannot reach %s: %w", u.Redacted(), err)
	}
	return b, nil
}

// ReaderAt reads parts of one object, a range request each: enough to
// read a file's headers without downloading it.
type ReaderAt struct {
	ctx    context.Context
	bucket *blob.Bucket
	key    string
	size   int64
}

// NewReaderAt reads key (of size bytes) in bucket.
func NewReaderAt(ctx context.Context, bucket *blob.Bucket, key string, size int64) *ReaderAt {
	return &ReaderAt{ctx: ctx, bucket: bucket, key: key, size: size}
}

// ReadAt implements io.ReaderAt.
func (r *ReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= r.size {
		return 0, io.EOF
	}
	n := min(int64(len(p)), r.size-off)
	rr, err := r.bucket.NewRangeReader(r.ctx, r.key, off, n, nil)
	if err != nil {
		return 0, err
	}
	defer rr.Close()
	got, err := io.ReadFull(rr, p[:n])
	if err == nil && got < len(p) {
		err = io.EOF
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = io.EOF
	}
	return got, err
}

// ReadSeeker reads one object sequentially from any offset: one range
// request per seek, streamed (for http.ServeContent).
type ReadSeeker struct {
	ctx    context.Context
	bucket *blob.Bucket
	key    string
	size   int64
	off    int64
	r      *blob.Reader
}

// NewReadSeeker reads key (of size bytes) in bucket. Close it when done.
func NewReadSeeker(ctx context.Context, bucket *blob.Bucket, key string, size int64) *ReadSeeker {
	return &ReadSeeker{ctx: ctx, bucket: bucket, key: key, size: size}
}

// Read implements io.Reader.
func (s *ReadSeeker) Read(p []byte) (int, error) {
	if s.off >= s.size {
		return 0, io.EOF
	}
	if s.r == nil {
		r, err := s.bucket.NewRangeReader(s.ctx, s.key, s.off, s.size-s.off, nil)
		if err != nil {
			return 0, err
		}
		s.r = r
	}
	n, err := s.r.Read(p)
	s.off += int64(n)
	if errors.Is(err, io.EOF) && s.off < s.size {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// Seek implements io.Seeker.
func (s *ReadSeeker) Seek(offset int64, whence int) (int64, error) {
	var to int64
	switch whence {
	case io.SeekStart:
		to = offset
	case io.SeekCurrent:
		to = s.off + offset
	case io.SeekEnd:
		to = s.size + offset
	default:
		return 0, errors.New("blobstore: bad whence")
	}
	if to < 0 {
		return 0, errors.New("blobstore: negative position")
	}
	if to != s.off && s.r != nil {
		_ = s.r.Close()
		s.r = nil
	}
	s.off = to
	return to, nil
}

// Close ends the current read.
func (s *ReadSeeker) Close() error {
	if s.r == nil {
		return nil
	}
	err := s.r.Close()
	s.r = nil
	return err
}
