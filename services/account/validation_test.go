package account_test

import (
	"strings"
	"testing"

	"connectrpc.com/connect"

	accountv1 "github.com/betterplan/betterplan/gen/betterplan/account/v1"
	"github.com/betterplan/betterplan/internal/apitest"
)

// TestLongSignInEmail: a 3 KB email used to reach the sign-in failure table
// and come back as internal (an index row that large does not fit).
func TestLongSignInEmail(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	email := strings.Repeat("a", 3000) + "@example.com"
	_, err := env.Account("").SignIn(ctx, connect.NewRequest(&accountv1.SignInRequest{Email: email, Password: pw}))
	cerr := wantCode(t, err, connect.CodeInvalidArgument, "email")
	if len(cerr.Message()) > 100 {
		t.Fatalf("message is %d bytes: %q", len(cerr.Message()), cerr.Message())
	}
}

// TestErrorsDoNotEchoInput: what a client sent is not repeated back (nor
// logged), so a huge or hostile value stays where it came from.
func TestErrorsDoNotEchoInput(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	c := env.Account("")
	for _, email := range []string{"not-an-email-" + strings.Repeat("z", 200), strings.Repeat("z", 500<<10) + "@example.com"} {
		_, err := c.SignUp(ctx, connect.NewRequest(&accountv1.SignUpRequest{Email: email, Password: pw}))
		cerr := wantCode(t, err, connect.CodeInvalidArgument, "email")
		if strings.Contains(cerr.Message(), "zzzzzzzzzz") {
			t.Fatalf("the error echoes the email: %.300q", cerr.Message())
		}
	}
	if strings.Contains(env.Logs.String(), "zzzzzzzzzz") {
		t.Fatal("the logs echo the email")
	}
}

// TestRequestRules: the proto rules' messages name the field and say the
// limit; the service's own checks still explain what is missing.
func TestRequestRules(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	token := env.SignUp(t, "rules@example.com")
	c := env.Account("")
	cases := []struct {
		name    string
		req     *accountv1.SignUpRequest
		mention string
	}{
		{"password too short", &accountv1.SignUpRequest{Email: "a@example.com", Password: "1234567"}, "password: must be at least 8 characters"},
		{"password too long", &accountv1.SignUpRequest{Email: "a@example.com", Password: strings.Repeat("é", 513)}, "password: must be at most 1024 bytes"},
		{"display name too long", &accountv1.SignUpRequest{Email: "a@example.com", Password: pw, DisplayName: strings.Repeat("é", 101)}, "display_name: must be at most 100 characters"},
		{"blank email", &accountv1.SignUpRequest{Email: "   ", Password: pw}, "email is required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.SignUp(ctx, connect.NewRequest(tc.req))
			wantCode(t, err, connect.CodeInvalidArgument, tc.mention)
		})
	}
	// 1024 bytes of password and 100 characters of name are fine.
	_, err := c.SignUp(ctx, connect.NewRequest(&accountv1.SignUpRequest{
		Email: "max@example.com", Password: strings.Repeat("é", 512), DisplayName: strings.Repeat("é", 100)}))
	if err != nil {
		t.Fatalf("limits are inclusive: %v", err)
	}

	authed := env.Account(token)
	_, err = authed.CreateApiToken(ctx, connect.NewRequest(&accountv1.CreateApiTokenRequest{Name: strings.Repeat("n", 101)}))
	wantCode(t, err, connect.CodeInvalidArgument, "name: must be at most 100 characters")
	_, err = authed.RevokeApiToken(ctx, connect.NewRequest(&accountv1.RevokeApiTokenRequest{Id: "nope"}))
	wantCode(t, err, connect.CodeInvalidArgument, "id: must be a valid ULID")
	_, err = authed.RevokeApiToken(ctx, connect.NewRequest(&accountv1.RevokeApiTokenRequest{}))
	wantCode(t, err, connect.CodeInvalidArgument, "id is required")
	_, err = c.SignIn(ctx, connect.NewRequest(&accountv1.SignInRequest{Email: "rules@example.com"}))
	wantCode(t, err, connect.CodeInvalidArgument, "password is required")
}

// TestDisplayNameFromLongEmail: without a display name, the part of the
// email before the @ is used, cut to the display name's 100 characters.
func TestDisplayNameFromLongEmail(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	local := strings.Repeat("l", 150)
	res, err := env.Account("").SignUp(ctx, connect.NewRequest(&accountv1.SignUpRequest{Email: local + "@example.com", Password: pw}))
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Msg.GetUser().GetDisplayName(); got != local[:100] {
		t.Fatalf("display name %q, want the first 100 characters of the local part", got)
	}
}
