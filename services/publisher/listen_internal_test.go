package publisher

import (
	"testing"
	"time"
)

// TestParseDue: a text post wakes only the claim loop; a post with files
// wakes the pre-upload too.
func TestParseDue(t *testing.T) {
	for payload, want := range map[string]struct {
		ms    int64
		media bool
		ok    bool
	}{
		"1767258000000":       {1767258000000, false, true},
		"1767258000000:media": {1767258000000, true, true},
		"soon":                {0, false, false},
		"":                    {0, false, false},
	} {
		due, media, ok := parseDue(payload)
		if ok != want.ok || media != want.media || (ok && !due.Equal(time.UnixMilli(want.ms))) {
			t.Errorf("%q: %v %v %v, want %v", payload, due, media, ok, want)
		}
	}
}
