package queue_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/betterplan/betterplan/internal/queue"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestResolveDST: the named edge cases on the real zone database.
func TestResolveDST(t *testing.T) {
	for _, tc := range []struct {
		zone  string
		y     int
		m     time.Month
		d     int
		clock string
		want  string // UTC
		why   string
	}{
		{"Europe/Berlin", 2027, time.March, 28, "02:30", "2027-03-28T01:00:00Z", "spring forward: 02:30 does not exist, taken at 03:00 CEST"},
		{"Europe/Berlin", 2027, time.March, 28, "03:00", "2027-03-28T01:00:00Z", "03:00 CEST exists"},
		{"Europe/Berlin", 2027, time.March, 28, "09:00", "2027-03-28T07:00:00Z", "summer time from that day"},
		{"Europe/Berlin", 2027, time.March, 27, "09:00", "2027-03-27T08:00:00Z", "winter time the day before"},
		{"Europe/Berlin", 2026, time.October, 25, "02:30", "2026-10-25T00:30:00Z", "fall back: 02:30 occurs twice, the first (CEST) is taken"},
		{"America/New_York", 2027, time.March, 14, "02:30", "2027-03-14T07:00:00Z", "spring forward: taken at 03:00 EDT"},
		{"America/New_York", 2026, time.November, 1, "01:30", "2026-11-01T05:30:00Z", "fall back: the first 01:30 (EDT)"},
		{"America/New_York", 2026, time.November, 1, "09:00", "2026-11-01T14:00:00Z", "EST after"},
		{"Australia/Lord_Howe", 2026, time.October, 4, "02:15", "2026-10-03T15:30:00Z", "30-minute jump 02:00→02:30: 02:15 taken at 02:30 (+11)"},
		{"Australia/Lord_Howe", 2027, time.April, 4, "01:45", "2027-04-03T14:45:00Z", "30-minute fall back 02:00→01:30: the first 01:45 (+11)"},
		{"Australia/Lord_Howe", 2027, time.April, 4, "02:15", "2027-04-03T15:45:00Z", "after the fall back (+10:30)"},
		{"Asia/Kolkata", 2027, time.March, 28, "09:00", "2027-03-28T03:30:00Z", "no DST, +5:30"},
	} {
		min, err := queue.ParseClock(tc.clock)
		if err != nil {
			t.Fatal(err)
		}
		got := queue.Resolve(zone(t, tc.zone), tc.y, tc.m, tc.d, min).UTC().Format(time.RFC3339)
		if got != tc.want {
			t.Errorf("%s %d-%02d-%02d %s: %s, want %s (%s)", tc.zone, tc.y, tc.m, tc.d, tc.clock, got, tc.want, tc.why)
		}
	}
}

// TestNextAcrossDST: a Berlin weekday 09:00 schedule keeps 09:00 local
// across the last Sunday of March (the instant moves an hour).
func TestNextAcrossDST(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	var slots []queue.Slot
	for d := time.Monday; d <= time.Friday; d++ {
		slots = append(slots, queue.Slot{Weekday: d, Minute: 9 * 60})
	}
	s := queue.Schedule{Loc: berlin, Slots: slots}
	from := time.Date(2027, 3, 24, 12, 0, 0, 0, time.UTC) // a Wednesday afternoon
	got := s.Next(from, 5)
	want := []string{"2027-03-25T08:00:00Z", "2027-03-26T08:00:00Z", "2027-03-29T07:00:00Z", "2027-03-30T07:00:00Z", "2027-03-31T07:00:00Z"}
	for i, o := range got {
		if o.At.UTC().Format(time.RFC3339) != want[i] || o.At.In(berlin).Format("15:04") != "09:00" || o.Local.Format("15:04") != "09:00" {
			t.Errorf("occurrence %d: %s (local %s), want %s at 09:00", i, o.At.UTC().Format(time.RFC3339), o.Local, want[i])
		}
	}
}

// TestNextProperties: random schedules in DST-changing zones and random
// starting instants: occurrences are strictly increasing, after the start,
// on their slot's weekday, and at their slot's local minute unless that
// minute did not exist that day (then at the jump, the wall clock past it).
func TestNextProperties(t *testing.T) {
	zones := []string{"Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "America/Sao_Paulo", "Pacific/Chatham", "UTC"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 400 {
		loc := zone(t, zones[r.IntN(len(zones))])
		var slots []queue.Slot
		for range 1 + r.IntN(12) {
			slots = append(slots, queue.Slot{Weekday: time.Weekday(r.IntN(7)), Minute: r.IntN(1440)})
		}
		s := queue.Schedule{Loc: loc, Slots: slots}
		from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.Int64N(int64(2 * 365 * 24 * time.Hour))))
		occ := s.Next(from, 40)
		if len(occ) == 0 {
			t.Fatalf("%s %v: no occurrences", loc, slots)
		}
		prev := from
		for _, o := range occ {
			if !o.At.After(prev) {
				t.Fatalf("%s %v from %s: %s is not after %s", loc, slots, from, o.At, prev)
			}
			prev = o.At
			match := false
			for _, sl := range slots {
				if sl.Weekday != o.Local.Weekday() || sl.Minute != o.Local.Hour()*60+o.Local.Minute() {
					continue
				}
				match = true
				wall := o.At.In(loc)
				wallNaive := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), 0, 0, time.UTC)
				if !wallNaive.Equal(o.Local) {
					// Only a local time that did not exist moves, and only
					// forward, to the jump: a minute earlier is before it.
					before := o.At.Add(-time.Minute).In(loc)
					beforeNaive := time.Date(before.Year(), before.Month(), before.Day(), before.Hour(), before.Minute(), 0, 0, time.UTC)
					if !wallNaive.After(o.Local) || !beforeNaive.Before(o.Local) {
						t.Fatalf("%s: slot %s on %s resolved to %s (wall %s)", loc, sl.Clock(), o.Local.Format("2006-01-02"), o.At.UTC(), wallNaive)
					}
				}
			}
			if !match {
				t.Fatalf("%s: occurrence %s matches no slot %v", loc, o.Local, slots)
			}
		}
	}
}
