// Package mediafile is what the services share about a stored file: its
// API form, where its bytes are, and X's rule for the files of one part.
package mediafile

import (
	"encoding/hex"
	"fmt"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/betterplan/betterplan/db/dbq"
	mediav1 "github.com/betterplan/betterplan/gen/betterplan/media/v1"
)

// MaxImages is how many images one X post carries.
const MaxImages = 4

// Key is where a file's bytes live in the bucket.
func Key(id string) string { return "media/" + id }

// ContentPath is the api path that serves (GET) and receives (PUT) a file's bytes.
func ContentPath(id string) string { return "/api/media/" + id }

var kinds = map[dbq.MediaKind]mediav1.Kind{
	dbq.MediaKindImage: mediav1.Kind_KIND_IMAGE,
	dbq.MediaKindGif:   mediav1.Kind_KIND_GIF,
	dbq.MediaKindVideo: mediav1.Kind_KIND_VIDEO,
}

// ToProto is the API form of a file; origin is the api's public origin
// (APP_URL), for content_url.
func ToProto(m dbq.Medium, origin string) *mediav1.Media {
	out := &mediav1.Media{
		Id: m.ID, WorkspaceId: m.WorkspaceID, Filename: m.Filename,
		State:     mediav1.State_STATE_UPLOADING,
		MimeType:  m.Mime,
		SizeBytes: m.SizeBytes, Width: m.Width, Height: m.Height, DurationMs: m.DurationMs,
		AltText: m.AltText, ContentUrl: origin + ContentPath(m.ID),
		CreateTime: timestamppb.New(m.CreatedAt), UpdateTime: timestamppb.New(m.UpdatedAt),
	}
	if m.State == dbq.MediaStateReady {
		out.State = mediav1.State_STATE_READY
	}
	if m.Kind != nil {
		out.Kind = kinds[*m.Kind]
	}
	if m.Sha256 != nil {
		out.Sha256 = hex.EncodeToString(m.Sha256)
	}
	if m.UploadedBy != nil {
		out.UploadedBy = *m.UploadedBy
	}
	return out
}

// PartProblem says why X would refuse these files on one post (kinds in
// order), with a code for ValidatePost: "too_many_media" or "mixed_media".
// Empty when X takes them.
func PartProblem(kinds []dbq.MediaKind) (code, msg string) {
	var images, gifs, videos int
	for _, k := range kinds {
		switch k {
		case dbq.MediaKindImage:
			images++
		case dbq.MediaKindGif:
			gifs++
		case dbq.MediaKindVideo:
			videos++
		}
	}
	switch {
	case gifs+videos > 0 && len(kinds) > 1:
		if images > 0 {
			return "mixed_media", "X does not mix a GIF or video with images in one post: attach up to 4 images, or 1 GIF, or 1 video"
		}
		return "too_many_media", fmt.Sprintf("X takes one GIF or video per post, this has %d: put the others in their own posts (a thread can have one per part)", gifs+videos)
	case images > MaxImages:
		return "too_many_media", fmt.Sprintf("X takes up to %d images per post, this has %d: remove %d or move them to another part", MaxImages, images, images-MaxImages)
	}
	return "", ""
}
