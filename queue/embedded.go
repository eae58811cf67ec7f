package queue

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// EmbeddedOptions configure an in-process NATS server.
type EmbeddedOptions struct {
	// Dir holds JetStream's files: jobs and results survive a restart.
	Dir string
	// Host and Port to listen on (127.0.0.1 and a random port by default).
	Host string
	Port int
	// Name names the server (required in a cluster).
	Name string
	// Cluster, when set, joins a cluster of that name: ClusterPort is this
	// server's route port (random when 0) and Routes the others' route URLs.
	Cluster     string
	ClusterPort int
	Routes      []string
	// NoWait returns without waiting for the server to accept connections
	// (cluster members must all start before any is ready); call Ready.
	NoWait bool
}

// Embedded is an in-process nats-server with JetStream on file storage:
// what "symbolicate serve --queue embedded" runs, and what the tests start.
type Embedded struct {
	srv *server.Server
}

// StartEmbedded starts a server and waits until it accepts connections.
func StartEmbedded(o EmbeddedOptions) (*Embedded, error) {
	if o.Dir == "" {
		return nil, errors.New("an embedded NATS server needs a data directory")
	}
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	if o.Port == 0 {
		o.Port = -1
	}
	opts := &server.Options{ServerName: o.Name, Host: o.Host, Port: o.Port, JetStream: true, StoreDir: o.Dir,
		NoLog: true, NoSigs: true, MaxPayload: 1 << 20}
	if o.Cluster != "" {
		port := o.ClusterPort
		if port == 0 {
			port = -1
		}
		opts.Cluster = server.ClusterOpts{Name: o.Cluster, Host: o.Host, Port: port}
		for _, r := range o.Routes {
			u, err := url.Parse(r)
			if err != nil {
				return nil, fmt.Errorf("route %s: %w", r, err)
			}
			opts.Routes = append(opts.Routes, u)
		}
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("starting the embedded NATS server: %w", err)
	}
	go s.Start()
	e := &Embedded{srv: s}
	if o.NoWait {
		return e, nil
	}
	if err := e.Ready(30 * time.Second); err != nil {
		s.Shutdown()
		return nil, err
	}
	return e, nil
}

// Ready waits until the server accepts connections.
func (e *Embedded) Ready(timeout time.Duration) error {
	if !e.srv.ReadyForConnections(timeout) {
		return errors.New("the embedded NATS server did not start")
	}
	return nil
}

// URL is the client URL.
func (e *Embedded) URL() string { return e.srv.ClientURL() }

// RouteURL is the URL other cluster members route to ("" outside a cluster).
func (e *Embedded) RouteURL() string {
	if a := e.srv.ClusterAddr(); a != nil {
		return "nats://" + a.String()
	}
	return ""
}

// Name returns the server's name.
func (e *Embedded) Name() string { return e.srv.Name() }

// Shutdown stops the server and waits for it.
func (e *Embedded) Shutdown() {
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
}
