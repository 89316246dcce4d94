package integration_test

import (
	"net/url"
	"strings"
	"testing"

	"connectrpc.com/connect"

	integrationv1 "github.com/betterplan/betterplan/gen/betterplan/integration/v1"
	"github.com/betterplan/betterplan/internal/apitest"
)

// TestRequestRules: the proto rules bound the PIN flow's strings and ids;
// the service still says what a missing one is for.
func TestRequestRules(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	ada := newBrowser(t, env, "ada@example.com")
	long := strings.Repeat("t", 257)
	cases := []struct {
		name    string
		call    func() error
		mention string
	}{
		{"long oauth_token", func() error {
			_, err := ada.client.CompleteXAuthorization(ctx, connect.NewRequest(&integrationv1.CompleteXAuthorizationRequest{OauthToken: long, OauthVerifier: "1234567"}))
			return err
		}, "oauth_token: must be at most 256 characters"},
		{"long oauth_verifier", func() error {
			_, err := ada.client.CompleteXAuthorization(ctx, connect.NewRequest(&integrationv1.CompleteXAuthorizationRequest{OauthToken: "t", OauthVerifier: long}))
			return err
		}, "oauth_verifier: must be at most 256 characters"},
		{"missing oauth_verifier", func() error {
			_, err := ada.client.CompleteXAuthorization(ctx, connect.NewRequest(&integrationv1.CompleteXAuthorizationRequest{OauthToken: "t"}))
			return err
		}, "oauth_verifier is required (the PIN X showed"},
		{"id not a ULID", func() error {
			_, err := ada.client.GetIntegration(ctx, connect.NewRequest(&integrationv1.GetIntegrationRequest{Id: "nope"}))
			return err
		}, "id: must be a valid ULID"},
		{"no id", func() error {
			_, err := ada.client.DeleteIntegration(ctx, connect.NewRequest(&integrationv1.DeleteIntegrationRequest{}))
			return err
		}, "id is required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if connect.CodeOf(err) != connect.CodeInvalidArgument || !strings.Contains(err.Error(), tc.mention) {
				t.Fatalf("got %v, want invalid_argument mentioning %q", err, tc.mention)
			}
		})
	}
}

// TestCallbackBoundsItsParameters: the browser callback takes no longer
// oauth_token or oauth_verifier than CompleteXAuthorization does.
func TestCallbackBoundsItsParameters(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	ada := newBrowser(t, env, "ada@example.com")
	long := strings.Repeat("t", 257)
	res, err := ada.http.Get(env.URL + "/api/auth/x/callback?" + url.Values{"oauth_token": {long}, "oauth_verifier": {"v"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	wantLanded(t, res.Request.URL, "invalid_request")
}
