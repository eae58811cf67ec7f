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
	"strconv"
	"syscall"
	"time"

	"github.com/symbolicate/symbolicate/queue"
	"github.com/symbolicate/symbolicate/server"
)

// serveCmd runs the HTTP service.
type serveCmd struct {
	sourceFlags
	Listen      string        `default:"127.0.0.1:8080" placeholder:"ADDR" help:"Address to listen on. Example: --listen 0.0.0.0:8080 (needs --token-file or --insecure)"`
	TokenFile   string        `type:"path" placeholder:"FILE" help:"Bearer tokens clients must send, one a line; reloaded on SIGHUP. Example: --token-file /etc/symbolicate/tokens"`
	Insecure    bool          `help:"Allow a non-loopback address without tokens."`
	TLSCert     string        `name:"tls-cert" type:"path" placeholder:"FILE" help:"Serve HTTPS with this certificate (and --tls-key). Example: --tls-cert cert.pem"`
	TLSKey      string        `name:"tls-key" type:"path" placeholder:"FILE" help:"The certificate's private key. Example: --tls-key key.pem"`
	MaxBody     byteSize      `default:"32MiB" placeholder:"SIZE" help:"Largest request body, after decompression (413 past it). Example: --max-body 64MiB"`
	MaxFrames   int           `default:"1000000" help:"Most frames in one document (413 past it). Example: --max-frames 200000"`
	Timeout     time.Duration `default:"30s" help:"Time one request may take (503 past it). Example: --timeout 10s"`
	Concurrency int           `default:"0" help:"Requests worked on at once (0: two per CPU). Example: --concurrency 8"`
	Backlog     int           `default:"64" help:"Requests waiting for a worker; more are turned away with 503 and Retry-After. Example: --backlog 128"`
	Queue       string        `placeholder:"embedded|URL" help:"Durable asynchronous jobs (POST /v1/jobs): \"embedded\" runs a NATS JetStream server in the process (files in --data), a nats:// URL uses a cluster; the service also works on the jobs. Example: --queue embedded --data /var/lib/symbolicate"`
	Data        string        `type:"path" placeholder:"DIR" help:"Where the embedded queue keeps its files (jobs and results survive a restart). Example: --data /var/lib/symbolicate"`
	QueueListen string        `name:"queue-listen" placeholder:"ADDR" help:"Where the embedded queue accepts NATS clients, so that workers and \"symbolicate --nats\" on other processes can use it (default: a random loopback port). Example: --queue-listen 127.0.0.1:4222 (a non-loopback address needs --insecure)"`
	Replicas    int           `default:"1" help:"Replicas of the queue's streams when created (3 in a cluster). Example: --replicas 3"`
	Grace       time.Duration `default:"30s" help:"On SIGTERM, how long in-flight requests may take to finish. Example: --grace 10s"`
}

// Help explains the service.
func (c *serveCmd) Help() string {
	return `Runs symbolicate as an HTTP service: caches, binaries and indexes are opened once and
kept; clients post documents. Endpoints (docs/api.md): POST /v1/symbolicate (any input the
command reads), POST /symbolicate/v5 (Tecken's protocol), POST /v1/addresses, GET /v1/caches,
GET /healthz, GET /readyz, GET /metrics (Prometheus). SIGHUP rescans the sources and reloads
the tokens without dropping requests; SIGTERM drains in-flight requests and exits.

Examples:
  symbolicate serve --caches ~/dsc --symbols build/
  curl --data-binary @crash.ips 'http://127.0.0.1:8080/v1/symbolicate?format=text'`
}

// Run serves until SIGINT or SIGTERM.
func (c *serveCmd) Run(ctx context.Context, streams *ioStreams) error {
	cfg := c.config()
	log := slog.New(slog.NewJSONHandler(streams.Stderr, nil))
	q, stopQueue, err := c.openQueue(ctx, log)
	if err != nil {
		return err
	}
	defer stopQueue()
	var jobs server.Jobs
	if q != nil {
		jobs = serviceJobs{q}
	}
	srv, err := server.New(server.Options{Config: cfg, MaxBody: int64(c.MaxBody), MaxFrames: c.MaxFrames, Timeout: c.Timeout,
		MaxConcurrent: c.Concurrency, MaxQueue: c.Backlog, TokenFile: c.TokenFile, Logger: log, Jobs: jobs})
	if err != nil {
		return withExit(exitUsage, err)
	}
	if !srv.HasTokens() && !c.Insecure && !loopback(c.Listen) {
		return withExit(exitUsage, fmt.Errorf("--listen %s is not a loopback address: give --token-file, or --insecure to serve it without authentication", c.Listen))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return withExit(exitUsage, errors.New("--tls-cert and --tls-key go together"))
	}
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return withExit(exitUsage, err)
	}
	scheme := "http"
	if c.TLSCert != "" {
		scheme = "https"
	}
	fmt.Fprintf(streams.Stderr, "symbolicate: listening on %s://%s\n", scheme, ln.Addr())
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 2 * time.Minute,
		WriteTimeout: c.Timeout + time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	served := make(chan error, 1)
	go func() {
		if c.TLSCert != "" {
			served <- hs.ServeTLS(ln, c.TLSCert, c.TLSKey)
		} else {
			served <- hs.Serve(ln)
		}
	}()
	if err := srv.Open(ctx); err != nil {
		hs.Close()
		return withExit(exitUsage, err)
	}
	if q != nil {
		wctx, stopWorker := context.WithCancel(context.Background())
		done := make(chan struct{})
		w := &queue.Worker{Queue: q, Acquire: srv.Engine, Name: fmt.Sprintf("serve-%d", os.Getpid()), Jobs: max(c.Concurrency, 2), Log: log}
		go func() {
			defer close(done)
			if err := w.Run(wctx); err != nil {
				log.Error("the job worker stopped", "err", err)
			}
		}()
		defer func() { stopWorker(); <-done }()
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-hup:
			log.Info("SIGHUP: rescanning the sources and reloading the tokens")
			if err := srv.ReloadTokens(); err != nil {
				log.Error("reloading the tokens failed; the old ones stay", "err", err)
			}
			if err := srv.Rescan(context.Background()); err != nil {
				log.Error("rescan failed; the old sources stay", "err", err)
			}
		case err := <-served:
			srv.Close()
			return withExit(exitUsage, err)
		case <-ctx.Done():
			log.Info("shutting down: draining in-flight requests", "grace", c.Grace.String())
			sctx, cancel := context.WithTimeout(context.Background(), c.Grace)
			err := hs.Shutdown(sctx)
			cancel()
			srv.Close()
			if err != nil {
				return withExit(exitInterrupted, fmt.Errorf("shutdown: %w", err))
			}
			return nil
		}
	}
}

// openQueue connects to the job queue --queue names, starting the embedded
// server when asked; stop closes both.
func (c *serveCmd) openQueue(ctx context.Context, log *slog.Logger) (*queue.Queue, func(), error) {
	if c.Queue == "" {
		return nil, func() {}, nil
	}
	url := c.Queue
	var emb *queue.Embedded
	if url == "embedded" {
		if c.Data == "" {
			return nil, nil, withExit(exitUsage, errors.New("--queue embedded needs --data DIR for its files"))
		}
		o := queue.EmbeddedOptions{Dir: c.Data}
		if c.QueueListen != "" {
			host, port, err := net.SplitHostPort(c.QueueListen)
			n, perr := strconv.Atoi(port)
			if err != nil || perr != nil || n < 0 || n > 65535 {
				return nil, nil, withExit(exitUsage, fmt.Errorf("--queue-listen %q: want HOST:PORT, e.g. 127.0.0.1:4222", c.QueueListen))
			}
			if !c.Insecure && !loopback(c.QueueListen) {
				return nil, nil, withExit(exitUsage, fmt.Errorf("--queue-listen %s is not a loopback address and the embedded queue has no authentication: give --insecure to expose it anyway (on a trusted network), or run a NATS cluster", c.QueueListen))
			}
			o.Host, o.Port = host, n
		}
		var err error
		if emb, err = queue.StartEmbedded(o); err != nil {
			return nil, nil, withExit(exitUsage, err)
		}
		url = emb.URL()
		log.Info("embedded queue", "url", url, "data", c.Data)
	}
	q, err := queue.Connect(ctx, url, queue.Config{Replicas: c.Replicas})
	if err != nil {
		if emb != nil {
			emb.Shutdown()
		}
		return nil, nil, withExit(exitUsage, err)
	}
	return q, func() {
		q.Close()
		if emb != nil {
			emb.Shutdown()
		}
	}, nil
}

// loopback reports whether a listen address is on the loopback interface.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
