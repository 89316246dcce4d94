package series

import (
	"context"
	"fmt"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/betterplan/betterplan/db/dbq"
)

// Ahead is how many occurrences of a series wait to go out at any time.
const Ahead = 2

// RuleOf is a stored series' rule.
func RuleOf(s dbq.PostSeries) (Rule, error) {
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		return Rule{}, fmt.Errorf("series %s: zone %q: %w", s.ID, s.TimeZone, err)
	}
	r := Rule{Freq: s.Frequency, Every: int(s.Every), MonthDay: int(s.MonthDay), Minute: int(s.Minute), Start: s.StartDate, Until: s.UntilDate, Loc: loc}
	if s.MaxCount != nil {
		r.Count = int(*s.MaxCount)
	}
	for _, d := range s.Weekdays {
		r.Weekdays = append(r.Weekdays, time.Weekday(d))
	}
	return r, nil
}

// TopUp makes the series' next occurrences (as scheduled posts) until
// `pending` of them wait, none before now, and records how far it got. It
// returns the posts it made. Call it with the series row locked.
func TopUp(ctx context.Context, q *dbq.Queries, s dbq.PostSeries, pending int, now time.Time) ([]dbq.Post, error) {
	need := Ahead - pending
	if need <= 0 || s.Finished {
		return nil, nil
	}
	r, err := RuleOf(s)
	if err != nil {
		return nil, err
	}
	occ, err := r.Next(s.LastLocal, now, need)
	if err != nil {
		return nil, err
	}
	var made []dbq.Post
	last, n := s.LastLocal, int(s.Made)
	for _, o := range occ {
		p, err := q.PostCreateOccurrence(ctx, dbq.PostCreateOccurrenceParams{
			ID: ulid.Make().String(), WorkspaceID: s.WorkspaceID, AuthorID: s.AuthorID, IntegrationID: &s.IntegrationID,
			Parts: []string{Render(s.Texts, n, o.Local)}, At: &o.At, SeriesID: &s.ID, Now: now,
		})
		if err != nil {
			return nil, err
		}
		made = append(made, p)
		local := o.Local
		last, n = &local, n+1
	}
	err = q.SeriesMade(ctx, dbq.SeriesMadeParams{ID: s.ID, LastLocal: last, Made: int32(n), Finished: len(occ) < need, Now: now})
	return made, err
}
