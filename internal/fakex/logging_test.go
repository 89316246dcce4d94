package fakex_test

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/betterplan/betterplan/internal/fakex"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestLogsCarryNoSecrets(t *testing.T) {
	var logs lockedBuffer
	f := newFixture(t, fakex.Options{Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	cfg := f.oauthConfig("oob")
	reqTok, reqSec, err := cfg.RequestToken()
	if err != nil {
		t.Fatal(err)
	}
	verifier, _ := f.fake.Approve(reqTok, "alice")
	tok, sec, err := cfg.AccessToken(reqTok, reqSec, verifier)
	if err != nil {
		t.Fatal(err)
	}
	postID(t, f.post(f.userClient(tok, sec), "hello"))
	f.do(f.userClient(tok, sec+"x"), "GET", "/2/users/me", "", "")

	out := logs.String()
	if !strings.Contains(out, `"path":"/2/tweets"`) || !strings.Contains(out, `"username":"alice"`) {
		t.Fatalf("expected request logs, got %s", out)
	}
	for _, s := range []string{testSecret, reqTok, reqSec, verifier, tok, sec} {
		if strings.Contains(out, s) {
			t.Errorf("log contains a credential (%.6s…)", s)
		}
	}
}
