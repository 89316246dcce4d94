// Package config reads and validates each process's settings from the
// environment. A bad value stops the process with one line naming the
// variable and what is wrong; secrets are masked whenever config is logged.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/betterplan/betterplan/internal/logging"
)

// Getenv is os.Getenv, injectable for tests.
type Getenv func(string) string

// API is the api server's configuration.
type API struct {
	DatabaseURL string
	AppURL      *url.URL
	HTTPAddr    string
	LogLevel    slog.Level
	X           X
	Keys        Keys
}

// LoadAPI reads the api server's variables.
func LoadAPI(getenv Getenv) (API, error) {
	var c API
	var errs []error
	c.DatabaseURL, errs = databaseURL(getenv, errs)
	c.AppURL, errs = appURL(getenv, errs)
	c.HTTPAddr, errs = listenAddr(getenv, "HTTP_ADDR", ":3000", errs)
	c.LogLevel, errs = logLevel(getenv, errs)
	c.X, errs = loadX(getenv, errs)
	c.Keys, errs = loadKeys(getenv, errs)
	return c, errors.Join(errs...)
}

// LogValue masks secrets.
func (c API) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("DATABASE_URL", MaskURL(c.DatabaseURL)),
		slog.String("APP_URL", c.AppURL.String()),
		slog.String("HTTP_ADDR", c.HTTPAddr),
		slog.String("LOG_LEVEL", c.LogLevel.String()),
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
