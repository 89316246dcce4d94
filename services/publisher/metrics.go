package publisher

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

type metrics struct {
	reg       *prometheus.Registry
	published prometheus.Counter
	failed    *prometheus.CounterVec
	deferred  *prometheus.CounterVec
	lag       prometheus.Histogram
	backlog   prometheus.Gauge
	inFlight  prometheus.Gauge
	lastPoll  prometheus.Gauge
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		published: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "betterplan_publisher_published_total", Help: "Posts published (a thread counts once).",
		}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "betterplan_publisher_failed_total", Help: "Posts that ended failed or unconfirmed, by error kind.",
		}, []string{"kind"}),
		deferred: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "betterplan_publisher_deferred_total", Help: "Attempts put off to a later time (retry backoff, rate limit), by kind.",
		}, []string{"kind"}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "betterplan_publisher_publish_lag_seconds",
			Help:    "Time from a post's due time to its first send to X.",
			Buckets: []float64{.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
		}),
		backlog: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "betterplan_publisher_due_backlog", Help: "Scheduled posts already due, at the last poll.",
		}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "betterplan_publisher_in_flight", Help: "Posts being sent to X by this publisher.",
		}),
		lastPoll: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "betterplan_publisher_last_poll_timestamp_seconds", Help: "Unix time of the last successful read of the schedule.",
		}),
	}
	m.reg.MustRegister(m.published, m.failed, m.deferred, m.lag, m.backlog, m.inFlight, m.lastPoll,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}
