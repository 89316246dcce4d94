package fakex_test

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/betterplan/betterplan/internal/fakex"
)

func TestCreatePost(t *testing.T) {
	var mu sync.Mutex
	var hooked []fakex.Post
	f := newFixture(t, fakex.Options{OnPost: func(p fakex.Post) {
		mu.Lock()
		hooked = append(hooked, p)
		mu.Unlock()
	}})
	aliceID, alice := f.connect("alice")
	_, bob := f.connect("bob")

	r := f.post(alice, "Hello world!")
	first := postID(t, r)
	data := r.json(t)["data"].(map[string]any)
	if data["text"] != "Hello world!" || len(data["edit_history_tweet_ids"].([]any)) != 1 || data["edit_history_tweet_ids"].([]any)[0] != first {
		t.Fatalf("201 body = %s", r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("content type %q", ct)
	}

	t.Run("thread replies and increasing ids", func(t *testing.T) {
		second := postID(t, f.reply(alice, "2/", first))
		third := postID(t, f.reply(alice, "3/", second))
		a, _ := strconv.ParseUint(first, 10, 64)
		b, _ := strconv.ParseUint(second, 10, 64)
		c, _ := strconv.ParseUint(third, 10, 64)
		if !(a < b && b < c) {
			t.Fatalf("ids not increasing: %s %s %s", first, second, third)
		}
		posts := f.fake.Posts()
		last := posts[len(posts)-1]
		if last.InReplyToID != second || last.UserID != aliceID || last.Username != "alice" || last.Text != "3/" {
			t.Fatalf("recorded post = %+v", last)
		}
	})
	t.Run("reply to a missing post", func(t *testing.T) {
		r := f.reply(alice, "orphan", "999")
		if r.status != 400 || !strings.Contains(r.body, "invalid-request") || !strings.Contains(r.body, "reply.in_reply_to_tweet_id") {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	t.Run("duplicate", func(t *testing.T) {
		wantBody(t, f.post(alice, "Hello world!"), 403, v2Duplicate)
		postID(t, f.post(bob, "Hello world!")) // another user may say the same
	})
	t.Run("length", func(t *testing.T) {
		postID(t, f.post(alice, strings.Repeat("é", 280)))
		wantBody(t, f.post(alice, strings.Repeat("é", 281)), 403, v2Forbidden)
	})
	t.Run("invalid bodies", func(t *testing.T) {
		for name, body := range map[string]string{
			"unknown key":   `{"text":"x","txet":"y"}`,
			"not JSON":      `text=hello`,
			"empty text":    `{"text":"  "}`,
			"no text":       `{}`,
			"wrong type":    `{"text":5}`,
			"media ids":     `{"text":"x","media":{"media_ids":["1"]}}`,
			"reply without": `{"text":"x","reply":{}}`,
		} {
			r := f.do(alice, "POST", "/2/tweets", "application/json", body)
			if r.status != 400 || r.json(t)["type"] != "https://api.twitter.com/2/problems/invalid-request" {
				t.Errorf("%s: %d %s", name, r.status, r.body)
			}
		}
	})
	t.Run("delete", func(t *testing.T) {
		id := postID(t, f.post(alice, "to be deleted"))
		wantBody(t, f.do(bob, "DELETE", "/2/tweets/"+id, "", ""), 403, v2Forbidden)
		r := f.do(alice, "DELETE", "/2/tweets/"+id, "", "")
		if r.status != 200 || strings.TrimSpace(r.body) != `{"data":{"deleted":true}}` {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if r := f.do(alice, "DELETE", "/2/tweets/"+id, "", ""); r.status != 404 || !strings.Contains(r.body, "resource-not-found") {
			t.Fatalf("second delete: %d %s", r.status, r.body)
		}
		// Deleted posts no longer count as duplicates and can't be replied to.
		postID(t, f.post(alice, "to be deleted"))
		if r := f.reply(alice, "reply to deleted", id); r.status != 400 {
			t.Fatalf("reply to deleted: %d", r.status)
		}
	})

	mu.Lock()
	defer mu.Unlock()
	if len(hooked) != len(f.fake.Posts()) {
		t.Fatalf("OnPost saw %d posts, fake has %d", len(hooked), len(f.fake.Posts()))
	}
}

func TestRequestsLog(t *testing.T) {
	f := newFixture(t, fakex.Options{})
	_, alice := f.connect("alice")
	postID(t, f.post(alice, "logged"))
	f.post(alice, "logged") // duplicate
	reqs := f.fake.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	var body map[string]string
	if r.Method != "POST" || r.Path != "/2/tweets" || r.Username != "alice" || r.Status != 201 ||
		json.Unmarshal(r.JSON, &body) != nil || body["text"] != "logged" || !r.ReceivedAt.Equal(f.clock()) {
		t.Fatalf("request = %+v", r)
	}
	if reqs[1].Status != 403 {
		t.Fatalf("second status %d", reqs[1].Status)
	}
}

func TestRateLimits(t *testing.T) {
	f := newFixture(t, fakex.Options{})
	_, alice := f.connect("alice")
	_, bob := f.connect("bob")

	r := f.post(alice, "one")
	for _, h := range []string{"x-rate-limit", "x-user-limit-24hour", "x-app-limit-24hour"} {
		for _, s := range []string{"-limit", "-remaining", "-reset"} {
			if r.header.Get(h+s) == "" {
				t.Errorf("POST /2/tweets lacks %s%s", h, s)
			}
		}
	}
	for _, path := range []string{"/2/users/me", "/2/nope"} {
		r := f.do(alice, "GET", path, "", "")
		if r.header.Get("x-rate-limit-limit") == "" || r.header.Get("x-rate-limit-remaining") == "" || r.header.Get("x-rate-limit-reset") == "" {
			t.Errorf("GET %s (%d) lacks rate-limit headers: %v", path, r.status, r.header)
		}
	}
	if r := f.do(http.DefaultClient, "GET", "/2/users/me", "", ""); r.header.Get("x-rate-limit-limit") == "" {
		t.Errorf("401 on /2 lacks rate-limit headers")
	}

	f.fake.SetRateLimit("alice", 2, time.Minute)
	start := f.clock()
	for i := range 2 {
		r := f.post(alice, "limited "+strconv.Itoa(i))
		if r.status != 201 || r.header.Get("x-rate-limit-limit") != "2" || r.header.Get("x-rate-limit-remaining") != strconv.Itoa(1-i) {
			t.Fatalf("post %d: %d remaining=%s", i, r.status, r.header.Get("x-rate-limit-remaining"))
		}
	}
	r = f.post(alice, "limited 3")
	wantBody(t, r, 429, v2TooMany)
	wantReset := strconv.FormatInt(start.Add(time.Minute).Unix(), 10)
	if r.header.Get("x-rate-limit-remaining") != "0" || r.header.Get("x-rate-limit-reset") != wantReset {
		t.Fatalf("429 headers: remaining=%s reset=%s, want 0 and %s", r.header.Get("x-rate-limit-remaining"), r.header.Get("x-rate-limit-reset"), wantReset)
	}
	// Other users and other endpoints have their own windows.
	postID(t, f.post(bob, "bob is fine"))
	if r := f.do(alice, "GET", "/2/users/me", "", ""); r.status != 200 {
		t.Fatalf("me: %d", r.status)
	}
	// The window ends.
	f.advance(time.Minute)
	postID(t, f.post(alice, "limited 3"))
	// Only successful, counted requests create posts.
	for _, p := range f.fake.Posts() {
		if p.Text == "limited 3" && !p.ReceivedAt.Equal(f.clock()) {
			t.Fatalf("the 429'd post was created: %+v", p)
		}
	}
}

func TestStateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x-state.json")
	f1 := newFixture(t, fakex.Options{StateFile: path})
	id, tok, sec := f1.fake.IssueCredentials("alice")
	first := postID(t, f1.post(f1.userClient(tok, sec), "persisted"))

	f2 := newFixture(t, fakex.Options{StateFile: path})
	r := f2.do(f2.userClient(tok, sec), "GET", "/2/users/me", "", "")
	if r.status != 200 || r.json(t)["data"].(map[string]any)["id"] != id {
		t.Fatalf("token after restart: %d %s", r.status, r.body)
	}
	posts := f2.fake.Posts()
	if len(posts) != 1 || posts[0].ID != first || posts[0].Text != "persisted" {
		t.Fatalf("posts after restart: %+v", posts)
	}
	// Duplicate detection and id order survive too.
	wantBody(t, f2.post(f2.userClient(tok, sec), "persisted"), 403, v2Duplicate)
	next := postID(t, f2.post(f2.userClient(tok, sec), "next"))
	if a, b := mustUint(t, first), mustUint(t, next); b <= a {
		t.Fatalf("id went backwards after restart: %s then %s", first, next)
	}

	if _, err := fakex.Open(fakex.Options{StateFile: filepath.Join(t.TempDir(), "missing.json")}); err != nil {
		t.Fatalf("a missing state file is an empty state: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := writeFile(bad, "{not json"); err != nil {
		t.Fatal(err)
	}
	if _, err := fakex.Open(fakex.Options{StateFile: bad}); err == nil {
		t.Fatal("Open accepted a corrupt state file")
	}
}

func TestHomePage(t *testing.T) {
	f := newFixture(t, fakex.Options{})
	_, alice := f.connect("alice")
	first := postID(t, f.post(alice, "first <script>alert(1)</script>"))
	postID(t, f.reply(alice, "second", first))
	r := f.do(http.DefaultClient, "GET", "/", "", "")
	if r.status != 200 || !strings.Contains(r.body, "OFFLINE X SANDBOX") {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if strings.Contains(r.body, "<script>alert") {
		t.Fatal("post text not escaped")
	}
	i, j := strings.Index(r.body, "second"), strings.Index(r.body, "first &lt;script")
	if i < 0 || j < 0 || i > j {
		t.Fatalf("want newest first: second@%d first@%d", i, j)
	}
	if !strings.Contains(r.body, `href="/i/status/`+first+`"`) {
		t.Fatal("reply does not link to its parent")
	}
}

// TestPostPages: the pages links to X point at under make run (X_WEB_URL):
// a post at /{username}/status/{id}, an account's posts at /{username}.
func TestPostPages(t *testing.T) {
	f := newFixture(t, fakex.Options{})
	_, alice := f.connect("alice")
	_, bob := f.connect("bob")
	first := postID(t, f.post(alice, "alice's first"))
	reply := postID(t, f.reply(alice, "alice's reply", first))
	postID(t, f.post(bob, "bob's post"))

	r := f.do(http.DefaultClient, "GET", "/alice/status/"+reply, "", "")
	if r.status != 200 || !strings.Contains(r.body, "alice&#39;s reply") || strings.Contains(r.body, "alice&#39;s first") || !strings.Contains(r.body, "OFFLINE X SANDBOX") {
		t.Fatalf("post page: %d %s", r.status, r.body)
	}
	if !strings.Contains(r.body, `href="/i/status/`+first+`"`) {
		t.Fatalf("the reply's page does not link to the post it replies to: %s", r.body)
	}
	r = f.do(http.DefaultClient, "GET", "/Alice", "", "")
	if r.status != 200 || !strings.Contains(r.body, "alice&#39;s first") || !strings.Contains(r.body, "alice&#39;s reply") || strings.Contains(r.body, "bob&#39;s") {
		t.Fatalf("profile page: %d %s", r.status, r.body)
	}
	if r := f.do(http.DefaultClient, "GET", "/alice/status/123", "", ""); r.status != 404 || !strings.Contains(r.body, "doesn&#39;t exist") {
		t.Fatalf("a post that does not exist: %d %s", r.status, r.body)
	}
	// The API's own not-found stays X's JSON problem.
	if r := f.do(http.DefaultClient, "GET", "/2/nothing/here", "", ""); r.status != 404 || !strings.Contains(r.body, `"Not Found Error"`) {
		t.Fatalf("v2 not found: %d %s", r.status, r.body)
	}
}
