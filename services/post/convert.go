package post

import (
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/betterplan/betterplan/db/dbq"
	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
)

// Post statuses as stored in posts.status.
const (
	statusDraft       = "draft"
	statusScheduled   = "scheduled"
	statusPublishing  = "publishing"
	statusPublished   = "published"
	statusFailed      = "failed"
	statusUnconfirmed = "unconfirmed"
)

var statusToProto = map[string]postv1.Status{
	statusDraft:       postv1.Status_STATUS_DRAFT,
	statusScheduled:   postv1.Status_STATUS_SCHEDULED,
	statusPublishing:  postv1.Status_STATUS_PUBLISHING,
	statusPublished:   postv1.Status_STATUS_PUBLISHED,
	statusFailed:      postv1.Status_STATUS_FAILED,
	statusUnconfirmed: postv1.Status_STATUS_UNCONFIRMED,
}

// statusFromProto is the stored name of a status; ok is false for
// STATUS_UNSPECIFIED and unknown values.
func statusFromProto(s postv1.Status) (string, bool) {
	for name, v := range statusToProto {
		if v == s {
			return name, true
		}
	}
	return "", false
}

// errorKinds maps posts.last_error_kind, written by the publisher (and by
// PostFailForIntegration), to the API's ErrorKind.
var errorKinds = map[string]postv1.ErrorKind{
	"reconnect_required":       postv1.ErrorKind_ERROR_KIND_RECONNECT_REQUIRED,
	"duplicate":                postv1.ErrorKind_ERROR_KIND_DUPLICATE,
	"rejected":                 postv1.ErrorKind_ERROR_KIND_REJECTED,
	"rate_limited":             postv1.ErrorKind_ERROR_KIND_RATE_LIMITED,
	"usage_capped":             postv1.ErrorKind_ERROR_KIND_USAGE_CAPPED,
	"x_unavailable":            postv1.ErrorKind_ERROR_KIND_X_UNAVAILABLE,
	"unconfirmed":              postv1.ErrorKind_ERROR_KIND_UNCONFIRMED,
	"missed":                   postv1.ErrorKind_ERROR_KIND_MISSED,
	"integration_disconnected": postv1.ErrorKind_ERROR_KIND_INTEGRATION_DISCONNECTED,
	"internal":                 postv1.ErrorKind_ERROR_KIND_INTERNAL,
}

// errorKindToProto maps a stored error kind; a kind this version does not
// know is reported as unspecified rather than dropped, so the message still
// reaches the person.
func errorKindToProto(kind string) postv1.ErrorKind {
	return errorKinds[kind]
}

// postURL is where a part lives on X.
func postURL(username, xPostID string) string {
	return "https://x.com/" + username + "/status/" + xPostID
}

func postToProto(p dbq.Post) *postv1.Post {
	out := &postv1.Post{
		Id:         p.ID,
		Status:     statusToProto[p.Status],
		Parts:      make([]*postv1.Part, len(p.Parts)),
		Thread:     p.IsThread,
		Attempts:   p.Attempts,
		Version:    p.Version,
		CreateTime: timestamppb.New(p.CreatedAt),
		UpdateTime: timestamppb.New(p.UpdatedAt),
	}
	if p.IntegrationID != nil {
		out.IntegrationId = *p.IntegrationID
	}
	for i, text := range p.Parts {
		part := &postv1.Part{Text: text}
		if i < len(p.XPostIds) {
			part.XPostId = p.XPostIds[i]
			part.Url = postURL(p.XUsername, p.XPostIds[i])
		}
		out.Parts[i] = part
	}
	if p.ScheduledAt != nil {
		out.ScheduledTime = timestamppb.New(*p.ScheduledAt)
	}
	if p.DueAt != nil {
		out.NextAttemptTime = timestamppb.New(*p.DueAt)
	}
	if p.PublishedAt != nil {
		out.PublishTime = timestamppb.New(*p.PublishedAt)
	}
	if p.LastErrorKind != "" {
		e := &postv1.PostError{
			Kind:        errorKindToProto(p.LastErrorKind),
			Message:     p.LastErrorMessage,
			XTitle:      p.LastErrorXTitle,
			XDetail:     p.LastErrorXDetail,
			XHttpStatus: p.LastErrorXStatus,
		}
		if p.LastErrorAt != nil {
			e.Time = timestamppb.New(*p.LastErrorAt)
		}
		out.LastError = e
	}
	return out
}
