package apierr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5"
)

func TestConnect(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	sentinel := New(connect.CodeNotFound, "no such post")
	cases := []struct {
		err  error
		code connect.Code
		msg  string
	}{
		{sentinel, connect.CodeNotFound, "no such post"},
		{fmt.Errorf("read: %w", sentinel), connect.CodeNotFound, "no such post"},
		{Invalid("email", "is required"), connect.CodeInvalidArgument, "email is required"},
		{connect.NewError(connect.CodeUnavailable, errors.New("try later")), connect.CodeUnavailable, "try later"},
		{context.DeadlineExceeded, connect.CodeDeadlineExceeded, msgTimeout},
		{pgx.ErrNoRows, connect.CodeNotFound, "not found"},
		{errors.New(`ERROR: relation "secret_table" does not exist`), connect.CodeInternal, msgInternal},
	}
	for _, tc := range cases {
		got := Connect(context.Background(), log, "test service", tc.err)
		var cerr *connect.Error
		if !errors.As(got, &cerr) || cerr.Code() != tc.code || cerr.Message() != tc.msg {
			t.Errorf("%v: got %v, want %v %q", tc.err, got, tc.code, tc.msg)
		}
	}
	if !strings.Contains(logs.String(), "secret_table") || strings.Count(logs.String(), "internal error") != 1 {
		t.Errorf("only the internal error is logged, with its cause: %s", logs.String())
	}
	// A sentinel gives a fresh error each time: metadata set on one answer
	// never leaks into the next.
	a := Connect(context.Background(), log, "x", sentinel).(*connect.Error)
	a.Meta().Set("Set-Cookie", "session=1")
	if b := Connect(context.Background(), log, "x", sentinel).(*connect.Error); b.Meta().Get("Set-Cookie") != "" {
		t.Error("metadata leaked between answers")
	}
}

func TestThrottledSetsRetryAfter(t *testing.T) {
	err := Connect(context.Background(), slog.New(slog.DiscardHandler), "x", Throttled("too many sign-ups; try again in 3m0s", 179600*time.Millisecond))
	var cerr *connect.Error
	if !errors.As(err, &cerr) || cerr.Code() != connect.CodeResourceExhausted || cerr.Meta().Get("Retry-After") != "180" {
		t.Fatalf("%v (Retry-After %q)", err, cerr.Meta().Get("Retry-After"))
	}
}
