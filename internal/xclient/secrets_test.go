package xclient_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/betterplan/betterplan/internal/fakex"
	"github.com/betterplan/betterplan/internal/xclient"
)

func TestCredentialsNeverPrint(t *testing.T) {
	c := xclient.Credentials{Token: "1234-TOKEN-abcdefgh", Secret: "SECRET-abcdefgh"}
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v"} {
		outs = append(outs, fmt.Sprintf(verb, c), fmt.Sprintf(verb, &c))
	}
	outs = append(outs, fmt.Sprint(c), fmt.Sprintln(struct{ C xclient.Credentials }{c}), fmt.Sprintf("%+v", struct{ C xclient.Credentials }{c}))
	var buf bytes.Buffer
	for _, h := range []slog.Handler{slog.NewJSONHandler(&buf, nil), slog.NewTextHandler(&buf, nil)} {
		slog.New(h).Info("connected", "creds", c, "ptr", &c)
	}
	outs = append(outs, buf.String())
	for _, out := range outs {
		if strings.Contains(out, "TOKEN") || strings.Contains(out, "SECRET") || strings.Contains(out, "abcdefgh") {
			t.Errorf("credentials leaked: %s", out)
		}
	}
	if !strings.Contains(c.String(), "[redacted]") || !strings.Contains(xclient.Credentials{}.String(), `""`) {
		t.Errorf("String() = %s / %s", c, xclient.Credentials{})
	}

	var cfgLog bytes.Buffer
	slog.New(slog.NewJSONHandler(&cfgLog, nil)).Info("config", "x", xclient.Config{BaseURL: "https://api.x.com", ConsumerKey: "k", ConsumerSecret: "CONSUMER-SECRET-1"})
	if strings.Contains(cfgLog.String(), "CONSUMER-SECRET") {
		t.Errorf("Config logged its secret: %s", cfgLog.String())
	}
}

// TestErrorsAndLogsNeverContainSecrets drives every failure path with
// distinctive credentials and checks no error string or log line carries
// the consumer secret, a token, a token secret or a verifier.
func TestErrorsAndLogsNeverContainSecrets(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, fakex.Options{}, func(c *xclient.Config) { c.Timeout = 300 * time.Millisecond })
	alice := e.connect("alice")
	reqTok, reqSec, err := e.client.RequestToken(ctx, "oob")
	if err != nil {
		t.Fatal(err)
	}
	verifier, _ := e.fake.Approve(reqTok, "alice")
	secrets := []string{consumerSecret, alice.Token, alice.Secret, reqTok, reqSec, verifier}

	var errs []error
	collect := func(err error) {
		if err == nil {
			t.Fatal("expected a failure")
		}
		errs = append(errs, err)
	}
	for _, f := range []fakex.Fault{
		{Response: fakex.Unauthorized()}, {Response: fakex.Duplicate()}, {Response: fakex.Forbidden()},
		{Response: fakex.RateLimited(time.Now())}, {Response: fakex.UsageCapped()}, {Response: fakex.ServerError(500)},
		{Response: fakex.BadRequest()}, {Action: fakex.DropBeforeHandling}, {Action: fakex.DropAfterHandling}, {Action: fakex.Hang},
	} {
		e.fake.Inject(f)
		_, err := e.client.CreatePost(ctx, alice, "secret test "+f.Action.String()+fmt.Sprint(f.Response), "")
		collect(err)
	}
	_, err = e.client.AccessToken(ctx, reqTok, reqSec, "wrong-verifier-000")
	collect(err)
	_, err = e.client.AccessToken(ctx, reqTok, "wrong-request-secret", verifier)
	collect(err)
	_, err = e.client.Me(ctx, xclient.Credentials{Token: alice.Token, Secret: "wrong-secret-xyz"})
	collect(err)
	e.fake.Revoke("alice")
	collect(e.client.DeletePost(ctx, alice, "1"))
	collect(e.client.InvalidateToken(ctx, alice))

	// A misbehaving proxy that echoes the request (Authorization header,
	// with the token and verifier) in its error body.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"title": "echo", "detail": r.Header.Get("Authorization") + " " + r.URL.String() + " " + string(b)})
	}))
	defer echo.Close()
	ec := newClient(t, echo.URL, nil)
	_, err = ec.AccessToken(ctx, reqTok, reqSec, verifier)
	collect(err)
	_, err = ec.CreatePost(ctx, alice, "x", "")
	collect(err)

	for _, err := range errs {
		for _, s := range append(secrets, "wrong-secret-xyz", "wrong-request-secret") {
			if strings.Contains(err.Error(), s) || strings.Contains(fmt.Sprintf("%+v", err), s) {
				t.Errorf("error leaks %q: %v", s[:6]+"…", err)
			}
		}
	}
	logs := e.logs.String()
	if !strings.Contains(logs, `"op":"create post"`) {
		t.Fatalf("expected debug logs, got: %.300s", logs)
	}
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("log leaks %q…", s[:6])
		}
	}
}
