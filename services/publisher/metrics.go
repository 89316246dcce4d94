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
	// mediaSteps counts pre-upload steps by how they ended (the upload's state).
	mediaSteps *prometheus.CounterVec
	lag        prometheus.Histogram
	backlog    prometheus.Gauge
	inFlight   prometheus.Gauge
	lastPoll   prometheus.Gauge

	recovered      prometheus.Counter
	reconcileReads *prometheus.CounterVec
	reconciled     *prometheus.CounterVec
	leaseLost      prometheus.Counter
	unrecorded     prometheus.Counter
	writeRetries   prometheus.Counter
	keyReleased    prometheus.Counter
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
		mediaSteps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "betterplan_publisher_media_upload_steps_total", Help: "Media pre-upload steps, by the upload's state after them (uploading, processing, ready, failed).",
		}, []string{"state"}),
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
		recovered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "betterplan_publisher_recovered_total", Help: "Posts taken back on the schedule after their publisher's lease ended.",
		}),
		reconcileReads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "betterplan_publisher_reconcile_reads_total", Help: "Reads of an X account's timeline to settle posts in doubt (one per account per claim), by result.",
		}, []string{"result"}),
		reconciled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "betterplan_publisher_reconciled_total", Help: "Parts in doubt settled by reading X: found (recorded) or absent (sent again).",
		}, []string{"outcome"}),
		leaseLost: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "betterplan_publisher_lease_lost_total", Help: "Writes that found the post no longer leased to this publisher (handed to reconciliation).",
		}),
		unrecorded: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "betterplan_publisher_unrecorded_total", Help: "Parts on X whose id could not be written before the lease ended (found again by reconciliation).",
		}),
		writeRetries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "betterplan_publisher_write_retries_total", Help: "Database writes retried because PostgreSQL was unreachable or restarting.",
		}),
		keyReleased: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "betterplan_publisher_unknown_key_releases_total", Help: "Posts released because their credentials were sealed with a key this publisher lacks.",
		}),
	}
	m.reg.MustRegister(m.published, m.failed, m.deferred, m.mediaSteps, m.lag, m.backlog, m.inFlight, m.lastPoll,
		m.recovered, m.reconcileReads, m.reconciled, m.leaseLost, m.unrecorded, m.writeRetries, m.keyReleased,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}
