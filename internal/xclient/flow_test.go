package xclient_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/betterplan/betterplan/internal/fakex"
	"github.com/betterplan/betterplan/internal/xclient"
)

func TestFullFlow(t *testing.T) {
	e := newEnv(t, fakex.Options{AllowedCallbackPrefixes: []string{"https://app.example/api/auth/x/callback"}}, nil)
	ctx := context.Background()

	reqTok, reqSec, err := e.client.RequestToken(ctx, "https://app.example/api/auth/x/callback")
	if err != nil {
		t.Fatal(err)
	}
	au, err := url.Parse(e.client.AuthorizationURL(reqTok))
	if err != nil || au.Path != "/oauth/authorize" || au.Query().Get("oauth_token") != reqTok || !strings.HasPrefix(au.String(), e.srv.URL) {
		t.Fatalf("AuthorizationURL = %s", au)
	}
	verifier, err := e.fake.Approve(reqTok, "Alice")
	if err != nil {
		t.Fatal(err)
	}
	creds, err := e.client.AccessToken(ctx, reqTok, reqSec, verifier)
	if err != nil {
		t.Fatal(err)
	}
	me, err := e.client.Me(ctx, creds)
	if err != nil {
		t.Fatal(err)
	}
	if me.Username != "Alice" || me.ID == "" || me.Name == "" || me.ProfileImageURL == "" || !strings.HasPrefix(creds.Token, me.ID+"-") {
		t.Fatalf("me = %+v", me)
	}

	first, err := e.client.CreatePost(ctx, creds, "1/ a thread", "")
	if err != nil {
		t.Fatal(err)
	}
	second, err := e.client.CreatePost(ctx, creds, "2/ still going", first)
	if err != nil {
		t.Fatal(err)
	}
	posts := e.fake.Posts()
	if len(posts) != 2 || posts[1].ID != second || posts[1].InReplyToID != first || posts[0].Username != "Alice" {
		t.Fatalf("posts = %+v", posts)
	}
	reqs := e.fake.Requests()
	if body := string(reqs[len(reqs)-1].JSON); body != `{"text":"2/ still going","reply":{"in_reply_to_tweet_id":"`+first+`"}}` {
		t.Errorf("wire body = %s", body)
	}
	if body := string(reqs[len(reqs)-2].JSON); body != `{"text":"1/ a thread"}` {
		t.Errorf("wire body without reply = %s", body)
	}

	if err := e.client.DeletePost(ctx, creds, second); err != nil {
		t.Fatal(err)
	}
	if !e.fake.Posts()[1].Deleted {
		t.Fatal("not deleted")
	}
	if err := e.client.InvalidateToken(ctx, creds); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.Me(ctx, creds)
	xe := wantKind(t, err, xclient.Unauthorized)
	if xe.Status != 401 || xe.Title != "Unauthorized" {
		t.Fatalf("%+v", xe)
	}
}

func TestPINFlow(t *testing.T) {
	e := newEnv(t, fakex.Options{}, nil)
	ctx := context.Background()
	reqTok, reqSec, err := e.client.RequestToken(ctx, "oob")
	if err != nil {
		t.Fatal(err)
	}
	pin, _ := e.fake.Approve(reqTok, "pinuser")
	creds, err := e.client.AccessToken(ctx, reqTok, reqSec, pin)
	if err != nil {
		t.Fatal(err)
	}
	if me, err := e.client.Me(ctx, creds); err != nil || me.Username != "pinuser" {
		t.Fatalf("%+v %v", me, err)
	}
}

func TestOAuthErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("callback not approved: XML code 415", func(t *testing.T) {
		e := newEnv(t, fakex.Options{AllowedCallbackPrefixes: []string{"https://app.example/"}}, nil)
		_, _, err := e.client.RequestToken(ctx, "https://evil.example/cb")
		xe := wantKind(t, err, xclient.Forbidden)
		if xe.Status != 403 || xe.Code != 415 || !strings.HasPrefix(xe.Detail, "Callback URL not approved") {
			t.Fatalf("%+v", xe)
		}
	})
	t.Run("wrong consumer secret: code 32", func(t *testing.T) {
		e := newEnv(t, fakex.Options{}, func(c *xclient.Config) { c.ConsumerSecret = "wrong-secret" })
		_, _, err := e.client.RequestToken(ctx, "oob")
		xe := wantKind(t, err, xclient.Unauthorized)
		if xe.Code != 32 || xe.Detail != "Could not authenticate you." {
			t.Fatalf("%+v", xe)
		}
	})
	t.Run("wrong and reused verifier: plain text 401", func(t *testing.T) {
		e := newEnv(t, fakex.Options{}, nil)
		reqTok, reqSec, _ := e.client.RequestToken(ctx, "oob")
		verifier, _ := e.fake.Approve(reqTok, "alice")
		_, err := e.client.AccessToken(ctx, reqTok, reqSec, "wrong")
		xe := wantKind(t, err, xclient.Unauthorized)
		if xe.Detail != "Error processing your OAuth request: Invalid oauth_verifier parameter" {
			t.Fatalf("%+v", xe)
		}
		if _, err := e.client.AccessToken(ctx, reqTok, reqSec, verifier); err != nil {
			t.Fatal(err)
		}
		_, err = e.client.AccessToken(ctx, reqTok, reqSec, verifier)
		wantKind(t, err, xclient.Unauthorized)
	})
	t.Run("callback not confirmed: bad response", func(t *testing.T) {
		e := newEnv(t, fakex.Options{}, nil)
		e.fake.Inject(fakex.Fault{PathPrefix: "/oauth/request_token", Response: &fakex.Response{
			Status: 200, Body: "oauth_token=a&oauth_token_secret=b&oauth_callback_confirmed=false",
		}})
		_, _, err := e.client.RequestToken(ctx, "oob")
		wantKind(t, err, xclient.BadResponse)
	})
	t.Run("request token is not ambiguous-unsafe", func(t *testing.T) {
		e := newEnv(t, fakex.Options{}, nil)
		e.fake.Inject(fakex.Fault{Action: fakex.DropBeforeHandling})
		_, _, err := e.client.RequestToken(ctx, "oob")
		xe := wantKind(t, err, xclient.Ambiguous)
		if !xe.IsRetryable() {
			t.Fatal("a lost request_token call is harmless to repeat")
		}
	})
}

func TestNew(t *testing.T) {
	for name, cfg := range map[string]xclient.Config{
		"no base":     {ConsumerKey: "k", ConsumerSecret: "s"},
		"bad scheme":  {BaseURL: "ftp://x", ConsumerKey: "k", ConsumerSecret: "s"},
		"query":       {BaseURL: "https://api.x.com?a=1", ConsumerKey: "k", ConsumerSecret: "s"},
		"no key":      {BaseURL: "https://api.x.com", ConsumerSecret: "s"},
		"no secret":   {BaseURL: "https://api.x.com", ConsumerKey: "k"},
		"neg timeout": {BaseURL: "https://api.x.com", ConsumerKey: "k", ConsumerSecret: "s", Timeout: -1},
	} {
		if _, err := xclient.New(cfg); err == nil {
			t.Errorf("%s: New accepted %+v", name, cfg)
		} else if strings.Contains(err.Error(), `"s"`) {
			t.Errorf("%s: error mentions the secret: %v", name, err)
		}
	}
	c, err := xclient.New(xclient.Config{BaseURL: "https://api.x.com/", ConsumerKey: "k", ConsumerSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.AuthorizationURL("a b"); got != "https://api.x.com/oauth/authorize?oauth_token=a+b" {
		t.Fatalf("AuthorizationURL = %s", got)
	}
}
