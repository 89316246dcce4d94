package apiserver

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/betterplan/betterplan/internal/clientaddr"
	"github.com/betterplan/betterplan/internal/httpstream"
)

// observer logs every RPC once and records its count and latency.
type observer struct {
	log      *slog.Logger
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newObserver(log *slog.Logger, reg prometheus.Registerer) *observer {
	o := &observer{
		log: log,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "betterplan_rpc_requests_total",
			Help: "RPCs handled, by procedure and Connect code.",
		}, []string{"procedure", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "betterplan_rpc_duration_seconds",
			Help:    "RPC handling time, by procedure.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}, []string{"procedure"}),
	}
	reg.MustRegister(o.requests, o.latency)
	return o
}

func (o *observer) record(ctx context.Context, procedure, protocol string, start time.Time, err error) {
	code := "ok"
	level := slog.LevelInfo
	attrs := []any{"procedure", procedure, "protocol", protocol, "client_addr", clientaddr.From(ctx)}
	if err != nil {
		c := connect.CodeOf(err)
		code = c.String()
		switch {
		case httpstream.ShuttingDown(ctx):
			level = slog.LevelInfo // a stream ended by a graceful shutdown
		case c == connect.CodeInternal || c == connect.CodeUnknown || c == connect.CodeUnavailable:
			level = slog.LevelError
		default:
			level = slog.LevelWarn
		}
		var cerr *connect.Error
		if errors.As(err, &cerr) {
			attrs = append(attrs, "message", cerr.Message())
		}
	}
	d := time.Since(start)
	o.requests.WithLabelValues(procedure, code).Inc()
	o.latency.WithLabelValues(procedure).Observe(d.Seconds())
	o.log.Log(ctx, level, "rpc", append(attrs, "code", code, "duration_ms", float64(d.Microseconds())/1000)...)
}

func (o *observer) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		start := time.Now()
		resp, err := next(ctx, req)
		o.record(ctx, req.Spec().Procedure, req.Peer().Protocol, start, err)
		return resp, err
	}
}

func (o *observer) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (o *observer) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		start := time.Now()
		err := next(ctx, conn)
		o.record(ctx, conn.Spec().Procedure, conn.Peer().Protocol, start, err)
		return err
	}
}
