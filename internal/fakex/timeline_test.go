package fakex_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dghubble/oauth1"

	"github.com/betterplan/betterplan/internal/fakex"
)

type timelinePage struct {
	Data []map[string]any `json:"data"`
	Meta struct {
		ResultCount int    `json:"result_count"`
		NewestID    string `json:"newest_id"`
		OldestID    string `json:"oldest_id"`
		NextToken   string `json:"next_token"`
	} `json:"meta"`
}

// timeline reads one page of userID's posts and insists on a 200 page.
func (f *fixture) timeline(hc *http.Client, userID string, q url.Values) timelinePage {
	f.t.Helper()
	r := f.timelineRaw(hc, userID, q)
	if r.status != http.StatusOK {
		f.t.Fatalf("timeline %v: %d %s", q, r.status, r.body)
	}
	var p timelinePage
	if err := json.Unmarshal([]byte(r.body), &p); err != nil {
		f.t.Fatalf("timeline body: %v: %s", err, r.body)
	}
	if p.Meta.ResultCount != len(p.Data) {
		f.t.Fatalf("result_count %d but %d posts", p.Meta.ResultCount, len(p.Data))
	}
	return p
}

func (f *fixture) timelineRaw(hc *http.Client, userID string, q url.Values) response {
	f.t.Helper()
	path := "/2/users/" + userID + "/tweets"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	return f.do(hc, "GET", path, "", "")
}

// timelineAll follows next_token to the end and returns every id read.
func (f *fixture) timelineAll(hc *http.Client, userID string, q url.Values) (ids []string, pages int) {
	f.t.Helper()
	q = cloneValues(q)
	for {
		p := f.timeline(hc, userID, q)
		pages++
		for _, d := range p.Data {
			ids = append(ids, d["id"].(string))
		}
		if p.Meta.NextToken == "" {
			return ids, pages
		}
		q.Set("pagination_token", p.Meta.NextToken)
	}
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = slices.Clone(v)
	}
	return out
}

func ids(page timelinePage) []string {
	var out []string
	for _, d := range page.Data {
		out = append(out, d["id"].(string))
	}
	return out
}

func TestTimelinePaging(t *testing.T) {
	f := newFixture(t, fakex.Options{})
	aliceID, alice := f.connect("alice")
	_, bob := f.connect("bob")
	var posted []string // oldest first
	for i := range 12 {
		posted = append(posted, postID(t, f.post(alice, fmt.Sprintf("post %d", i))))
		f.advance(time.Minute)
	}
	postID(t, f.post(bob, "bob's own post")) // not in alice's timeline
	newestFirst := slices.Clone(posted)
	slices.Reverse(newestFirst)

	// Bob reads Alice's posts: public accounts are readable by anyone.
	p := f.timeline(bob, aliceID, nil)
	if got := ids(p); !slices.Equal(got, newestFirst[:10]) {
		t.Fatalf("first page (default 10) = %v, want %v", got, newestFirst[:10])
	}
	if p.Meta.NewestID != newestFirst[0] || p.Meta.OldestID != newestFirst[9] || p.Meta.NextToken == "" {
		t.Fatalf("meta = %+v", p.Meta)
	}
	// Without tweet.fields only the default fields.
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range p.Data[0] {
			if !yield(k) {
				return
			}
		}
	})
	if !slices.Equal(keys, []string{"edit_history_tweet_ids", "id", "text"}) || p.Data[0]["text"] != "post 11" {
		t.Fatalf("default post = %v", p.Data[0])
	}

	p2 := f.timeline(bob, aliceID, url.Values{"pagination_token": {p.Meta.NextToken}})
	if got := ids(p2); !slices.Equal(got, newestFirst[10:]) || p2.Meta.NextToken != "" {
		t.Fatalf("second page = %v next=%q, want %v and no next_token", got, p2.Meta.NextToken, newestFirst[10:])
	}

	t.Run("max_results and a post arriving between pages", func(t *testing.T) {
		p := f.timeline(alice, aliceID, url.Values{"max_results": {"5"}})
		if got := ids(p); !slices.Equal(got, newestFirst[:5]) {
			t.Fatalf("page = %v", got)
		}
		postID(t, f.post(alice, "newer than the first page"))
		next := f.timeline(alice, aliceID, url.Values{"max_results": {"5"}, "pagination_token": {p.Meta.NextToken}})
		if got := ids(next); !slices.Equal(got, newestFirst[5:10]) {
			t.Fatalf("page after a new post = %v, want %v (no repeats, no gaps)", got, newestFirst[5:10])
		}
	})
	t.Run("exactly one full page has no next_token", func(t *testing.T) {
		carolID, carol := f.connect("carol")
		for i := range 5 {
			postID(t, f.post(carol, "carol "+strconv.Itoa(i)))
		}
		if p := f.timeline(carol, carolID, url.Values{"max_results": {"5"}}); len(p.Data) != 5 || p.Meta.NextToken != "" {
			t.Fatalf("meta = %+v", p.Meta)
		}
	})
}

func TestTimelineFieldsAndThreads(t *testing.T) {
	f := newFixture(t, fakex.Options{})
	aliceID, alice := f.connect("alice")
	_, bob := f.connect("bob")
	first := postID(t, f.post(alice, "1/ thread"))
	f.fixtureSetTime(time.Date(2026, 3, 1, 12, 0, 1, 250_000_000, time.UTC))
	second := postID(t, f.reply(alice, "2/ thread", first))
	third := postID(t, f.reply(alice, "3/ thread", second))
	bobReply := postID(t, f.reply(bob, "nice thread", third))
	aliceReply := postID(t, f.reply(alice, "thanks", bobReply))

	p := f.timeline(bob, aliceID, url.Values{"tweet.fields": {"created_at,referenced_tweets,conversation_id,author_id,in_reply_to_user_id,lang"}})
	if got := ids(p); !slices.Equal(got, []string{aliceReply, third, second, first}) {
		t.Fatalf("ids = %v", got)
	}
	byID := map[string]map[string]any{}
	for _, d := range p.Data {
		byID[d["id"].(string)] = d
	}
	root := byID[first]
	if _, ok := root["referenced_tweets"]; ok {
		t.Errorf("first post has referenced_tweets: %v", root)
	}
	if root["conversation_id"] != first || root["author_id"] != aliceID || root["created_at"] != "2026-03-01T12:00:00.000Z" {
		t.Errorf("first post = %v", root)
	}
	part := byID[third]
	refs, _ := part["referenced_tweets"].([]any)
	if len(refs) != 1 || refs[0].(map[string]any)["type"] != "replied_to" || refs[0].(map[string]any)["id"] != second {
		t.Errorf("thread part referenced_tweets = %v", part["referenced_tweets"])
	}
	if part["conversation_id"] != first || part["created_at"] != "2026-03-01T12:00:01.250Z" || part["in_reply_to_user_id"] != aliceID {
		t.Errorf("thread part = %v", part)
	}
	if edit := part["edit_history_tweet_ids"].([]any); len(edit) != 1 || edit[0] != third {
		t.Errorf("edit_history_tweet_ids = %v", edit)
	}
	// A reply in someone else's branch keeps the thread's conversation.
	if r := byID[aliceReply]; r["conversation_id"] != first || r["in_reply_to_user_id"] == aliceID {
		t.Errorf("reply to bob = %v", r)
	}

	t.Run("exclude replies", func(t *testing.T) {
		p := f.timeline(alice, aliceID, url.Values{"exclude": {"replies,retweets"}})
		if got := ids(p); !slices.Equal(got, []string{first}) {
			t.Fatalf("ids = %v", got)
		}
	})
	t.Run("deleted posts are gone, their thread's conversation stays", func(t *testing.T) {
		if r := f.do(alice, "DELETE", "/2/tweets/"+first, "", ""); r.status != 200 {
			t.Fatalf("delete: %d", r.status)
		}
		p := f.timeline(alice, aliceID, url.Values{"tweet.fields": {"conversation_id"}})
		if got := ids(p); slices.Contains(got, first) || len(got) != 3 {
			t.Fatalf("ids after delete = %v", got)
		}
		if p.Data[1]["conversation_id"] != first {
			t.Errorf("conversation_id after the root was deleted = %v", p.Data[1]["conversation_id"])
		}
	})
}

// fixtureSetTime sets the fake's clock.
func (f *fixture) fixtureSetTime(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = t
}

func TestTimelineFilters(t *testing.T) {
	f := newFixture(t, fakex.Options{})
	aliceID, alice := f.connect("alice")
	base := f.clock()
	var posted []string // oldest first, one a minute, the odd ones half a second into their minute
	for i := range 6 {
		f.fixtureSetTime(base.Add(time.Duration(i)*time.Minute + time.Duration(i%2)*500*time.Millisecond))
		posted = append(posted, postID(t, f.post(alice, "filtered "+strconv.Itoa(i))))
	}
	rev := func(s []string) []string { s = slices.Clone(s); slices.Reverse(s); return s }
	ts := func(i int) string { return base.Add(time.Duration(i) * time.Minute).Format(time.RFC3339) }
	for _, tc := range []struct {
		name string
		q    url.Values
		want []string
	}{
		{"since_id is exclusive", url.Values{"since_id": {posted[2]}}, rev(posted[3:])},
		{"until_id is exclusive", url.Values{"until_id": {posted[2]}}, rev(posted[:2])},
		{"both", url.Values{"since_id": {posted[0]}, "until_id": {posted[4]}}, rev(posted[1:4])},
		{"start_time is inclusive", url.Values{"start_time": {ts(3)}}, rev(posted[3:])},
		// Post 3 came at :00.5 of its second; second granularity keeps it.
		{"end_time is inclusive to the second", url.Values{"end_time": {ts(3)}}, rev(posted[:4])},
		{"time window", url.Values{"start_time": {ts(1)}, "end_time": {ts(2)}}, rev(posted[1:3])},
		{"fractional start_time rounds down", url.Values{"start_time": {base.Add(3*time.Minute + 900*time.Millisecond).Format(time.RFC3339Nano)}}, rev(posted[3:])},
		{"offset time zone", url.Values{"start_time": {base.Add(5 * time.Minute).In(time.FixedZone("", 2*3600)).Format(time.RFC3339)}}, rev(posted[5:])},
		{"nothing", url.Values{"since_id": {posted[5]}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := f.timelineAll(alice, aliceID, tc.q)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}

	t.Run("nothing found has no data key", func(t *testing.T) {
		wantBody(t, f.timelineRaw(alice, aliceID, url.Values{"since_id": {posted[5]}}), 200, `{"meta":{"result_count":0}}`)
		bobID, _, _ := f.fake.IssueCredentials("bob")
		wantBody(t, f.timelineRaw(alice, bobID, nil), 200, `{"meta":{"result_count":0}}`)
	})
}

func TestTimelineReachesOnlyNewest3200(t *testing.T) {
	// Load 3,205 posts from a state file rather than posting them one by one.
	aliceID, _, _ := fakex.New(fakex.Options{}).IssueCredentials("alice") // ids derive from the username
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	type post struct {
		ID         string    `json:"id"`
		UserID     string    `json:"user_id"`
		Username   string    `json:"username"`
		Text       string    `json:"text"`
		ReceivedAt time.Time `json:"received_at"`
	}
	var posts []post
	for i := range 3205 {
		posts = append(posts, post{strconv.Itoa(1000 + i), aliceID, "alice", "old post " + strconv.Itoa(i), start.Add(time.Duration(i) * time.Second)})
	}
	b, _ := json.Marshal(map[string]any{"posts": posts, "last_post_id": 1000 + 3204})
	path := filepath.Join(t.TempDir(), "state.json")
	if err := writeFile(path, string(b)); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, fakex.Options{StateFile: path})
	_, alice := f.connect("alice")

	got, pages := f.timelineAll(alice, aliceID, url.Values{"max_results": {"100"}})
	if len(got) != 3200 || pages != 32 || got[0] != "4204" || got[3199] != "1005" {
		t.Fatalf("read %d posts in %d pages, newest %s oldest %s; want 3200 in 32, 4204 … 1005", len(got), pages, got[0], got[len(got)-1])
	}
	// Deleting a post brings an older one into reach.
	if r := f.do(alice, "DELETE", "/2/tweets/4204", "", ""); r.status != 200 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	got, _ = f.timelineAll(alice, aliceID, url.Values{"max_results": {"100"}})
	if len(got) != 3200 || got[3199] != "1004" {
		t.Fatalf("after delete: %d posts, oldest %s", len(got), got[len(got)-1])
	}
}

var tcoLink = regexp.MustCompile(`https://t\.co/[A-Za-z0-9]{10}`)

func TestReturnedTextLikeX(t *testing.T) {
	f := newFixture(t, fakex.Options{})
	aliceID, alice := f.connect("alice")
	sent := `Tom & Jerry <3 "quotes" https://example.com/a?b=1&c=2 > end, also example.org and https://x.com/y`
	r := f.post(alice, sent)
	id := postID(t, r)
	created := r.json(t)["data"].(map[string]any)["text"].(string)

	want := regexp.MustCompile(`^Tom &amp; Jerry &lt;3 "quotes" (https://t\.co/[A-Za-z0-9]{10}) &gt; end, also (https://t\.co/[A-Za-z0-9]{10}) and (https://t\.co/[A-Za-z0-9]{10})$`)
	m := want.FindStringSubmatch(created)
	if m == nil {
		t.Fatalf("201 text = %q", created)
	}
	if !strings.Contains(r.body, `"Tom &amp; Jerry &lt;3`) {
		t.Errorf("raw 201 body should carry the entities as X's does: %s", r.body)
	}
	if m[1] == m[2] || m[2] == m[3] || m[1] == m[3] {
		t.Errorf("different URLs got the same link: %q", created)
	}
	p := f.timeline(alice, aliceID, nil)
	if p.Data[0]["id"] != id || p.Data[0]["text"] != created {
		t.Errorf("timeline text %q, 201 text %q: want the same", p.Data[0]["text"], created)
	}
	if got := f.fake.Posts()[0].Text; got != sent {
		t.Errorf("Posts() text = %q, want the text as sent", got)
	}
	// X counts a URL as 23 characters: exactly the t.co link's length.
	if n := len(tcoLink.FindString(created)); n != 23 {
		t.Errorf("t.co link is %d characters", n)
	}
	// The same URL in another post gets its own link.
	r = f.post(alice, "again https://example.com/a?b=1&c=2")
	if other := tcoLink.FindString(r.json(t)["data"].(map[string]any)["text"].(string)); other == "" || other == m[1] {
		t.Errorf("second post's link %q (first %q)", other, m[1])
	}
}

func TestTimelineErrors(t *testing.T) {
	f := newFixture(t, fakex.Options{})
	aliceID, alice := f.connect("alice")
	postID(t, f.post(alice, "hello"))

	t.Run("invalid parameters", func(t *testing.T) {
		for _, tc := range []struct {
			path, param string
		}{
			{"?max_results=4", "max_results"},
			{"?max_results=101", "max_results"},
			{"?max_results=ten", "max_results"},
			{"?pagination_token=not-a-token", "pagination_token"},
			{"?pagination_token=", "pagination_token"},
			{"?since_id=12a", "since_id"},
			{"?until_id=", "until_id"},
			{"?start_time=yesterday", "start_time"},
			{"?end_time=2026-03-01", "end_time"},
			{"?start_time=2026-03-02T00:00:00Z&end_time=2026-03-01T00:00:00Z", "end_time"},
			{"?exclude=likes", "exclude"},
			{"?tweet.fields=created_at,bogus", "tweet.fields"},
			{"?tweet.fields=", "tweet.fields"},
			{"?count=5", "count"},
		} {
			r := f.do(alice, "GET", "/2/users/"+aliceID+"/tweets"+tc.path, "", "")
			if r.status != 400 {
				t.Errorf("%s: %d %s", tc.path, r.status, r.body)
				continue
			}
			var body struct {
				Errors []struct {
					Parameters map[string][]string `json:"parameters"`
					Message    string              `json:"message"`
				} `json:"errors"`
				Title, Type string
			}
			if err := json.Unmarshal([]byte(r.body), &body); err != nil || len(body.Errors) != 1 ||
				body.Type != "https://api.twitter.com/2/problems/invalid-request" || body.Title != "Invalid Request" {
				t.Errorf("%s: body %s", tc.path, r.body)
				continue
			}
			if _, ok := body.Errors[0].Parameters[tc.param]; !ok || body.Errors[0].Message == "" {
				t.Errorf("%s: error does not name %s: %s", tc.path, tc.param, r.body)
			}
		}
		r := f.do(alice, "GET", "/2/users/me/tweets", "", "")
		if r.status != 400 || !strings.Contains(r.body, `"id":["me"]`) {
			t.Errorf("non-numeric id: %d %s", r.status, r.body)
		}
		for _, ok := range []string{"?max_results=5", "?max_results=100", "?tweet.fields=id,text,lang&expansions=author_id", "?exclude=retweets"} {
			if r := f.do(alice, "GET", "/2/users/"+aliceID+"/tweets"+ok, "", ""); r.status != 200 {
				t.Errorf("%s: %d %s", ok, r.status, r.body)
			}
		}
	})
	t.Run("unknown user", func(t *testing.T) {
		wantBody(t, f.timelineRaw(alice, "123456789", nil), 200,
			`{"errors":[{"value":"123456789","detail":"Could not find user with id: [123456789].","title":"Not Found Error","resource_type":"user","parameter":"id","resource_id":"123456789","type":"https://api.twitter.com/2/problems/resource-not-found"}]}`)
	})
	t.Run("authentication", func(t *testing.T) {
		r := f.timelineRaw(http.DefaultClient, aliceID, nil)
		wantBody(t, r, 401, v2Unauthorized)
		if r.header.Get("x-rate-limit-limit") == "" {
			t.Error("401 lacks rate-limit headers")
		}
		_, tok, sec := f.fake.IssueCredentials("mallory")
		wantBody(t, f.timelineRaw(f.userClient(tok, sec+"x"), aliceID, nil), 401, v2Unauthorized)
		// The query string is signed: changing it after signing breaks it.
		req, _ := http.NewRequest("GET", f.srv.URL+"/2/users/"+aliceID+"/tweets?max_results=5", nil)
		tampering := context.WithValue(context.Background(), oauth1.HTTPClient, &http.Client{Transport: tamperQuery{http.DefaultTransport}})
		resp, err := f.oauthConfig("").Client(tampering, oauth1.NewToken(tok, sec)).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("tampered query: %d", resp.StatusCode)
		}
		f.fake.Revoke("mallory")
		wantBody(t, f.timelineRaw(f.userClient(tok, sec), aliceID, nil), 401, v2Unauthorized)
	})
	t.Run("rate limit", func(t *testing.T) {
		_, bob := f.connect("bob")
		f.fake.SetRateLimit("bob", 2, 15*time.Minute)
		for i := range 2 {
			r := f.timelineRaw(bob, aliceID, nil)
			if r.status != 200 || r.header.Get("x-rate-limit-limit") != "2" || r.header.Get("x-rate-limit-remaining") != strconv.Itoa(1-i) {
				t.Fatalf("read %d: %d remaining=%s", i, r.status, r.header.Get("x-rate-limit-remaining"))
			}
		}
		r := f.timelineRaw(bob, aliceID, nil)
		wantBody(t, r, 429, v2TooMany)
		if want := strconv.FormatInt(f.clock().Add(15*time.Minute).Unix(), 10); r.header.Get("x-rate-limit-reset") != want {
			t.Fatalf("reset = %s, want %s", r.header.Get("x-rate-limit-reset"), want)
		}
		// Its own window: posting and /2/users/me still work.
		postID(t, f.post(bob, "bob can still post"))
		if r := f.do(bob, "GET", "/2/users/me", "", ""); r.status != 200 {
			t.Fatalf("me: %d", r.status)
		}
		// A canned fault on the endpoint carries its headers too.
		f.fake.Inject(fakex.Fault{PathPrefix: "/2/users/", Response: fakex.ServerError(503)})
		if r := f.timelineRaw(alice, aliceID, nil); r.status != 503 || r.header.Get("x-rate-limit-reset") == "" {
			t.Fatalf("canned: %d %v", r.status, r.header)
		}
	})
}

// tamperQuery changes the query after the request was signed.
type tamperQuery struct{ base http.RoundTripper }

func (t tamperQuery) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.RawQuery = "max_results=6"
	return t.base.RoundTrip(r)
}
