package config

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Publisher is the publisher's configuration.
type Publisher struct {
	DatabaseURL string
	// ListenURL (DATABASE_LISTEN_URL) is where the publisher LISTENs for
	// new due times: a session of its own, so it must reach PostgreSQL
	// directly when DATABASE_URL goes through a pooler in transaction mode.
	// DATABASE_URL when unset.
	ListenURL string
	Addr      string // PUBLISHER_ADDR: /healthz and /metrics
	LogLevel  slog.Level
	X         X
	Keys      Keys
	Workers   int // PUBLISHER_WORKERS: posts sent to X at once
	// Lease (PUBLISHER_LEASE) is how long a claimed post stays this
	// publisher's without progress; a dead publisher's posts wait that long.
	Lease time.Duration
	// MediaBucketURL (MEDIA_BUCKET_URL): the api's bucket, read to upload
	// media to X.
	MediaBucketURL string
}

// LoadPublisher reads the publisher's variables. Unlike the api it needs X
// keys and the real encryption key: without them it could publish nothing.
func LoadPublisher(getenv Getenv) (Publisher, error) {
	var c Publisher
	var errs []error
	c.DatabaseURL, errs = databaseURL(getenv, errs)
	c.ListenURL = c.DatabaseURL
	if v := strings.TrimSpace(getenv("DATABASE_LISTEN_URL")); v != "" {
		if _, err := pgxpool.ParseConfig(v); err != nil {
			errs = append(errs, fmt.Errorf("DATABASE_LISTEN_URL is not a valid PostgreSQL connection string: %s", maskErr(err, v)))
		}
		c.ListenURL = v
	}
	c.Addr, errs = listenAddr(getenv, "PUBLISHER_ADDR", ":3002", errs)
	c.LogLevel, errs = logLevel(getenv, errs)
	c.X, errs = loadX(getenv, errs)
	if !c.X.Configured() {
		errs = append(errs, errors.New("X_CLIENT_ID is not set: the publisher needs your X app's keys (make run starts an offline X sandbox and sets them)"))
	}
	c.Keys, errs = loadKeys(getenv, errs)
	c.Workers = 512
	if v := strings.TrimSpace(getenv("PUBLISHER_WORKERS")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			errs = append(errs, fmt.Errorf("PUBLISHER_WORKERS=%q must be a number from 1 to 10000", v))
		}
		c.Workers = n
	}
	c.MediaBucketURL, errs = mediaBucketURL(getenv, errs)
	c.Lease = 30 * time.Second
	if v := strings.TrimSpace(getenv("PUBLISHER_LEASE")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 2*time.Second || d > 10*time.Minute {
			errs = append(errs, fmt.Errorf("PUBLISHER_LEASE=%q must be a duration from 2s to 10m, like 30s", v))
		}
		c.Lease = d
	}
	return c, errors.Join(errs...)
}

// LogValue masks secrets.
func (c Publisher) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("DATABASE_URL", MaskURL(c.DatabaseURL)),
		slog.String("DATABASE_LISTEN_URL", MaskURL(c.ListenURL)),
		slog.String("PUBLISHER_ADDR", c.Addr),
		slog.String("LOG_LEVEL", c.LogLevel.String()),
		slog.Int("PUBLISHER_WORKERS", c.Workers),
		slog.Duration("PUBLISHER_LEASE", c.Lease),
		slog.String("MEDIA_BUCKET_URL", MaskURL(c.MediaBucketURL)),
		slog.Attr{Key: "x", Value: c.X.LogValue()},
		slog.Attr{Key: "keys", Value: c.Keys.LogValue()},
	)
}
