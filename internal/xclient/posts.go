package xclient

import (
	"context"
	"encoding/json"
	"net/url"
)

type createPostRequest struct {
	Text  string     `json:"text,omitempty"`
	Reply *postReply `json:"reply,omitempty"`
	Media *postMedia `json:"media,omitempty"`
}

type postMedia struct {
	MediaIDs []string `json:"media_ids"`
}

type postReply struct {
	InReplyToTweetID string `json:"in_reply_to_tweet_id"`
}

// CreatePost publishes text (POST /2/tweets), as a reply to inReplyToID
// when that is not empty (how threads are built), with the media ids
// given (uploaded and processed beforehand), and returns the new post's id.
//
// Errors worth telling apart: Duplicate (already posted), RateLimited (see
// ResetAt), NotReached (nothing was sent: retry), Ambiguous (the post may
// exist: do not blindly retry). A 2xx without data.id is Ambiguous too: X
// accepted the post but we cannot know its id.
func (c *Client) CreatePost(ctx context.Context, creds Credentials, text, inReplyToID string, mediaIDs ...string) (string, error) {
	const op = "create post"
	req := createPostRequest{Text: text}
	if inReplyToID != "" {
		req.Reply = &postReply{InReplyToTweetID: inReplyToID}
	}
	if len(mediaIDs) > 0 {
		req.Media = &postMedia{MediaIDs: mediaIDs}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return "", &Error{Op: op, Kind: BadRequest, Err: err}
	}
	x, err := c.roundTrip(ctx, call{
		op: op, method: "POST", path: "/2/tweets", idempotent: false,
		secrets: creds.secrets(),
		send:    c.signedSend(creds, "POST", "/2/tweets", body, "application/json"),
	})
	if err != nil {
		return "", err
	}
	var resp struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if json.Unmarshal(x.body, &resp) != nil || resp.Data.ID == "" {
		return "", &Error{Op: op, Kind: Ambiguous, Status: x.resp.StatusCode, Detail: "X accepted the post but the response lacks data.id"}
	}
	return resp.Data.ID, nil
}

// DeletePost deletes one of the user's posts (DELETE /2/tweets/:id). An
// unknown or already deleted id is BadRequest with Status 404.
func (c *Client) DeletePost(ctx context.Context, creds Credentials, id string) error {
	const op = "delete post"
	if !isPostID(id) {
		return &Error{Op: op, Kind: BadRequest, Detail: "post id must be 1-19 digits"}
	}
	path := "/2/tweets/" + url.PathEscape(id)
	x, err := c.roundTrip(ctx, call{
		op: op, method: "DELETE", path: "/2/tweets/:id", idempotent: true,
		secrets: creds.secrets(),
		send:    c.signedSend(creds, "DELETE", path, nil, ""),
	})
	if err != nil {
		return err
	}
	var resp struct {
		Data struct {
			Deleted bool `json:"deleted"`
		} `json:"data"`
	}
	if json.Unmarshal(x.body, &resp) != nil || !resp.Data.Deleted {
		return badResponse(op, "X did not confirm data.deleted=true", x.resp.StatusCode)
	}
	return nil
}

// isPostID matches X's id pattern ^[0-9]{1,19}$.
func isPostID(id string) bool {
	if len(id) == 0 || len(id) > 19 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}
