package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// contender is a publisher under test: ours, or a peer.
type contender struct {
	name     string // in the table and the log file names
	bin      string
	replicas int  // processes started on the same database (0: one)
	bouncer  bool // pools through PgBouncer in transaction mode
	// handOver: a peer that keeps its own job table is handed every post
	// the bench stores (POST /enqueue), as an app on it would enqueue one
	// job per scheduled post.
	handOver bool
	// statuses counts the posts whose text starts with $1 by status, for a
	// peer that records outcomes in its own table (empty: the posts table).
	statuses string
}

// riverStatuses: a River job that completed with its X id recorded is a
// published post.
const riverStatuses = `SELECT CASE WHEN j.state = 'completed' AND j.metadata ? 'output' THEN 'published' ELSE j.state::text END, count(*)
FROM river_job j JOIN posts p ON p.id = j.args->>'post_id'
WHERE starts_with(p.parts[1], $1) GROUP BY 1`

// buildPublisher compiles the real publisher, so the benchmark measures the
// binary that ships, with its own config loading, pool sizing and logging.
func buildPublisher(ctx context.Context, dir string) (string, error) {
	return goBuild(ctx, "", filepath.Join(dir, "publisher"), "github.com/betterplan/betterplan/cmd/publisher")
}

// buildPeer compiles a peer from bench/peers/<name>, its own module.
func buildPeer(ctx context.Context, dir, name string) (string, error) {
	return goBuild(ctx, filepath.Join("bench", "peers", name), filepath.Join(dir, name), ".")
}

func goBuild(ctx context.Context, moduleDir, bin, pkg string) (string, error) {
	gobin := os.Getenv("GO")
	if gobin == "" {
		gobin = "go"
	}
	cmd := exec.CommandContext(ctx, gobin, "build", "-o", bin, pkg)
	cmd.Dir = moduleDir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build %s in ./%s: %w\n%s", pkg, moduleDir, err, out.String())
	}
	return bin, nil
}

// publisherProc is one running publisher binary.
type publisherProc struct {
	cmd     *exec.Cmd
	addr    string // its /healthz and /metrics
	logPath string
	exited  chan struct{}
	waitErr error
}

// startPublisher runs bin with env (KEY=value) and waits until it has read
// the schedule and is listening for notifications, so no scenario starts
// before the publisher could react to it.
func startPublisher(ctx context.Context, bin, logPath string, env []string) (*publisherProc, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	p, err := startProcess(ctx, bin, logPath, append([]string{"PUBLISHER_ADDR=" + addr}, env...),
		func(ctx context.Context) bool { return ready(ctx, addr) })
	if p != nil {
		p.addr = addr
	}
	return p, err
}

// startProcess runs bin with env (KEY=value), its output in logPath, and
// waits until isReady.
func startProcess(ctx context.Context, bin, logPath string, env []string, isReady func(context.Context) bool) (*publisherProc, error) {
	return startCommand(ctx, bin, nil, logPath, env, isReady)
}

// startCommand is startProcess with arguments.
func startCommand(ctx context.Context, bin string, args []string, logPath string, env []string, isReady func(context.Context) bool) (*publisherProc, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child keeps its own descriptor
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", filepath.Base(bin), err)
	}
	p := &publisherProc{cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	if err := p.waitReady(ctx, 20*time.Second, isReady); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

func (p *publisherProc) pid() int { return p.cmd.Process.Pid }

func (p *publisherProc) waitReady(ctx context.Context, timeout time.Duration, isReady func(context.Context) bool) error {
	deadline := time.Now().Add(timeout)
	for {
		if err := p.alive(); err != nil {
			return err
		}
		if isReady(ctx) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s%s", filepath.Base(p.cmd.Path), timeout, p.logTail())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func ready(ctx context.Context, addr string) bool {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/healthz", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var body struct {
		Listening bool `json:"listening"`
	}
	return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&body) == nil && body.Listening
}

// alive reports a publisher that exited on its own, with its last log lines.
func (p *publisherProc) alive() error {
	select {
	case <-p.exited:
		return fmt.Errorf("%s exited: %v%s", filepath.Base(p.cmd.Path), p.waitErr, p.logTail())
	default:
		return nil
	}
}

// stop asks for a graceful shutdown (SIGTERM finishes the posts in flight)
// and kills the process if that takes too long.
func (p *publisherProc) stop() {
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

func (p *publisherProc) logTail() string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	lines = lines[max(0, len(lines)-15):]
	return "\nlast lines of " + p.logPath + ":\n  " + strings.Join(lines, "\n  ")
}

// freeAddr picks a free loopback port for the publisher's HTTP server.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
