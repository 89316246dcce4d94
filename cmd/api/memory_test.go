package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	accountv1 "github.com/betterplan/betterplan/gen/betterplan/account/v1"
	"github.com/betterplan/betterplan/gen/betterplan/account/v1/accountv1connect"
	"github.com/betterplan/betterplan/internal/apitest"
	"github.com/betterplan/betterplan/internal/password"
)

// peakRSSLimit is what a burst of sign-ins may take, whole process: argon2
// takes 19 MiB a run, and without a bound 100 sign-ins took 957 MiB.
const peakRSSLimit = 200 << 20

// TestSignInBurstMemory builds the real api, runs it against a fresh
// database with its default PASSWORD_HASH_CONCURRENCY, fires 100 concurrent
// sign-ins (right and wrong passwords, each from its own client address
// through a trusted proxy, at most 5 per email, so no throttle cuts the
// burst short: every one runs argon2) and reads the process's peak RSS.
func TestSignInBurstMemory(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Fatalf("cannot read the peak RSS: %v (the test needs Linux's /proc)", err)
	}
	bin := filepath.Join(t.TempDir(), "api")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "GOFLAGS=") // a plain binary, not the race detector's
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	key := make([]byte, 32)
	_, _ = rand.Read(key)
	cmd := exec.Command(bin)
	cmd.Env = []string{
		"DATABASE_URL=" + apitest.DB(t),
		"TOKEN_ENCRYPTION_KEY=" + base64.StdEncoding.EncodeToString(key),
		"HTTP_ADDR=127.0.0.1:0", "METRICS_ADDR=127.0.0.1:0", // the api logs the ports it got
		"TRUSTED_PROXIES=127.0.0.1",
		"MEDIA_BUCKET_URL=file://" + filepath.ToSlash(t.TempDir()),
		"LOG_LEVEL=info",
		"PATH=" + os.Getenv("PATH"),
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	var logsMu sync.Mutex
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			logsMu.Lock()
			t.Logf("api logs:\n%s", logs.String())
			logsMu.Unlock()
		}
	})
	addrs := make(chan [2]string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logsMu.Lock()
			logs.WriteString(sc.Text() + "\n")
			logsMu.Unlock()
			var line struct {
				Msg, Addr   string
				MetricsAddr string `json:"metrics_addr"`
			}
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "api listening" {
				addrs <- [2]string{line.Addr, line.MetricsAddr}
			}
		}
	}()
	var base, metricsURL string
	select {
	case a := <-addrs:
		base, metricsURL = "http://"+a[0], "http://"+a[1]+"/metrics"
	case <-time.After(30 * time.Second):
		t.Fatal("the api did not start listening in 30s")
	}

	const users, perUser = 20, 5
	client := &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 100}}
	from := func(addr string) connect.ClientOption {
		return connect.WithInterceptors(connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
			return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
				req.Header().Set("X-Forwarded-For", addr)
				return next(ctx, req)
			}
		}))
	}
	ctx := context.Background()
	const pw = "correct horse battery"
	var wg sync.WaitGroup
	for i := range users {
		wg.Go(func() {
			c := accountv1connect.NewAccountServiceClient(client, base, from(fmt.Sprintf("198.51.100.%d", i+1)))
			if _, err := c.SignUp(ctx, connect.NewRequest(&accountv1.SignUpRequest{Email: fmt.Sprintf("user%d@example.com", i), Password: pw})); err != nil {
				t.Errorf("sign up %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	before := hashes(t, metricsURL)

	var mu sync.Mutex
	codes := map[string]int{}
	start := make(chan struct{})
	for i := range users * perUser {
		wg.Go(func() {
			password := pw
			if i%2 == 1 {
				password = "wrong password"
			}
			c := accountv1connect.NewAccountServiceClient(client, base, from(fmt.Sprintf("203.0.113.%d", i+1)))
			<-start
			_, err := c.SignIn(ctx, connect.NewRequest(&accountv1.SignInRequest{Email: fmt.Sprintf("user%d@example.com", i%users), Password: password}))
			code := "ok"
			if err != nil {
				code = connect.CodeOf(err).String()
			}
			mu.Lock()
			codes[code]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	checks := hashes(t, metricsURL) - before
	peak := vmHWM(t, cmd.Process.Pid)
	t.Logf("100 concurrent sign-ins: %v; %d argon2 checks, %d at a time; peak RSS of the api %.1f MiB (limit %d MiB)",
		codes, checks, password.DefaultConcurrency(), float64(peak)/(1<<20), peakRSSLimit>>20)
	if codes["ok"] != 50 || codes["unauthenticated"] != 50 {
		t.Errorf("outcomes %v, want 50 ok and 50 unauthenticated", codes)
	}
	if checks != 100 {
		t.Errorf("%d argon2 checks, want 100 (one per sign-in)", checks)
	}
	if peak >= peakRSSLimit {
		t.Errorf("peak RSS %.1f MiB, want under %d MiB", float64(peak)/(1<<20), peakRSSLimit>>20)
	}
}

// hashes reads betterplan_password_hashes_total from the api's /metrics.
func hashes(t *testing.T, url string) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	m := regexp.MustCompile(`(?m)^betterplan_password_hashes_total (\d+)$`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("/metrics has no betterplan_password_hashes_total")
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// vmHWM is a process's peak resident set size, from /proc.
func vmHWM(t *testing.T, pid int) int64 {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("VmHWM %q: %v", v, err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}
