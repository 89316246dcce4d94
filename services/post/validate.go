package post

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/betterplan/betterplan/internal/apierr"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/betterplan/betterplan/internal/xtext"
)

const (
	minThreadParts = 2
	maxThreadParts = 25
	// scheduleGrace lets a time chosen a moment ago (clock skew, a slow
	// request) count as "now" instead of being refused.
	scheduleGrace = 5 * time.Second
	// maxScheduleAhead is how far ahead a post may be scheduled.
	maxScheduleAhead = 365 * 24 * time.Hour
)

// content is the text of a post: one part, or a thread of several.
type content struct {
	parts  []string
	thread bool
}

// singleContent validates the text of a single post; media are the files
// of its one part (a part with files may have no text).
func singleContent(text string, media [][]string) (content, error) {
	if msg := textProblems(text, hasMedia(media, 0)); msg != "" {
		return content{}, invalidAt("text", msg)
	}
	return content{parts: []string{text}}, nil
}

// threadContent validates a thread: 2 to 25 parts, each a valid X post. The
// error names every invalid part.
func threadContent(parts []string, media [][]string) (content, error) {
	switch n := len(parts); {
	case n < minThreadParts:
		return content{}, invalidAt("thread.parts", fmt.Sprintf(
			"a thread has %d to %d parts, this one has %d; send a single post as text instead", minThreadParts, maxThreadParts, n))
	case n > maxThreadParts:
		return content{}, invalidAt("thread.parts", fmt.Sprintf(
			"a thread has at most %d parts, this one has %d; split it into two threads", maxThreadParts, n))
	}
	var bad []string
	for i, p := range parts {
		if msg := textProblems(p, hasMedia(media, i)); msg != "" {
			bad = append(bad, fmt.Sprintf("thread.parts[%d]: %s", i, msg))
		}
	}
	if len(bad) > 0 {
		return content{}, connect.NewError(connect.CodeInvalidArgument, errors.New(strings.Join(bad, "; ")))
	}
	return content{parts: append([]string(nil), parts...), thread: true}, nil
}

// textProblems says why X would refuse text, or "" when it would take it.
// With media, an empty text is fine.
func textProblems(text string, withMedia bool) string {
	r := xtext.Parse(text)
	if r.Valid {
		return ""
	}
	msgs := make([]string, 0, len(r.Problems))
	for _, p := range r.Problems {
		if withMedia && p.Code == xtext.CodeEmpty {
			continue
		}
		msgs = append(msgs, p.Message)
	}
	if withMedia && len(msgs) == 0 {
		return ""
	}
	if len(msgs) == 0 {
		return "X would refuse this text."
	}
	return strings.Join(msgs, " ")
}

// scheduleTime checks a requested scheduled_time against now: in the future
// (a time up to scheduleGrace ago counts as now) and at most a year ahead.
// It returns the time to store, in PostgreSQL's microsecond precision.
func scheduleTime(ts *timestamppb.Timestamp, now time.Time) (time.Time, error) {
	if err := ts.CheckValid(); err != nil {
		return time.Time{}, apierr.Invalid("scheduled_time", "is not a valid timestamp")
	}
	t := ts.AsTime().Truncate(time.Microsecond)
	switch {
	case t.Before(now.Add(-scheduleGrace)):
		return time.Time{}, apierr.Invalid("scheduled_time", fmt.Sprintf(
			"is in the past (%s, and it is now %s); choose a future time, or publish_now",
			t.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339)))
	case t.After(now.Add(maxScheduleAhead)):
		return time.Time{}, apierr.Invalid("scheduled_time", fmt.Sprintf(
			"is more than a year ahead; schedule at most 365 days from now (until %s)",
			now.Add(maxScheduleAhead).UTC().Format(time.RFC3339)))
	case t.Before(now):
		return now, nil
	}
	return t, nil
}
