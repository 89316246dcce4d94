package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"connectrpc.com/connect"
	"github.com/oklog/ulid/v2"
	"gocloud.dev/blob"

	"github.com/betterplan/betterplan/db"
	"github.com/betterplan/betterplan/db/dbq"
	"github.com/betterplan/betterplan/internal/access"
	"github.com/betterplan/betterplan/internal/apierr"
	"github.com/betterplan/betterplan/internal/auth"
	"github.com/betterplan/betterplan/internal/blobstore"
	"github.com/betterplan/betterplan/internal/mediafile"
)

// idleRead is how long an upload may send nothing before it is cut off:
// a slow link may take as long as it needs, a stalled one may not.
const idleRead = 30 * time.Second

// ContentHandler serves PUT (the upload's bytes) and GET (a ready file's
// bytes, with range requests) at /api/media/{id}. Errors are JSON like
// Connect's: {"code": "...", "message": "..."}.
func (s *Service) ContentHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /api/media/{id}", s.put)
	mux.HandleFunc("GET /api/media/{id}", s.serve)
	mux.HandleFunc("HEAD /api/media/{id}", s.serve)
	return mux
}

// principal authenticates the request and reads the file it names.
func (s *Service) file(w http.ResponseWriter, r *http.Request) (dbq.Medium, dbq.WorkspaceRole, context.Context, bool) {
	p, err := s.d.Authenticate(r.Context(), r.Header)
	if err != nil {
		s.fail(r.Context(), w, err)
		return dbq.Medium{}, "", nil, false
	}
	ctx := auth.WithPrincipal(r.Context(), p)
	id := r.PathValue("id")
	if _, err := ulid.ParseStrict(id); err != nil || len(id) != 26 {
		s.fail(r.Context(), w, errNoMedia)
		return dbq.Medium{}, "", nil, false
	}
	m, role, err := s.get(ctx, id)
	if err != nil {
		s.fail(r.Context(), w, err)
		return dbq.Medium{}, "", nil, false
	}
	return m, role, ctx, true
}

func (s *Service) put(w http.ResponseWriter, r *http.Request) {
	m, role, ctx, ok := s.file(w, r)
	if !ok {
		return
	}
	if err := access.Require(role, dbq.WorkspaceRoleWriter, "uploading media"); err != nil {
		s.fail(r.Context(), w, err)
		return
	}
	switch {
	case m.UploadedBy == nil || *m.UploadedBy != auth.UserID(ctx):
		s.fail(r.Context(), w, apierr.New(connect.CodePermissionDenied, "only the person who started this upload can send its bytes"))
		return
	case m.State != dbq.MediaStateUploading:
		s.fail(r.Context(), w, apierr.New(connect.CodeFailedPrecondition, "this upload is complete; to change the file, upload a new one"))
		return
	case r.ContentLength >= 0 && r.ContentLength != m.SizeBytes:
		s.fail(r.Context(), w, apierr.Newf(connect.CodeInvalidArgument, "the body is %d bytes but CreateUpload announced %d: send exactly the announced bytes (or start a new upload)", r.ContentLength, m.SizeBytes))
		return
	}
	// One byte more than announced is enough to tell the body is too long.
	rc := http.NewResponseController(w)
	body := &idleReader{r: io.LimitReader(r.Body, m.SizeBytes+1), rc: rc}
	hash := sha256.New()
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	bw, err := s.d.Bucket.NewWriter(wctx, mediafile.Key(m.ID), &blob.WriterOptions{ContentType: "application/octet-stream"})
	if err != nil {
		s.fail(r.Context(), w, apierr.Wrap(connect.CodeUnavailable, "the media store cannot take files just now; try again shortly", err))
		return
	}
	n, copyErr := io.Copy(io.MultiWriter(bw, hash), body)
	if copyErr == nil && n != m.SizeBytes {
		copyErr = apierr.Newf(connect.CodeInvalidArgument, "the body had %s bytes but CreateUpload announced %d: send exactly the announced bytes", countOrMore(n, m.SizeBytes), m.SizeBytes)
	}
	if copyErr != nil {
		cancel() // aborts the write: nothing half-written is kept
		_ = bw.Close()
		var ae *apierr.Error
		if !errors.As(copyErr, &ae) {
			s.d.Log.WarnContext(ctx, "upload interrupted", "media_id", m.ID, "bytes", n, "err", copyErr)
			copyErr = apierr.Wrap(connect.CodeInvalidArgument, "the upload was interrupted before all bytes arrived; send the file again", copyErr)
		}
		s.fail(r.Context(), w, copyErr)
		return
	}
	if err := bw.Close(); err != nil {
		s.fail(r.Context(), w, apierr.Wrap(connect.CodeUnavailable, "the media store did not keep the file; send it again", err))
		return
	}
	sum := hash.Sum(nil)
	now := s.d.Now.Now()
	if _, err := s.q.MediaRecordBytes(ctx, dbq.MediaRecordBytesParams{ID: m.ID, Sha256: sum, Now: &now}); err != nil {
		if errors.Is(db.Classify(err), db.ErrNotFound) {
			s.fail(r.Context(), w, apierr.New(connect.CodeFailedPrecondition, "this upload was completed or removed while the bytes arrived"))
			return
		}
		s.fail(r.Context(), w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"id": m.ID, "size_bytes": strconv.FormatInt(n, 10), "sha256": hex.EncodeToString(sum)})
}

func countOrMore(n, announced int64) string {
	if n > announced {
		return "more than " + strconv.FormatInt(announced, 10)
	}
	return strconv.FormatInt(n, 10)
}

func (s *Service) serve(w http.ResponseWriter, r *http.Request) {
	m, _, ctx, ok := s.file(w, r)
	if !ok {
		return
	}
	if m.State != dbq.MediaStateReady {
		s.fail(r.Context(), w, apierr.New(connect.CodeFailedPrecondition, "the upload is not complete yet"))
		return
	}
	h := w.Header()
	h.Set("Content-Type", m.Mime)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	// A file's bytes never change under its id.
	h.Set("Cache-Control", "private, max-age=31536000, immutable")
	h.Set("ETag", `"`+hex.EncodeToString(m.Sha256)+`"`)
	h.Set("Content-Disposition", "inline; filename*=UTF-8''"+url.PathEscape(m.Filename))
	rs := blobstore.NewReadSeeker(ctx, s.d.Bucket, mediafile.Key(m.ID), m.SizeBytes)
	defer rs.Close()
	http.ServeContent(w, r, "", m.UpdatedAt, rs)
}

// idleReader extends the request's read deadline before each read.
type idleReader struct {
	r  io.Reader
	rc *http.ResponseController
}

func (i *idleReader) Read(p []byte) (int, error) {
	_ = i.rc.SetReadDeadline(time.Now().Add(idleRead)) // not every transport has deadlines
	return i.r.Read(p)
}

// fail answers a plain HTTP request as Connect would answer an RPC.
func (s *Service) fail(ctx context.Context, w http.ResponseWriter, err error) {
	apierr.WriteHTTP(ctx, w, s.d.Log, "media content", err)
}
