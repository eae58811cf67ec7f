package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/symbolicate/symbolicate/resolve"
)

// metrics are the server's Prometheus metrics, in a registry of its own.
type metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	frameCount *prometheus.CounterVec
	missing    prometheus.Counter
	cacheOpens prometheus.Counter
	rejected   prometheus.Counter
	inFlight   prometheus.Gauge
}

func newMetrics(s *Server) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "symbolicate_requests_total",
		Help: "Requests by endpoint and status code."}, []string{"endpoint", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "symbolicate_request_duration_seconds",
		Help: "Request latency by endpoint.", Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}},
		[]string{"endpoint"})
	m.frameCount = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "symbolicate_frames_total",
		Help: "Frames of symbolicated documents by outcome (resolved, already, unresolved, unresolvable, degraded)."}, []string{"outcome"})
	m.missing = prometheus.NewCounter(prometheus.CounterOpts{Name: "symbolicate_missing_images_total",
		Help: "Images (and shared caches) that frames needed and no source had, counted per document."})
	m.cacheOpens = prometheus.NewCounter(prometheus.CounterOpts{Name: "symbolicate_cache_opens_total",
		Help: "Shared caches opened (at start and on each rescan)."})
	m.rejected = prometheus.NewCounter(prometheus.CounterOpts{Name: "symbolicate_rejected_total",
		Help: "Requests turned away with 503 because every worker and queue place was taken."})
	m.inFlight = prometheus.NewGauge(prometheus.GaugeOpts{Name: "symbolicate_in_flight",
		Help: "Requests being worked on."})
	indexHits := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "symbolicate_index_tables",
		Help: "Image symbol tables read from indexes instead of built, in the open caches."}, func() float64 {
		ref := s.acquire()
		if ref == nil {
			return 0
		}
		defer ref.refs.Done()
		n := 0
		for _, c := range ref.eng.Caches() {
			n += c.IndexedTables()
		}
		return float64(n)
	})
	m.reg.MustRegister(m.requests, m.latency, m.frameCount, m.missing, m.cacheOpens, m.rejected, m.inFlight, indexHits,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// observe records a finished request.
func (m *metrics) observe(endpoint string, code int, d time.Duration) {
	m.requests.WithLabelValues(endpoint, strconv.Itoa(code)).Inc()
	m.latency.WithLabelValues(endpoint).Observe(d.Seconds())
}

// frames adds a document's outcome.
func (m *metrics) frames(o *resolve.Outcome) {
	m.frameCount.WithLabelValues("resolved").Add(float64(o.Resolved))
	m.frameCount.WithLabelValues("already").Add(float64(o.Already))
	m.frameCount.WithLabelValues("unresolved").Add(float64(o.Unresolved))
	m.frameCount.WithLabelValues("unresolvable").Add(float64(o.Unresolvable))
	m.frameCount.WithLabelValues("degraded").Add(float64(o.Degraded))
	m.missing.Add(float64(len(o.Missing) + len(o.MissingCaches)))
}
