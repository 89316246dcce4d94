package apiserver_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/oklog/ulid/v2"

	accountv1 "github.com/betterplan/betterplan/gen/betterplan/account/v1"
	integrationv1 "github.com/betterplan/betterplan/gen/betterplan/integration/v1"
	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
	workspacev1 "github.com/betterplan/betterplan/gen/betterplan/workspace/v1"
	"github.com/betterplan/betterplan/internal/apitest"
	"github.com/betterplan/betterplan/internal/config"
	"github.com/betterplan/betterplan/internal/ratelimit"
)

func wantExhausted(t *testing.T, err error, msg, retryAfter string) {
	t.Helper()
	var cerr *connect.Error
	if !errors.As(err, &cerr) || cerr.Code() != connect.CodeResourceExhausted {
		t.Fatalf("got %v, want resource_exhausted", err)
	}
	if cerr.Message() != msg || cerr.Meta().Get("Retry-After") != retryAfter {
		t.Fatalf("got %q, Retry-After %q; want %q, %s", cerr.Message(), cerr.Meta().Get("Retry-After"), msg, retryAfter)
	}
}

// TestPerUserLimits: CreatePost, StartXAuthorization and CreateInvitation are limited per
// user (small limits here; the defaults are 600 per 10 minutes and 20 per
// 15 minutes), and one user's count is not another's.
func TestPerUserLimits(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{Limits: config.RateLimits{
		CreatePost:          ratelimit.Rule{Limit: 3, Window: 10 * time.Minute},
		StartXAuthorization: ratelimit.Rule{Limit: 2, Window: 15 * time.Minute},
		CreateInvitation:    ratelimit.Rule{Limit: 2, Window: time.Hour},
	}})
	ctx := context.Background()
	ada, bob := env.SignUp(t, "ada@example.com"), env.SignUp(t, "bob@example.com")

	start := func(token string) error {
		_, err := env.Integration(token).StartXAuthorization(ctx, connect.NewRequest(&integrationv1.StartXAuthorizationRequest{PinFlow: true, WorkspaceId: env.PersonalWorkspace(t, token)}))
		return err
	}
	for range 2 {
		if err := start(ada); err != nil {
			t.Fatal(err)
		}
	}
	xCalls := len(env.X.Requests())
	env.Clock.Advance(5 * time.Minute)
	wantExhausted(t, start(ada), "too many X authorizations started: the limit is 2 per 15 minutes; try again in 10m0s", "600")
	if len(env.X.Requests()) != xCalls {
		t.Fatal("a refused StartXAuthorization still called X")
	}
	if err := start(bob); err != nil {
		t.Fatalf("another user: %v", err)
	}
	env.Clock.Advance(10 * time.Minute)
	if err := start(ada); err != nil {
		t.Fatalf("after the window: %v", err)
	}

	// CreatePost counts every well-formed call, before the X account is
	// looked up (here there is none: not_found until the limit).
	create := func(token string) error {
		_, err := env.Post(token).CreatePost(ctx, connect.NewRequest(&postv1.CreatePostRequest{
			IntegrationId: ulid.Make().String(), Content: &postv1.CreatePostRequest_Text{Text: "hello"},
			When: &postv1.CreatePostRequest_Draft{Draft: true},
		}))
		return err
	}
	for range 3 {
		if err := create(ada); connect.CodeOf(err) != connect.CodeNotFound {
			t.Fatalf("CreatePost under the limit: %v, want not_found (no such X account)", err)
		}
	}
	wantExhausted(t, create(ada), "too many posts created: the limit is 3 per 10 minutes; try again in 10m0s", "600")
	if err := create(bob); connect.CodeOf(err) != connect.CodeNotFound {
		t.Fatalf("another user: %v", err)
	}

	// CreateInvitation may send an email each time: limited per user.
	invite := func(token, email string) error {
		_, err := env.Workspace(token).CreateInvitation(ctx, connect.NewRequest(&workspacev1.CreateInvitationRequest{
			WorkspaceId: env.PersonalWorkspace(t, token), Email: email, Role: workspacev1.Role_ROLE_VIEWER}))
		return err
	}
	for i := range 2 {
		if err := invite(ada, fmt.Sprintf("friend%d@example.com", i)); err != nil {
			t.Fatal(err)
		}
	}
	wantExhausted(t, invite(ada, "friend3@example.com"), "too many invitations sent: the limit is 2 per hour; try again in 1h0m0s", "3600")
	if err := invite(bob, "friend@example.com"); err != nil {
		t.Fatalf("another user: %v", err)
	}
}

// TestClientAddressHonoursTrustedProxies: X-Forwarded-For names the client
// only when the peer is a trusted proxy; sessions and logs record the same
// address the throttles use.
func TestClientAddressHonoursTrustedProxies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		trusted []string
		want    string
	}{
		{"untrusted peer: spoofed header ignored", nil, "127.0.0.1"},
		{"other proxies trusted, not this peer", []string{"10.0.0.0/8"}, "127.0.0.1"},
		{"trusted peer: header used", []string{"127.0.0.1"}, "198.51.100.23"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := apitest.Start(t, apitest.Options{TrustedProxies: tc.trusted})
			c := env.Account("", apitest.WithHeader("X-Forwarded-For", "203.0.113.9, 198.51.100.23"))
			res, err := c.SignUp(context.Background(), connect.NewRequest(&accountv1.SignUpRequest{Email: "ada@example.com", Password: "correct horse battery"}))
			if err != nil {
				t.Fatal(err)
			}
			var addr string
			if err := env.Pool.QueryRow(context.Background(), `SELECT client_addr FROM sessions WHERE user_id = $1`, res.Msg.GetUser().GetId()).Scan(&addr); err != nil {
				t.Fatal(err)
			}
			if addr != tc.want {
				t.Fatalf("session client_addr %q, want %q", addr, tc.want)
			}
			logged := ""
			for _, line := range strings.Split(env.Logs.String(), "\n") {
				var l struct {
					Msg, Procedure string
					ClientAddr     string `json:"client_addr"`
				}
				if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "rpc" && strings.HasSuffix(l.Procedure, "/SignUp") {
					logged = l.ClientAddr
				}
			}
			if logged != tc.want {
				t.Fatalf("rpc log line has client_addr %q, want %q", logged, tc.want)
			}
		})
	}
}
