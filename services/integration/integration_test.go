package integration_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/betterplan/betterplan/db/dbq"
	accountv1 "github.com/betterplan/betterplan/gen/betterplan/account/v1"
	"github.com/betterplan/betterplan/gen/betterplan/account/v1/accountv1connect"
	integrationv1 "github.com/betterplan/betterplan/gen/betterplan/integration/v1"
	"github.com/betterplan/betterplan/gen/betterplan/integration/v1/integrationv1connect"
	"github.com/betterplan/betterplan/internal/apitest"
	"github.com/betterplan/betterplan/internal/credential"
	"github.com/betterplan/betterplan/internal/fakex"
	"github.com/betterplan/betterplan/internal/xclient"
)

var ctx = context.Background()

// browser is a person's browser: its own cookie jar, signed in to BetterPlan.
type browser struct {
	t      *testing.T
	env    *apitest.Env
	http   *http.Client
	client integrationv1connect.IntegrationServiceClient
	ws     string // the personal workspace
}

func newBrowser(t *testing.T, env *apitest.Env, email string) *browser {
	t.Helper()
	h := env.HTTPClient()
	up, err := accountv1connect.NewAccountServiceClient(h, env.URL).SignUp(ctx, connect.NewRequest(&accountv1.SignUpRequest{
		Email: email, Password: "correct horse battery",
	}))
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, env: env, http: h, client: integrationv1connect.NewIntegrationServiceClient(h, env.URL), ws: up.Msg.GetWorkspace().GetWorkspace().GetId()}
}

// start clicks "Connect X" and returns the authorization URL.
func (b *browser) start() *integrationv1.StartXAuthorizationResponse {
	b.t.Helper()
	res, err := b.client.StartXAuthorization(ctx, connect.NewRequest(&integrationv1.StartXAuthorizationRequest{WorkspaceId: b.ws}))
	if err != nil {
		b.t.Fatal(err)
	}
	if c := res.Header().Get("Set-Cookie"); !strings.Contains(c, "x_oauth_token="+res.Msg.GetOauthToken()) || !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Lax") {
		b.t.Fatalf("state cookie: %q", c)
	}
	return res.Msg
}

// atX opens the authorization page at X and presses a button as username;
// it returns where the browser finally landed.
func (b *browser) atX(authURL, username, action string) *url.URL {
	b.t.Helper()
	page, err := b.http.Get(authURL)
	if err != nil {
		b.t.Fatal(err)
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if page.StatusCode != http.StatusOK || !strings.Contains(string(body), `name="username"`) {
		b.t.Fatalf("authorize page: %d %s", page.StatusCode, body)
	}
	u, _ := url.Parse(authURL)
	res, err := b.http.PostForm(u.Scheme+"://"+u.Host+u.Path, url.Values{
		"oauth_token": {u.Query().Get("oauth_token")}, "username": {username}, "action": {action},
	})
	if err != nil {
		b.t.Fatal(err)
	}
	res.Body.Close()
	return res.Request.URL
}

func (b *browser) connect(username string) string {
	b.t.Helper()
	landed := b.atX(b.start().GetAuthorizationUrl(), username, "approve")
	id := landed.Query().Get("connected")
	if landed.Path != "/app/integrations" || id == "" {
		b.t.Fatalf("landed on %s, want /app/integrations?connected=<id>", landed)
	}
	return id
}

func (b *browser) list() []*integrationv1.Integration {
	b.t.Helper()
	res, err := b.client.ListIntegrations(ctx, connect.NewRequest(&integrationv1.ListIntegrationsRequest{WorkspaceId: b.ws}))
	if err != nil {
		b.t.Fatal(err)
	}
	return res.Msg.GetIntegrations()
}

func wantCode(t *testing.T, err error, code connect.Code, mention string) {
	t.Helper()
	var cerr *connect.Error
	if !errors.As(err, &cerr) || cerr.Code() != code || !strings.Contains(cerr.Message(), mention) {
		t.Fatalf("got %v, want %s mentioning %q", err, code, mention)
	}
}

func wantLanded(t *testing.T, landed *url.URL, code string) {
	t.Helper()
	if landed.Path != "/app/integrations" || landed.Query().Get("error") != code {
		t.Fatalf("landed on %s, want /app/integrations?error=%s", landed, code)
	}
}

func storedCredentials(t *testing.T, env *apitest.Env, id string) xclient.Credentials {
	t.Helper()
	row, err := dbq.New(env.Pool).IntegrationGetByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := credential.Open(env.Keys, credential.Sealed{Platform: row.Platform, AccountID: row.PlatformAccountID, Data: row.Credential, KeyID: row.CredentialKeyID})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(row.Credential), creds.Token) || strings.Contains(string(row.Credential), creds.Secret) {
		t.Fatal("credentials stored in the clear")
	}
	return creds
}

func TestBrowserFlow(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	ada := newBrowser(t, env, "ada@example.com")
	id := ada.connect("ada_x")

	list := ada.list()
	if len(list) != 1 {
		t.Fatalf("listed %d integrations", len(list))
	}
	got := list[0]
	if got.GetId() != id || got.GetUsername() != "ada_x" || got.GetDisplayName() == "" || got.GetAvatarUrl() == "" ||
		got.GetStatus() != integrationv1.Status_STATUS_ACTIVE || got.GetPlatform() != integrationv1.Platform_PLATFORM_X ||
		got.GetProfileUrl() != "https://x.com/ada_x" || got.GetPlatformAccountId() == "" {
		t.Fatalf("integration %v", got)
	}
	// The credentials X issued work (the fake checks signatures) and appear
	// in no response and no log line.
	creds := storedCredentials(t, env, id)
	x, _ := xclient.New(xclient.Config{BaseURL: env.XURL, ConsumerKey: fakex.DefaultConsumerKey, ConsumerSecret: fakex.DefaultConsumerSecret})
	me, err := x.Me(ctx, creds)
	if err != nil || me.ID != got.GetPlatformAccountId() {
		t.Fatalf("stored credentials do not work at X: %v %v", me, err)
	}
	one, err := ada.client.GetIntegration(ctx, connect.NewRequest(&integrationv1.GetIntegrationRequest{Id: id}))
	if err != nil {
		t.Fatal(err)
	}
	for _, msg := range []string{protojson.Format(one.Msg), fmt.Sprint(list), env.Logs.String()} {
		if strings.Contains(msg, creds.Token) || strings.Contains(msg, creds.Secret) {
			t.Fatalf("credentials leaked: %s", msg)
		}
	}
	// The state cookie is gone after the callback.
	u, _ := url.Parse(env.URL + "/api/auth/x/callback")
	for _, c := range ada.http.Jar.Cookies(u) {
		if c.Name == "x_oauth_token" {
			t.Fatal("state cookie not cleared")
		}
	}
}

func TestPINFlow(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	adaToken := env.SignUp(t, "ada@example.com")
	c, ws := env.Integration(adaToken), env.PersonalWorkspace(t, adaToken)
	start, err := c.StartXAuthorization(ctx, connect.NewRequest(&integrationv1.StartXAuthorizationRequest{PinFlow: true, WorkspaceId: ws}))
	if err != nil {
		t.Fatal(err)
	}
	if start.Header().Get("Set-Cookie") != "" {
		t.Fatal("the PIN flow needs no browser cookie")
	}
	if !strings.HasPrefix(start.Msg.GetAuthorizationUrl(), env.XURL+"/oauth/authorize?oauth_token=") {
		t.Fatalf("authorization_url %q", start.Msg.GetAuthorizationUrl())
	}
	token := start.Msg.GetOauthToken()
	pin, err := env.X.Approve(token, "pin_person")
	if err != nil {
		t.Fatal(err)
	}
	complete := func(verifier string) (*connect.Response[integrationv1.CompleteXAuthorizationResponse], error) {
		return c.CompleteXAuthorization(ctx, connect.NewRequest(&integrationv1.CompleteXAuthorizationRequest{OauthToken: token, OauthVerifier: verifier}))
	}
	_, err = c.CompleteXAuthorization(ctx, connect.NewRequest(&integrationv1.CompleteXAuthorizationRequest{OauthToken: token}))
	wantCode(t, err, connect.CodeInvalidArgument, "oauth_verifier")

	res, err := complete(pin)
	if err != nil {
		t.Fatal(err)
	}
	if res.Msg.GetIntegration().GetUsername() != "pin_person" {
		t.Fatalf("integration %v", res.Msg.GetIntegration())
	}
	_, err = complete(pin)
	wantCode(t, err, connect.CodeFailedPrecondition, "already used")

	// A wrong PIN: X refuses, and the attempt is used up.
	start, _ = c.StartXAuthorization(ctx, connect.NewRequest(&integrationv1.StartXAuthorizationRequest{PinFlow: true, WorkspaceId: ws}))
	token = start.Msg.GetOauthToken()
	if _, err := env.X.Approve(token, "pin_person"); err != nil {
		t.Fatal(err)
	}
	_, err = complete("0000000")
	wantCode(t, err, connect.CodePermissionDenied, "X refused")

	// Another user's pending authorization looks unknown.
	start, _ = c.StartXAuthorization(ctx, connect.NewRequest(&integrationv1.StartXAuthorizationRequest{PinFlow: true, WorkspaceId: ws}))
	pin, _ = env.X.Approve(start.Msg.GetOauthToken(), "pin_person")
	eve := env.Integration(env.SignUp(t, "eve@example.com"))
	_, err = eve.CompleteXAuthorization(ctx, connect.NewRequest(&integrationv1.CompleteXAuthorizationRequest{OauthToken: start.Msg.GetOauthToken(), OauthVerifier: pin}))
	wantCode(t, err, connect.CodeNotFound, "unknown")
}

func TestDenied(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	ada := newBrowser(t, env, "ada@example.com")
	start := ada.start()
	wantLanded(t, ada.atX(start.GetAuthorizationUrl(), "ada_x", "deny"), "denied")
	if n := len(ada.list()); n != 0 {
		t.Fatalf("%d integrations after denial", n)
	}
}

func TestLoginCSRFRejected(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	ada := newBrowser(t, env, "ada@example.com")
	start := ada.start()
	verifier, err := env.X.Approve(start.GetOauthToken(), "ada_x")
	if err != nil {
		t.Fatal(err)
	}
	callback := env.URL + "/api/auth/x/callback?" + url.Values{"oauth_token": {start.GetOauthToken()}, "oauth_verifier": {verifier}}.Encode()
	get := func(b *browser) *url.URL {
		res, err := b.http.Get(callback)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.Request.URL
	}

	// Eve's browser has no state cookie for Ada's request: rejected.
	eve := newBrowser(t, env, "eve@example.com")
	wantLanded(t, get(eve), "mismatch")
	// Eve's browser with a state cookie of her own request: rejected.
	eve.start()
	wantLanded(t, get(eve), "mismatch")
	// Ada's state cookie planted in a browser signed in as Eve: rejected.
	apiURL, _ := url.Parse(env.URL + "/api/auth/x/callback")
	eve.http.Jar.SetCookies(apiURL, []*http.Cookie{{Name: "x_oauth_token", Value: start.GetOauthToken(), Path: "/api/auth/x/callback"}})
	wantLanded(t, get(eve), "mismatch")
	if n := len(eve.list()); n != 0 {
		t.Fatal("Eve got Ada's X account")
	}
	// None of that used up Ada's request: her own browser still completes it.
	landed := get(ada)
	if landed.Query().Get("connected") == "" {
		t.Fatalf("Ada's own callback: %s", landed)
	}
	// Replaying the callback fails, even with the cookie put back.
	wantLanded(t, get(ada), "mismatch")
	ada.http.Jar.SetCookies(apiURL, []*http.Cookie{{Name: "x_oauth_token", Value: start.GetOauthToken(), Path: "/api/auth/x/callback"}})
	wantLanded(t, get(ada), "already_used")
	// A callback without its parameters.
	res, _ := ada.http.Get(env.URL + "/api/auth/x/callback")
	res.Body.Close()
	wantLanded(t, res.Request.URL, "invalid_request")
}

func TestExpiredPendingAuthorization(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	ada := newBrowser(t, env, "ada@example.com")
	start := ada.start()
	verifier, err := env.X.Approve(start.GetOauthToken(), "ada_x")
	if err != nil {
		t.Fatal(err)
	}
	env.Clock.Advance(16 * time.Minute)
	res, err := ada.http.Get(env.URL + "/api/auth/x/callback?" + url.Values{"oauth_token": {start.GetOauthToken()}, "oauth_verifier": {verifier}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	wantLanded(t, res.Request.URL, "expired")
}

func TestReconnectAndSeveralAccounts(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	ada := newBrowser(t, env, "ada@example.com")
	first := ada.connect("ada_x")
	work := ada.connect("ada_work")
	if first == work || len(ada.list()) != 2 {
		t.Fatalf("two X accounts: %v", ada.list())
	}
	oldCreds := storedCredentials(t, env, first)

	// X revokes the token; the publisher marks the integration (issue 4 does
	// that on a 401; here the same query stands in for it).
	env.X.Revoke("ada_x")
	row, err := dbq.New(env.Pool).IntegrationGetByID(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if err := dbq.New(env.Pool).IntegrationMarkNeedsReconnect(ctx, dbq.IntegrationMarkNeedsReconnectParams{
		ID: first, Credential: row.Credential, Reason: "X rejected the credentials; reconnect your X account", Now: env.Clock.DB(),
	}); err != nil {
		t.Fatal(err)
	}
	got, _ := ada.client.GetIntegration(ctx, connect.NewRequest(&integrationv1.GetIntegrationRequest{Id: first}))
	if got.Msg.GetIntegration().GetStatus() != integrationv1.Status_STATUS_NEEDS_RECONNECT || got.Msg.GetIntegration().GetStatusReason() == "" {
		t.Fatalf("%v", got.Msg.GetIntegration())
	}

	again := ada.connect("ada_x")
	if again != first {
		t.Fatalf("reconnecting made a new integration %s, want %s updated", again, first)
	}
	got, _ = ada.client.GetIntegration(ctx, connect.NewRequest(&integrationv1.GetIntegrationRequest{Id: first}))
	if got.Msg.GetIntegration().GetStatus() != integrationv1.Status_STATUS_ACTIVE || got.Msg.GetIntegration().GetStatusReason() != "" {
		t.Fatalf("after reconnect: %v", got.Msg.GetIntegration())
	}
	if newCreds := storedCredentials(t, env, first); newCreds.Token == oldCreds.Token {
		t.Fatal("reconnect kept the revoked credentials")
	}
	if len(ada.list()) != 2 {
		t.Fatal("reconnect changed the number of integrations")
	}
}

func TestDisconnectAndIsolation(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	ada := newBrowser(t, env, "ada@example.com")
	id := ada.connect("ada_x")
	creds := storedCredentials(t, env, id)

	// Eve sees nothing of Ada's and cannot touch it.
	eve := newBrowser(t, env, "eve@example.com")
	if len(eve.list()) != 0 {
		t.Fatal("Eve lists Ada's integration")
	}
	_, err := eve.client.GetIntegration(ctx, connect.NewRequest(&integrationv1.GetIntegrationRequest{Id: id}))
	wantCode(t, err, connect.CodeNotFound, "no such integration")
	_, err = eve.client.DeleteIntegration(ctx, connect.NewRequest(&integrationv1.DeleteIntegrationRequest{Id: id}))
	wantCode(t, err, connect.CodeNotFound, "no such integration")
	// Eve cannot connect the X account Ada has.
	wantLanded(t, eve.atX(eve.start().GetAuthorizationUrl(), "ada_x", "approve"), "already_connected")
	if len(ada.list()) != 1 || len(eve.list()) != 0 {
		t.Fatal("a second user's connection attempt changed ownership")
	}

	if _, err := ada.client.DeleteIntegration(ctx, connect.NewRequest(&integrationv1.DeleteIntegrationRequest{Id: id})); err != nil {
		t.Fatal(err)
	}
	if len(ada.list()) != 0 {
		t.Fatal("still listed after disconnect")
	}
	_, err = ada.client.DeleteIntegration(ctx, connect.NewRequest(&integrationv1.DeleteIntegrationRequest{Id: id}))
	wantCode(t, err, connect.CodeNotFound, "no such integration")
	// The token was invalidated at X too.
	invalidated := false
	for _, r := range env.X.Requests() {
		if r.Path == "/1.1/oauth/invalidate_token" && r.Status == http.StatusOK {
			invalidated = true
		}
	}
	x, _ := xclient.New(xclient.Config{BaseURL: env.XURL, ConsumerKey: fakex.DefaultConsumerKey, ConsumerSecret: fakex.DefaultConsumerSecret})
	if _, err := x.Me(ctx, creds); !invalidated || xclient.KindOf(err) != xclient.Unauthorized {
		t.Fatalf("token still valid at X after disconnect (invalidate called: %v, Me: %v)", invalidated, err)
	}
	// Once Ada let it go, Eve may connect it.
	if id := eve.connect("ada_x"); id == "" {
		t.Fatal("Eve could not connect the released account")
	}
}

func TestXUnavailableOrNotConfigured(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	ada := newBrowser(t, env, "ada@example.com")

	env.X.Inject(fakex.Fault{PathPrefix: "/oauth/request_token", Times: 1, Response: fakex.ServerError(503)})
	_, err := ada.client.StartXAuthorization(ctx, connect.NewRequest(&integrationv1.StartXAuthorizationRequest{WorkspaceId: ada.ws}))
	wantCode(t, err, connect.CodeUnavailable, "could not reach X")

	env.X.Inject(fakex.Fault{PathPrefix: "/oauth/access_token", Times: 1, Response: fakex.ServerError(503)})
	wantLanded(t, ada.atX(ada.start().GetAuthorizationUrl(), "ada_x", "approve"), "x_unavailable")
	env.X.Inject(fakex.Fault{PathPrefix: "/2/users/me", Times: 1, Response: fakex.ServerError(500)})
	wantLanded(t, ada.atX(ada.start().GetAuthorizationUrl(), "ada_x", "approve"), "x_unavailable")
	if n := len(ada.list()); n != 0 {
		t.Fatalf("%d integrations after failed connections", n)
	}
	// After X recovers, connecting works.
	ada.connect("ada_x")

	off := apitest.Start(t, apitest.Options{NoX: true})
	offToken := off.SignUp(t, "ada@example.com")
	_, err = off.Integration(offToken).StartXAuthorization(ctx, connect.NewRequest(&integrationv1.StartXAuthorizationRequest{WorkspaceId: off.PersonalWorkspace(t, offToken)}))
	wantCode(t, err, connect.CodeFailedPrecondition, "X_CLIENT_ID")
}
