package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

func env(m map[string]string) Getenv { return func(k string) string { return m[k] } }

func TestLoadAPIDefaults(t *testing.T) {
	c, err := LoadAPI(env(map[string]string{"DATABASE_URL": "postgres://u:hunter2@db:5432/bp", "TOKEN_ENCRYPTION_KEY": testKey}))
	if err != nil {
		t.Fatal(err)
	}
	if c.AppURL.String() != "http://localhost:3000" || c.HTTPAddr != ":3000" || c.LogLevel.String() != "INFO" || c.SecureCookies() {
		t.Fatalf("defaults: %+v", c)
	}
	if c.MetricsAddr != "127.0.0.1:3003" || c.TrustedProxies != nil || c.Limits != DefaultRateLimits() {
		t.Fatalf("defaults: %+v", c)
	}
	if wd, _ := os.Getwd(); c.MediaBucketURL != "file://"+filepath.ToSlash(filepath.Join(wd, ".data", "media")) {
		t.Fatalf("MEDIA_BUCKET_URL defaults to %q, want .data/media here", c.MediaBucketURL)
	}
	if n := c.PasswordHashConcurrency; n < 1 || n > 4 {
		t.Fatalf("PASSWORD_HASH_CONCURRENCY defaults to %d, want 1..4", n)
	}
	logged := c.LogValue().String()
	if strings.Contains(logged, "hunter2") || !strings.Contains(logged, "u:xxxxx@db") {
		t.Fatalf("password not masked: %s", logged)
	}
}

func TestLoadAPIBadValues(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want string // the variable named in the error
	}{
		{map[string]string{}, "DATABASE_URL is not set"},
		{map[string]string{"DATABASE_URL": "postgres://u:hunter2@db:notaport/bp"}, "DATABASE_URL is not a valid"},
		{map[string]string{"DATABASE_URL": "postgres://db/bp", "APP_URL": "ftp://x"}, "APP_URL="},
		{map[string]string{"DATABASE_URL": "postgres://db/bp", "APP_URL": "https://x.com/app"}, "APP_URL="},
		{map[string]string{"DATABASE_URL": "postgres://db/bp", "HTTP_ADDR": "3000"}, "HTTP_ADDR="},
		{map[string]string{"DATABASE_URL": "postgres://db/bp", "LOG_LEVEL": "loud"}, "LOG_LEVEL"},
		{map[string]string{"DATABASE_URL": "postgres://db/bp", "APP_URL": "https://app.example.com"}, "TOKEN_ENCRYPTION_KEY is not set"},
		{map[string]string{"DATABASE_URL": "postgres://db/bp", "APP_URL": "http://localhost:3000"}, "TOKEN_ENCRYPTION_KEY is not set"},
		{map[string]string{"DATABASE_URL": "postgres://db/bp", "TOKEN_ENCRYPTION_KEY": "c2hvcnQ="}, "TOKEN_ENCRYPTION_KEY: key is 5 bytes"},
		{map[string]string{"DATABASE_URL": "postgres://db/bp", "TOKEN_ENCRYPTION_KEY": testKey, "TOKEN_ENCRYPTION_OLD_KEYS": testKey + ",nope"}, "TOKEN_ENCRYPTION_OLD_KEYS: key 2"},
		{map[string]string{"DATABASE_URL": "postgres://db/bp", "X_CLIENT_ID": "ck"}, "X_CLIENT_ID and X_CLIENT_SECRET must be set together"},
		{map[string]string{"DATABASE_URL": "postgres://db/bp", "X_API_URL": "api.x.com"}, "X_API_URL="},
		{map[string]string{"DATABASE_URL": "postgres://db/bp", "X_WEB_URL": "https://x.com/home"}, "X_WEB_URL="},
		{map[string]string{"DATABASE_URL": "postgres://db/bp", "SMTP_URL": "smtp://u:hunter2@mail.example.com:587"}, "SMTP_FROM must be set"},
		{map[string]string{"DATABASE_URL": "postgres://db/bp", "SMTP_URL": "http://mail.example.com", "SMTP_FROM": "a@example.com"}, "SMTP_URL="},
		{map[string]string{"DATABASE_URL": "postgres://db/bp", "METRICS_ADDR": "3003"}, "METRICS_ADDR="},
		{map[string]string{"DATABASE_URL": "postgres://db/bp", "MEDIA_BUCKET_URL": "gs://bucket"}, "MEDIA_BUCKET_URL=\"gs://bucket\" must be file:///path/to/dir or s3://bucket"},
		{map[string]string{"DATABASE_URL": "postgres://db/bp", "MEDIA_BUCKET_URL": "/var/media"}, "MEDIA_BUCKET_URL="},
		{map[string]string{"DATABASE_URL": "postgres://db/bp", "HTTP_ADDR": ":3000", "METRICS_ADDR": "127.0.0.1:3000"}, "METRICS_ADDR=\"127.0.0.1:3000\" must use another port"},
		{map[string]string{"DATABASE_URL": "postgres://db/bp", "TRUSTED_PROXIES": "10.0.0.0/8,proxy.local"}, "TRUSTED_PROXIES: entry 2: \"proxy.local\" is not an IP address or CIDR"},
		{map[string]string{"DATABASE_URL": "postgres://db/bp", "TRUSTED_PROXIES": "10.0.0.0/33"}, "TRUSTED_PROXIES: entry 1: \"10.0.0.0/33\" is not a CIDR"},
		{map[string]string{"DATABASE_URL": "postgres://db/bp", "PASSWORD_HASH_CONCURRENCY": "0"}, "PASSWORD_HASH_CONCURRENCY=\"0\" must be a number from 1 to 64"},
		{map[string]string{"DATABASE_URL": "postgres://db/bp", "PASSWORD_HASH_CONCURRENCY": "lots"}, "PASSWORD_HASH_CONCURRENCY="},
		{map[string]string{"DATABASE_URL": "postgres://db/bp", "RATE_LIMIT_SIGN_UP": "10"}, "RATE_LIMIT_SIGN_UP=\"10\" must be count/window like 10/1h"},
		{map[string]string{"DATABASE_URL": "postgres://db/bp", "RATE_LIMIT_CREATE_POST": "0/10m"}, "RATE_LIMIT_CREATE_POST="},
		{map[string]string{"DATABASE_URL": "postgres://db/bp", "RATE_LIMIT_START_X_AUTHORIZATION": "20/forever"}, "RATE_LIMIT_START_X_AUTHORIZATION="},
	}
	for _, tc := range cases {
		_, err := LoadAPI(env(tc.env))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("env %v: error %v, want one naming %q", tc.env, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error leaks the password: %v", err)
		}
	}
}

func TestAbuseLimitSettings(t *testing.T) {
	c, err := LoadAPI(env(map[string]string{"DATABASE_URL": "postgres://db/bp", "TOKEN_ENCRYPTION_KEY": testKey,
		"METRICS_ADDR": ":9100", "TRUSTED_PROXIES": " 10.0.0.0/8, 127.0.0.1 ,fd00::/8", "PASSWORD_HASH_CONCURRENCY": "2",
		"RATE_LIMIT_SIGN_UP": "3/1m", "RATE_LIMIT_CREATE_POST": "100/1h", "RATE_LIMIT_START_X_AUTHORIZATION": "5/30m"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.MetricsAddr != ":9100" || len(c.TrustedProxies) != 3 || c.PasswordHashConcurrency != 2 {
		t.Fatalf("%+v", c)
	}
	if c.Limits.SignUp.String() != "3 per minute" || c.Limits.CreatePost.String() != "100 per hour" || c.Limits.StartXAuthorization.String() != "5 per 30 minutes" {
		t.Fatalf("%+v", c.Limits)
	}
	logged := c.LogValue().String()
	for _, want := range []string{"METRICS_ADDR=:9100", "TRUSTED_PROXIES=10.0.0.0/8,127.0.0.1/32,fd00::/8", "PASSWORD_HASH_CONCURRENCY=2", "RATE_LIMIT_SIGN_UP=3/1m0s"} {
		if !strings.Contains(logged, want) {
			t.Errorf("logged config %s lacks %s", logged, want)
		}
	}
	// Every bad entry gets its own line.
	_, err = LoadAPI(env(map[string]string{"DATABASE_URL": "postgres://db/bp", "TOKEN_ENCRYPTION_KEY": testKey, "TRUSTED_PROXIES": "bad1,10.0.0.1,bad2"}))
	if err == nil || strings.Count(err.Error(), "\n") != 1 || !strings.Contains(err.Error(), "entry 1") || !strings.Contains(err.Error(), "entry 3") {
		t.Fatalf("%v", err)
	}
}

func TestSecureCookiesOnHTTPS(t *testing.T) {
	c, err := LoadAPI(env(map[string]string{"DATABASE_URL": "postgres://db/bp", "APP_URL": "https://app.example.com/", "TOKEN_ENCRYPTION_KEY": testKey}))
	if err != nil {
		t.Fatal(err)
	}
	if !c.SecureCookies() || c.AppURL.String() != "https://app.example.com" {
		t.Fatalf("%v %v", c.SecureCookies(), c.AppURL)
	}
}

func TestKeysAndXAreMaskedInLogs(t *testing.T) {
	c, err := LoadAPI(env(map[string]string{"DATABASE_URL": "postgres://db/bp", "TOKEN_ENCRYPTION_KEY": testKey,
		"X_CLIENT_ID": "ck", "X_CLIENT_SECRET": "very-secret-cs"}))
	if err != nil {
		t.Fatal(err)
	}
	logged := c.LogValue().String()
	if strings.Contains(logged, testKey) || strings.Contains(logged, "very-secret-cs") {
		t.Fatalf("secret in %s", logged)
	}
	if !strings.Contains(logged, "X_CLIENT_ID=ck") || c.X.APIURL != "https://api.x.com" {
		t.Fatalf("%s", logged)
	}
}

func TestPublisherSettings(t *testing.T) {
	base := map[string]string{"DATABASE_URL": "postgres://db/bp", "TOKEN_ENCRYPTION_KEY": testKey, "X_CLIENT_ID": "ck", "X_CLIENT_SECRET": "cs"}
	c, err := LoadPublisher(env(base))
	if err != nil || c.Lease.String() != "30s" || c.Workers != 512 || c.ListenURL != base["DATABASE_URL"] {
		t.Fatalf("defaults: %v %+v", err, c)
	}
	withListen := map[string]string{"DATABASE_LISTEN_URL": "postgres://direct/bp"}
	for k, v := range base {
		withListen[k] = v
	}
	if c, err := LoadPublisher(env(withListen)); err != nil || c.ListenURL != "postgres://direct/bp" || c.DatabaseURL != "postgres://db/bp" {
		t.Errorf("DATABASE_LISTEN_URL: %v %+v", err, c)
	}
	for k, v := range map[string]string{"PUBLISHER_LEASE": "1s", "PUBLISHER_WORKERS": "0", "DATABASE_LISTEN_URL": "postgres://a b:5432:x"} {
		bad := map[string]string{k: v}
		for bk, bv := range base {
			bad[bk] = bv
		}
		if _, err := LoadPublisher(env(bad)); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: %v", k, v, err)
		}
	}
	delete(base, "TOKEN_ENCRYPTION_KEY")
	if _, err := LoadPublisher(env(base)); err == nil || !strings.Contains(err.Error(), "TOKEN_ENCRYPTION_KEY is not set") {
		t.Errorf("no key: %v", err)
	}
}
