package xclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"
)

// TimelinePost is one of an account's posts as X returns it.
type TimelinePost struct {
	ID          string
	Text        string // as X returns it: HTML-escaped, URLs as t.co links
	CreatedAt   time.Time
	InReplyToID string // the post it replies to (referenced_tweets replied_to), "" if none
}

// userPostsPageSize is the largest page X serves (max_results 5–100).
const userPostsPageSize = 100

// earliestStartTime is the earliest start_time X accepts; no post is
// older, so an earlier since is no filter at all.
var earliestStartTime = time.Date(2010, 11, 6, 0, 0, 1, 0, time.UTC)

// UserPosts returns userID's posts created at or after since (X's
// start_time, whole seconds, rounded down; zero means no limit), newest
// first, following meta.next_token with max_results=100 until X has no
// more pages or maxPages pages were read. One call is the whole read;
// every page is a request (GET /2/users/:id/tweets) under the per-request
// timeout, and on pay-per-use plans every page costs credits.
//
// X only serves an account's newest 3,200 posts, deleted ones are gone,
// and replies (thread parts) are included. When maxPages pages were read
// and X had more, the result is the newest maxPages*100 posts.
//
// Any failing page fails the call (no partial result). Errors are *Error:
// Unauthorized (revoked token), Forbidden (e.g. the app may not read),
// RateLimited with ResetAt, UsageCapped, ServerError, NotReached or
// Ambiguous (both retryable: reading is harmless to repeat), BadRequest
// (including an unknown user, which X answers with 200 and an "errors"
// array) and BadResponse (a page we cannot read).
func (c *Client) UserPosts(ctx context.Context, creds Credentials, userID string, since time.Time, maxPages int) ([]TimelinePost, error) {
	const op = "read user posts"
	switch {
	case !isPostID(userID):
		return nil, &Error{Op: op, Kind: BadRequest, Detail: "user id must be 1-19 digits"}
	case maxPages < 1:
		return nil, &Error{Op: op, Kind: BadRequest, Detail: fmt.Sprintf("maxPages must be at least 1, got %d", maxPages)}
	}
	q := url.Values{
		"max_results":  {fmt.Sprint(userPostsPageSize)},
		"tweet.fields": {"created_at,referenced_tweets"},
	}
	if since.After(earliestStartTime) {
		q.Set("start_time", since.UTC().Truncate(time.Second).Format(time.RFC3339))
	}
	path := "/2/users/" + userID + "/tweets"

	var posts []TimelinePost
	for range maxPages {
		x, err := c.roundTrip(ctx, call{
			op: op, method: "GET", path: "/2/users/:id/tweets", idempotent: true,
			secrets: creds.secrets(),
			send:    c.signedSend(creds, "GET", path+"?"+q.Encode(), nil, ""),
		})
		if err != nil {
			return nil, err
		}
		page, next, e := parseUserPostsPage(op, x.resp.StatusCode, x.body)
		if e != nil {
			e.idempotent = true
			e.scrub(append(creds.secrets(), c.consumerSecret))
			return nil, e
		}
		posts = append(posts, page...)
		if next == "" {
			break
		}
		q.Set("pagination_token", next)
	}
	return posts, nil
}

type userPostsBody struct {
	Data []struct {
		ID               string `json:"id"`
		Text             string `json:"text"`
		CreatedAt        string `json:"created_at"`
		ReferencedTweets []struct {
			Type string `json:"type"`
			ID   string `json:"id"`
		} `json:"referenced_tweets"`
	} `json:"data"`
	Meta *struct {
		NextToken string `json:"next_token"`
	} `json:"meta"`
	// X answers some failures, such as an unknown user, with 200 and only
	// this array.
	Errors []struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
		Type   string `json:"type"`
	} `json:"errors"`
}

// parseUserPostsPage reads one 2xx page: its posts and meta.next_token.
func parseUserPostsPage(op string, status int, body []byte) ([]TimelinePost, string, *Error) {
	var b userPostsBody
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, "", badResponse(op, "timeline page is not the expected JSON: "+err.Error(), status)
	}
	if len(b.Data) == 0 && len(b.Errors) > 0 {
		xe := b.Errors[0]
		return nil, "", &Error{Op: op, Kind: BadRequest, Status: status, Title: xe.Title, Detail: clipText(xe.Detail), Type: xe.Type}
	}
	if b.Meta == nil {
		return nil, "", badResponse(op, "timeline page lacks meta", status)
	}
	posts := make([]TimelinePost, 0, len(b.Data))
	for i, d := range b.Data {
		created, err := time.Parse(time.RFC3339, d.CreatedAt)
		switch {
		case !isPostID(d.ID):
			return nil, "", badResponse(op, fmt.Sprintf("post %d of the page has no valid id", i), status)
		case err != nil:
			return nil, "", badResponse(op, fmt.Sprintf("post %s has no valid created_at", d.ID), status)
		}
		p := TimelinePost{ID: d.ID, Text: d.Text, CreatedAt: created}
		for _, ref := range d.ReferencedTweets {
			if ref.Type == "replied_to" {
				p.InReplyToID = ref.ID
			}
		}
		posts = append(posts, p)
	}
	return posts, b.Meta.NextToken, nil
}
