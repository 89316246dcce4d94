package account_test

import (
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	accountv1 "github.com/betterplan/betterplan/gen/betterplan/account/v1"
	"github.com/betterplan/betterplan/internal/apitest"
)

const cacheHits = "betterplan_auth_cache_hits_total"

// TestCredentialsCache: a session is looked up once and then served from
// the api's memory, yet a revocation is honoured at once, however it is
// made: by SignOut, or in the database by anyone (the trigger's NOTIFY),
// and also while the cache's LISTEN connection is down. The test clock
// stands still, so nothing here is explained by an entry expiring.
func TestCredentialsCache(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	getMe := func(token string) error {
		_, err := env.Account(token).GetMe(ctx, connect.NewRequest(&accountv1.GetMeRequest{}))
		return err
	}
	// cached signs in and waits until the session is served from the cache
	// (the cache serves once its LISTEN connection is up).
	cached := func() string {
		t.Helper()
		in, err := env.Account("").SignIn(ctx, connect.NewRequest(&accountv1.SignInRequest{Email: "ada@example.com", Password: pw}))
		if err != nil {
			t.Fatal(err)
		}
		token := in.Msg.GetSessionToken()
		for deadline := time.Now().Add(10 * time.Second); ; {
			before := env.Metric(t, cacheHits)
			if err := getMe(token); err != nil {
				t.Fatal(err)
			}
			if env.Metric(t, cacheHits) > before {
				return token
			}
			if time.Now().After(deadline) {
				t.Fatal("GetMe is never served from the credentials cache")
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	revokeInSQL := func(token string) {
		t.Helper()
		if _, err := env.Pool.Exec(ctx, `UPDATE sessions SET revoked_at = now() WHERE token_hash = sha256($1::text::bytea)`, token); err != nil {
			t.Fatal(err)
		}
	}
	signUp(t, env, "ada@example.com")

	// SignOut: refused on the very next request.
	token := cached()
	if _, err := env.Account(token).SignOut(ctx, connect.NewRequest(&accountv1.SignOutRequest{})); err != nil {
		t.Fatal(err)
	}
	wantCode(t, getMe(token), connect.CodeUnauthenticated, "revoked")

	// Revoked in the database by someone else: refused as soon as the
	// notification arrives (milliseconds; the test clock never expires it).
	token = cached()
	revokeInSQL(token)
	refusedWithin(t, 5*time.Second, func() error { return getMe(token) })

	// The LISTEN connection is cut, and the revocation's notification is
	// never sent: the cache serves nothing until it listens again, and
	// forgets everything when it does.
	token = cached()
	if _, err := env.Pool.Exec(ctx, `ALTER TABLE sessions DISABLE TRIGGER sessions_revoked`); err != nil {
		t.Fatal(err)
	}
	var killed int
	if err := env.Pool.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN %credentials_revoked%'`).Scan(&killed); err != nil || killed != 1 {
		t.Fatalf("terminated %d LISTEN connections (%v), want 1", killed, err)
	}
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(env.Logs.String(), "credentials cache: LISTEN connection lost"); {
		if time.Now().After(deadline) {
			t.Fatal("the lost LISTEN connection was never noticed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	revokeInSQL(token)
	wantCode(t, getMe(token), connect.CodeUnauthenticated, "revoked")
}

// refusedWithin waits up to d for call to fail with unauthenticated.
func refusedWithin(t *testing.T, d time.Duration, call func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		err := call()
		if connect.CodeOf(err) == connect.CodeUnauthenticated {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("a session revoked in the database still works after %v", d)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
