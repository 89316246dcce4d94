package xclient

import (
	"context"
	"encoding/json"
)

// Me returns the account the credentials belong to
// (GET /2/users/me?user.fields=profile_image_url).
func (c *Client) Me(ctx context.Context, creds Credentials) (User, error) {
	const op = "get user"
	x, err := c.roundTrip(ctx, call{
		op: op, method: "GET", path: "/2/users/me", idempotent: true,
		secrets: creds.secrets(),
		send:    c.signedSend(creds, "GET", "/2/users/me?user.fields=profile_image_url", nil, ""),
	})
	if err != nil {
		return User{}, err
	}
	var body struct {
		Data struct {
			ID              string `json:"id"`
			Username        string `json:"username"`
			Name            string `json:"name"`
			ProfileImageURL string `json:"profile_image_url"`
		} `json:"data"`
	}
	if json.Unmarshal(x.body, &body) != nil || body.Data.ID == "" {
		// v2 can answer 200 with only an "errors" array.
		e := badResponse(op, "response lacks data.id", x.resp.StatusCode)
		if p := parseProblem(x.body); p.Detail != "" {
			e.Detail += ": " + p.Detail
		}
		return User{}, e
	}
	d := body.Data
	return User{ID: d.ID, Username: d.Username, Name: d.Name, ProfileImageURL: d.ProfileImageURL}, nil
}
