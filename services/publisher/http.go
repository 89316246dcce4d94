package publisher

import (
	"encoding/json"
	"net/http"
	"net/http/pprof"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Handler serves /healthz, /metrics and Go's profiles under /debug/pprof/
// (an operator's port, like /metrics: where the CPU goes under load is
// measured on the binary that ships, make bench's BENCH_PROFILE).
func (p *Publisher) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(p.metrics.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		last := time.Unix(0, p.lastPoll.Load())
		age := time.Since(last)
		// Healthy while the schedule was read recently: a stuck loop or a
		// lost database shows here, not only in the logs.
		healthy := p.lastPoll.Load() != 0 && age < 2*p.cfg.SafetyPoll+10*time.Second
		body := map[string]any{
			"status":        "ok",
			"owner":         p.cfg.Owner,
			"last_poll":     last.UTC().Format(time.RFC3339Nano),
			"last_poll_age": age.Round(time.Millisecond).String(),
			"listening":     p.listenOK.Load(),
			"in_flight":     len(p.sem),
			"stopping":      p.stopping.Load(),
		}
		var problems []string
		if !healthy {
			problems = append(problems, "the schedule has not been read recently (is PostgreSQL reachable?)")
		}
		if problem := p.keyProblem.Load(); problem != nil {
			problems = append(problems, *problem)
		}
		code := http.StatusOK
		if len(problems) > 0 {
			body["status"] = "unhealthy: " + strings.Join(problems, "; ")
			code = http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(body)
	})
	return mux
}
