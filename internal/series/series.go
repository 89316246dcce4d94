// Package series turns a recurring post's rule into occurrences (an RRULE
// subset: every N days, weeks on given weekdays, or months on a day, at a
// local time, until a date or for a count) and fills in each occurrence's
// text. Local times become instants by the queue's DST rules.
package series

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/teambition/rrule-go"

	"github.com/betterplan/betterplan/internal/queue"
)

// Rule is when a series posts.
type Rule struct {
	Freq     string // daily, weekly, monthly
	Every    int
	Weekdays []time.Weekday // weekly; none: the start date's weekday
	MonthDay int            // monthly; 0: the start date's day
	Minute   int            // local time of day
	Start    time.Time      // local date (UTC fields)
	Until    *time.Time     // last local date, inclusive
	Count    int            // 0: no limit
	Loc      *time.Location
}

var freqs = map[string]rrule.Frequency{"daily": rrule.DAILY, "weekly": rrule.WEEKLY, "monthly": rrule.MONTHLY}

var rweekdays = map[time.Weekday]rrule.Weekday{
	time.Monday: rrule.MO, time.Tuesday: rrule.TU, time.Wednesday: rrule.WE, time.Thursday: rrule.TH,
	time.Friday: rrule.FR, time.Saturday: rrule.SA, time.Sunday: rrule.SU,
}

// rrule builds the rule over naive local times (UTC fields), so the
// library never meets a DST gap; Resolve applies the zone afterwards.
func (r Rule) rrule() (*rrule.RRule, error) {
	f, ok := freqs[r.Freq]
	if !ok {
		return nil, fmt.Errorf("frequency %q is not daily, weekly or monthly", r.Freq)
	}
	opt := rrule.ROption{
		Freq: f, Interval: r.Every, Count: r.Count,
		Dtstart: r.Start.Add(time.Duration(r.Minute) * time.Minute),
	}
	for _, d := range r.Weekdays {
		opt.Byweekday = append(opt.Byweekday, rweekdays[d])
	}
	if r.Freq == "monthly" && r.MonthDay > 0 {
		opt.Bymonthday = []int{r.MonthDay}
	}
	if r.Until != nil {
		opt.Until = r.Until.Add(24*time.Hour - time.Second)
	}
	return rrule.NewRRule(opt)
}

// String is the rule as RFC 5545 text (for people and logs).
func (r Rule) String() string {
	rr, err := r.rrule()
	if err != nil {
		return err.Error()
	}
	return rr.String()
}

// Next returns up to n occurrences whose local time is after afterLocal
// (nil: from the start) and whose instant is after notBefore.
func (r Rule) Next(afterLocal *time.Time, notBefore time.Time, n int) ([]queue.Occurrence, error) {
	rr, err := r.rrule()
	if err != nil {
		return nil, err
	}
	var out []queue.Occurrence
	it := rr.Iterator()
	for len(out) < n {
		l, ok := it()
		if !ok {
			break
		}
		if afterLocal != nil && !l.After(*afterLocal) {
			continue
		}
		at := queue.Resolve(r.Loc, l.Year(), l.Month(), l.Day(), l.Hour()*60+l.Minute())
		if !at.After(notBefore) {
			continue
		}
		out = append(out, queue.Occurrence{Local: l, At: at})
	}
	return out, nil
}

// Varies reports whether texts make a different post each time: several
// distinct texts, or a placeholder. X refuses the same text twice.
func Varies(texts []string) bool {
	seen := map[string]bool{}
	for _, t := range texts {
		if strings.Contains(t, "{date}") || strings.Contains(t, "{n}") {
			return true
		}
		seen[t] = true
	}
	return len(seen) > 1
}

// Render is occurrence i's (from 0) text: the texts in turn, with {date}
// as the local date ("Monday 29 March 2027") and {n} as its number.
func Render(texts []string, i int, local time.Time) string {
	t := texts[i%len(texts)]
	t = strings.ReplaceAll(t, "{date}", local.Format("Monday 2 January 2006"))
	return strings.ReplaceAll(t, "{n}", strconv.Itoa(i+1))
}
