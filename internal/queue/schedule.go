// Package queue computes an X account's posting slots: weekly local times
// in an IANA time zone, turned into instants one occurrence at a time, so
// a DST change moves the instant and never the local minute.
//
// Two DST rules (tested with the real zone database):
//   - a local time that does not exist on a day (02:30 on the night clocks
//     spring forward) is taken at the first valid instant after it: the
//     moment the clocks jump (03:00 in Europe/Berlin);
//   - a local time that occurs twice (02:30 on the night clocks fall back)
//     is taken once, at its first occurrence (summer time).
package queue

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the zone database, even where the system has none
)

// Slot is a weekly posting time: a weekday and a local time of day.
type Slot struct {
	Weekday time.Weekday
	Minute  int // minutes after local midnight, 0..1439
}

// Clock is the slot's time as "HH:MM".
func (s Slot) Clock() string { return fmt.Sprintf("%02d:%02d", s.Minute/60, s.Minute%60) }

// ParseClock reads "HH:MM" (24-hour).
func ParseClock(v string) (int, error) {
	h, m, ok := strings.Cut(v, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || len(h) != 2 || len(m) != 2 || err1 != nil || err2 != nil || hh > 23 || mm > 59 || hh < 0 || mm < 0 {
		return 0, fmt.Errorf("%q is not a time of day like 09:30 (24-hour, HH:MM)", v)
	}
	return hh*60 + mm, nil
}

// Occurrence is one slot on one day: Local is the wall-clock date and time
// in the zone (a naive time, kept in UTC fields), At the instant it is taken.
type Occurrence struct {
	Local time.Time
	At    time.Time
}

// Schedule is an account's slots in its zone.
type Schedule struct {
	Loc   *time.Location
	Slots []Slot
}

// Next returns up to n occurrences whose instant is after `after`, in time
// order. Two slots that land on the same instant (both inside a skipped
// hour) count once.
func (s Schedule) Next(after time.Time, n int) []Occurrence {
	if len(s.Slots) == 0 || n <= 0 {
		return nil
	}
	slots := slices.Clone(s.Slots)
	slices.SortFunc(slots, func(a, b Slot) int { return a.Minute - b.Minute })
	local := after.In(s.Loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	var out []Occurrence
	// A week has every slot once: a year of empty days means no slots.
	for i := 0; len(out) < n && i < 400; i++ {
		d := day.AddDate(0, 0, i)
		for _, sl := range slots {
			if sl.Weekday != d.Weekday() {
				continue
			}
			at := Resolve(s.Loc, d.Year(), d.Month(), d.Day(), sl.Minute)
			if !at.After(after) || (len(out) > 0 && !at.After(out[len(out)-1].At)) {
				continue
			}
			out = append(out, Occurrence{Local: d.Add(time.Duration(sl.Minute) * time.Minute), At: at})
			if len(out) == n {
				break
			}
		}
	}
	return out
}

// Resolve is the instant of a local date and time in loc, by the rules in
// the package comment.
func Resolve(loc *time.Location, y int, m time.Month, d, minute int) time.Time {
	naive := time.Date(y, m, d, minute/60, minute%60, 0, 0, time.UTC)
	var found []time.Time
	for _, off := range offsetsNear(loc, naive) {
		u := naive.Add(-time.Duration(off) * time.Second)
		if Wall(u, loc).Equal(naive) {
			found = append(found, u)
		}
	}
	if len(found) > 0 {
		return slices.MinFunc(found, func(a, b time.Time) int { return a.Compare(b) })
	}
	// In a gap: the first instant whose wall clock is past the asked one
	// is the jump itself. It lies between the asked time read with the
	// offset after the jump and read with the one before.
	lo, hi := naive.Add(-14*time.Hour), naive.Add(14*time.Hour)
	for _, off := range offsetsNear(loc, naive) {
		u := naive.Add(-time.Duration(off) * time.Second)
		if Wall(u, loc).Before(naive) && u.After(lo) {
			lo = u
		}
		if Wall(u, loc).After(naive) && u.Before(hi) {
			hi = u
		}
	}
	for hi.Sub(lo) > time.Second {
		mid := lo.Add(hi.Sub(lo) / 2).Truncate(time.Second)
		if !mid.After(lo) {
			break
		}
		if Wall(mid, loc).After(naive) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// Wall is u's wall clock in loc as a naive time (UTC fields), the form
// local times are kept in (queue_slot, a series' last occurrence).
func Wall(u time.Time, loc *time.Location) time.Time {
	l := u.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)
}

// offsetsNear are the UTC offsets (seconds) loc uses within a day of naive.
func offsetsNear(loc *time.Location, naive time.Time) []int {
	var out []int
	for _, h := range []int{-30, -15, 0, 15, 30} {
		_, off := naive.Add(time.Duration(h) * time.Hour).In(loc).Zone()
		if !slices.Contains(out, off) {
			out = append(out, off)
		}
	}
	return out
}
