package queue

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-json"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/process"
	"github.com/symbolicate/symbolicate/resolve"
)

// JobOptions are how a job's document is symbolicated and written.
type JobOptions struct {
	JSON    bool
	Resolve resolve.Options
}

func (o JobOptions) header() string {
	return fmt.Sprintf("json=%v demangle=%v inlines=%v resymbolicate=%v", o.JSON, !o.Resolve.NoDemangle, !o.Resolve.NoInlines, o.Resolve.Resymbolicate)
}

func parseOptions(s string) JobOptions {
	var o JobOptions
	for _, kv := range strings.Fields(s) {
		k, v, _ := strings.Cut(kv, "=")
		b, _ := strconv.ParseBool(v)
		switch k {
		case "json":
			o.JSON = b
		case "demangle":
			o.Resolve.NoDemangle = !b
		case "inlines":
			o.Resolve.NoInlines = !b
		case "resymbolicate":
			o.Resolve.Resymbolicate = b
		}
	}
	return o
}

// Input is one document to submit.
type Input struct {
	Name string
	Data []byte
	// Route is the shared cache UUID the document names ("" for none): the
	// routing key.
	Route string
	// Found marks an input found by a directory walk or in an archive: one
	// in no supported format is skipped, not failed, as in a local batch.
	Found bool
	// ReadErr is why the submitter could not read the input; the job's
	// result is that error, as a local batch's would be.
	ReadErr string
}

// JobRef is a submitted job.
type JobRef struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Route string `json:"route"`
}

// Batch is a set of submitted jobs, in input order.
type Batch struct {
	ID   string   `json:"id"`
	Jobs []JobRef `json:"jobs"`
}

// JobID is the ID of a job: a digest of its name, options and input, so
// that submitting the same job again (a retried CI job) has one effect.
func JobID(in Input, opts JobOptions) string {
	h := sha256.New()
	h.Write([]byte(in.Name))
	h.Write([]byte{0})
	h.Write([]byte(opts.header()))
	fmt.Fprintf(h, "\x00found=%v\x00%s\x00", in.Found, in.ReadErr)
	h.Write(in.Data)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Submit publishes one job per input and stores the batch's manifest. Jobs
// are published without waiting for each acknowledgement (up to a window),
// then every acknowledgement is checked; a job refused is retried once,
// synchronously.
func (q *Queue) Submit(ctx context.Context, inputs []Input, opts JobOptions) (*Batch, error) {
	var id [8]byte
	rand.Read(id[:])
	b := &Batch{ID: hex.EncodeToString(id[:])}
	type pending struct {
		in  Input
		ack jetstream.PubAckFuture
	}
	var futures []pending
	for _, in := range inputs {
		msg, ref, err := q.jobMsg(ctx, in, opts, b.ID)
		if err != nil {
			return nil, err
		}
		b.Jobs = append(b.Jobs, ref)
		f, err := q.js.PublishMsgAsync(msg, jetstream.WithMsgID(ref.ID))
		if err != nil {
			if _, err := q.SubmitOne(ctx, in, opts, b.ID); err != nil {
				return nil, err
			}
			continue
		}
		futures = append(futures, pending{in, f})
	}
	for _, p := range futures {
		select {
		case <-p.ack.Ok():
		case <-p.ack.Err():
			if _, err := q.SubmitOne(ctx, p.in, opts, b.ID); err != nil {
				return nil, err
			}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	m, err := json.Marshal(b)
	if err != nil {
		return nil, err
	}
	if _, err := retry(ctx, func(ctx context.Context) (*jetstream.ObjectInfo, error) {
		return q.results.PutBytes(ctx, "batch-"+b.ID, m)
	}); err != nil {
		return nil, fmt.Errorf("storing the batch manifest: %w", err)
	}
	return b, nil
}

// jobMsg builds a job's message, storing a large input as an object.
func (q *Queue) jobMsg(ctx context.Context, in Input, opts JobOptions, batch string) (*nats.Msg, JobRef, error) {
	ref := JobRef{ID: JobID(in, opts), Name: in.Name, Route: RouteKey(in.Route)}
	msg := &nats.Msg{Subject: subject(ref.Route), Header: nats.Header{}}
	msg.Header.Set(hdrName, in.Name)
	if in.Found {
		msg.Header.Set(hdrFound, "1")
	}
	if in.ReadErr != "" {
		msg.Header.Set(hdrReadErr, in.ReadErr)
	}
	msg.Header.Set(hdrBatch, batch)
	msg.Header.Set(hdrOptions, opts.header())
	if len(in.Data) > maxInline {
		if _, err := retry(ctx, func(ctx context.Context) (*jetstream.ObjectInfo, error) {
			return q.inputs.PutBytes(ctx, "input-"+ref.ID, in.Data)
		}); err != nil {
			return nil, ref, fmt.Errorf("storing %s: %w", in.Name, err)
		}
		msg.Header.Set(hdrInput, "input-"+ref.ID)
	} else {
		msg.Data = in.Data
	}
	return msg, ref, nil
}

// SubmitOne publishes one job and waits for its acknowledgement.
func (q *Queue) SubmitOne(ctx context.Context, in Input, opts JobOptions, batch string) (JobRef, error) {
	msg, ref, err := q.jobMsg(ctx, in, opts, batch)
	if err != nil {
		return ref, err
	}
	if _, err := retry(ctx, func(ctx context.Context) (*jetstream.PubAck, error) {
		return q.js.PublishMsg(ctx, msg, jetstream.WithMsgID(ref.ID))
	}); err != nil {
		return ref, fmt.Errorf("submitting %s: %w", in.Name, err)
	}
	return ref, nil
}

// Track records that a job was submitted, so that Known tells a queued job
// from an unknown ID (the service's GET /v1/jobs/{id}).
func (q *Queue) Track(ctx context.Context, id string) error {
	_, err := retry(ctx, func(ctx context.Context) (*jetstream.ObjectInfo, error) {
		return q.results.PutBytes(ctx, "queued-"+id, nil)
	})
	return err
}

// Known reports whether a job was tracked.
func (q *Queue) Known(ctx context.Context, id string) bool {
	ctx, cancel := context.WithTimeout(ctx, tryTimeout)
	defer cancel()
	_, err := q.results.GetInfo(ctx, "queued-"+id)
	return err == nil
}

// LoadBatch reads a batch's manifest.
func (q *Queue) LoadBatch(ctx context.Context, id string) (*Batch, error) {
	m, err := retry(ctx, func(ctx context.Context) ([]byte, error) { return q.results.GetBytes(ctx, "batch-"+id) })
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, fmt.Errorf("batch %s: no such batch (its manifest is not in %s: a mistyped ID, or older than --keep)", id, ResultStore)
	}
	if err != nil {
		return nil, fmt.Errorf("batch %s: %w", id, err)
	}
	var b Batch
	if err := json.Unmarshal(m, &b); err != nil {
		return nil, fmt.Errorf("batch %s: %w", id, err)
	}
	return &b, nil
}

// JobResult is what a worker stores for a job.
type JobResult struct {
	Job     string       `json:"job"`
	Name    string       `json:"name"`
	Worker  string       `json:"worker"`
	Format  string       `json:"format,omitempty"`
	OS      string       `json:"os,omitempty"`
	Output  []byte       `json:"output,omitempty"`
	Text    bool         `json:"text"`
	Outcome *outcomeWire `json:"outcome,omitempty"`
	Notes   []noteWire   `json:"notes,omitempty"`
	Err     string       `json:"error,omitempty"`
	Skip    string       `json:"skip,omitempty"`
	// Internal says Err is an internal error (a bug), not the input's.
	Internal bool `json:"internal,omitempty"`
}

type noteWire struct {
	Code  string `json:"code"`
	Path  string `json:"path,omitempty"`
	Image string `json:"image,omitempty"`
	UUID  string `json:"uuid,omitempty"`
	Err   string `json:"err,omitempty"`
}

type outcomeWire struct {
	Frames, Resolved, Already, Unresolved, Unresolvable, Degraded int
	Missing                                                       []missingWire
	MissingCaches                                                 []missingWire
	MissingSymbols                                                []missingWire
	Notes                                                         []noteWire
	Changed                                                       map[string]int
	Used                                                          []string
}

type missingWire struct {
	ID, Name, Arch, OS, Path, Cache string
	Frames                          int
}

func notesOut(ds []diag.Diagnostic) []noteWire {
	var out []noteWire
	for _, d := range ds {
		n := noteWire{Code: string(d.Code), Path: d.Path, Image: d.Image}
		if !d.UUID.IsZero() {
			n.UUID = d.UUID.String()
		}
		if d.Err != nil {
			n.Err = d.Err.Error()
		}
		out = append(out, n)
	}
	return out
}

func notesIn(ns []noteWire) []diag.Diagnostic {
	var out []diag.Diagnostic
	for _, n := range ns {
		d := diag.Diagnostic{Code: diag.Code(n.Code), Path: n.Path, Image: n.Image}
		if n.UUID != "" {
			d.UUID, _ = process.ParseUUID(n.UUID)
		}
		if n.Err != "" {
			d.Err = errors.New(n.Err)
		}
		out = append(out, d)
	}
	return out
}

// resultOut turns a batch result into its stored form.
func resultOut(job, worker string, r *resolve.Result) *JobResult {
	j := &JobResult{Job: job, Name: r.Name, Worker: worker, Format: r.Format, OS: r.OS, Output: r.Output, Text: r.Text,
		Notes: notesOut(r.Notes), Skip: r.Skip}
	if r.Err != nil {
		j.Err = r.Err.Error()
		_, j.Internal = errors.AsType[*resolve.InternalError](r.Err)
	}
	if o := r.Outcome; o != nil {
		w := &outcomeWire{Frames: o.Frames, Resolved: o.Resolved, Already: o.Already, Unresolved: o.Unresolved,
			Unresolvable: o.Unresolvable, Degraded: o.Degraded, Notes: notesOut(o.Notes), Changed: o.Changed, Used: o.Used}
		for id, m := range o.Missing {
			w.Missing = append(w.Missing, missingWire{ID: hex.EncodeToString([]byte(id)), Name: m.Name, Arch: m.Arch, Frames: m.Frames})
		}
		for u, m := range o.MissingCaches {
			w.MissingCaches = append(w.MissingCaches, missingWire{ID: u.String(), OS: m.OS, Arch: m.Arch, Frames: m.Frames})
		}
		for p, m := range o.MissingSymbols {
			w.MissingSymbols = append(w.MissingSymbols, missingWire{Path: p, ID: m.UUID.String(), Cache: m.Cache.String(), Frames: m.Frames})
		}
		j.Outcome = w
	}
	return j
}

// Result turns a stored result back into a batch result, for the same
// summary and outputs as a local run.
func (j *JobResult) Result() *resolve.Result {
	r := &resolve.Result{Name: j.Name, Format: j.Format, OS: j.OS, Output: j.Output, Text: j.Text, Notes: notesIn(j.Notes), Skip: j.Skip}
	switch {
	case j.Internal:
		r.Err = &resolve.InternalError{Value: j.Err}
	case j.Err != "":
		r.Err = errors.New(j.Err)
	}
	if w := j.Outcome; w != nil {
		o := &resolve.Outcome{Frames: w.Frames, Resolved: w.Resolved, Already: w.Already, Unresolved: w.Unresolved,
			Unresolvable: w.Unresolvable, Degraded: w.Degraded, Notes: notesIn(w.Notes), Changed: w.Changed, Used: w.Used,
			Missing: map[process.BuildID]*resolve.MissingImage{}, MissingCaches: map[process.UUID]*resolve.MissingCache{},
			MissingSymbols: map[string]*resolve.MissingSymbols{}}
		if o.Changed == nil {
			o.Changed = map[string]int{}
		}
		for _, m := range w.Missing {
			id, _ := hex.DecodeString(m.ID)
			o.Missing[process.BuildID(id)] = &resolve.MissingImage{Name: m.Name, Arch: m.Arch, Frames: m.Frames}
		}
		for _, m := range w.MissingCaches {
			u, _ := process.ParseUUID(m.ID)
			o.MissingCaches[u] = &resolve.MissingCache{OS: m.OS, Arch: m.Arch, Frames: m.Frames}
		}
		for _, m := range w.MissingSymbols {
			u, _ := process.ParseUUID(m.ID)
			c, _ := process.ParseUUID(m.Cache)
			o.MissingSymbols[m.Path] = &resolve.MissingSymbols{UUID: u, Cache: c, Frames: m.Frames}
		}
		r.Outcome = o
	}
	return r
}

// ErrNotDone says a job has no result yet.
var ErrNotDone = errors.New("no result yet")

// JobResultOf returns a job's result: stored by a worker, or the dead
// letter's error; ErrNotDone when it has neither yet.
func (q *Queue) JobResultOf(ctx context.Context, id string) (*JobResult, error) {
	b, err := q.results.GetBytes(ctx, "result-"+id)
	if err == nil {
		var j JobResult
		if err := json.Unmarshal(b, &j); err != nil {
			return nil, fmt.Errorf("result of job %s: %w", id, err)
		}
		return &j, nil
	}
	if !errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, err
	}
	dead, derr := q.js.Stream(ctx, DeadStream)
	if derr == nil {
		if m, err := dead.GetLastMsgForSubject(ctx, deadPrefix+id); err == nil {
			return &JobResult{Job: id, Name: m.Header.Get(hdrName), Err: "dead job: " + m.Header.Get(hdrError), Internal: true}, nil
		}
	}
	return nil, ErrNotDone
}

// served reports whether some worker pulls jobs of route: its consumer
// exists and has pull requests waiting or jobs out.
func (q *Queue) served(ctx context.Context, route string) bool {
	ctx, cancel := context.WithTimeout(ctx, tryTimeout)
	defer cancel()
	c, err := q.js.Consumer(ctx, JobsStream, consumerName(route))
	if err != nil {
		return false
	}
	info, err := c.Info(ctx)
	return err == nil && (info.NumWaiting > 0 || info.NumAckPending > 0)
}

// Gather waits for every job of a batch and calls each with its result in
// input order. While a job waits, its route is checked: when no worker
// serves it, noWorker is called once for that route. Gather returns when
// every job is done, or with ctx's error.
func (q *Queue) Gather(ctx context.Context, b *Batch, noWorker func(route string), each func(i int, j *JobResult) error) error {
	warned := map[string]bool{}
	for i, ref := range b.Jobs {
		waited := time.Duration(0)
		for delay := time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
			// One try is bounded: a read begun on a server that then goes
			// away can stall until its context ends.
			tctx, cancel := context.WithTimeout(ctx, tryTimeout)
			j, err := q.JobResultOf(tctx, ref.ID)
			cancel()
			if err == nil {
				if err := each(i, j); err != nil {
					return err
				}
				break
			}
			// Any other error is a server away or electing a leader: the
			// result is asked for again until ctx ends.
			if waited > 2*time.Second && !warned[ref.Route] {
				warned[ref.Route] = true
				if noWorker != nil && !q.served(ctx, ref.Route) {
					noWorker(ref.Route)
				}
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(delay):
				waited += delay
			}
		}
	}
	return nil
}
