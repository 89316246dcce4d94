// Package config reads and validates each process's settings from the
// environment. A bad value stops the process with one line naming the
// variable and what is wrong; secrets are masked whenever config is logged.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/betterplan/betterplan/internal/clientaddr"
	"github.com/betterplan/betterplan/internal/logging"
	"github.com/betterplan/betterplan/internal/mail"
	"github.com/betterplan/betterplan/internal/password"
	"github.com/betterplan/betterplan/internal/ratelimit"
)

// Getenv is os.Getenv, injectable for tests.
type Getenv func(string) string

// API is the api server's configuration.
type API struct {
	DatabaseURL string
	AppURL      *url.URL
	HTTPAddr    string
	// MetricsAddr (METRICS_ADDR) serves /metrics, apart from the public port.
	MetricsAddr string
	LogLevel    slog.Level
	X           X
	Keys        Keys
	// TrustedProxies (TRUSTED_PROXIES) may say who the client is in
	// X-Forwarded-For.
	TrustedProxies []netip.Prefix
	// PasswordHashConcurrency (PASSWORD_HASH_CONCURRENCY) is the number of
	// argon2 runs at once, 19 MiB each.
	PasswordHashConcurrency int
	Limits                  RateLimits
	// Mail (SMTP_URL, SMTP_FROM) emails invitation links; off when unset.
	Mail mail.Config
	// MediaBucketURL (MEDIA_BUCKET_URL) is where uploaded media bytes live.
	MediaBucketURL string
}

// RateLimits are the api's per-caller limits (RATE_LIMIT_*).
type RateLimits struct {
	SignUp              ratelimit.Rule // per client address
	CreatePost          ratelimit.Rule // per user
	StartXAuthorization ratelimit.Rule // per user
	CreateInvitation    ratelimit.Rule // per user: each may send an email
}

// DefaultRateLimits are generous: a person never meets them, a runaway
// script or a mass sign-up does.
func DefaultRateLimits() RateLimits {
	return RateLimits{
		SignUp:              ratelimit.Rule{Limit: 10, Window: time.Hour},
		CreatePost:          ratelimit.Rule{Limit: 600, Window: 10 * time.Minute},
		StartXAuthorization: ratelimit.Rule{Limit: 20, Window: 15 * time.Minute},
		CreateInvitation:    ratelimit.Rule{Limit: 50, Window: time.Hour},
	}
}

// maxPasswordHashConcurrency bounds PASSWORD_HASH_CONCURRENCY: 64 runs at
// once is already 1.2 GiB.
const maxPasswordHashConcurrency = 64

// LoadAPI reads the api server's variables.
func LoadAPI(getenv Getenv) (API, error) {
	var c API
	var errs []error
	c.DatabaseURL, errs = databaseURL(getenv, errs)
	c.AppURL, errs = appURL(getenv, errs)
	c.HTTPAddr, errs = listenAddr(getenv, "HTTP_ADDR", ":3000", errs)
	c.MetricsAddr, errs = listenAddr(getenv, "METRICS_ADDR", "127.0.0.1:3003", errs)
	if c.HTTPAddr != "" && c.MetricsAddr != "" && samePort(c.HTTPAddr, c.MetricsAddr) {
		errs = append(errs, fmt.Errorf("METRICS_ADDR=%q must use another port than HTTP_ADDR=%q: /metrics is kept off the public port", c.MetricsAddr, c.HTTPAddr))
	}
	c.LogLevel, errs = logLevel(getenv, errs)
	c.X, errs = loadX(getenv, errs)
	c.Keys, errs = loadKeys(getenv, errs)
	c.TrustedProxies, errs = trustedProxies(getenv, errs)
	c.PasswordHashConcurrency, errs = passwordHashConcurrency(getenv, errs)
	d := DefaultRateLimits()
	c.Limits.SignUp, errs = rateLimit(getenv, "RATE_LIMIT_SIGN_UP", d.SignUp, errs)
	c.Limits.CreatePost, errs = rateLimit(getenv, "RATE_LIMIT_CREATE_POST", d.CreatePost, errs)
	c.Limits.StartXAuthorization, errs = rateLimit(getenv, "RATE_LIMIT_START_X_AUTHORIZATION", d.StartXAuthorization, errs)
	c.Limits.CreateInvitation, errs = rateLimit(getenv, "RATE_LIMIT_CREATE_INVITATION", d.CreateInvitation, errs)
	c.MediaBucketURL, errs = mediaBucketURL(getenv, errs)
	var err error
	if c.Mail, err = mail.ParseConfig(getenv("SMTP_URL"), getenv("SMTP_FROM")); err != nil {
		errs = append(errs, err)
	}
	return c, errors.Join(errs...)
}

// LogValue masks secrets.
func (c API) LogValue() slog.Value {
	proxies := make([]string, len(c.TrustedProxies))
	for i, p := range c.TrustedProxies {
		proxies[i] = p.String()
	}
	return slog.GroupValue(
		slog.String("DATABASE_URL", MaskURL(c.DatabaseURL)),
		slog.String("APP_URL", c.AppURL.String()),
		slog.String("HTTP_ADDR", c.HTTPAddr),
		slog.String("METRICS_ADDR", c.MetricsAddr),
		slog.String("LOG_LEVEL", c.LogLevel.String()),
		slog.String("TRUSTED_PROXIES", strings.Join(proxies, ",")),
		slog.Int("PASSWORD_HASH_CONCURRENCY", c.PasswordHashConcurrency),
		slog.String("RATE_LIMIT_SIGN_UP", c.Limits.SignUp.Spec()),
		slog.String("RATE_LIMIT_CREATE_POST", c.Limits.CreatePost.Spec()),
		slog.String("RATE_LIMIT_START_X_AUTHORIZATION", c.Limits.StartXAuthorization.Spec()),
		slog.String("RATE_LIMIT_CREATE_INVITATION", c.Limits.CreateInvitation.Spec()),
		slog.String("SMTP_URL", c.Mail.Redacted()),
		slog.String("SMTP_FROM", c.Mail.From),
		slog.String("MEDIA_BUCKET_URL", MaskURL(c.MediaBucketURL)),
		slog.Attr{Key: "x", Value: c.X.LogValue()},
		slog.Attr{Key: "keys", Value: c.Keys.LogValue()},
	)
}

// SecureCookies reports whether cookies must carry the Secure flag.
func (c API) SecureCookies() bool { return c.AppURL.Scheme == "https" }

func databaseURL(getenv Getenv, errs []error) (string, []error) {
	v := strings.TrimSpace(getenv("DATABASE_URL"))
	if v == "" {
		return "", append(errs, errors.New("DATABASE_URL is not set: give a PostgreSQL URL like postgres://user:pass@host:5432/betterplan (make run sets one up for you)"))
	}
	if _, err := pgxpool.ParseConfig(v); err != nil {
		return "", append(errs, fmt.Errorf("DATABASE_URL is not a valid PostgreSQL connection string: %s", maskErr(err, v)))
	}
	return v, errs
}

func appURL(getenv Getenv, errs []error) (*url.URL, []error) {
	v := strings.TrimSpace(getenv("APP_URL"))
	if v == "" {
		v = "http://localhost:3000"
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return &url.URL{}, append(errs, fmt.Errorf("APP_URL=%q must be an http(s) origin like https://app.example.com (no path or query)", v))
	}
	u.Path = ""
	return u, errs
}

func listenAddr(getenv Getenv, name, def string, errs []error) (string, []error) {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		v = def
	}
	if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
		return "", append(errs, fmt.Errorf("%s=%q must be host:port or :port, like :3000", name, v))
	}
	return v, errs
}

// samePort reports whether two valid listen addresses share a port (":0"
// picks a free one, so it never clashes).
func samePort(a, b string) bool {
	_, pa, _ := net.SplitHostPort(a)
	_, pb, _ := net.SplitHostPort(b)
	return pa == pb && pa != "0"
}

// trustedProxies reads TRUSTED_PROXIES, naming each bad entry on a line of
// its own.
func trustedProxies(getenv Getenv, errs []error) ([]netip.Prefix, []error) {
	v := strings.TrimSpace(getenv("TRUSTED_PROXIES"))
	if v == "" {
		return nil, errs
	}
	var out []netip.Prefix
	for i, entry := range strings.Split(v, ",") {
		p, err := clientaddr.ParseProxy(entry)
		if err != nil {
			errs = append(errs, fmt.Errorf("TRUSTED_PROXIES: entry %d: %w", i+1, err))
			continue
		}
		out = append(out, p)
	}
	return out, errs
}

func passwordHashConcurrency(getenv Getenv, errs []error) (int, []error) {
	v := strings.TrimSpace(getenv("PASSWORD_HASH_CONCURRENCY"))
	if v == "" {
		return password.DefaultConcurrency(), errs
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPasswordHashConcurrency {
		return 0, append(errs, fmt.Errorf("PASSWORD_HASH_CONCURRENCY=%q must be a number from 1 to %d (each argon2 run takes 19 MiB)", clip(v), maxPasswordHashConcurrency))
	}
	return n, errs
}

func rateLimit(getenv Getenv, name string, def ratelimit.Rule, errs []error) (ratelimit.Rule, []error) {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def, errs
	}
	r, err := ratelimit.ParseRule(v)
	if err != nil {
		return def, append(errs, fmt.Errorf("%s=%q %w", name, clip(v), err))
	}
	return r, errs
}

// clip keeps an echoed value short.
func clip(s string) string {
	if len(s) > 40 {
		return strings.ToValidUTF8(s[:40], "") + "…"
	}
	return s
}

func logLevel(getenv Getenv, errs []error) (slog.Level, []error) {
	l, err := logging.ParseLevel(getenv("LOG_LEVEL"))
	if err != nil {
		return 0, append(errs, fmt.Errorf("LOG_LEVEL: %w", err))
	}
	return l, errs
}

// MaskURL hides the password of a URL (and of key=value DSNs).
func MaskURL(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Scheme != "" {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		q := u.Query()
		if q.Has("password") {
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		return u.String()
	}
	fields := strings.Fields(raw)
	for i, f := range fields {
		if k, _, ok := strings.Cut(f, "="); ok && k == "password" {
			fields[i] = "password=xxxxx"
		}
	}
	return strings.Join(fields, " ")
}

// maskErr keeps a parse error from echoing the password back.
func maskErr(err error, raw string) string {
	msg := err.Error()
	if u, perr := url.Parse(raw); perr == nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
	}
	return msg
}
