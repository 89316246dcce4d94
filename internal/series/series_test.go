package series_test

import (
	"testing"
	"time"

	"github.com/betterplan/betterplan/internal/series"
)

func TestRules(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	ny, _ := time.LoadLocation("America/New_York")
	until := time.Date(2027, 4, 2, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		rule series.Rule
		want []string // UTC instants
	}{
		{"daily at 02:30 Berlin across spring forward, until a date",
			series.Rule{Freq: "daily", Every: 1, Minute: 150, Start: time.Date(2027, 3, 27, 0, 0, 0, 0, time.UTC), Until: &until, Loc: berlin},
			[]string{"2027-03-27T01:30:00Z", "2027-03-28T01:00:00Z", "2027-03-29T00:30:00Z", "2027-03-30T00:30:00Z", "2027-03-31T00:30:00Z", "2027-04-01T00:30:00Z", "2027-04-02T00:30:00Z"}},
		{"every 2 weeks on Monday and Wednesday at 09:00 New York, 5 times",
			series.Rule{Freq: "weekly", Every: 2, Weekdays: []time.Weekday{time.Monday, time.Wednesday}, Minute: 540, Start: time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), Count: 5, Loc: ny},
			[]string{"2027-03-01T14:00:00Z", "2027-03-03T14:00:00Z", "2027-03-15T13:00:00Z", "2027-03-17T13:00:00Z", "2027-03-29T13:00:00Z"}},
		{"monthly on the 31st: months without one are skipped",
			series.Rule{Freq: "monthly", Every: 1, MonthDay: 31, Minute: 720, Start: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), Count: 3, Loc: time.UTC},
			[]string{"2027-01-31T12:00:00Z", "2027-03-31T12:00:00Z", "2027-05-31T12:00:00Z"}},
	} {
		occ, err := tc.rule.Next(nil, time.Time{}, 20)
		if err != nil {
			t.Fatal(err)
		}
		if len(occ) != len(tc.want) {
			t.Fatalf("%s: %d occurrences, want %d (%v)", tc.name, len(occ), len(tc.want), occ)
		}
		for i, o := range occ {
			if got := o.At.UTC().Format(time.RFC3339); got != tc.want[i] {
				t.Errorf("%s: occurrence %d at %s, want %s", tc.name, i, got, tc.want[i])
			}
		}
		// Starting after the second gives the rest.
		rest, _ := tc.rule.Next(&occ[1].Local, time.Time{}, 20)
		if len(rest) != len(tc.want)-2 {
			t.Errorf("%s: after the second, %d left, want %d", tc.name, len(rest), len(tc.want)-2)
		}
	}
}

func TestVariesAndRender(t *testing.T) {
	if series.Varies([]string{"Good morning!"}) || series.Varies([]string{"a", "a"}) {
		t.Fatal("one text, or the same twice, does not vary")
	}
	if !series.Varies([]string{"Tip of {date}"}) || !series.Varies([]string{"a", "b"}) || !series.Varies([]string{"Tip #{n}"}) {
		t.Fatal("a placeholder or two texts vary")
	}
	day := time.Date(2027, 3, 29, 9, 0, 0, 0, time.UTC)
	if got := series.Render([]string{"Tip #{n} for {date}", "B"}, 2, day); got != "Tip #3 for Monday 29 March 2027" {
		t.Fatalf("render: %q", got)
	}
	if got := series.Render([]string{"A", "B"}, 3, day); got != "B" {
		t.Fatalf("rotation: %q", got)
	}
}
