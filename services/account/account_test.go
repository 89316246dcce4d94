package account_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	accountv1 "github.com/betterplan/betterplan/gen/betterplan/account/v1"
	"github.com/betterplan/betterplan/gen/betterplan/account/v1/accountv1connect"
	"github.com/betterplan/betterplan/internal/apiserver"
	"github.com/betterplan/betterplan/internal/apitest"
	"github.com/betterplan/betterplan/internal/auth"
)

var ctx = context.Background()

const pw = "correct horse battery"

func signUp(t *testing.T, env *apitest.Env, email string) *accountv1.SignUpResponse {
	t.Helper()
	res, err := env.Account("").SignUp(ctx, connect.NewRequest(&accountv1.SignUpRequest{Email: email, Password: pw, DisplayName: "Ada"}))
	if err != nil {
		t.Fatalf("SignUp(%s): %v", email, err)
	}
	return res.Msg
}

func wantCode(t *testing.T, err error, code connect.Code, msgContains string) *connect.Error {
	t.Helper()
	var cerr *connect.Error
	if !errors.As(err, &cerr) {
		t.Fatalf("got error %v, want a Connect error with code %s", err, code)
	}
	if cerr.Code() != code {
		t.Fatalf("got code %s (%q), want %s", cerr.Code(), cerr.Message(), code)
	}
	if !strings.Contains(cerr.Message(), msgContains) {
		t.Fatalf("message %q does not mention %q", cerr.Message(), msgContains)
	}
	return cerr
}

func TestSignUpSignInSignOutGetMe(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	up := signUp(t, env, "  Ada@Example.COM ")
	if up.GetUser().GetEmail() != "ada@example.com" {
		t.Fatalf("email not normalised: %q", up.GetUser().GetEmail())
	}
	if !strings.HasPrefix(up.GetSessionToken(), auth.SessionPrefix) || len(up.GetSessionToken()) < 40 {
		t.Fatalf("session token %q does not look like a 256-bit token", up.GetSessionToken())
	}
	if got := up.GetSessionExpireTime().AsTime(); !got.Equal(apitest.Epoch.Add(30 * 24 * time.Hour)) {
		t.Fatalf("session expires %v, want 30 days after sign-up", got)
	}

	me, err := env.Account(up.GetSessionToken()).GetMe(ctx, connect.NewRequest(&accountv1.GetMeRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if me.Msg.GetUser().GetId() != up.GetUser().GetId() || me.Msg.GetUser().GetDisplayName() != "Ada" {
		t.Fatalf("GetMe = %v, want the signed-up user", me.Msg.GetUser())
	}

	in, err := env.Account("").SignIn(ctx, connect.NewRequest(&accountv1.SignInRequest{Email: "ADA@example.com", Password: pw}))
	if err != nil {
		t.Fatal(err)
	}
	if in.Msg.GetSessionToken() == up.GetSessionToken() || in.Msg.GetUser().GetId() != up.GetUser().GetId() {
		t.Fatal("SignIn must start a new session for the same user")
	}

	out, err := env.Account(in.Msg.GetSessionToken()).SignOut(ctx, connect.NewRequest(&accountv1.SignOutRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if c := out.Header().Get("Set-Cookie"); !strings.Contains(c, auth.CookieName+"=;") || !strings.Contains(c, "Max-Age=0") {
		t.Fatalf("SignOut must clear the cookie, Set-Cookie = %q", c)
	}
	_, err = env.Account(in.Msg.GetSessionToken()).GetMe(ctx, connect.NewRequest(&accountv1.GetMeRequest{}))
	wantCode(t, err, connect.CodeUnauthenticated, "revoked")
	// The other session is untouched.
	if _, err := env.Account(up.GetSessionToken()).GetMe(ctx, connect.NewRequest(&accountv1.GetMeRequest{})); err != nil {
		t.Fatalf("signing out one session ended another: %v", err)
	}

	for _, secret := range []string{pw, up.GetSessionToken(), in.Msg.GetSessionToken()} {
		if strings.Contains(env.Logs.String(), secret) {
			t.Fatalf("a secret appears in the logs")
		}
	}
}

func TestSignUpValidation(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	signUp(t, env, "taken@example.com")
	c := env.Account("")
	cases := []struct {
		name, email, password string
		code                  connect.Code
		mention               string
	}{
		{"duplicate email, other case and spaces", " TAKEN@example.com", pw, connect.CodeAlreadyExists, "already exists"},
		{"weak password", "a@example.com", "short", connect.CodeInvalidArgument, "password"},
		{"empty password", "a@example.com", "", connect.CodeInvalidArgument, "password"},
		{"no at sign", "not-an-email", pw, connect.CodeInvalidArgument, "email"},
		{"no domain dot", "a@localhost", pw, connect.CodeInvalidArgument, "email"},
		{"display name form", "Ada <ada@example.com>", pw, connect.CodeInvalidArgument, "email"},
		{"empty email", "", pw, connect.CodeInvalidArgument, "email"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.SignUp(ctx, connect.NewRequest(&accountv1.SignUpRequest{Email: tc.email, Password: tc.password}))
			wantCode(t, err, tc.code, tc.mention)
		})
	}
}

func TestWrongPasswordAndUnknownEmailLookTheSame(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	signUp(t, env, "ada@example.com")
	c := env.Account("")
	_, errWrong := c.SignIn(ctx, connect.NewRequest(&accountv1.SignInRequest{Email: "ada@example.com", Password: "wrong password"}))
	_, errUnknown := c.SignIn(ctx, connect.NewRequest(&accountv1.SignInRequest{Email: "nobody@example.com", Password: "wrong password"}))
	a := wantCode(t, errWrong, connect.CodeUnauthenticated, "wrong email or password")
	b := wantCode(t, errUnknown, connect.CodeUnauthenticated, "wrong email or password")
	if a.Message() != b.Message() {
		t.Fatalf("different errors reveal which emails exist: %q vs %q", a.Message(), b.Message())
	}
}

func TestBadTokens(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	up := signUp(t, env, "ada@example.com")
	getMe := func(token string) error {
		_, err := env.Account(token).GetMe(ctx, connect.NewRequest(&accountv1.GetMeRequest{}))
		return err
	}
	wantCode(t, getMe(""), connect.CodeUnauthenticated, "sign in first")
	wantCode(t, getMe("garbage"), connect.CodeUnauthenticated, "invalid")
	wantCode(t, getMe(auth.NewToken(auth.SessionPrefix)), connect.CodeUnauthenticated, "invalid")
	wantCode(t, getMe(auth.NewToken(auth.APITokenPrefix)), connect.CodeUnauthenticated, "invalid")
	// A token of the right shape with one character changed.
	tok := up.GetSessionToken()
	flipped := tok[:len(tok)-1] + string("AB"[(strings.IndexByte("AB", tok[len(tok)-1])+1)&1])
	wantCode(t, getMe(flipped), connect.CodeUnauthenticated, "invalid")

	// Sliding expiry: used every 20 days, the session lives on.
	for range 3 {
		env.Clock.Advance(20 * 24 * time.Hour)
		if err := getMe(tok); err != nil {
			t.Fatalf("session used within 30 days expired: %v", err)
		}
	}
	// Unused for 30 days, it expires.
	env.Clock.Advance(30*24*time.Hour + time.Second)
	wantCode(t, getMe(tok), connect.CodeUnauthenticated, "expired")
}

func TestCookieSession(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	browser := env.HTTPClient()
	c := accountv1connect.NewAccountServiceClient(browser, env.URL)
	res, err := c.SignUp(ctx, connect.NewRequest(&accountv1.SignUpRequest{Email: "ada@example.com", Password: pw}))
	if err != nil {
		t.Fatal(err)
	}
	cookie := res.Header().Get("Set-Cookie")
	for _, attr := range []string{auth.CookieName + "=" + res.Msg.GetSessionToken(), "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(cookie, attr) {
			t.Fatalf("Set-Cookie %q lacks %q", cookie, attr)
		}
	}
	if strings.Contains(cookie, "Secure") {
		t.Fatalf("cookie is Secure on an http APP_URL, so a browser would drop it: %q", cookie)
	}
	// No bearer token: the cookie alone authenticates.
	me, err := c.GetMe(ctx, connect.NewRequest(&accountv1.GetMeRequest{}))
	if err != nil {
		t.Fatalf("GetMe with the cookie: %v", err)
	}
	if me.Msg.GetUser().GetEmail() != "ada@example.com" {
		t.Fatalf("GetMe = %v", me.Msg.GetUser())
	}
	// Sliding the session also refreshes the cookie.
	env.Clock.Advance(2 * time.Hour)
	me, err = c.GetMe(ctx, connect.NewRequest(&accountv1.GetMeRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(me.Header().Get("Set-Cookie"), "Max-Age=2592000") {
		t.Fatalf("slid session did not refresh the cookie: %q", me.Header().Get("Set-Cookie"))
	}
	if _, err := c.SignOut(ctx, connect.NewRequest(&accountv1.SignOutRequest{})); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(env.URL)
	if len(browser.Jar.Cookies(u)) != 0 {
		t.Fatal("the browser still holds a session cookie after SignOut")
	}
	_, err = c.GetMe(ctx, connect.NewRequest(&accountv1.GetMeRequest{}))
	wantCode(t, err, connect.CodeUnauthenticated, "sign in first")
}

func TestSecureCookieOnHTTPS(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{AppURL: "https://app.example.com"})
	res, err := env.Account("").SignUp(ctx, connect.NewRequest(&accountv1.SignUpRequest{Email: "ada@example.com", Password: pw}))
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Header().Get("Set-Cookie"); !strings.Contains(c, "Secure") {
		t.Fatalf("cookie must be Secure when APP_URL is https: %q", c)
	}
}

func TestAPITokens(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	session := signUp(t, env, "ada@example.com").GetSessionToken()
	c := env.Account(session)

	_, err := c.CreateApiToken(ctx, connect.NewRequest(&accountv1.CreateApiTokenRequest{Name: "  "}))
	wantCode(t, err, connect.CodeInvalidArgument, "name")
	_, err = c.CreateApiToken(ctx, connect.NewRequest(&accountv1.CreateApiTokenRequest{Name: "old", ExpireTime: timestamppb.New(apitest.Epoch.Add(-time.Minute))}))
	wantCode(t, err, connect.CodeInvalidArgument, "expire_time")

	forever, err := c.CreateApiToken(ctx, connect.NewRequest(&accountv1.CreateApiTokenRequest{Name: "deploy bot"}))
	if err != nil {
		t.Fatal(err)
	}
	daily, err := c.CreateApiToken(ctx, connect.NewRequest(&accountv1.CreateApiTokenRequest{Name: "nightly", ExpireTime: timestamppb.New(apitest.Epoch.Add(24 * time.Hour))}))
	if err != nil {
		t.Fatal(err)
	}
	token := forever.Msg.GetToken()
	if !strings.HasPrefix(token, auth.APITokenPrefix) || !strings.HasPrefix(token, forever.Msg.GetApiToken().GetPrefix()) {
		t.Fatalf("token %q / prefix %q", token, forever.Msg.GetApiToken().GetPrefix())
	}

	// The token works as a bearer token, like a session.
	me, err := env.Account(token).GetMe(ctx, connect.NewRequest(&accountv1.GetMeRequest{}))
	if err != nil || me.Msg.GetUser().GetEmail() != "ada@example.com" {
		t.Fatalf("GetMe with API token: %v %v", me, err)
	}
	// ...over gRPC too.
	grpc := accountv1connect.NewAccountServiceClient(env.H2CClient(), env.URL, connect.WithGRPC(), apitest.WithBearer(token))
	if _, err := grpc.GetMe(ctx, connect.NewRequest(&accountv1.GetMeRequest{})); err != nil {
		t.Fatalf("GetMe with API token over gRPC: %v", err)
	}
	// SignOut is for sessions.
	_, err = env.Account(token).SignOut(ctx, connect.NewRequest(&accountv1.SignOutRequest{}))
	wantCode(t, err, connect.CodeFailedPrecondition, "RevokeApiToken")

	list, err := c.ListApiTokens(ctx, connect.NewRequest(&accountv1.ListApiTokensRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(list.Msg.GetApiTokens()); n != 2 {
		t.Fatalf("listed %d tokens, want 2", n)
	}
	if strings.Contains(fmt.Sprint(list.Msg), token) || strings.Contains(fmt.Sprint(list.Msg), daily.Msg.GetToken()) {
		t.Fatal("ListApiTokens leaks a token")
	}
	if list.Msg.GetApiTokens()[1].GetLastUseTime() == nil {
		t.Fatal("the used token has no last_use_time")
	}

	// An expiring token stops working after its expiry and leaves the list.
	env.Clock.Advance(25 * time.Hour)
	_, err = env.Account(daily.Msg.GetToken()).GetMe(ctx, connect.NewRequest(&accountv1.GetMeRequest{}))
	wantCode(t, err, connect.CodeUnauthenticated, "expired")

	// Revocation is immediate.
	if _, err := c.RevokeApiToken(ctx, connect.NewRequest(&accountv1.RevokeApiTokenRequest{Id: forever.Msg.GetApiToken().GetId()})); err != nil {
		t.Fatal(err)
	}
	_, err = env.Account(token).GetMe(ctx, connect.NewRequest(&accountv1.GetMeRequest{}))
	wantCode(t, err, connect.CodeUnauthenticated, "revoked")
	_, err = c.RevokeApiToken(ctx, connect.NewRequest(&accountv1.RevokeApiTokenRequest{Id: forever.Msg.GetApiToken().GetId()}))
	wantCode(t, err, connect.CodeNotFound, "no live API token")
	list, _ = c.ListApiTokens(ctx, connect.NewRequest(&accountv1.ListApiTokensRequest{}))
	if n := len(list.Msg.GetApiTokens()); n != 0 {
		t.Fatalf("listed %d tokens after expiry and revocation, want 0", n)
	}

	// Another user cannot revoke Ada's tokens.
	other := signUp(t, env, "eve@example.com").GetSessionToken()
	mine, _ := c.CreateApiToken(ctx, connect.NewRequest(&accountv1.CreateApiTokenRequest{Name: "x"}))
	_, err = env.Account(other).RevokeApiToken(ctx, connect.NewRequest(&accountv1.RevokeApiTokenRequest{Id: mine.Msg.GetApiToken().GetId()}))
	wantCode(t, err, connect.CodeNotFound, "no live API token")
	if strings.Contains(env.Logs.String(), token) {
		t.Fatal("an API token appears in the logs")
	}
}

func TestSignInThrottling(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	signUp(t, env, "ada@example.com")
	c := env.Account("")
	signIn := func(email, password string) error {
		_, err := c.SignIn(ctx, connect.NewRequest(&accountv1.SignInRequest{Email: email, Password: password}))
		return err
	}
	for i := range 5 {
		wantCode(t, signIn("ada@example.com", fmt.Sprintf("guess %d", i)), connect.CodeUnauthenticated, "wrong")
	}
	// Even the right password is refused while throttled, with a hint.
	cerr := wantCode(t, signIn("ada@example.com", pw), connect.CodeResourceExhausted, "try again in 15m")
	if cerr.Meta().Get("Retry-After") != "900" {
		t.Fatalf("Retry-After = %q, want 900", cerr.Meta().Get("Retry-After"))
	}
	env.Clock.Advance(10 * time.Minute)
	wantCode(t, signIn("ada@example.com", pw), connect.CodeResourceExhausted, "try again in 5m")
	env.Clock.Advance(5*time.Minute + time.Second)
	if err := signIn("ada@example.com", pw); err != nil {
		t.Fatalf("after the window: %v", err)
	}

	// Per client address: 20 failures over many emails block this address.
	for i := range 20 {
		err := signIn(fmt.Sprintf("u%d@example.com", i), "nope nope")
		wantCode(t, err, connect.CodeUnauthenticated, "wrong")
	}
	wantCode(t, signIn("fresh@example.com", "whatever1"), connect.CodeResourceExhausted, "too many")

	// Once the window has passed, those failures are deleted, not just ignored.
	staleFailures := func() int {
		var n int
		if err := env.Pool.QueryRow(ctx, `SELECT count(*) FROM sign_in_failures WHERE failed_at < $1`,
			env.Clock.Now().Add(-15*time.Minute)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	env.Clock.Advance(15*time.Minute + time.Second)
	if n := staleFailures(); n != 20 {
		t.Fatalf("%d failures older than the window before pruning, want the 20 above", n)
	}
	wantCode(t, signIn("later@example.com", "nope nope"), connect.CodeUnauthenticated, "wrong")
	if n := staleFailures(); n != 0 {
		t.Fatalf("%d failures older than the window kept", n)
	}
}

func TestGRPCProtocol(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	c := accountv1connect.NewAccountServiceClient(env.H2CClient(), env.URL, connect.WithGRPC())
	up, err := c.SignUp(ctx, connect.NewRequest(&accountv1.SignUpRequest{Email: "grpc@example.com", Password: pw}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.SignUp(ctx, connect.NewRequest(&accountv1.SignUpRequest{Email: "grpc@example.com", Password: pw}))
	wantCode(t, err, connect.CodeAlreadyExists, "already exists")
	authed := accountv1connect.NewAccountServiceClient(env.H2CClient(), env.URL, connect.WithGRPC(), apitest.WithBearer(up.Msg.GetSessionToken()))
	me, err := authed.GetMe(ctx, connect.NewRequest(&accountv1.GetMeRequest{}))
	if err != nil || me.Msg.GetUser().GetEmail() != "grpc@example.com" {
		t.Fatalf("GetMe over gRPC: %v %v", me, err)
	}
	_, err = c.GetMe(ctx, connect.NewRequest(&accountv1.GetMeRequest{}))
	wantCode(t, err, connect.CodeUnauthenticated, "sign in first")
	// gRPC-Web too.
	web := accountv1connect.NewAccountServiceClient(env.HTTPClient(), env.URL, connect.WithGRPCWeb(), apitest.WithBearer(up.Msg.GetSessionToken()))
	if _, err := web.GetMe(ctx, connect.NewRequest(&accountv1.GetMeRequest{})); err != nil {
		t.Fatalf("GetMe over gRPC-Web: %v", err)
	}
}

// TestRequestTooLarge proves the 1 MiB request limit: a SignIn body of
// exactly apiserver.MaxRequestBytes (padded with an unknown field, which
// protobuf keeps and nothing checks) reaches the handler, one byte more is
// refused before anything reads it.
func TestRequestTooLarge(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	signIn := func(size int) error {
		t.Helper()
		msg := &accountv1.SignInRequest{Email: "big@example.com", Password: pw}
		pad := paddingTo(t, msg, size)
		c := accountv1connect.NewAccountServiceClient(env.HTTPClient(), env.URL, connect.WithCodec(appendingCodec{pad}))
		_, err := c.SignIn(ctx, connect.NewRequest(msg))
		return err
	}
	// Handled: there is no such account.
	wantCode(t, signIn(apiserver.MaxRequestBytes), connect.CodeUnauthenticated, "wrong email or password")
	wantCode(t, signIn(apiserver.MaxRequestBytes+1), connect.CodeResourceExhausted, "larger than")
}

// paddingTo returns an unknown field (number 1000) that makes msg's encoding
// exactly size bytes long.
func paddingTo(t *testing.T, msg proto.Message, size int) []byte {
	t.Helper()
	base := proto.Size(msg)
	n := size - base - protowire.SizeTag(1000) - 3 // a 3-byte length prefix (16 KiB to 2 MiB)
	pad := protowire.AppendBytes(protowire.AppendTag(nil, 1000, protowire.BytesType), make([]byte, n))
	if base+len(pad) != size {
		t.Fatalf("padded to %d bytes, want %d", base+len(pad), size)
	}
	return pad
}

// appendingCodec is the binary codec plus raw bytes after each message.
type appendingCodec struct{ extra []byte }

func (appendingCodec) Name() string { return "proto" }

func (c appendingCodec) Marshal(m any) ([]byte, error) {
	b, err := proto.Marshal(m.(proto.Message))
	return append(b, c.extra...), err
}

func (appendingCodec) Unmarshal(b []byte, m any) error { return proto.Unmarshal(b, m.(proto.Message)) }

func TestCORS(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{AppURL: "https://app.example.com"})
	preflight := func(origin string) http.Header {
		req, _ := http.NewRequest(http.MethodOptions, env.URL+accountv1connect.AccountServiceGetMeProcedure, nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.Header
	}
	if h := preflight("https://app.example.com"); h.Get("Access-Control-Allow-Origin") != "https://app.example.com" || h.Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("APP_URL's origin not allowed: %v", h)
	}
	if h := preflight("https://evil.example.com"); h.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("another origin allowed: %v", h)
	}
}
