// Package apiserver assembles the api process's HTTP handler: the Connect
// services (Connect, gRPC and gRPC-Web), gRPC reflection and health, the
// metrics endpoint, CORS, request ids, size limits and access logs.
package apiserver

import (
	"log/slog"
	"net/http"
	"time"

	"connectrpc.com/connect"
	connectcors "connectrpc.com/cors"
	"connectrpc.com/grpchealth"
	"connectrpc.com/grpcreflect"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/cors"

	"github.com/betterplan/betterplan/db/dbq"
	"github.com/betterplan/betterplan/gen/betterplan/account/v1/accountv1connect"
	"github.com/betterplan/betterplan/gen/betterplan/integration/v1/integrationv1connect"
	"github.com/betterplan/betterplan/gen/betterplan/post/v1/postv1connect"
	"github.com/betterplan/betterplan/internal/apierr"
	"github.com/betterplan/betterplan/internal/auth"
	"github.com/betterplan/betterplan/internal/clock"
	"github.com/betterplan/betterplan/internal/logging"
	"github.com/betterplan/betterplan/internal/rpcvalidate"
	"github.com/betterplan/betterplan/internal/secretbox"
	"github.com/betterplan/betterplan/internal/xclient"
	"github.com/betterplan/betterplan/services/account"
	"github.com/betterplan/betterplan/services/integration"
	"github.com/betterplan/betterplan/services/post"
	"github.com/betterplan/betterplan/web"
)

// MaxRequestBytes bounds every request body; no RPC of ours needs more.
const MaxRequestBytes = 1 << 20

// Deps is what the api needs from the outside world.
type Deps struct {
	Pool   *pgxpool.Pool
	Log    *slog.Logger
	Now    clock.Clock
	AppURL string // the web app's origin, allowed by CORS
	// SecureCookies sets the Secure flag on cookies (APP_URL is https).
	SecureCookies bool
	// Keys encrypt X credentials at rest.
	Keys *secretbox.Keyring
	// X talks to X (or the sandbox); nil when no X keys are configured.
	X *xclient.Client
}

// New returns the api's whole HTTP handler.
func New(d Deps) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	cookies := auth.Cookies{Secure: d.SecureCookies}
	q := dbq.New(d.Pool)
	authn := auth.NewInterceptor(q, d.Now, cookies, d.Log, account.PublicProcedures...)
	// Requests are checked against their proto rules after authentication,
	// so a caller without credentials learns nothing but "unauthenticated"
	// (decoding comes before any interceptor, though: a body that is not a
	// request at all is invalid_argument even then). The codecs refuse
	// unknown JSON fields and enum names that the default one drops, and
	// name the field of a decoding error.
	opts := []connect.HandlerOption{
		connect.WithInterceptors(newObserver(d.Log, reg), authn, rpcvalidate.NewInterceptor(), apierr.NewInterceptor(d.Log)),
		connect.WithReadMaxBytes(MaxRequestBytes),
	}
	opts = append(opts, rpcvalidate.Codecs()...)

	mux := http.NewServeMux()
	services := []string{accountv1connect.AccountServiceName, integrationv1connect.IntegrationServiceName, postv1connect.PostServiceName}
	mux.Handle(accountv1connect.NewAccountServiceHandler(account.New(d.Pool, d.Now, cookies, d.Log), opts...))
	integrations := integration.New(integration.Deps{
		Pool: d.Pool, Now: d.Now, Log: d.Log, Keys: d.Keys, X: d.X,
		AppURL: d.AppURL, SecureCookies: d.SecureCookies, SessionUser: authn.Authenticate,
	})
	mux.Handle(integrationv1connect.NewIntegrationServiceHandler(integrations, opts...))
	mux.Handle("GET "+integration.CallbackPath, integrations.Callback())
	mux.Handle(postv1connect.NewPostServiceHandler(post.New(d.Pool, d.Now, d.Log), opts...))

	reflector := grpcreflect.NewStaticReflector(append(services, grpchealth.HealthV1ServiceName)...)
	mux.Handle(grpcreflect.NewHandlerV1(reflector))
	mux.Handle(grpcreflect.NewHandlerV1Alpha(reflector))
	checked := map[string]bool{}
	for _, s := range services {
		checked[s] = true
	}
	mux.Handle(grpchealth.NewHandler(&dbChecker{pool: d.Pool, services: checked}))
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	web.Mount(mux) // the web app at /app/, and / redirects there

	corsed := cors.New(cors.Options{
		AllowedOrigins:   []string{d.AppURL},
		AllowedMethods:   connectcors.AllowedMethods(),
		AllowedHeaders:   append(connectcors.AllowedHeaders(), "Authorization", logging.RequestIDHeader),
		ExposedHeaders:   append(connectcors.ExposedHeaders(), logging.RequestIDHeader),
		AllowCredentials: true,
		MaxAge:           int((2 * time.Hour).Seconds()),
	}).Handler(mux)
	return logging.Middleware(http.MaxBytesHandler(corsed, MaxRequestBytes+4096))
}

// NewHTTPServer serves h on addr with HTTP/1.1 and h2c (gRPC needs HTTP/2),
// with timeouts so a slow client cannot hold a connection forever.
func NewHTTPServer(addr string, h http.Handler, log *slog.Logger) *http.Server {
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		Protocols:         &protocols,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}
