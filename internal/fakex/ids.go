package fakex

import (
	"crypto/rand"
	"hash/fnv"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// twitterEpochMillis is the snowflake epoch (2010-11-04T01:42:54.657Z).
const twitterEpochMillis = 1288834974657

// nextPostIDLocked returns a snowflake-like id: milliseconds since the
// Twitter epoch in the high bits, strictly increasing even when the clock
// stands still (tests inject a fixed Now) or goes back.
func (st *state) nextPostIDLocked(now time.Time) string {
	ms := now.UnixMilli() - twitterEpochMillis
	if ms < 0 {
		ms = 0
	}
	id := uint64(ms) << 22
	if id <= st.LastPostID {
		id = st.LastPostID + 1
	}
	st.LastPostID = id
	return strconv.FormatUint(id, 10)
}

// userIDFor derives a stable numeric id from the username, so the same
// username always maps to the same X id: across reconnects, and across
// sandbox restarts even without a state file. Case-insensitive like X.
func userIDFor(username string) string {
	h := fnv.New64a()
	h.Write([]byte("fakex-user:" + strings.ToLower(username)))
	// 18 digits, never a leading zero.
	return strconv.FormatUint(h.Sum64()%900_000_000_000_000_000+100_000_000_000_000_000, 10)
}

// randomToken returns n*26 characters of crypto randomness (base32,
// A-Z2-7), the shape of X's tokens and verifiers closely enough.
func randomToken(n int) string {
	var b strings.Builder
	for range n {
		b.WriteString(rand.Text())
	}
	return b.String()
}

// validUsername is X's rule: 1-15 letters, digits or underscores.
var validUsername = regexp.MustCompile(`^[A-Za-z0-9_]{1,15}$`)
