package post

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/betterplan/betterplan/internal/apierr"
)

// listFilter is what ListPosts selects and in which order; a page token is
// only good for the filter it was issued for.
type listFilter struct {
	statuses      []string // sorted, without duplicates
	integrationID string
	after, before *time.Time
	descending    bool
}

// hash identifies the filter inside a page token.
func (f listFilter) hash() string {
	var b strings.Builder
	fmt.Fprintf(&b, "v1|%s|%q|%t", strings.Join(f.statuses, ","), f.integrationID, f.descending)
	for _, t := range []*time.Time{f.after, f.before} {
		if t == nil {
			b.WriteString("|-")
		} else {
			fmt.Fprintf(&b, "|%d", t.UnixMicro())
		}
	}
	sum := sha256.Sum256([]byte(b.String()))
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// cursor is the last post of a page: the next page starts after it in the
// listing order (scheduled posts by (scheduled_at, id), then drafts by id).
type cursor struct {
	Draft  bool   `json:"d,omitempty"`
	At     int64  `json:"t,omitempty"` // scheduled_at in Unix microseconds
	ID     string `json:"i"`
	Filter string `json:"f"`
}

func encodeToken(c cursor) string {
	b, _ := json.Marshal(c) // cannot fail: strings, ints and bools
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeToken reads a page token and checks it belongs to filter f.
func decodeToken(token string, f listFilter) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || json.Unmarshal(b, &c) != nil || c.ID == "" || c.Filter == "" {
		return c, apierr.Invalid("page_token", "is not a token ListPosts returned; drop it to start from the first page")
	}
	if c.Filter != f.hash() {
		return c, apierr.Invalid("page_token", "belongs to a listing with other filters; send the same statuses, integration_id, "+
			"scheduled_after, scheduled_before and descending as for the first page, or drop page_token to start over")
	}
	return c, nil
}

// normalizeStatuses sorts and dedupes statuses, so the same set gives the
// same filter hash in any order.
func normalizeStatuses(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}
