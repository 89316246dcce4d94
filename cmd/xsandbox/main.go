// Command xsandbox runs the offline X sandbox: a local stand-in for X's
// OAuth 1.0a endpoints (with an approve/deny page), /2/users/me and
// /2/tweets, so BetterPlan works end to end without X keys. Posts go
// nowhere; GET / lists what was received.
//
// Environment:
//
//	X_SANDBOX_ADDR   listen address (default ":3001")
//	X_CLIENT_ID      consumer key it accepts (default "sandbox-client-id")
//	X_CLIENT_SECRET  consumer secret it accepts (default "sandbox-client-secret")
//	X_SANDBOX_STATE  optional JSON file keeping users, tokens and posts across restarts
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/betterplan/betterplan/internal/fakex"
)

type config struct {
	addr           string
	consumerKey    string
	consumerSecret string
	stateFile      string
}

func configFromEnv() (config, error) {
	cfg := config{
		addr:           envOr("X_SANDBOX_ADDR", ":3001"),
		consumerKey:    envOr("X_CLIENT_ID", fakex.DefaultConsumerKey),
		consumerSecret: envOr("X_CLIENT_SECRET", fakex.DefaultConsumerSecret),
		stateFile:      os.Getenv("X_SANDBOX_STATE"),
	}
	if _, _, err := net.SplitHostPort(cfg.addr); err != nil {
		return cfg, fmt.Errorf("X_SANDBOX_ADDR=%q is not host:port: %w", cfg.addr, err)
	}
	return cfg, nil
}

func envOr(name, fallback string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return fallback
}

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	slog.SetDefault(logger)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		logger.Error("xsandbox stopped", "error", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	logger := slog.Default()
	cfg, err := configFromEnv()
	if err != nil {
		return err
	}
	fake, err := fakex.Open(fakex.Options{
		ConsumerKey:    cfg.consumerKey,
		ConsumerSecret: cfg.consumerSecret,
		StateFile:      cfg.stateFile,
		Logger:         logger,
	})
	if err != nil {
		return err
	}
	defer fake.Close()

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	// Loud on purpose: nobody should mistake this for X.
	logger.Warn("OFFLINE X SANDBOX: this is NOT real X; posts go nowhere",
		"addr", ln.Addr().String(),
		"consumer_key", cfg.consumerKey,
		"consumer_secret", "[redacted]",
		"state_file", cfg.stateFile,
		"posts_page", "http://"+ln.Addr().String()+"/",
	)

	srv := &http.Server{
		Handler:           fake,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("xsandbox shutting down")
	fake.Close() // release hung requests so Shutdown does not wait on them
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
