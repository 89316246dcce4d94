package account_test

import (
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	accountv1 "github.com/betterplan/betterplan/gen/betterplan/account/v1"
	"github.com/betterplan/betterplan/internal/apitest"
)

func TestUpdateMe(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	token := env.SignUp(t, "tz@example.com")
	c := env.Account(token)

	me, err := c.GetMe(ctx, connect.NewRequest(&accountv1.GetMeRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if me.Msg.GetUser().GetTimeZone() != "" {
		t.Fatalf("a new user has time zone %q, want none", me.Msg.GetUser().GetTimeZone())
	}

	// Only the fields given change.
	res, err := c.UpdateMe(ctx, connect.NewRequest(&accountv1.UpdateMeRequest{TimeZone: proto.String("Europe/Berlin")}))
	if err != nil {
		t.Fatal(err)
	}
	if u := res.Msg.GetUser(); u.GetTimeZone() != "Europe/Berlin" || u.GetDisplayName() != "tz@example.com" {
		t.Fatalf("after setting the zone: %v", u)
	}
	res, err = c.UpdateMe(ctx, connect.NewRequest(&accountv1.UpdateMeRequest{DisplayName: proto.String("  Ada Lovelace  ")}))
	if err != nil {
		t.Fatal(err)
	}
	if u := res.Msg.GetUser(); u.GetTimeZone() != "Europe/Berlin" || u.GetDisplayName() != "Ada Lovelace" {
		t.Fatalf("after renaming: %v", u)
	}
	// An empty request changes nothing; GetMe sees what UpdateMe wrote.
	if _, err := c.UpdateMe(ctx, connect.NewRequest(&accountv1.UpdateMeRequest{})); err != nil {
		t.Fatal(err)
	}
	me, err = c.GetMe(ctx, connect.NewRequest(&accountv1.GetMeRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if u := me.Msg.GetUser(); u.GetTimeZone() != "Europe/Berlin" || u.GetDisplayName() != "Ada Lovelace" {
		t.Fatalf("GetMe after UpdateMe: %v", u)
	}
	// Both at once, and "UTC"; an empty zone clears the choice.
	res, err = c.UpdateMe(ctx, connect.NewRequest(&accountv1.UpdateMeRequest{DisplayName: proto.String("Ada"), TimeZone: proto.String("UTC")}))
	if err != nil {
		t.Fatal(err)
	}
	if u := res.Msg.GetUser(); u.GetTimeZone() != "UTC" || u.GetDisplayName() != "Ada" {
		t.Fatalf("after setting both: %v", u)
	}
	res, err = c.UpdateMe(ctx, connect.NewRequest(&accountv1.UpdateMeRequest{TimeZone: proto.String("")}))
	if err != nil {
		t.Fatal(err)
	}
	if u := res.Msg.GetUser(); u.GetTimeZone() != "" || u.GetDisplayName() != "Ada" {
		t.Fatalf("after clearing the zone: %v", u)
	}

	// Another user is untouched.
	other := env.Account(env.SignUp(t, "other@example.com"))
	me, err = other.GetMe(ctx, connect.NewRequest(&accountv1.GetMeRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if u := me.Msg.GetUser(); u.GetTimeZone() != "" || u.GetDisplayName() != "other@example.com" {
		t.Fatalf("the other user changed: %v", u)
	}
}

func TestUpdateMeValidation(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	c := env.Account(env.SignUp(t, "v@example.com"))
	long := "Europe/" + strings.Repeat("x", 50)
	cases := []struct {
		name    string
		req     *accountv1.UpdateMeRequest
		mention string
	}{
		{"blank name", &accountv1.UpdateMeRequest{DisplayName: proto.String("   ")}, "display_name must not be empty"},
		{"long name", &accountv1.UpdateMeRequest{DisplayName: proto.String(strings.Repeat("é", 101))}, "display_name: must be at most 100 characters"},
		{"NUL in name", &accountv1.UpdateMeRequest{DisplayName: proto.String("a\x00b")}, "display_name: must not contain NUL"},
		{"unknown zone", &accountv1.UpdateMeRequest{TimeZone: proto.String("Mars/Olympus")}, `time_zone "Mars/Olympus" is not an IANA time zone like Europe/Berlin`},
		{"Local", &accountv1.UpdateMeRequest{TimeZone: proto.String("Local")}, `time_zone "Local" is not an IANA time zone`},
		{"offset", &accountv1.UpdateMeRequest{TimeZone: proto.String("+02:00")}, `time_zone "+02:00" is not an IANA time zone`},
		{"path", &accountv1.UpdateMeRequest{TimeZone: proto.String("../../etc/passwd")}, "is not an IANA time zone"},
		{"spaces", &accountv1.UpdateMeRequest{TimeZone: proto.String(" Europe/Berlin")}, "is not an IANA time zone"},
		{"long zone", &accountv1.UpdateMeRequest{TimeZone: proto.String(long)}, `time_zone "Europe/` + strings.Repeat("x", 33) + `…" is not`},
		{"too long zone", &accountv1.UpdateMeRequest{TimeZone: proto.String(strings.Repeat("z", 65))}, "time_zone: must be at most 64 characters"},
		{"NUL in zone", &accountv1.UpdateMeRequest{TimeZone: proto.String("UTC\x00")}, "time_zone: must not contain NUL"},
		// A valid zone does not excuse a bad name: nothing is written.
		{"bad name, good zone", &accountv1.UpdateMeRequest{DisplayName: proto.String(""), TimeZone: proto.String("Asia/Tokyo")}, "display_name must not be empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.UpdateMe(ctx, connect.NewRequest(tc.req))
			wantCode(t, err, connect.CodeInvalidArgument, tc.mention)
		})
	}
	me, err := c.GetMe(ctx, connect.NewRequest(&accountv1.GetMeRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if u := me.Msg.GetUser(); u.GetTimeZone() != "" || u.GetDisplayName() != "v@example.com" {
		t.Fatalf("a refused UpdateMe changed the user: %v", u)
	}
	// 100 characters of name are fine, and so is a zone with three parts.
	if _, err := c.UpdateMe(ctx, connect.NewRequest(&accountv1.UpdateMeRequest{
		DisplayName: proto.String(strings.Repeat("é", 100)), TimeZone: proto.String("America/Argentina/Buenos_Aires"),
	})); err != nil {
		t.Fatalf("limits are inclusive: %v", err)
	}
	// Without credentials: unauthenticated.
	_, err = env.Account("").UpdateMe(ctx, connect.NewRequest(&accountv1.UpdateMeRequest{TimeZone: proto.String("UTC")}))
	wantCode(t, err, connect.CodeUnauthenticated, "")
}
