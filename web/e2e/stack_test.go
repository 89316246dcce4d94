package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/betterplan/betterplan/internal/apitest"
)

// repoRoot is the repository's root (the tests run in web/e2e).
var repoRoot = func() string {
	wd, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	return filepath.Clean(filepath.Join(wd, "..", ".."))
}()

// The binaries are built once per test binary, by the first test that needs
// them, into a directory removed by TestMain.
var (
	binOnce sync.Once
	binDir  string
	binErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// binaries builds cmd/api, cmd/publisher and cmd/xsandbox (plain binaries,
// not the race detector's: the processes are the product, not the test).
func binaries(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		start := time.Now()
		binDir, binErr = os.MkdirTemp("", "betterplan-e2e-bin-")
		if binErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", binDir+string(filepath.Separator), "./cmd/api", "./cmd/publisher", "./cmd/xsandbox")
		cmd.Dir = repoRoot
		cmd.Env = append(os.Environ(), "GOFLAGS=")
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build ./cmd/api ./cmd/publisher ./cmd/xsandbox: %v\n%s", err, out)
			return
		}
		fmt.Fprintf(os.Stderr, "e2e: built api, publisher and xsandbox in %s\n", time.Since(start).Round(10*time.Millisecond))
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binDir
}

// stack is the product on this machine: the X sandbox, the api and the
// publisher, each a process on its own free port, on a fresh database.
type stack struct {
	AppURL     string // the api, where the browser goes: http://127.0.0.1:PORT
	SandboxURL string // the X sandbox
	DBURL      string // the fresh database the api and the publisher use
	procs      []*proc
}

// startStack starts the three processes and waits until each answers.
func startStack(t *testing.T) *stack {
	t.Helper()
	bin := binaries(t)
	dbURL := apitest.DB(t)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	apiAddr, metricsAddr, publisherAddr, sandboxAddr := freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t)
	s := &stack{AppURL: "http://" + apiAddr, SandboxURL: "http://" + sandboxAddr, DBURL: dbURL}
	common := []string{
		"PATH=" + os.Getenv("PATH"),
		"TMPDIR=" + os.TempDir(),
		"LOG_LEVEL=info",
		"X_CLIENT_ID=sandbox-client-id",
		"X_CLIENT_SECRET=sandbox-client-secret",
	}
	x := s.start(t, "xsandbox", filepath.Join(bin, "xsandbox"), slices.Concat(common, []string{
		"X_SANDBOX_ADDR=" + sandboxAddr,
		"X_SANDBOX_STATE=" + filepath.Join(t.TempDir(), "xsandbox.json"),
	}))
	withDB := slices.Concat(common, []string{
		"DATABASE_URL=" + dbURL,
		"TOKEN_ENCRYPTION_KEY=" + base64.StdEncoding.EncodeToString(key),
		"X_API_URL=" + s.SandboxURL,
		"X_WEB_URL=" + s.SandboxURL,
		"MEDIA_BUCKET_URL=file://" + filepath.ToSlash(t.TempDir()),
	})
	api := s.start(t, "api", filepath.Join(bin, "api"), slices.Concat(withDB, []string{
		"APP_URL=" + s.AppURL,
		"HTTP_ADDR=" + apiAddr,
		"METRICS_ADDR=" + metricsAddr,
	}))
	pub := s.start(t, "publisher", filepath.Join(bin, "publisher"), slices.Concat(withDB, []string{
		"PUBLISHER_ADDR=" + publisherAddr,
	}))
	var wg sync.WaitGroup
	errs := make([]error, 3)
	wg.Go(func() { errs[0] = x.waitReady(s.SandboxURL+"/", nil) })
	wg.Go(func() {
		errs[1] = api.waitReady(s.AppURL+"/grpc.health.v1.Health/Check", func(body []byte) bool {
			return bytes.Contains(body, []byte("SERVING"))
		})
	})
	wg.Go(func() { errs[2] = pub.waitReady("http://"+publisherAddr+"/healthz", nil) })
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return s
}

// logs returns every process's log, for a failure report.
func (s *stack) logs() map[string]string {
	m := map[string]string{}
	for _, p := range s.procs {
		m[p.name] = p.logs.String()
	}
	return m
}

// freeAddr is a loopback address with a port nobody listens on (yet).
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// proc is one of the product's processes; its stdout and stderr are kept.
type proc struct {
	name   string
	cmd    *exec.Cmd
	logs   *syncBuffer
	exited chan struct{}
	err    error // set before exited closes
}

func (s *stack) start(t *testing.T, name, bin string, env []string) *proc {
	t.Helper()
	p := &proc{name: name, logs: &syncBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(bin)
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.exited) }()
	s.procs = append(s.procs, p)
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("%s log (last lines):\n%s", name, tail(p.logs.String(), 30))
		}
	})
	return p
}

// stop sends SIGTERM and waits (the api finishes its requests, the publisher
// its posts), then kills after 15 s.
func (p *proc) stop() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// waitReady polls url until it answers 200 (and ok accepts the body), for
// at most 30 s; a process that exits meanwhile fails at once.
func (p *proc) waitReady(url string, ok func([]byte) bool) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	var last string
	for {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if strings.Contains(url, "/grpc.health.v1.Health/") { // a Connect unary call
			req, _ = http.NewRequest(http.MethodPost, url, strings.NewReader("{}"))
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(res.Body)
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK && (ok == nil || ok(body)) {
				return nil
			}
			last = fmt.Sprintf("%s: %s", res.Status, tail(string(body), 3))
		} else {
			last = err.Error()
		}
		select {
		case <-p.exited:
			return fmt.Errorf("%s exited before it was ready (%v); its log:\n%s", p.name, p.err, tail(p.logs.String(), 30))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after 30s at %s (last answer: %s); its log:\n%s", p.name, url, last, tail(p.logs.String(), 30))
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a process's two pipes and readers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("… (%d lines before)", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}
