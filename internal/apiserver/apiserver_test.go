package apiserver_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	"connectrpc.com/grpcreflect"
	"github.com/oklog/ulid/v2"

	accountv1 "github.com/betterplan/betterplan/gen/betterplan/account/v1"
	"github.com/betterplan/betterplan/gen/betterplan/account/v1/accountv1connect"
	"github.com/betterplan/betterplan/internal/apitest"
)

func TestReflectionListsServices(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	client := grpcreflect.NewClient(env.H2CClient(), env.URL, connect.WithGRPC())
	stream := client.NewStream(context.Background())
	defer stream.Close()
	names, err := stream.ListServices()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range names {
		got = append(got, string(n))
	}
	if !slices.Contains(got, accountv1connect.AccountServiceName) {
		t.Fatalf("reflection v1 lists %v, want %s among them", got, accountv1connect.AccountServiceName)
	}
	files, err := stream.FileContainingSymbol(accountv1connect.AccountServiceName)
	if err != nil || len(files) == 0 {
		t.Fatalf("no descriptor for %s: %v", accountv1connect.AccountServiceName, err)
	}

	// Older grpcurl versions ask v1alpha: a raw gRPC call with
	// ServerReflectionRequest{list_services: ""} (field 7, empty string).
	frame := []byte{0, 0, 0, 0, 2, 0x3a, 0x00}
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", bytes.NewReader(frame))
	req.Header.Set("Content-Type", "application/grpc")
	req.Header.Set("TE", "trailers")
	res, err := env.H2CClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.Trailer.Get("Grpc-Status") != "0" || !strings.Contains(string(body), accountv1connect.AccountServiceName) {
		t.Fatalf("v1alpha reflection: status %q, body %q", res.Trailer.Get("Grpc-Status"), body)
	}
}

func TestHealthFollowsTheDatabase(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{DBProxy: true})
	health := grpchealth.NewClient(env.H2CClient(), env.URL, connect.WithGRPC())
	check := func(service string) grpchealth.Status {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		res, err := health.Check(ctx, &grpchealth.CheckRequest{Service: service})
		if err != nil {
			t.Fatalf("health check %q: %v", service, err)
		}
		return res.Status
	}
	if s := check(""); s != grpchealth.StatusServing {
		t.Fatalf("with the database up: %v", s)
	}
	if s := check(accountv1connect.AccountServiceName); s != grpchealth.StatusServing {
		t.Fatalf("AccountService with the database up: %v", s)
	}
	_, err := health.Check(context.Background(), &grpchealth.CheckRequest{Service: "no.such.Service"})
	if connect.CodeOf(err) != connect.CodeNotFound {
		t.Fatalf("unknown service: %v, want not_found", err)
	}

	env.DBProxy.Cut()
	if s := check(""); s != grpchealth.StatusNotServing {
		t.Fatalf("with the database gone: %v, want NOT_SERVING", s)
	}
	// RPCs fail with a clear, retryable code rather than hanging or leaking SQL errors.
	_, err = env.Account("bps_whatever").GetMe(context.Background(), connect.NewRequest(&accountv1.GetMeRequest{}))
	if code := connect.CodeOf(err); code != connect.CodeUnavailable {
		t.Fatalf("GetMe with the database gone: %v, want unavailable", err)
	}

	env.DBProxy.Restore()
	if s := check(""); s != grpchealth.StatusServing {
		t.Fatalf("after the database came back: %v", s)
	}
}

func TestMetricsAndRequestID(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	_, err := env.Account("").GetMe(context.Background(), connect.NewRequest(&accountv1.GetMeRequest{})) // unauthenticated, still counted
	if connect.CodeOf(err) != connect.CodeUnauthenticated {
		t.Fatalf("GetMe without credentials: %v", err)
	}
	get := func(url string) (*http.Response, string) {
		t.Helper()
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res, string(body)
	}
	// /metrics is served on its own port (METRICS_ADDR), not the public one.
	res, body := get(env.MetricsURL + "/metrics")
	want := `betterplan_rpc_requests_total{code="unauthenticated",procedure="/betterplan.account.v1.AccountService/GetMe"} 1`
	if res.StatusCode != http.StatusOK || !strings.Contains(body, want) {
		t.Fatalf("/metrics: %d, lacks %q", res.StatusCode, want)
	}
	for _, m := range []string{"betterplan_password_hashes_total 0", "betterplan_password_hash_waiting 0", "go_goroutines"} {
		if !strings.Contains(body, m) {
			t.Fatalf("/metrics lacks %q", m)
		}
	}
	res, body = get(env.URL + "/metrics")
	if res.StatusCode != http.StatusNotFound || strings.Contains(body, "betterplan_") {
		t.Fatalf("public /metrics: %d %.100q, want 404", res.StatusCode, body)
	}
	if res.Header.Get("X-Request-Id") == "" {
		t.Fatal("no X-Request-Id on the response")
	}
	if res, _ := get(env.MetricsURL + "/"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("the metrics port serves / with %d; it should serve /metrics only", res.StatusCode)
	}
	if !strings.Contains(env.Logs.String(), `"request_id":"`) {
		t.Fatal("log lines carry no request_id")
	}
}

func TestServesWebApp(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string, header ...string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, env.URL+path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res, string(body)
	}

	// The app's pages (any path under /app/ that is not a file) are index.html,
	// which loads the bundle; the browser routes from there.
	var index string
	for _, path := range []string{"/app/", "/app/integrations", "/app/posts", "/app/integrations?connected=01J"} {
		res, body := get(path)
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("GET %s: %d %q, want 200 text/html", path, res.StatusCode, res.Header.Get("Content-Type"))
		}
		if res.Header.Get("Cache-Control") != "no-cache" {
			t.Fatalf("GET %s: Cache-Control %q, want no-cache", path, res.Header.Get("Cache-Control"))
		}
		if !strings.Contains(body, `src="/app/app.js"`) || !strings.Contains(body, `href="/app/app.css"`) {
			t.Fatalf("GET %s: index.html does not load /app/app.js and /app/app.css:\n%s", path, body)
		}
		if index == "" {
			index = body
		} else if body != index {
			t.Fatalf("GET %s: not the same index.html as /app/", path)
		}
	}

	for path, want := range map[string]string{"/app/app.js": "text/javascript", "/app/app.css": "text/css"} {
		res, body := get(path)
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), want) || len(body) == 0 {
			t.Fatalf("GET %s: %d %q (%d bytes), want 200 %s", path, res.StatusCode, res.Header.Get("Content-Type"), len(body), want)
		}
		etag := res.Header.Get("ETag")
		if etag == "" {
			t.Fatalf("GET %s: no ETag", path)
		}
		if res, _ := get(path, "If-None-Match", etag); res.StatusCode != http.StatusNotModified {
			t.Fatalf("GET %s with its ETag: %d, want 304", path, res.StatusCode)
		}
	}

	// A missing asset is a 404, not HTML where a script was expected.
	if res, _ := get("/app/nope.js"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("GET /app/nope.js: %d, want 404", res.StatusCode)
	}
	for path, want := range map[string]string{"/": "/app/", "/app": "/app/"} {
		res, _ := get(path)
		if res.StatusCode/100 != 3 || res.Header.Get("Location") != want {
			t.Fatalf("GET %s: %d to %q, want a redirect to %s", path, res.StatusCode, res.Header.Get("Location"), want)
		}
	}
}

// Big answers travel gzipped to a client that takes gzip, as a browser
// does, and a gzipped request is read; small answers are not compressed.
func TestGzip(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	token := env.SignUp(t, "gzip@example.com")
	call := func(t *testing.T, body string) (*http.Response, []byte) {
		t.Helper()
		var zipped bytes.Buffer
		zw := gzip.NewWriter(&zipped)
		_, _ = zw.Write([]byte(body))
		_ = zw.Close()
		req, _ := http.NewRequest(http.MethodPost, env.URL+"/betterplan.post.v1.PostService/ValidatePost", &zipped)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Content-Encoding", "gzip")
		req.Header.Set("Accept-Encoding", "gzip")
		req.Header.Set("Authorization", "Bearer "+token)
		// Go's transport would ask for gzip itself and hide the encoding.
		res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", res.StatusCode, raw)
		}
		return res, raw
	}
	t.Run("a big answer", func(t *testing.T) {
		var ids []string
		for range 16 {
			ids = append(ids, `"`+ulid.Make().String()+`"`)
		}
		res, raw := call(t, `{"text":"hello","mediaIds":[`+strings.Join(ids, ",")+`]}`)
		if res.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("a %d-byte answer came back with Content-Encoding %q, want gzip", len(raw), res.Header.Get("Content-Encoding"))
		}
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(plain), "media_not_found"); n != 16 || len(plain) < 1024 {
			t.Fatalf("the answer (%d bytes, %d gzipped) names %d missing files, want 16:\n%s", len(plain), len(raw), n, plain)
		}
	})
	t.Run("a small answer", func(t *testing.T) {
		res, raw := call(t, `{"text":"hello"}`)
		if res.Header.Get("Content-Encoding") != "" || !strings.Contains(string(raw), "weighted") {
			t.Fatalf("Content-Encoding %q, body %q: a small answer should go as it is", res.Header.Get("Content-Encoding"), raw)
		}
	})
}
