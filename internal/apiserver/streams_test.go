package apiserver_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
	"github.com/betterplan/betterplan/gen/betterplan/post/v1/postv1connect"
	"github.com/betterplan/betterplan/internal/apiserver"
	"github.com/betterplan/betterplan/internal/apitest"
	"github.com/betterplan/betterplan/internal/logging"
	"github.com/betterplan/betterplan/services/post"
)

// streamServer is a second api on env's database, with its own (short)
// timeouts and WatchPosts options.
func streamServer(t *testing.T, env *apitest.Env, timeout time.Duration, watch post.WatchOptions) (string, *http.Server) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	log := logging.New(env.Logs, 0)
	h := apiserver.New(apiserver.Deps{Pool: env.Pool, Log: log, Now: env.Clock.Now, AppURL: env.URL, Keys: env.Keys, Watch: watch})
	t.Cleanup(h.Close)
	srv := apiserver.NewHTTPServer(ln.Addr().String(), h.API, log)
	srv.ReadTimeout, srv.WriteTimeout = timeout, timeout
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	}()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String(), srv
}

// openWatch opens WatchPosts; every message goes to msgs, and the stream's
// end to the returned channel.
func openWatch(t *testing.T, c postv1connect.PostServiceClient, ws string, msgs chan<- *postv1.WatchPostsResponse) (<-chan error, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stream, err := c.WatchPosts(ctx, connect.NewRequest(&postv1.WatchPostsRequest{WorkspaceId: ws}))
	if err != nil {
		t.Fatal(err)
	}
	end := make(chan error, 1)
	go func() {
		for stream.Receive() {
			msgs <- stream.Msg()
		}
		end <- stream.Err()
		_ = stream.Close()
	}()
	t.Cleanup(cancel)
	return end, cancel
}

func wantMsg(t *testing.T, msgs <-chan *postv1.WatchPostsResponse, what string, ok func(*postv1.WatchPostsResponse) bool) {
	t.Helper()
	timeout := time.After(3 * time.Second)
	for {
		select {
		case m := <-msgs:
			if ok(m) {
				return
			}
			if !m.GetHeartbeat() {
				t.Fatalf("got %v while waiting for %s", m, what)
			}
		case <-timeout:
			t.Fatalf("no %s", what)
		}
	}
}

// TestWatchPostsOutlivesServerTimeouts: a WatchPosts stream lives on past
// the server's ReadTimeout and WriteTimeout (30 s and 60 s in production;
// 300 ms here), over HTTP/1.1 with the Connect protocol as a browser
// speaks it and over HTTP/2 with gRPC, with heartbeats while nothing
// happens.
func TestWatchPostsOutlivesServerTimeouts(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	token := env.SignUp(t, "long@example.com")
	url, _ := streamServer(t, env, 300*time.Millisecond, post.WatchOptions{Heartbeat: 200 * time.Millisecond})
	for _, tc := range []struct {
		name   string
		client *http.Client
		opts   []connect.ClientOption
	}{
		{"connect over HTTP/1.1", &http.Client{}, nil},
		{"gRPC over h2c", env.H2CClient(), []connect.ClientOption{connect.WithGRPC()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.client.Timeout = 0
			c := postv1connect.NewPostServiceClient(tc.client, url, append(tc.opts, apitest.WithBearer(token))...)
			msgs := make(chan *postv1.WatchPostsResponse, 100)
			end, cancel := openWatch(t, c, env.PersonalWorkspace(t, token), msgs)
			wantMsg(t, msgs, "ready", (*postv1.WatchPostsResponse).GetReady)
			time.Sleep(time.Second) // > both timeouts
			heartbeats := 0
			for len(msgs) > 0 {
				if m := <-msgs; m.GetHeartbeat() {
					heartbeats++
				} else {
					t.Fatalf("unexpected %v", m)
				}
			}
			if heartbeats < 3 {
				t.Fatalf("%d heartbeats in a second, want one every 200 ms", heartbeats)
			}
			// A change still arrives: the stream was not cut off.
			if _, err := env.Pool.Exec(context.Background(),
				"SELECT pg_notify('posts_changed', $1 || ':01J000000000000000000000XX')", env.PersonalWorkspace(t, token)); err != nil {
				t.Fatal(err)
			}
			wantMsg(t, msgs, "the change", func(m *postv1.WatchPostsResponse) bool { return m.GetDeletedPostId() == "01J000000000000000000000XX" })
			select {
			case err := <-end:
				t.Fatalf("the stream ended: %v", err)
			default:
			}
			cancel()
		})
	}
}

// TestSlowRequestsStillCutOff: lifting the write deadline for streams
// leaves the server's timeouts in force for the request itself: a client
// that sends half a body and stalls is disconnected after ReadTimeout, on
// a unary path and on the stream's path alike.
func TestSlowRequestsStillCutOff(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	token := env.SignUp(t, "slow@example.com")
	url, _ := streamServer(t, env, 300*time.Millisecond, post.WatchOptions{})
	for _, path := range []string{"/betterplan.post.v1.PostService/ListPosts", "/betterplan.post.v1.PostService/WatchPosts"} {
		t.Run(path, func(t *testing.T) {
			conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			// Never answered otherwise: the test cannot hang.
			_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
			start := time.Now()
			if _, err := fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"+
				"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"pageSize\":", path, token); err != nil {
				t.Fatal(err)
			}
			_, err = io.ReadAll(conn)
			took := time.Since(start)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("the server kept a stalled request open for %s (ReadTimeout is 300 ms)", took.Round(time.Millisecond))
			}
			if took > 3*time.Second {
				t.Fatalf("the stalled request was cut off after %s, want about 300 ms", took)
			}
		})
	}
}

// TestWatchPostsEndsOnShutdown: a graceful shutdown ends the streams (they
// would keep it waiting forever), telling the clients to reconnect.
func TestWatchPostsEndsOnShutdown(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	token := env.SignUp(t, "bye@example.com")
	url, srv := streamServer(t, env, time.Minute, post.WatchOptions{})
	c := postv1connect.NewPostServiceClient(&http.Client{}, url, apitest.WithBearer(token))
	msgs := make(chan *postv1.WatchPostsResponse, 100)
	end, _ := openWatch(t, c, env.PersonalWorkspace(t, token), msgs)
	wantMsg(t, msgs, "ready", (*postv1.WatchPostsResponse).GetReady)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("shutdown took %s", d)
	}
	select {
	case err := <-end:
		if connect.CodeOf(err) != connect.CodeUnavailable || !strings.Contains(err.Error(), "shutting down") {
			t.Fatalf("stream ended with %v, want unavailable: shutting down", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the stream did not end")
	}
}
