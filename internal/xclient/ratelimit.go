package xclient

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// rateWindows are the header families X sends: the 15-minute window on
// every v2 response, and on POST /2/tweets the per-user and per-app
// 24-hour windows (x-api.md §3). A 429 can come from any of them.
var rateWindows = []string{"x-rate-limit", "x-user-limit-24hour", "x-app-limit-24hour"}

// rateLimitReset returns when a rate-limited request may be retried.
//
// Waiting for the latest of all three resets is always safe, but it is
// needlessly slow when, say, only the 15-minute window is spent while the
// 24-hour one still has room (its reset can be nearly a day away). So when
// some windows say remaining=0, only those count; when none does (X does
// not always explain its 429s), the latest reset of all present windows is
// used. Resets are Unix epoch seconds. Zero when no reset header is usable.
func rateLimitReset(h http.Header) time.Time {
	var latestAll, latestExhausted time.Time
	for _, w := range rateWindows {
		reset, ok := epochHeader(h, w+"-reset")
		if !ok {
			continue
		}
		if reset.After(latestAll) {
			latestAll = reset
		}
		if rem := strings.TrimSpace(h.Get(w + "-remaining")); rem == "0" && reset.After(latestExhausted) {
			latestExhausted = reset
		}
	}
	if !latestExhausted.IsZero() {
		return latestExhausted
	}
	return latestAll
}

func epochHeader(h http.Header, name string) (time.Time, bool) {
	v := strings.TrimSpace(h.Get(name))
	if v == "" {
		return time.Time{}, false
	}
	sec, err := strconv.ParseInt(v, 10, 64)
	if err != nil || sec <= 0 {
		return time.Time{}, false
	}
	return time.Unix(sec, 0), true
}
