package post

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"connectrpc.com/connect"

	"github.com/betterplan/betterplan/db/dbq"
	mediav1 "github.com/betterplan/betterplan/gen/betterplan/media/v1"
	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
	"github.com/betterplan/betterplan/internal/apierr"
	"github.com/betterplan/betterplan/internal/auth"
	"github.com/betterplan/betterplan/internal/mediafile"
)

// readMedia reads a request's media for a post of n parts: one list of
// file ids per part (nil when the request has none).
func readMedia(pm *postv1.PostMedia, n int) ([][]string, error) {
	if pm == nil || len(pm.GetParts()) == 0 {
		return nil, nil
	}
	if len(pm.GetParts()) > n {
		return nil, apierr.Invalid("media.parts", fmt.Sprintf("has media for %d parts but the post has %d: one entry per part, in order", len(pm.GetParts()), n))
	}
	out := make([][]string, n)
	for i, p := range pm.GetParts() {
		ids := p.GetMediaIds()
		for j, id := range ids {
			if slices.Contains(ids[:j], id) {
				return nil, apierr.Invalid(fmt.Sprintf("media.parts[%d]", i), "names the same file twice")
			}
		}
		out[i] = slices.Clone(ids)
	}
	return out, nil
}

// hasMedia reports whether part i has files.
func hasMedia(media [][]string, i int) bool { return i < len(media) && len(media[i]) > 0 }

// encodeMedia is posts.part_media: each part's ids joined by commas, or
// nothing at all for a post without media.
func encodeMedia(media [][]string, n int) []string {
	out := make([]string, n)
	any := false
	for i := range n {
		if hasMedia(media, i) {
			out[i] = strings.Join(media[i], ",")
			any = true
		}
	}
	if !any {
		return []string{}
	}
	return out
}

// decodeMedia reads posts.part_media.
func decodeMedia(stored []string) [][]string {
	if len(stored) == 0 {
		return nil
	}
	out := make([][]string, len(stored))
	for i, s := range stored {
		if s != "" {
			out[i] = strings.Split(s, ",")
		}
	}
	return out
}

// resize keeps each remaining part's files for a post now of n parts.
func resize(media [][]string, n int) [][]string {
	if len(media) > n {
		return media[:n]
	}
	return media
}

// holdMedia checks that every file is a ready file of the workspace and
// that each part's files are ones X takes together, and holds the files
// until the transaction ends (DeleteMedia waits for it).
func holdMedia(ctx context.Context, q *dbq.Queries, workspaceID string, media [][]string) error {
	var ids []string
	for _, part := range media {
		ids = append(ids, part...)
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := q.MediaHoldForPost(ctx, dbq.MediaHoldForPostParams{WorkspaceID: workspaceID, Ids: ids})
	if err != nil {
		return err
	}
	byID := make(map[string]dbq.Medium, len(rows))
	for _, r := range rows {
		byID[r.ID] = r
	}
	for i, part := range media {
		field := fmt.Sprintf("media.parts[%d]", i)
		kinds := make([]dbq.MediaKind, 0, len(part))
		for _, id := range part {
			m, ok := byID[id]
			switch {
			case !ok:
				return apierr.Invalid(field, fmt.Sprintf("names %s, which is not in this workspace's media library (ListMedia lists it)", id))
			case m.State != dbq.MediaStateReady || m.Kind == nil:
				return apierr.Invalid(field, fmt.Sprintf("names %s, whose upload is not complete: call CompleteUpload first", m.Filename))
			}
			kinds = append(kinds, *m.Kind)
		}
		if _, msg := mediafile.PartProblem(kinds); msg != "" {
			return apierr.New(connect.CodeInvalidArgument, field+": "+msg)
		}
	}
	return nil
}

// partIDs is every file id a post's parts name.
func partIDs(posts []*postv1.Post) []string {
	var ids []string
	for _, p := range posts {
		for _, part := range p.GetParts() {
			for _, id := range part.GetMediaIds() {
				if !slices.Contains(ids, id) {
					ids = append(ids, id)
				}
			}
		}
	}
	return ids
}

// withMedia fills Post.media of posts of one workspace (one query for all).
func (s *Service) withMedia(ctx context.Context, workspaceID string, posts ...*postv1.Post) error {
	ids := partIDs(posts)
	if len(ids) == 0 {
		return nil
	}
	rows, err := s.q.MediaGetMany(ctx, dbq.MediaGetManyParams{WorkspaceID: workspaceID, Ids: ids})
	if err != nil {
		return err
	}
	byID := make(map[string]*mediav1.Media, len(rows))
	for _, r := range rows {
		byID[r.ID] = mediafile.ToProto(r, s.origin)
	}
	for _, p := range posts {
		for _, id := range partIDs([]*postv1.Post{p}) {
			if m, ok := byID[id]; ok {
				p.Media = append(p.Media, m)
			}
		}
	}
	return nil
}

// mediaProblems is what ValidatePost says about one part's files: each must
// be a ready file the caller can see, and X must take them together.
func (s *Service) mediaProblems(ctx context.Context, ids []string) ([]*postv1.Problem, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := s.q.MediaGetManyForMember(ctx, dbq.MediaGetManyForMemberParams{UserID: auth.UserID(ctx), Ids: ids})
	if err != nil {
		return nil, err
	}
	byID := make(map[string]dbq.Medium, len(rows))
	for _, r := range rows {
		byID[r.ID] = r
	}
	var out []*postv1.Problem
	kinds := make([]dbq.MediaKind, 0, len(ids))
	for _, id := range ids {
		m, ok := byID[id]
		switch {
		case !ok:
			out = append(out, &postv1.Problem{Code: "media_not_found", Message: fmt.Sprintf("File %s is not in your media library.", id)})
		case m.State != dbq.MediaStateReady || m.Kind == nil:
			out = append(out, &postv1.Problem{Code: "media_not_ready", Message: fmt.Sprintf("%s is still uploading.", m.Filename)})
		default:
			kinds = append(kinds, *m.Kind)
		}
	}
	if code, msg := mediafile.PartProblem(kinds); code != "" {
		out = append(out, &postv1.Problem{Code: code, Message: strings.ToUpper(msg[:1]) + msg[1:] + "."})
	}
	return out, nil
}
