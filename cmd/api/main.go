// Command api serves BetterPlan's Connect services, gRPC reflection and
// health, and /metrics on one port.
//
//	api           serve (the default)
//	api migrate   apply database migrations and exit
//	api reseal    re-seal stored X credentials with the current key and exit
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/betterplan/betterplan/db"
	"github.com/betterplan/betterplan/db/dbq"
	"github.com/betterplan/betterplan/internal/apiserver"
	"github.com/betterplan/betterplan/internal/clock"
	"github.com/betterplan/betterplan/internal/config"
	"github.com/betterplan/betterplan/internal/credential"
	"github.com/betterplan/betterplan/internal/logging"
	"github.com/betterplan/betterplan/internal/xclient"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "api:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv config.Getenv) error {
	cfg, err := config.LoadAPI(getenv)
	if err != nil {
		return err
	}
	log := logging.New(os.Stderr, cfg.LogLevel)
	cmd := "serve"
	if len(args) > 0 {
		cmd = args[0]
	}
	switch cmd {
	case "serve":
		return serve(ctx, cfg, log)
	case "migrate":
		return db.Migrate(ctx, cfg.DatabaseURL, log)
	case "reseal":
		return reseal(ctx, cfg, log)
	default:
		return fmt.Errorf("unknown command %q (want serve, migrate or reseal)", cmd)
	}
}

// reseal re-seals every stored X credential with the current
// TOKEN_ENCRYPTION_KEY, opening them with TOKEN_ENCRYPTION_OLD_KEYS; after
// it, the old keys can be dropped from every process.
func reseal(ctx context.Context, cfg config.API, log *slog.Logger) error {
	pool, err := pgxpool.New(ctx, cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer pool.Close()
	n, err := credential.Reseal(ctx, dbq.New(pool), cfg.Keys.Ring, log)
	if err != nil {
		return fmt.Errorf("re-seal credentials (%d done before the error; running it again continues): %w", n, err)
	}
	log.Info("every stored X credential is sealed with the current key; the old keys can be removed from TOKEN_ENCRYPTION_OLD_KEYS",
		"resealed", n, "key_id", cfg.Keys.Ring.CurrentKeyID())
	return nil
}

func serve(ctx context.Context, cfg config.API, log *slog.Logger) error {
	log.Info("starting api", "config", cfg)
	pool, err := pgxpool.New(ctx, cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer pool.Close()

	if err := credential.CheckKeys(ctx, dbq.New(pool), cfg.Keys.Ring); err != nil {
		return err
	}
	var x *xclient.Client
	if cfg.X.Configured() {
		if x, err = xclient.New(xclient.Config{BaseURL: cfg.X.APIURL, ConsumerKey: cfg.X.ClientID, ConsumerSecret: cfg.X.ClientSecret, Logger: log}); err != nil {
			return fmt.Errorf("X client: %w", err)
		}
	} else {
		log.Warn("X_CLIENT_ID is not set: connecting X accounts is disabled (make run starts an offline X sandbox instead)")
	}
	handler := apiserver.New(apiserver.Deps{
		Pool: pool, Log: log, Now: clock.Real,
		AppURL: cfg.AppURL.String(), SecureCookies: cfg.SecureCookies(),
		Keys: cfg.Keys.Ring, X: x,
	})
	srv := apiserver.NewHTTPServer(cfg.HTTPAddr, handler, log)
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("api listening", "addr", cfg.HTTPAddr, "app_url", cfg.AppURL.String())

	select {
	case err := <-errc:
		return fmt.Errorf("serve %s: %w", cfg.HTTPAddr, err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("api stopped")
	return nil
}
