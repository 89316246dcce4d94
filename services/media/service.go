// Package media implements betterplan.media.v1.MediaService, the media
// library, and the plain HTTP handler that receives and serves a file's
// bytes (/api/media/{id}). Bytes live in the blob store, what we know about
// them in the media table; the publisher uploads them to X ahead of time.
package media

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/oklog/ulid/v2"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/betterplan/betterplan/db"
	"github.com/betterplan/betterplan/db/dbq"
	mediav1 "github.com/betterplan/betterplan/gen/betterplan/media/v1"
	"github.com/betterplan/betterplan/gen/betterplan/media/v1/mediav1connect"
	"github.com/betterplan/betterplan/internal/access"
	"github.com/betterplan/betterplan/internal/apierr"
	"github.com/betterplan/betterplan/internal/auth"
	"github.com/betterplan/betterplan/internal/blobstore"
	"github.com/betterplan/betterplan/internal/clock"
	"github.com/betterplan/betterplan/internal/mediafile"
	"github.com/betterplan/betterplan/internal/mediainfo"
)

// staleUpload: an upload not completed this long after CreateUpload is removed.
const staleUpload = 24 * time.Hour

// Deps is what the service needs.
type Deps struct {
	Pool   *pgxpool.Pool
	Now    clock.Clock
	Log    *slog.Logger
	Bucket *blob.Bucket
	// Origin is the api's public origin (APP_URL), for upload and content URLs.
	Origin string
	// Authenticate resolves a plain HTTP request's credentials (the content handler).
	Authenticate func(context.Context, http.Header) (auth.Principal, error)
}

// Service implements MediaService.
type Service struct {
	d Deps
	q *dbq.Queries
}

// New returns the service.
func New(d Deps) *Service { return &Service{d: d, q: dbq.New(d.Pool)} }

var _ mediav1connect.MediaServiceHandler = (*Service)(nil)

var (
	errNoMedia = apierr.New(connect.CodeNotFound, "no such file in your workspaces' media libraries")
)

// declared are the types a client may announce, with the size X allows.
var declared = map[string]int64{
	"image/jpeg": mediainfo.MaxImageBytes, "image/png": mediainfo.MaxImageBytes, "image/webp": mediainfo.MaxImageBytes,
	"image/gif": mediainfo.MaxGIFBytes, "video/mp4": mediainfo.MaxVideoBytes, "video/quicktime": mediainfo.MaxVideoBytes,
}

// CreateUpload implements MediaService.CreateUpload.
func (s *Service) CreateUpload(ctx context.Context, req *connect.Request[mediav1.CreateUploadRequest]) (*connect.Response[mediav1.CreateUploadResponse], error) {
	msg := req.Msg
	name, err := cleanFilename(msg.GetFilename())
	if err != nil {
		return nil, err
	}
	ct := strings.ToLower(strings.TrimSpace(msg.GetContentType()))
	if ct == "image/jpg" {
		ct = "image/jpeg"
	}
	limit, ok := declared[ct]
	switch {
	case ct == "":
		return nil, apierr.Invalid("content_type", "is required: the file's type, e.g. image/jpeg or video/mp4")
	case !ok:
		return nil, apierr.Invalid("content_type", fmt.Sprintf("%q is not a type X takes: upload a JPEG, PNG, WEBP or GIF image, or an MP4 or MOV video", apierr.Clip(ct)))
	case msg.GetSizeBytes() == 0:
		return nil, apierr.Invalid("size_bytes", "is required: the file's exact size in bytes")
	case msg.GetSizeBytes() < 0:
		return nil, apierr.Invalid("size_bytes", "must be the file's exact size in bytes, more than 0")
	case msg.GetSizeBytes() > limit:
		return nil, apierr.Invalid("size_bytes", fmt.Sprintf("is %s: X takes %s up to %s", mb(msg.GetSizeBytes()), typeNoun(ct), mb(limit)))
	}
	me := auth.UserID(ctx)
	if _, err := access.Check(ctx, s.q, msg.GetWorkspaceId(), me, dbq.WorkspaceRoleWriter, "uploading media"); err != nil {
		return nil, err
	}
	s.sweep(ctx, msg.GetWorkspaceId())
	now := s.d.Now.Now()
	row, err := s.q.MediaCreate(ctx, dbq.MediaCreateParams{
		ID: ulid.Make().String(), WorkspaceID: msg.GetWorkspaceId(), UploadedBy: &me, Filename: name,
		DeclaredType: ct, SizeBytes: msg.GetSizeBytes(), Now: now,
	})
	if err != nil {
		return nil, err
	}
	s.d.Log.InfoContext(ctx, "upload started", "media_id", row.ID, "workspace_id", row.WorkspaceID, "user_id", me, "bytes", row.SizeBytes)
	return connect.NewResponse(&mediav1.CreateUploadResponse{
		Media: s.toProto(row), UploadUrl: s.d.Origin + mediafile.ContentPath(row.ID), UploadMethod: "PUT",
	}), nil
}

// sweep removes the workspace's uploads abandoned for a day (a few per
// call; a failure only leaves them for the next).
func (s *Service) sweep(ctx context.Context, workspaceID string) {
	ids, err := s.q.MediaStaleUploads(ctx, dbq.MediaStaleUploadsParams{WorkspaceID: workspaceID, Before: s.d.Now.Now().Add(-staleUpload)})
	if err != nil {
		s.d.Log.WarnContext(ctx, "sweep abandoned uploads", "err", err)
		return
	}
	for _, id := range ids {
		s.removeBytes(ctx, id)
	}
}

// removeBytes deletes a file's bytes; a failure leaves an orphan object, logged.
func (s *Service) removeBytes(ctx context.Context, id string) {
	if err := s.d.Bucket.Delete(ctx, mediafile.Key(id)); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		s.d.Log.WarnContext(ctx, "delete media bytes", "media_id", id, "err", err)
	}
}

// CompleteUpload implements MediaService.CompleteUpload.
func (s *Service) CompleteUpload(ctx context.Context, req *connect.Request[mediav1.CompleteUploadRequest]) (*connect.Response[mediav1.CompleteUploadResponse], error) {
	m, role, err := s.get(ctx, req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	if err := access.Require(role, dbq.WorkspaceRoleWriter, "uploading media"); err != nil {
		return nil, err
	}
	switch {
	case m.State == dbq.MediaStateReady:
		return connect.NewResponse(&mediav1.CompleteUploadResponse{Media: s.toProto(m)}), nil
	case m.UploadedAt == nil:
		return nil, apierr.New(connect.CodeFailedPrecondition, "no bytes have arrived for this upload yet: PUT the file to its upload_url first, then complete it")
	}
	info, err := mediainfo.Sniff(blobstore.NewReaderAt(ctx, s.d.Bucket, mediafile.Key(m.ID), m.SizeBytes), m.SizeBytes)
	if err == nil {
		err = info.Check(m.SizeBytes)
	}
	if err != nil {
		if ctx.Err() != nil || gcerrors.Code(err) != gcerrors.Unknown && gcerrors.Code(err) != gcerrors.OK {
			return nil, apierr.Wrap(connect.CodeUnavailable, "the media store could not be read just now; try completing the upload again", err)
		}
		// X would refuse it: it is not kept.
		if derr := s.q.MediaDelete(ctx, dbq.MediaDeleteParams{ID: m.ID, WorkspaceID: m.WorkspaceID}); derr != nil {
			return nil, derr
		}
		s.removeBytes(ctx, m.ID)
		return nil, apierr.Newf(connect.CodeInvalidArgument, "%s cannot go to X: %s. It was not kept; upload another file", m.Filename, err)
	}
	kind := dbq.MediaKind(info.Kind)
	row, err := s.q.MediaMarkReady(ctx, dbq.MediaMarkReadyParams{
		ID: m.ID, Kind: &kind, Mime: info.MIME, Width: int32(info.Width), Height: int32(info.Height),
		DurationMs: int32(info.Duration.Milliseconds()), Now: s.d.Now.Now(),
	})
	if errors.Is(db.Classify(err), db.ErrNotFound) {
		// Completed (or removed) meanwhile by another call.
		if m, _, err = s.get(ctx, m.ID); err != nil {
			return nil, err
		}
		return connect.NewResponse(&mediav1.CompleteUploadResponse{Media: s.toProto(m)}), nil
	}
	if err != nil {
		return nil, err
	}
	s.d.Log.InfoContext(ctx, "upload completed", "media_id", row.ID, "kind", info.Kind, "mime", info.MIME, "bytes", row.SizeBytes)
	return connect.NewResponse(&mediav1.CompleteUploadResponse{Media: s.toProto(row)}), nil
}

// GetMedia implements MediaService.GetMedia.
func (s *Service) GetMedia(ctx context.Context, req *connect.Request[mediav1.GetMediaRequest]) (*connect.Response[mediav1.GetMediaResponse], error) {
	m, _, err := s.get(ctx, req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&mediav1.GetMediaResponse{Media: s.toProto(m)}), nil
}

const (
	defaultPageSize = 50
	maxPageSize     = 100
)

// ListMedia implements MediaService.ListMedia.
func (s *Service) ListMedia(ctx context.Context, req *connect.Request[mediav1.ListMediaRequest]) (*connect.Response[mediav1.ListMediaResponse], error) {
	msg := req.Msg
	if _, err := access.Role(ctx, s.q, msg.GetWorkspaceId(), auth.UserID(ctx)); err != nil {
		return nil, err
	}
	size := msg.GetPageSize()
	switch {
	case size == 0:
		size = defaultPageSize
	case size < 0 || size > maxPageSize:
		return nil, apierr.Invalid("page_size", fmt.Sprintf("must be 1 to %d (or unset for %d)", maxPageSize, defaultPageSize))
	}
	p := dbq.MediaListParams{WorkspaceID: msg.GetWorkspaceId(), Lim: size + 1, CursorAt: time.Unix(0, 0)}
	if t := msg.GetPageToken(); t != "" {
		at, id, ok := decodeToken(t)
		if !ok {
			return nil, apierr.Invalid("page_token", "is not one this service gave out: start again without it")
		}
		p.HasCursor, p.CursorAt, p.CursorID = true, at, id
	}
	rows, err := s.q.MediaList(ctx, p)
	if err != nil {
		return nil, err
	}
	out := &mediav1.ListMediaResponse{}
	if len(rows) > int(size) {
		rows = rows[:size]
		last := rows[len(rows)-1]
		out.NextPageToken = encodeToken(last.CreatedAt, last.ID)
	}
	for _, r := range rows {
		out.Media = append(out.Media, s.toProto(r))
	}
	return connect.NewResponse(out), nil
}

// UpdateMedia implements MediaService.UpdateMedia.
func (s *Service) UpdateMedia(ctx context.Context, req *connect.Request[mediav1.UpdateMediaRequest]) (*connect.Response[mediav1.UpdateMediaResponse], error) {
	m, role, err := s.get(ctx, req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	if err := access.Require(role, dbq.WorkspaceRoleWriter, "describing media"); err != nil {
		return nil, err
	}
	if m.State != dbq.MediaStateReady {
		return nil, apierr.New(connect.CodeFailedPrecondition, "the upload is not complete yet: call CompleteUpload first")
	}
	alt := strings.TrimSpace(req.Msg.GetAltText())
	var row dbq.Medium
	err = db.InTx(ctx, s.d.Pool, func(q *dbq.Queries) error {
		if row, err = q.MediaSetAltText(ctx, dbq.MediaSetAltTextParams{ID: m.ID, WorkspaceID: m.WorkspaceID, AltText: alt, Now: s.d.Now.Now()}); err != nil {
			return err
		}
		// Copies already on X carry the old text: they are uploaded again.
		return q.MediaUploadForgetReady(ctx, m.ID)
	})
	if errors.Is(db.Classify(err), db.ErrNotFound) {
		return nil, errNoMedia
	}
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&mediav1.UpdateMediaResponse{Media: s.toProto(row)}), nil
}

// DeleteMedia implements MediaService.DeleteMedia.
func (s *Service) DeleteMedia(ctx context.Context, req *connect.Request[mediav1.DeleteMediaRequest]) (*connect.Response[mediav1.DeleteMediaResponse], error) {
	m, role, err := s.get(ctx, req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	mine := m.UploadedBy != nil && *m.UploadedBy == auth.UserID(ctx)
	if !mine || !access.AtLeast(role, dbq.WorkspaceRoleWriter) {
		if err := access.Require(role, dbq.WorkspaceRoleEditor, "deleting media someone else uploaded"); err != nil {
			return nil, err
		}
	}
	err = db.InTx(ctx, s.d.Pool, func(q *dbq.Queries) error {
		// Held: a post being saved with this file waits, or this waits for it.
		if _, err := q.MediaLock(ctx, dbq.MediaLockParams{ID: m.ID, WorkspaceID: m.WorkspaceID}); err != nil {
			if errors.Is(db.Classify(err), db.ErrNotFound) {
				return errNoMedia
			}
			return err
		}
		n, err := q.MediaUnpublishedUses(ctx, dbq.MediaUnpublishedUsesParams{WorkspaceID: m.WorkspaceID, ID: m.ID})
		if err != nil {
			return err
		}
		if n > 0 {
			return apierr.Newf(connect.CodeFailedPrecondition, "%s is used by %d %s not yet on X: remove it from %s first",
				m.Filename, n, plural(n, "post", "posts"), plural(n, "it", "them"))
		}
		return q.MediaDelete(ctx, dbq.MediaDeleteParams{ID: m.ID, WorkspaceID: m.WorkspaceID})
	})
	if err != nil {
		return nil, err
	}
	s.removeBytes(ctx, m.ID)
	s.d.Log.InfoContext(ctx, "media deleted", "media_id", m.ID, "user_id", auth.UserID(ctx))
	return connect.NewResponse(&mediav1.DeleteMediaResponse{}), nil
}

// get reads a file with the caller's role in its workspace.
func (s *Service) get(ctx context.Context, id string) (dbq.Medium, dbq.WorkspaceRole, error) {
	if id == "" {
		return dbq.Medium{}, "", apierr.Invalid("id", "is required: the file's id (Media.id)")
	}
	row, err := s.q.MediaGetForMember(ctx, dbq.MediaGetForMemberParams{ID: id, UserID: auth.UserID(ctx)})
	if errors.Is(db.Classify(err), db.ErrNotFound) {
		return dbq.Medium{}, "", errNoMedia
	}
	return row.Medium, row.Role, err
}

func (s *Service) toProto(m dbq.Medium) *mediav1.Media { return mediafile.ToProto(m, s.d.Origin) }

// cleanFilename keeps the last path element of a name, printable and at
// most 255 characters.
func cleanFilename(raw string) (string, error) {
	name := strings.TrimSpace(path.Base(strings.ReplaceAll(raw, "\\", "/")))
	if raw == "" || name == "." || name == "/" || name == "" {
		return "", apierr.Invalid("filename", "is required: the file's name, e.g. photo.jpg")
	}
	if !utf8.ValidString(name) || strings.IndexFunc(name, func(r rune) bool { return unicode.IsControl(r) || r == unicode.ReplacementChar }) >= 0 {
		return "", apierr.Invalid("filename", "contains control or invalid characters: rename the file")
	}
	return name, nil
}

func typeNoun(ct string) string {
	switch {
	case ct == "image/gif":
		return "GIFs"
	case strings.HasPrefix(ct, "video/"):
		return "videos"
	}
	return "images"
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Page tokens: base64url("<unix micros>.<id>").
func encodeToken(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at.UnixMicro(), 10) + "." + id))
}

func decodeToken(t string) (time.Time, string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(t)
	if err != nil {
		return time.Time{}, "", false
	}
	micros, id, ok := strings.Cut(string(b), ".")
	n, err := strconv.ParseInt(micros, 10, 64)
	if !ok || err != nil || len(id) != 26 {
		return time.Time{}, "", false
	}
	if _, err := ulid.ParseStrict(id); err != nil {
		return time.Time{}, "", false
	}
	return time.UnixMicro(n), id, true
}
