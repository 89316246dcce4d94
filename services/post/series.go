package post

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/oklog/ulid/v2"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/betterplan/betterplan/db"
	"github.com/betterplan/betterplan/db/dbq"
	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
	"github.com/betterplan/betterplan/gen/betterplan/post/v1/postv1connect"
	"github.com/betterplan/betterplan/internal/access"
	"github.com/betterplan/betterplan/internal/apierr"
	"github.com/betterplan/betterplan/internal/auth"
	"github.com/betterplan/betterplan/internal/queue"
	"github.com/betterplan/betterplan/internal/series"
)

// Series implements SeriesService: recurring posts whose occurrences are
// ordinary posts made ahead (internal/series; the publisher tops them up).
type Series struct{ s *Service }

// NewSeries returns the SeriesService handler.
func NewSeries(s *Service) *Series { return &Series{s: s} }

var _ postv1connect.SeriesServiceHandler = (*Series)(nil)

var errNoSeries = apierr.New(connect.CodeNotFound, "no such series")

var frequencies = map[postv1.Frequency]string{
	postv1.Frequency_FREQUENCY_DAILY: "daily", postv1.Frequency_FREQUENCY_WEEKLY: "weekly", postv1.Frequency_FREQUENCY_MONTHLY: "monthly",
}

// seriesInput is a checked request: texts and rule.
type seriesInput struct {
	texts []string
	rule  series.Rule
}

func parseDate(field, v string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, apierr.Invalid(field, fmt.Sprintf("%q is not a date like 2027-03-29", apierr.Clip(v)))
	}
	return d, nil
}

// readSeries checks texts and rule, saying what to change.
func readSeries(texts []string, rec *postv1.Recurrence, now time.Time) (seriesInput, error) {
	if len(texts) == 0 {
		return seriesInput{}, apierr.Invalid("texts", "is required: the text to post (or several, used in turn)")
	}
	if err := checkTemplates(texts); err != nil {
		return seriesInput{}, err
	}
	if rec == nil {
		return seriesInput{}, apierr.Invalid("recurrence", "is required: how often to post, at what local time, from when")
	}
	freq, ok := frequencies[rec.GetFrequency()]
	if !ok {
		return seriesInput{}, apierr.Invalid("recurrence.frequency", "is required: daily, weekly or monthly")
	}
	every := int(rec.GetEvery())
	switch {
	case every == 0:
		every = 1
	case every < 0 || every > 365:
		return seriesInput{}, apierr.Invalid("recurrence.every", "must be 1 to 365")
	}
	loc, err := parseZone(rec.GetTimeZone())
	if err != nil {
		return seriesInput{}, apierr.Invalid("recurrence.time_zone", strings.TrimPrefix(err.Error(), "time_zone "))
	}
	minute, err := queue.ParseClock(rec.GetLocalTime())
	if err != nil {
		return seriesInput{}, apierr.Invalid("recurrence.local_time", err.Error())
	}
	start, err := parseDate("recurrence.start_date", rec.GetStartDate())
	if err != nil {
		return seriesInput{}, err
	}
	if start.After(now.Add(maxScheduleAhead)) {
		return seriesInput{}, apierr.Invalid("recurrence.start_date", "is more than a year ahead; BetterPlan schedules up to 365 days ahead")
	}
	r := series.Rule{Freq: freq, Every: every, Minute: minute, Start: start, Loc: loc, Count: int(rec.GetCount()), MonthDay: int(rec.GetMonthDay())}
	if rec.GetCount() < 0 || rec.GetCount() > 10000 {
		return seriesInput{}, apierr.Invalid("recurrence.count", "must be 0 (no limit) to 10,000")
	}
	if r.MonthDay < 0 || r.MonthDay > 31 || (r.MonthDay != 0 && freq != "monthly") {
		return seriesInput{}, apierr.Invalid("recurrence.month_day", "is 1 to 31, for a monthly series only")
	}
	if len(rec.GetWeekdays()) > 0 && freq != "weekly" {
		return seriesInput{}, apierr.Invalid("recurrence.weekdays", "are for a weekly series only")
	}
	for _, d := range rec.GetWeekdays() {
		r.Weekdays = append(r.Weekdays, weekdays[d])
	}
	if v := rec.GetUntilDate(); v != "" {
		until, err := parseDate("recurrence.until_date", v)
		if err != nil {
			return seriesInput{}, err
		}
		if until.Before(start) {
			return seriesInput{}, apierr.Invalid("recurrence.until_date", "is before start_date")
		}
		r.Until = &until
	}
	return seriesInput{texts: texts, rule: r}, nil
}

// checkTemplates says why X would refuse repeating these texts: one of
// them (filled in with the longest date) is not a valid post, or they would
// make the same post twice.
func checkTemplates(texts []string) error {
	var bad []string
	for i, t := range texts {
		if msg := textProblems(strings.NewReplacer("{date}", "Wednesday 29 September 2027", "{n}", "100").Replace(t), false); msg != "" {
			bad = append(bad, fmt.Sprintf("texts[%d]: %s", i, msg))
		}
	}
	if len(bad) > 0 {
		return apierr.New(connect.CodeInvalidArgument, strings.Join(bad, "; "))
	}
	if !series.Varies(texts) {
		return apierr.Invalid("texts", "would post the same text each time, and X refuses a text it already has: "+
			"add {date} or {n} to it, or give several texts to use in turn")
	}
	return nil
}

func (in seriesInput) weekdays() []int16 {
	out := []int16{}
	for _, d := range in.rule.Weekdays {
		out = append(out, int16(d))
	}
	return out
}

func seriesToProto(s dbq.PostSeries) *postv1.Series {
	rec := &postv1.Recurrence{Every: s.Every, MonthDay: int32(s.MonthDay), LocalTime: queue.Slot{Minute: int(s.Minute)}.Clock(),
		TimeZone: s.TimeZone, StartDate: s.StartDate.Format(time.DateOnly)}
	for k, v := range frequencies {
		if v == s.Frequency {
			rec.Frequency = k
		}
	}
	for _, d := range s.Weekdays {
		rec.Weekdays = append(rec.Weekdays, weekdayProto(time.Weekday(d)))
	}
	if s.UntilDate != nil {
		rec.UntilDate = s.UntilDate.Format(time.DateOnly)
	}
	if s.MaxCount != nil {
		rec.Count = *s.MaxCount
	}
	out := &postv1.Series{Id: s.ID, WorkspaceId: s.WorkspaceID, IntegrationId: s.IntegrationID, Texts: s.Texts, Recurrence: rec,
		Made: s.Made, Finished: s.Finished, CreateTime: timestamppb.New(s.CreatedAt), UpdateTime: timestamppb.New(s.UpdatedAt)}
	if r, err := series.RuleOf(s); err == nil {
		out.Rrule = r.String()
	}
	return out
}

func (ss *Series) coming(ctx context.Context, s dbq.PostSeries) ([]*postv1.Post, error) {
	rows, err := ss.s.q.PostListSeries(ctx, &s.ID)
	if err != nil {
		return nil, err
	}
	var out []*postv1.Post
	for _, r := range rows {
		out = append(out, ss.s.postToProto(r))
	}
	return out, ss.s.withMedia(ctx, s.WorkspaceID, out...)
}

// CreateSeries implements SeriesService.CreateSeries.
func (ss *Series) CreateSeries(ctx context.Context, req *connect.Request[postv1.CreateSeriesRequest]) (*connect.Response[postv1.CreateSeriesResponse], error) {
	msg := req.Msg
	if msg.GetIntegrationId() == "" {
		return nil, apierr.Invalid("integration_id", "is required: the X account to post with")
	}
	in, err := readSeries(msg.GetTexts(), msg.GetRecurrence(), ss.s.now.Now())
	if err != nil {
		return nil, err
	}
	me := auth.UserID(ctx)
	now := ss.s.now.Now()
	var row dbq.PostSeries
	var made []dbq.Post
	err = db.InTx(ctx, ss.s.pool, func(q *dbq.Queries) error {
		integ, err := q.IntegrationHoldForMember(ctx, dbq.IntegrationHoldForMemberParams{ID: msg.GetIntegrationId(), UserID: me})
		if errors.Is(db.Classify(err), db.ErrNotFound) {
			return errNoIntegration
		}
		if err != nil {
			return err
		}
		if err := access.Require(integ.Role, dbq.WorkspaceRoleEditor, "making recurring posts"); err != nil {
			return err
		}
		if err := checkActive(integ.Integration); err != nil {
			return err
		}
		p := dbq.SeriesCreateParams{ID: ulid.Make().String(), WorkspaceID: integ.Integration.WorkspaceID, IntegrationID: integ.Integration.ID, AuthorID: &me,
			Texts: in.texts, TimeZone: in.rule.Loc.String(), Frequency: in.rule.Freq, Every: int32(in.rule.Every), Weekdays: in.weekdays(),
			MonthDay: int16(in.rule.MonthDay), Minute: int16(in.rule.Minute), StartDate: in.rule.Start, UntilDate: in.rule.Until, Now: now}
		if in.rule.Count > 0 {
			c := int32(in.rule.Count)
			p.MaxCount = &c
		}
		if row, err = q.SeriesCreate(ctx, p); err != nil {
			return err
		}
		if made, err = series.TopUp(ctx, q, row, 0, now); err != nil {
			return err
		}
		if len(made) == 0 {
			return apierr.Invalid("recurrence", "has no occurrence after now: check start_date, until_date and count")
		}
		row, err = q.SeriesLock(ctx, row.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &postv1.CreateSeriesResponse{Series: seriesToProto(row)}
	for _, p := range made {
		out.Coming = append(out.Coming, ss.s.postToProto(p))
	}
	ss.s.log.InfoContext(ctx, "series created", "series_id", row.ID, "rule", out.Series.Rrule, "zone", row.TimeZone, "made", len(made))
	return connect.NewResponse(out), nil
}

func (ss *Series) get(ctx context.Context, id string) (dbq.PostSeries, dbq.WorkspaceRole, error) {
	if id == "" {
		return dbq.PostSeries{}, "", apierr.Invalid("id", "is required")
	}
	row, err := ss.s.q.SeriesGetForMember(ctx, dbq.SeriesGetForMemberParams{ID: id, UserID: auth.UserID(ctx)})
	if errors.Is(db.Classify(err), db.ErrNotFound) {
		return dbq.PostSeries{}, "", errNoSeries
	}
	return row.PostSeries, row.Role, err
}

// GetSeries implements SeriesService.GetSeries.
func (ss *Series) GetSeries(ctx context.Context, req *connect.Request[postv1.GetSeriesRequest]) (*connect.Response[postv1.GetSeriesResponse], error) {
	s, _, err := ss.get(ctx, req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	coming, err := ss.coming(ctx, s)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&postv1.GetSeriesResponse{Series: seriesToProto(s), Coming: coming}), nil
}

// ListSeries implements SeriesService.ListSeries.
func (ss *Series) ListSeries(ctx context.Context, req *connect.Request[postv1.ListSeriesRequest]) (*connect.Response[postv1.ListSeriesResponse], error) {
	if _, err := access.Role(ctx, ss.s.q, req.Msg.GetWorkspaceId(), auth.UserID(ctx)); err != nil {
		return nil, err
	}
	rows, err := ss.s.q.SeriesList(ctx, req.Msg.GetWorkspaceId())
	if err != nil {
		return nil, err
	}
	out := &postv1.ListSeriesResponse{}
	for _, r := range rows {
		out.Series = append(out.Series, seriesToProto(r))
	}
	return connect.NewResponse(out), nil
}

// UpdateSeries implements SeriesService.UpdateSeries.
func (ss *Series) UpdateSeries(ctx context.Context, req *connect.Request[postv1.UpdateSeriesRequest]) (*connect.Response[postv1.UpdateSeriesResponse], error) {
	in, err := readSeries(req.Msg.GetTexts(), req.Msg.GetRecurrence(), ss.s.now.Now())
	if err != nil {
		return nil, err
	}
	cur, role, err := ss.get(ctx, req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	if err := access.Require(role, dbq.WorkspaceRoleEditor, "changing recurring posts"); err != nil {
		return nil, err
	}
	now := ss.s.now.Now()
	var row dbq.PostSeries
	var made []dbq.Post
	err = db.InTx(ctx, ss.s.pool, func(q *dbq.Queries) error {
		if _, err := q.SeriesLock(ctx, cur.ID); err != nil {
			if errors.Is(db.Classify(err), db.ErrNotFound) {
				return errNoSeries
			}
			return err
		}
		// Only the future changes: what is not on X yet is made again.
		if _, err := q.SeriesDropFuture(ctx, &cur.ID); err != nil {
			return err
		}
		from := queue.Wall(now, in.rule.Loc)
		p := dbq.SeriesUpdateParams{ID: cur.ID, Texts: in.texts, TimeZone: in.rule.Loc.String(), Frequency: in.rule.Freq, Every: int32(in.rule.Every),
			Weekdays: in.weekdays(), MonthDay: int16(in.rule.MonthDay), Minute: int16(in.rule.Minute), StartDate: in.rule.Start,
			UntilDate: in.rule.Until, LastLocal: &from, Now: now}
		if in.rule.Count > 0 {
			c := int32(in.rule.Count)
			p.MaxCount = &c
		}
		if row, err = q.SeriesUpdate(ctx, p); err != nil {
			return err
		}
		if made, err = series.TopUp(ctx, q, row, 0, now); err != nil {
			return err
		}
		row, err = q.SeriesLock(ctx, row.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &postv1.UpdateSeriesResponse{Series: seriesToProto(row)}
	for _, p := range made {
		out.Coming = append(out.Coming, ss.s.postToProto(p))
	}
	return connect.NewResponse(out), nil
}

// DeleteSeries implements SeriesService.DeleteSeries.
func (ss *Series) DeleteSeries(ctx context.Context, req *connect.Request[postv1.DeleteSeriesRequest]) (*connect.Response[postv1.DeleteSeriesResponse], error) {
	cur, role, err := ss.get(ctx, req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	if err := access.Require(role, dbq.WorkspaceRoleEditor, "stopping recurring posts"); err != nil {
		return nil, err
	}
	err = db.InTx(ctx, ss.s.pool, func(q *dbq.Queries) error {
		if _, err := q.SeriesDropFuture(ctx, &cur.ID); err != nil {
			return err
		}
		return q.SeriesDelete(ctx, cur.ID)
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&postv1.DeleteSeriesResponse{}), nil
}
