package account_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	accountv1 "github.com/betterplan/betterplan/gen/betterplan/account/v1"
	"github.com/betterplan/betterplan/internal/apitest"
)

const argon2Runs = "betterplan_password_hashes_total"

// burst makes n calls at once and counts their codes ("ok" for none).
// Refusals must say when to come back, in the message and in Retry-After;
// retryAfter, when set, is the Retry-After every refusal must carry.
func burst(t *testing.T, n int, retryAfter string, call func(i int) error) map[string]int {
	t.Helper()
	var (
		mu    sync.Mutex
		codes = map[string]int{}
		wg    sync.WaitGroup
		start = make(chan struct{})
	)
	for i := range n {
		wg.Go(func() {
			<-start
			err := call(i)
			code := "ok"
			if err != nil {
				code = connect.CodeOf(err).String()
			}
			var cerr *connect.Error
			if errors.As(err, &cerr) && cerr.Code() == connect.CodeResourceExhausted {
				if got := cerr.Meta().Get("Retry-After"); got == "" || (retryAfter != "" && got != retryAfter) {
					t.Errorf("Retry-After %q, want %q (%v)", got, retryAfter, err)
				}
			}
			mu.Lock()
			codes[code]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	return codes
}

// TestSignInThrottleHoldsUnderConcurrency: 100 wrong passwords for one email
// at once get exactly 5 password checks; the rest are refused without one.
func TestSignInThrottleHoldsUnderConcurrency(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	signUp(t, env, "ada@example.com")
	signIn := func(password string) error {
		_, err := env.Account("").SignIn(ctx, connect.NewRequest(&accountv1.SignInRequest{Email: "ada@example.com", Password: password}))
		return err
	}
	runs := env.Metric(t, argon2Runs)
	codes := burst(t, 100, "900", func(i int) error { return signIn(fmt.Sprintf("guess %d", i)) })
	if codes["unauthenticated"] != 5 || codes["resource_exhausted"] != 95 || len(codes) != 2 {
		t.Fatalf("100 concurrent wrong passwords: %v, want 5 unauthenticated and 95 resource_exhausted", codes)
	}
	if n := env.Metric(t, argon2Runs) - runs; n != 5 {
		t.Fatalf("%v argon2 runs for the burst, want 5", n)
	}

	// The right password is refused too until the window has passed.
	cerr := wantCode(t, signIn(pw), connect.CodeResourceExhausted, "too many failed sign-in attempts; try again in 15m0s")
	if cerr.Meta().Get("Retry-After") != "900" {
		t.Fatalf("Retry-After %q, want 900", cerr.Meta().Get("Retry-After"))
	}
	env.Clock.Advance(15*time.Minute - time.Second)
	wantCode(t, signIn(pw), connect.CodeResourceExhausted, "try again in 1s")
	env.Clock.Advance(time.Second)
	if err := signIn(pw); err != nil {
		t.Fatalf("right password after the window: %v", err)
	}
	// The success cleared the email's failures and left no attempt behind.
	var n int
	if err := env.Pool.QueryRow(ctx, `SELECT count(*) FROM sign_in_failures WHERE email = 'ada@example.com'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d sign-in attempts kept for the email after a success", n)
	}
	if n := env.Metric(t, argon2Runs) - runs; n != 6 {
		t.Fatalf("%v argon2 runs in all, want 6 (the burst's 5 and the success)", n)
	}
}

// TestSignInThrottlePerAddressUnderConcurrency: 100 sign-ins at once from
// one client address, each for another (unknown) email, get exactly 20
// password checks. Behind a trusted proxy the address is the one the proxy
// saw, so other clients of that proxy are not throttled with it.
func TestSignInThrottlePerAddressUnderConcurrency(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{TrustedProxies: []string{"127.0.0.1"}})
	signIn := func(from, email string) error {
		var opts []connect.ClientOption
		if from != "" {
			opts = append(opts, apitest.WithHeader("X-Forwarded-For", from))
		}
		_, err := env.Account("", opts...).SignIn(ctx, connect.NewRequest(&accountv1.SignInRequest{Email: email, Password: "wrong password"}))
		return err
	}
	runs := env.Metric(t, argon2Runs)
	codes := burst(t, 100, "900", func(i int) error { return signIn("198.51.100.1", fmt.Sprintf("u%d@example.com", i)) })
	if codes["unauthenticated"] != 20 || codes["resource_exhausted"] != 80 || len(codes) != 2 {
		t.Fatalf("100 concurrent sign-ins from one address: %v, want 20 unauthenticated and 80 resource_exhausted", codes)
	}
	if n := env.Metric(t, argon2Runs) - runs; n != 20 {
		t.Fatalf("%v argon2 runs for the burst, want 20", n)
	}
	wantCode(t, signIn("198.51.100.1", "another@example.com"), connect.CodeResourceExhausted, "try again in 15m0s")
	wantCode(t, signIn("198.51.100.2", "another@example.com"), connect.CodeUnauthenticated, "wrong email or password")
	wantCode(t, signIn("", "another@example.com"), connect.CodeUnauthenticated, "wrong email or password") // the proxy itself
}

// TestSignUpLimitPerAddress: 10 sign-ups an hour from one client address.
func TestSignUpLimitPerAddress(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{TrustedProxies: []string{"127.0.0.1"}})
	signUpFrom := func(from string, i int) error {
		c := env.Account("", apitest.WithHeader("X-Forwarded-For", from))
		_, err := c.SignUp(ctx, connect.NewRequest(&accountv1.SignUpRequest{Email: fmt.Sprintf("%s-%d@example.com", from, i), Password: pw}))
		return err
	}
	runs := env.Metric(t, argon2Runs)
	codes := burst(t, 25, "3600", func(i int) error { return signUpFrom("198.51.100.1", i) })
	if codes["ok"] != 10 || codes["resource_exhausted"] != 15 || len(codes) != 2 {
		t.Fatalf("25 concurrent sign-ups from one address: %v, want 10 ok and 15 resource_exhausted", codes)
	}
	if n := env.Metric(t, argon2Runs) - runs; n != 10 {
		t.Fatalf("%v argon2 runs, want 10: a refused sign-up must not hash", n)
	}
	env.Clock.Advance(59 * time.Minute)
	cerr := wantCode(t, signUpFrom("198.51.100.1", 100), connect.CodeResourceExhausted,
		"too many sign-ups from this network address: the limit is 10 per hour; try again in 1m0s")
	if cerr.Meta().Get("Retry-After") != "60" {
		t.Fatalf("Retry-After %q, want 60", cerr.Meta().Get("Retry-After"))
	}
	if err := signUpFrom("198.51.100.2", 100); err != nil {
		t.Fatalf("another address: %v", err)
	}
	env.Clock.Advance(time.Minute)
	if err := signUpFrom("198.51.100.1", 101); err != nil {
		t.Fatalf("after the hour: %v", err)
	}
}

// TestConcurrentSignInsOfOneUser: sign-ins of one person at once (up to the
// limit, which counts sign-ins in progress) all succeed; clearing the
// email's attempts must not deadlock between them.
func TestConcurrentSignInsOfOneUser(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	signUp(t, env, "ada@example.com")
	for round := range 3 {
		codes := burst(t, 5, "", func(int) error {
			_, err := env.Account("").SignIn(ctx, connect.NewRequest(&accountv1.SignInRequest{Email: "ada@example.com", Password: pw}))
			return err
		})
		if codes["ok"] != 5 {
			t.Fatalf("round %d: 5 concurrent right sign-ins: %v, want 5 ok", round, codes)
		}
	}
}
