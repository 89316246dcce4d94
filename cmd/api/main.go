// Command api serves BetterPlan's Connect services, gRPC reflection and
// health and the web app on HTTP_ADDR, and /metrics on METRICS_ADDR (a port
// of its own, loopback by default).
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
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/betterplan/betterplan/db"
	"github.com/betterplan/betterplan/db/dbq"
	"github.com/betterplan/betterplan/internal/apiserver"
	"github.com/betterplan/betterplan/internal/blobstore"
	"github.com/betterplan/betterplan/internal/clock"
	"github.com/betterplan/betterplan/internal/config"
	"github.com/betterplan/betterplan/internal/credential"
	"github.com/betterplan/betterplan/internal/logging"
	"github.com/betterplan/betterplan/internal/mail"
	"github.com/betterplan/betterplan/internal/password"
	"github.com/betterplan/betterplan/internal/xclient"
	"github.com/betterplan/betterplan/internal/xweb"
	"github.com/betterplan/betterplan/services/workspace"
)

// memoryHeadroom is what the api may use besides argon2 before its GC works
// harder: the soft memory limit (unless GOMEMLIMIT is set) is this plus
// 19 MiB per argon2 run allowed at once.
const memoryHeadroom = 64 << 20

// gcPercent is the api's GOGC unless the environment sets one (see serve).
const gcPercent = 400

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
	// Each argon2 run leaves 19 MiB of garbage. Left to GOGC alone, the heap
	// grows to twice the live argon2 memory before the GC collects it (a
	// burst of sign-ins peaked at 222 MiB with 4 runs at once); a soft limit
	// sized to the runs makes the GC collect sooner, which is cheap here:
	// argon2's blocks hold no pointers.
	if os.Getenv("GOMEMLIMIT") == "" {
		limit := int64(memoryHeadroom + cfg.PasswordHashConcurrency*password.MemoryPerRun)
		debug.SetMemoryLimit(limit)
		log.Info("soft memory limit set (GOMEMLIMIT overrides it)", "mib", limit>>20)
	}
	// The api keeps little (about 8 MiB) and throws away much (a page of
	// posts allocates ~85 KiB): at Go's default GOGC=100 it collected
	// every 90 ms at 500 requests/s, each mark taking one of two cores for
	// several ms, which was most of the p99 (make bench-api). 400 collects a
	// quarter as often for ~30 MiB more; the soft limit above still bounds it.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
		log.Info("GC percent set (GOGC overrides it)", "percent", gcPercent)
	}
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
	// A nil *mail.Sender would be a non-nil interface: only a real one goes in.
	var mailer workspace.Mailer
	if s := mail.NewSender(cfg.Mail, log); s != nil {
		mailer = s
	} else {
		log.Info("SMTP_URL is not set: invitation links are shown to the inviter and logged, not emailed")
	}
	bucket, err := blobstore.Open(ctx, cfg.MediaBucketURL)
	if err != nil {
		return err
	}
	defer bucket.Close()
	handlers := apiserver.New(apiserver.Deps{
		Pool: pool, Log: log, Now: clock.Real,
		AppURL: cfg.AppURL.String(), SecureCookies: cfg.SecureCookies(),
		Keys: cfg.Keys.Ring, X: x, XWeb: xweb.New(cfg.X.WebURL),
		TrustedProxies: cfg.TrustedProxies, PasswordHashConcurrency: cfg.PasswordHashConcurrency, Limits: cfg.Limits,
		Mail: mailer, Bucket: bucket,
	})
	defer handlers.Close()
	// Both ports are bound before either serves, so a taken port stops the
	// start with its name rather than leaving half an api running.
	apiLn, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("HTTP_ADDR: %w", err)
	}
	metricsLn, err := net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		_ = apiLn.Close()
		return fmt.Errorf("METRICS_ADDR: %w", err)
	}
	srv := apiserver.NewHTTPServer(cfg.HTTPAddr, handlers.API, log)
	metricsSrv := apiserver.NewHTTPServer(cfg.MetricsAddr, handlers.Metrics, log)
	errc := make(chan error, 2)
	go func() { errc <- fmt.Errorf("serve HTTP_ADDR %s: %w", apiLn.Addr(), srv.Serve(apiLn)) }()
	go func() { errc <- fmt.Errorf("serve METRICS_ADDR %s: %w", metricsLn.Addr(), metricsSrv.Serve(metricsLn)) }()
	log.Info("api listening", "addr", apiLn.Addr().String(), "metrics_addr", metricsLn.Addr().String(), "app_url", cfg.AppURL.String())

	var serveErr error
	select {
	case serveErr = <-errc: // one stopped: stop the other too
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var errs []error
	for _, s := range []*http.Server{srv, metricsSrv} {
		if err := s.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, fmt.Errorf("shutdown %s: %w", s.Addr, err))
		}
	}
	if serveErr != nil {
		return serveErr
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	log.Info("api stopped")
	return nil
}
