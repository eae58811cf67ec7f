// Package server is symbolicate's HTTP service: a long-lived process that
// keeps caches, binaries and indexes open and symbolicates what clients
// post (every input the CLI reads, Tecken's /symbolicate/v5 requests, and
// address lists), with limits, bearer-token authentication, Prometheus
// metrics and JSON request logs. docs/api.md describes the API; its
// OpenAPI description is served at /v1/openapi.json and checked against
// the handlers by the tests.
//
// A Server builds on symbolicate.Engine only, like any front: Open scans the
// sources, Rescan opens them again (a deploy replaced caches) and swaps the
// engines without dropping a request, and Handler serves.
package server

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/symbolicate/symbolicate"
	"github.com/symbolicate/symbolicate/diag"
)

// Options configure a Server. Zero values pick the defaults given.
type Options struct {
	// Config names the sources, opened by Open and again by Rescan.
	Config symbolicate.Config
	// MaxBody is the largest request body, after decompression (32 MiB).
	MaxBody int64
	// MaxFrames is the most frames one document may have (1,000,000).
	MaxFrames int
	// Timeout bounds each request's work (30 s); past it the request fails
	// with 503 and the resolver stops.
	Timeout time.Duration
	// MaxConcurrent requests are worked on at once (2 per CPU); MaxQueue
	// more wait (64); the rest get 503 with Retry-After.
	MaxConcurrent, MaxQueue int
	// TokenFile holds the bearer tokens clients must send, one a line
	// ("" = no authentication). It is read by New and ReloadTokens.
	TokenFile string
	// CheckEvery is how often the sources' files are compared with the disk
	// (1 min); a change makes the server rescan.
	CheckEvery time.Duration
	// Logger receives one line per request and the server's events (JSON to
	// stderr when nil).
	Logger *slog.Logger
	// Jobs, when set, serves POST /v1/jobs and GET /v1/jobs/{id}.
	Jobs Jobs
}

func (o *Options) defaults() {
	if o.MaxBody <= 0 {
		o.MaxBody = 32 << 20
	}
	if o.MaxFrames <= 0 {
		o.MaxFrames = 1_000_000
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = 2 * runtime.GOMAXPROCS(0)
	}
	if o.MaxQueue <= 0 {
		o.MaxQueue = 64
	}
	if o.CheckEvery <= 0 {
		o.CheckEvery = time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
}

// Server is the service. It is safe for concurrent use.
type Server struct {
	opts   Options
	log    *slog.Logger
	m      *metrics
	mux    *http.ServeMux
	tokens atomic.Pointer[[]string]
	slots  chan struct{} // one per request worked on
	queue  chan struct{} // one per request waiting for a slot

	mu       sync.RWMutex
	cur      *engineRef
	ready    atomic.Bool
	rescanMu sync.Mutex
	rescans  atomic.Int64
	stop     chan struct{}
	stopOnce sync.Once
}

// engineRef is an engine and the requests using it: an engine swapped out
// by Rescan is closed when its last request ends.
type engineRef struct {
	eng  *symbolicate.Engine
	refs sync.WaitGroup
}

// New returns a Server with opts. It reads the token file but opens no
// source: call Open.
func New(opts Options) (*Server, error) {
	opts.defaults()
	s := &Server{opts: opts, log: opts.Logger, slots: make(chan struct{}, opts.MaxConcurrent),
		queue: make(chan struct{}, opts.MaxQueue), stop: make(chan struct{})}
	s.m = newMetrics(s)
	if err := s.ReloadTokens(); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

// HasTokens reports whether clients must authenticate.
func (s *Server) HasTokens() bool { return len(*s.tokens.Load()) > 0 }

// ReloadTokens reads the token file again.
func (s *Server) ReloadTokens() error {
	var toks []string
	if s.opts.TokenFile != "" {
		b, err := os.ReadFile(s.opts.TokenFile)
		if err != nil {
			return fmt.Errorf("token file: %w", err)
		}
		for _, l := range strings.Split(string(b), "\n") {
			if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") {
				toks = append(toks, t)
			}
		}
		if len(toks) == 0 {
			return fmt.Errorf("token file %s holds no token", s.opts.TokenFile)
		}
	}
	s.tokens.Store(&toks)
	return nil
}

// Open scans the sources; the server is ready when it returns nil, and
// checks them for changes every CheckEvery until Close.
func (s *Server) Open(ctx context.Context) error {
	if err := s.Rescan(ctx); err != nil {
		return err
	}
	go s.watch()
	return nil
}

// Rescan opens the sources again and swaps the new engine in; requests in
// flight finish on the old one, which is closed after them.
func (s *Server) Rescan(ctx context.Context) error {
	s.rescanMu.Lock()
	defer s.rescanMu.Unlock()
	start := time.Now()
	cfg := s.opts.Config
	if cfg.IndexWarn == nil {
		cfg.IndexWarn = func(d diag.Diagnostic) { s.log.Warn("index not used", "code", string(d.Code), "msg", d.String()) }
	}
	eng, err := symbolicate.Open(ctx, cfg)
	if err != nil {
		s.log.Error("opening sources failed", "err", err)
		return err
	}
	for _, d := range eng.Diagnostics() {
		s.log.Warn("source", "code", string(d.Code), "msg", d.String())
	}
	s.mu.Lock()
	old := s.cur
	s.cur = &engineRef{eng: eng}
	s.mu.Unlock()
	s.ready.Store(true)
	s.rescans.Add(1)
	s.m.cacheOpens.Add(float64(len(eng.Caches())))
	s.log.Info("sources open", "caches", len(eng.Caches()), "binaries", len(eng.Binaries()), "took", time.Since(start).String())
	if old != nil {
		go func() {
			old.refs.Wait()
			old.eng.Close()
		}()
	}
	return nil
}

// Rescans returns how many times the sources were opened.
func (s *Server) Rescans() int { return int(s.rescans.Load()) }

// Engine returns the current engine and the function that releases it (an
// engine swapped out by Rescan is closed once every holder has released it),
// for in-process workers; ok is false while no sources are open.
func (s *Server) Engine() (eng *symbolicate.Engine, release func(), ok bool) {
	ref := s.acquire()
	if ref == nil {
		return nil, nil, false
	}
	return ref.eng, ref.refs.Done, true
}

// acquire returns the current engine for one request; release it after.
func (s *Server) acquire() *engineRef {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.cur != nil {
		s.cur.refs.Add(1)
	}
	return s.cur
}

// watch compares the sources' files with the disk every CheckEvery and
// rescans when one changed.
func (s *Server) watch() {
	t := time.NewTicker(s.opts.CheckEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.checkChanged()
		}
	}
}

// checkChanged rescans when a file of a source changed on disk.
func (s *Server) checkChanged() {
	ref := s.acquire()
	if ref == nil {
		return
	}
	changed := ref.eng.Resolver().Changed()
	ref.refs.Done()
	if len(changed) == 0 {
		return
	}
	for _, c := range changed {
		s.log.Warn("source changed on disk; rescanning", "source", c.Source, "file", c.File, "err", c.Err.Error())
	}
	if err := s.Rescan(context.Background()); err != nil {
		s.log.Error("rescan after a change failed", "err", err)
	}
}

// Close stops the change checks and closes the sources. Call it after the
// HTTP server has shut down.
func (s *Server) Close() error {
	s.stopOnce.Do(func() { close(s.stop) })
	s.mu.Lock()
	cur := s.cur
	s.cur = nil
	s.mu.Unlock()
	s.ready.Store(false)
	if cur == nil {
		return nil
	}
	cur.refs.Wait()
	return cur.eng.Close()
}

// Handler returns the HTTP handler: routes, request IDs, logs, metrics,
// authentication and panic recovery.
func (s *Server) Handler() http.Handler { return s.middleware(s.mux) }

// route is one endpoint.
type route struct {
	method, path string
	h            http.Handler
}

func (s *Server) routeTable() []route {
	return []route{
		{"POST", "/v1/symbolicate", s.work("symbolicate", s.handleSymbolicate)},
		{"POST", "/symbolicate/v5", s.work("tecken_v5", s.handleTecken)},
		{"POST", "/v1/addresses", s.work("addresses", s.handleAddresses)},
		{"POST", "/v1/jobs", s.work("jobs", s.handleSubmitJob)},
		{"GET", "/v1/jobs/{id}", http.HandlerFunc(s.handleJob)},
		{"GET", "/v1/caches", http.HandlerFunc(s.handleCaches)},
		{"GET", "/v1/openapi.json", http.HandlerFunc(s.handleOpenAPI)},
		{"GET", "/healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })},
		{"GET", "/readyz", http.HandlerFunc(s.handleReady)},
		{"GET", "/metrics", s.m.handler()},
	}
}

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	for _, rt := range s.routeTable() {
		s.mux.Handle(rt.method+" "+rt.path, rt.h)
	}
}

// Routes lists the endpoints as "METHOD /path" (what docs/api.md and the
// OpenAPI description must cover).
func (s *Server) Routes() []string {
	var out []string
	for _, rt := range s.routeTable() {
		out = append(out, rt.method+" "+rt.path)
	}
	return out
}

// public are the paths served without a token: probes.
var public = map[string]bool{"/healthz": true, "/readyz": true}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 {
			var b [8]byte
			rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("internal error", "request_id", id, "panic", fmt.Sprint(v))
				if sw.status == 0 {
					httpError(sw, http.StatusInternalServerError, "internal error (a bug in symbolicate; please report it with this request)")
				}
			}
			s.m.observe(routeOf(r), sw.status, time.Since(start))
			s.log.Info("request", "request_id", id, "method", r.Method, "path", r.URL.Path, "status", sw.status,
				"bytes", sw.bytes, "duration_ms", float64(time.Since(start).Microseconds())/1000, "remote", r.RemoteAddr)
		}()
		if !public[r.URL.Path] && !s.authorized(r) {
			sw.Header().Set("WWW-Authenticate", `Bearer realm="symbolicate"`)
			httpError(sw, http.StatusUnauthorized, "a bearer token is required (Authorization: Bearer TOKEN)")
			return
		}
		next.ServeHTTP(sw, r)
	})
}

// routeOf names a request's endpoint for metrics, never anything the client
// chose beyond the known routes.
func routeOf(r *http.Request) string {
	switch r.URL.Path {
	case "/v1/symbolicate", "/symbolicate/v5", "/v1/addresses", "/v1/jobs", "/v1/caches", "/v1/openapi.json", "/healthz", "/readyz", "/metrics":
		return r.URL.Path
	}
	if strings.HasPrefix(r.URL.Path, "/v1/jobs/") {
		return "/v1/jobs/{id}"
	}
	return "other"
}

// authorized checks the bearer token in constant time against each token.
func (s *Server) authorized(r *http.Request) bool {
	toks := *s.tokens.Load()
	if len(toks) == 0 {
		return true
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	match := 0
	for _, t := range toks {
		match |= subtle.ConstantTimeCompare([]byte(got), []byte(t))
	}
	return match == 1
}

// errBusy is a request turned away because every slot and queue place is
// taken.
var errBusy = errors.New("the server is busy: every worker and queue place is taken; retry shortly")

// work wraps a handler that does symbolication: it waits for a slot (or is
// turned away when the queue is full), bounds the request's time, and gives
// it the current engine.
func (s *Server) work(name string, h func(w http.ResponseWriter, r *http.Request, eng *symbolicate.Engine)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.ready.Load() {
			w.Header().Set("Retry-After", "1")
			httpError(w, http.StatusServiceUnavailable, "not ready: the sources are being scanned")
			return
		}
		if err := s.enter(r.Context()); err != nil {
			if errors.Is(err, errBusy) {
				s.m.rejected.Inc()
				w.Header().Set("Retry-After", "1")
				httpError(w, http.StatusServiceUnavailable, err.Error())
			}
			return // the client went away while queued
		}
		defer func() { <-s.slots }()
		s.m.inFlight.Inc()
		defer s.m.inFlight.Dec()
		ref := s.acquire()
		if ref == nil {
			httpError(w, http.StatusServiceUnavailable, "shutting down")
			return
		}
		defer ref.refs.Done()
		ctx, cancel := context.WithTimeout(r.Context(), s.opts.Timeout)
		defer cancel()
		h(w, r.WithContext(ctx), ref.eng)
	}
}

// enter takes a worker slot, waiting in the bounded queue when all are
// taken.
func (s *Server) enter(ctx context.Context) error {
	select {
	case s.slots <- struct{}{}:
		return nil
	default:
	}
	select {
	case s.queue <- struct{}{}:
	default:
		return errBusy
	}
	defer func() { <-s.queue }()
	select {
	case s.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	if !s.ready.Load() {
		w.Header().Set("Retry-After", "1")
		httpError(w, http.StatusServiceUnavailable, "not ready: the sources are being scanned")
		return
	}
	fmt.Fprintln(w, "ready")
}

// httpError writes a one-line error as text, the message a person acts on.
func httpError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	fmt.Fprintln(w, msg)
}

// boolParam reads a boolean query parameter; def when absent.
func boolParam(r *http.Request, name string, def bool) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return def, fmt.Errorf("query parameter %s=%q: want true or false", name, v)
	}
	return b, nil
}
