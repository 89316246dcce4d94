package account

import (
	"context"
	"fmt"
	"strings"
	"time"

	// Time zone names are checked against Go's embedded copy of the IANA
	// database when the host has none (e.g. a scratch container), so
	// UpdateMe does not refuse every zone there. (About 450 KB.)
	_ "time/tzdata"
	"unicode/utf8"

	"connectrpc.com/connect"

	"github.com/betterplan/betterplan/db/dbq"
	accountv1 "github.com/betterplan/betterplan/gen/betterplan/account/v1"
	"github.com/betterplan/betterplan/internal/apierr"
	"github.com/betterplan/betterplan/internal/auth"
)

// maxEcho bounds how much of a rejected value an error message repeats.
const maxEcho = 40

// UpdateMe implements AccountService.UpdateMe.
func (s *Service) UpdateMe(ctx context.Context, req *connect.Request[accountv1.UpdateMeRequest]) (*connect.Response[accountv1.UpdateMeResponse], error) {
	p := dbq.UserUpdateParams{ID: auth.UserID(ctx), Now: s.now.Now()}
	if req.Msg.DisplayName != nil {
		name := strings.TrimSpace(req.Msg.GetDisplayName())
		switch n := utf8.RuneCountInString(name); {
		case n == 0:
			return nil, apierr.Invalid("display_name", "must not be empty (leave it unset to keep the current name)")
		case n > maxDisplayName:
			return nil, apierr.Invalid("display_name", fmt.Sprintf("must be at most %d characters", maxDisplayName))
		}
		p.DisplayName = &name
	}
	if req.Msg.TimeZone != nil {
		tz, err := checkTimeZone(req.Msg.GetTimeZone())
		if err != nil {
			return nil, err
		}
		p.TimeZone = &tz
	}
	user, err := s.q.UserUpdate(ctx, p)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&accountv1.UpdateMeResponse{User: userToProto(user)}), nil
}

// checkTimeZone accepts "" (no choice) and IANA names that time.LoadLocation
// knows, except "Local", which means the server's zone.
func checkTimeZone(tz string) (string, error) {
	if tz == "" {
		return "", nil
	}
	if tz != "Local" && tz == strings.TrimSpace(tz) {
		if _, err := time.LoadLocation(tz); err == nil {
			return tz, nil
		}
	}
	return "", apierr.Invalid("time_zone", fmt.Sprintf("%q is not an IANA time zone like Europe/Berlin", echo(tz)))
}

// echo is at most maxEcho characters of s, marked when cut.
func echo(s string) string {
	if utf8.RuneCountInString(s) <= maxEcho {
		return s
	}
	return truncateRunes(s, maxEcho) + "…"
}
