package post

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/betterplan/betterplan/db/dbq"
	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
)

var statusToProto = map[dbq.PostStatus]postv1.Status{
	dbq.PostStatusDraft:           postv1.Status_STATUS_DRAFT,
	dbq.PostStatusPendingApproval: postv1.Status_STATUS_PENDING_APPROVAL,
	dbq.PostStatusScheduled:       postv1.Status_STATUS_SCHEDULED,
	dbq.PostStatusPublishing:      postv1.Status_STATUS_PUBLISHING,
	dbq.PostStatusPublished:       postv1.Status_STATUS_PUBLISHED,
	dbq.PostStatusFailed:          postv1.Status_STATUS_FAILED,
	dbq.PostStatusUnconfirmed:     postv1.Status_STATUS_UNCONFIRMED,
}

// statusFromProto is the stored name of a status; ok is false for
// STATUS_UNSPECIFIED and unknown values.
func statusFromProto(s postv1.Status) (dbq.PostStatus, bool) {
	for name, v := range statusToProto {
		if v == s {
			return name, true
		}
	}
	return "", false
}

// errorKinds maps posts.last_error_kind, written by the publisher (and by
// PostFailForIntegration), to the API's ErrorKind.
var errorKinds = map[dbq.PostErrorKind]postv1.ErrorKind{
	dbq.PostErrorKindReconnectRequired:       postv1.ErrorKind_ERROR_KIND_RECONNECT_REQUIRED,
	dbq.PostErrorKindDuplicate:               postv1.ErrorKind_ERROR_KIND_DUPLICATE,
	dbq.PostErrorKindRejected:                postv1.ErrorKind_ERROR_KIND_REJECTED,
	dbq.PostErrorKindRateLimited:             postv1.ErrorKind_ERROR_KIND_RATE_LIMITED,
	dbq.PostErrorKindUsageCapped:             postv1.ErrorKind_ERROR_KIND_USAGE_CAPPED,
	dbq.PostErrorKindXUnavailable:            postv1.ErrorKind_ERROR_KIND_X_UNAVAILABLE,
	dbq.PostErrorKindUnconfirmed:             postv1.ErrorKind_ERROR_KIND_UNCONFIRMED,
	dbq.PostErrorKindMissed:                  postv1.ErrorKind_ERROR_KIND_MISSED,
	dbq.PostErrorKindIntegrationDisconnected: postv1.ErrorKind_ERROR_KIND_INTEGRATION_DISCONNECTED,
	dbq.PostErrorKindInternal:                postv1.ErrorKind_ERROR_KIND_INTERNAL,
	dbq.PostErrorKindMediaPending:            postv1.ErrorKind_ERROR_KIND_MEDIA_PENDING,
	dbq.PostErrorKindMediaRejected:           postv1.ErrorKind_ERROR_KIND_MEDIA_REJECTED,
}

// errorKindToProto maps a stored error kind; a kind this version does not
// know is reported as unspecified rather than dropped, so the message still
// reaches the person.
func errorKindToProto(kind dbq.PostErrorKind) postv1.ErrorKind {
	return errorKinds[kind]
}

// full is the post as the API returns it, with its media.
func (s *Service) full(ctx context.Context, p dbq.Post) (*postv1.Post, error) {
	out := s.postToProto(p)
	if err := s.withMedia(ctx, p.WorkspaceID, out); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) postToProto(p dbq.Post) *postv1.Post {
	out := &postv1.Post{
		Id:          p.ID,
		Status:      statusToProto[p.Status],
		Parts:       make([]*postv1.Part, len(p.Parts)),
		Thread:      p.IsThread,
		Attempts:    p.Attempts,
		Version:     p.Version,
		CreateTime:  timestamppb.New(p.CreatedAt),
		UpdateTime:  timestamppb.New(p.UpdatedAt),
		WorkspaceId: p.WorkspaceID,
	}
	if p.IntegrationID != nil {
		out.IntegrationId = *p.IntegrationID
	}
	if p.AuthorID != nil {
		out.AuthorId = *p.AuthorID
	}
	if p.SeriesID != nil {
		out.SeriesId = *p.SeriesID
	}
	if p.EvergreenDays != nil {
		out.EvergreenDays, out.EvergreenTexts = *p.EvergreenDays, p.EvergreenTexts
	}
	if p.RejectedAt != nil {
		out.Rejection = &postv1.Rejection{Reason: p.RejectionReason, Time: timestamppb.New(*p.RejectedAt)}
		if p.RejectedBy != nil {
			out.Rejection.RejectedBy = *p.RejectedBy
		}
	}
	media := decodeMedia(p.PartMedia)
	for i, text := range p.Parts {
		part := &postv1.Part{Text: text}
		if hasMedia(media, i) {
			part.MediaIds = media[i]
		}
		if i < len(p.XPostIds) {
			part.XPostId = p.XPostIds[i]
			part.Url = s.web.Post(p.XUsername, p.XPostIds[i])
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
	if p.LastErrorKind != nil {
		e := &postv1.PostError{
			Kind:        errorKindToProto(*p.LastErrorKind),
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

var activityKinds = map[dbq.PostActivityKind]postv1.ActivityKind{
	dbq.PostActivityKindCreated:          postv1.ActivityKind_ACTIVITY_KIND_CREATED,
	dbq.PostActivityKindEdited:           postv1.ActivityKind_ACTIVITY_KIND_EDITED,
	dbq.PostActivityKindSubmitted:        postv1.ActivityKind_ACTIVITY_KIND_SUBMITTED,
	dbq.PostActivityKindApproved:         postv1.ActivityKind_ACTIVITY_KIND_APPROVED,
	dbq.PostActivityKindRejected:         postv1.ActivityKind_ACTIVITY_KIND_REJECTED,
	dbq.PostActivityKindScheduled:        postv1.ActivityKind_ACTIVITY_KIND_SCHEDULED,
	dbq.PostActivityKindUnscheduled:      postv1.ActivityKind_ACTIVITY_KIND_UNSCHEDULED,
	dbq.PostActivityKindPublishRequested: postv1.ActivityKind_ACTIVITY_KIND_PUBLISH_REQUESTED,
	dbq.PostActivityKindRetried:          postv1.ActivityKind_ACTIVITY_KIND_RETRIED,
	dbq.PostActivityKindPublished:        postv1.ActivityKind_ACTIVITY_KIND_PUBLISHED,
	dbq.PostActivityKindFailed:           postv1.ActivityKind_ACTIVITY_KIND_FAILED,
	dbq.PostActivityKindUnconfirmed:      postv1.ActivityKind_ACTIVITY_KIND_UNCONFIRMED,
}

func activityToProto(a dbq.PostActivityListRow) *postv1.Activity {
	out := &postv1.Activity{Kind: activityKinds[a.Kind], ActorName: a.ActorName, Note: a.Note, Time: timestamppb.New(a.At)}
	if a.ActorID != nil {
		out.ActorId = *a.ActorID
	}
	return out
}
