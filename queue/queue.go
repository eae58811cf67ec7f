// Package queue runs symbolication as jobs on NATS JetStream, for fleets
// whose caches do not fit on one machine (docs/scaling.md).
//
// A job is a message on symbolicate.jobs.<shared cache UUID> (or
// symbolicate.jobs.any when its document names no shared cache) in a stream
// with work-queue retention, de-duplicated by job ID (Nats-Msg-Id). Each
// routing key has one durable pull consumer, shared by every worker that
// holds that cache, so a job only ever reaches a worker that can serve it.
// A worker stores the result (the symbolicated document, its outcome and
// diagnostics) in an object store under the job's ID and acknowledges the
// job only then; a job not acknowledged within the ack wait (its worker
// died) is delivered again, and in-progress acks keep long jobs alive. A job
// delivered MaxDeliver times without success moves to symbolicate.dead.<id>
// with its error. Jobs whose cache no worker holds stay queued and are
// reported by the gatherer.
package queue

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Names of the JetStream resources.
const (
	JobsStream  = "SYMBOLICATE_JOBS"
	DeadStream  = "SYMBOLICATE_DEAD"
	ResultStore = "symbolicate-results"
	InputStore  = "symbolicate-inputs"
	jobsPrefix  = "symbolicate.jobs."
	deadPrefix  = "symbolicate.dead."
	anyKey      = "any"
)

// Message headers of a job.
const (
	hdrName    = "Symbolicate-Name"
	hdrBatch   = "Symbolicate-Batch"
	hdrFormat  = "Symbolicate-Format"
	hdrOptions = "Symbolicate-Options"
	hdrInput   = "Symbolicate-Input-Object"
	hdrError   = "Symbolicate-Error"
	hdrWorker  = "Symbolicate-Worker"
	hdrFound   = "Symbolicate-Found"
	hdrReadErr = "Symbolicate-Read-Error"
)

// maxInline is the largest input sent in the job message itself; larger
// inputs go to the input object store (NATS messages are 1 MiB by default).
const maxInline = 512 << 10

// Config configures the JetStream resources.
type Config struct {
	// Replicas of each stream and store (1 on a single server, 3 in a
	// cluster).
	Replicas int
	// AckWait is how long a worker may hold a job without an in-progress
	// ack before it is delivered again (30 s).
	AckWait time.Duration
	// MaxDeliver is how many deliveries a job gets before it is dead (5).
	MaxDeliver int
	// Duplicates is the window in which a resubmitted job ID is ignored
	// (24 h).
	Duplicates time.Duration
	// Keep is how long results, large inputs and dead jobs are kept (7
	// days); jobs waiting for a worker are kept until one takes them.
	Keep time.Duration
}

func (c *Config) defaults() {
	if c.Replicas <= 0 {
		c.Replicas = 1
	}
	if c.AckWait <= 0 {
		c.AckWait = 30 * time.Second
	}
	if c.MaxDeliver <= 0 {
		c.MaxDeliver = 5
	}
	if c.Duplicates <= 0 {
		c.Duplicates = 24 * time.Hour
	}
	if c.Keep <= 0 {
		c.Keep = 7 * 24 * time.Hour
	}
}

// Queue is a connection to JetStream with the resources set up.
type Queue struct {
	nc      *nats.Conn
	js      jetstream.JetStream
	cfg     Config
	jobs    jetstream.Stream
	results jetstream.ObjectStore
	inputs  jetstream.ObjectStore
}

// Connect connects to the NATS servers at url (comma-separated for a
// cluster) and creates the streams and stores when missing; existing ones
// keep their settings.
func Connect(ctx context.Context, url string, cfg Config, opts ...nats.Option) (*Queue, error) {
	cfg.defaults()
	opts = append([]nats.Option{nats.Name("symbolicate"), nats.MaxReconnects(-1), nats.ReconnectWait(250 * time.Millisecond)}, opts...)
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("connecting to NATS at %s: %w", url, err)
	}
	q, err := setup(ctx, nc, cfg)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return q, nil
}

func setup(ctx context.Context, nc *nats.Conn, cfg Config) (*Queue, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	q := &Queue{nc: nc, js: js, cfg: cfg}
	q.jobs, err = stream(ctx, js, jetstream.StreamConfig{Name: JobsStream, Subjects: []string{jobsPrefix + ">"},
		Retention: jetstream.WorkQueuePolicy, Storage: jetstream.FileStorage, Replicas: cfg.Replicas, Duplicates: cfg.Duplicates})
	if err != nil {
		return nil, fmt.Errorf("opening the jobs stream: %w", err)
	}
	if _, err = stream(ctx, js, jetstream.StreamConfig{Name: DeadStream, Subjects: []string{deadPrefix + ">"},
		Storage: jetstream.FileStorage, Replicas: cfg.Replicas, Duplicates: min(cfg.Duplicates, cfg.Keep), MaxAge: cfg.Keep}); err != nil {
		return nil, fmt.Errorf("opening the dead-letter stream: %w", err)
	}
	for _, st := range []struct {
		name string
		dst  *jetstream.ObjectStore
	}{{ResultStore, &q.results}, {InputStore, &q.inputs}} {
		*st.dst, err = retry(ctx, func(ctx context.Context) (jetstream.ObjectStore, error) {
			return openOrCreate(ctx, func(ctx context.Context) (jetstream.ObjectStore, error) {
				return js.ObjectStore(ctx, st.name)
			}, func(ctx context.Context) (jetstream.ObjectStore, error) {
				return js.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: st.name, Storage: jetstream.FileStorage, Replicas: cfg.Replicas, TTL: cfg.Keep})
			})
		})
		if err != nil {
			return nil, fmt.Errorf("opening the object store %s: %w", st.name, err)
		}
	}
	return q, nil
}

// stream opens a stream, creating it with cfg when it does not exist. An
// existing stream keeps its settings: a client started with other flags
// (--replicas 1 against a cluster's 3) must not change them for everyone.
func stream(ctx context.Context, js jetstream.JetStream, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	return retry(ctx, func(ctx context.Context) (jetstream.Stream, error) {
		return openOrCreate(ctx, func(ctx context.Context) (jetstream.Stream, error) { return js.Stream(ctx, cfg.Name) },
			func(ctx context.Context) (jetstream.Stream, error) { return js.CreateStream(ctx, cfg) })
	})
}

// openOrCreate returns what open finds; when there is nothing, what create
// makes; when another client created it in between, what open finds then.
// What exists is used as it is, whatever its settings.
func openOrCreate[T any](ctx context.Context, open, create func(context.Context) (T, error)) (T, error) {
	v, err := open(ctx)
	if !errors.Is(err, jetstream.ErrStreamNotFound) && !errors.Is(err, jetstream.ErrBucketNotFound) && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return v, err
	}
	v, err = create(ctx)
	if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) || errors.Is(err, jetstream.ErrBucketExists) || errors.Is(err, jetstream.ErrConsumerExists) {
		return open(ctx)
	}
	return v, err
}

// tryTimeout bounds one request to the servers, so that one sent to a
// server on its way down is given up and sent again.
const tryTimeout = 5 * time.Second

// retry repeats a JetStream call that fails while a cluster elects leaders
// (each try bounded by tryTimeout: a request lost in an election gets no
// answer).
func retry[T any](ctx context.Context, f func(ctx context.Context) (T, error)) (T, error) {
	var last error
	for range 50 {
		tctx, cancel := context.WithTimeout(ctx, tryTimeout)
		v, err := f(tctx)
		cancel()
		if err == nil {
			return v, nil
		}
		var api *jetstream.APIError
		if errors.As(err, &api) && api.Code != 503 && api.Code != 408 || errors.Is(err, jetstream.ErrObjectNotFound) {
			var zero T
			return zero, err // an answer, not an absence of one: trying again changes nothing
		}
		last = err
		select {
		case <-ctx.Done():
			var zero T
			return zero, errors.Join(ctx.Err(), last)
		case <-time.After(200 * time.Millisecond):
		}
	}
	var zero T
	return zero, last
}

// Close closes the connection.
func (q *Queue) Close() { q.nc.Close() }

// Conn returns the NATS connection.
func (q *Queue) Conn() *nats.Conn { return q.nc }

// subject is the subject of jobs with routing key key.
func subject(key string) string { return jobsPrefix + key }

// consumerName is the durable consumer of routing key key.
func consumerName(key string) string { return "route-" + strings.ReplaceAll(key, ".", "_") }

// RouteKey is a job's routing key: the shared cache UUID it needs, or "any".
func RouteKey(cacheUUID string) string {
	if cacheUUID == "" {
		return anyKey
	}
	return strings.ToUpper(cacheUUID)
}
