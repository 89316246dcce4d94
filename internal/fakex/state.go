package fakex

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Post is a post X received.
type Post struct {
	ID          string    `json:"id"`
	UserID      string    `json:"user_id"`
	Username    string    `json:"username"`
	Text        string    `json:"text"`
	InReplyToID string    `json:"in_reply_to_id,omitempty"`
	MediaIDs    []string  `json:"media_ids,omitempty"`
	MediaAlt    []string  `json:"media_alt,omitempty"` // each one\'s alt text when posted
	ReceivedAt  time.Time `json:"received_at"`
	Deleted     bool      `json:"deleted,omitempty"`
}

type user struct {
	ID       string `json:"id"`
	Username string `json:"username"` // as first typed; lookups are case-insensitive like X's
	Name     string `json:"name"`
}

// requestToken is a temporary credential from POST /oauth/request_token.
type requestToken struct {
	Token      string    `json:"token"`
	Secret     string    `json:"secret"`
	Callback   string    `json:"callback"` // URL or "oob"
	AccessType string    `json:"access_type,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	Username   string    `json:"username,omitempty"` // set on approval
	Verifier   string    `json:"verifier,omitempty"` // set on approval
	Denied     bool      `json:"denied,omitempty"`
	Used       bool      `json:"used,omitempty"` // exchanged for an access token
}

type accessToken struct {
	Token      string    `json:"token"`
	Secret     string    `json:"secret"`
	UserID     string    `json:"user_id"`
	Username   string    `json:"username"`
	AccessType string    `json:"access_type,omitempty"` // "read" forbids writes
	CreatedAt  time.Time `json:"created_at"`
	Revoked    bool      `json:"revoked,omitempty"`
}

// state is everything that survives a sandbox restart when
// Options.StateFile is set. Guarded by Server.mu.
type state struct {
	Users         map[string]*user         `json:"users"` // key: lower-case username
	RequestTokens map[string]*requestToken `json:"request_tokens"`
	AccessTokens  map[string]*accessToken  `json:"access_tokens"`
	Posts         []*Post                  `json:"posts"` // in creation (= id) order
	LastPostID    uint64                   `json:"last_post_id"`

	postIndex map[string]*Post
	// liveTexts counts each user's live posts by text, so the duplicate
	// check does not scan every post (O(n²) under a burst).
	liveTexts map[textKey]int
}

type textKey struct{ userID, text string }

func (st *state) indexPost(p *Post) {
	st.postIndex[p.ID] = p
	if !p.Deleted {
		st.liveTexts[textKey{p.UserID, p.Text}]++
	}
}

func (st *state) markDeleted(p *Post) {
	if !p.Deleted {
		p.Deleted = true
		st.liveTexts[textKey{p.UserID, p.Text}]--
	}
}

func newState() state {
	return state{
		Users:         map[string]*user{},
		RequestTokens: map[string]*requestToken{},
		AccessTokens:  map[string]*accessToken{},
		postIndex:     map[string]*Post{},
		liveTexts:     map[textKey]int{},
	}
}

// loadState reads path; a missing file is an empty state.
func loadState(path string) (state, error) {
	st := newState()
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("fakex: read state: %w", err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("fakex: parse state %s: %w", path, err)
	}
	if st.Users == nil {
		st.Users = map[string]*user{}
	}
	if st.RequestTokens == nil {
		st.RequestTokens = map[string]*requestToken{}
	}
	if st.AccessTokens == nil {
		st.AccessTokens = map[string]*accessToken{}
	}
	st.postIndex = make(map[string]*Post, len(st.Posts))
	st.liveTexts = map[textKey]int{}
	for _, p := range st.Posts {
		st.indexPost(p)
	}
	return st, nil
}

// saveState writes atomically (temp file + rename) so a crash mid-write
// never leaves a truncated file. 0600: it holds (sandbox) token secrets.
func saveState(path string, st *state) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
