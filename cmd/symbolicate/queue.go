package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/symbolicate/symbolicate"
	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/internal/inputs"
	"github.com/symbolicate/symbolicate/internal/output"
	"github.com/symbolicate/symbolicate/queue"
	"github.com/symbolicate/symbolicate/resolve"
	"github.com/symbolicate/symbolicate/server"
)

// natsFlags name the JetStream servers.
type natsFlags struct {
	NATS     string        `name:"nats" placeholder:"URL" env:"SYMBOLICATE_NATS" help:"NATS server URL(s) with JetStream, comma-separated for a cluster. Example: --nats nats://127.0.0.1:4222"`
	Replicas int           `default:"1" help:"Replicas of the streams and stores when they are created (3 in a cluster). Example: --replicas 3"`
	AckWait  time.Duration `default:"30s" help:"How long a job may go without a sign of life from its worker before it is delivered to another (workers send one every third of it). Example: --ack-wait 1m"`
	Keep     time.Duration `default:"168h" help:"How long results, large inputs and dead jobs are kept, when the stores are created. Example: --keep 720h"`
}

func (f *natsFlags) connect(ctx context.Context) (*queue.Queue, error) {
	if f.NATS == "" {
		return nil, withExit(exitUsage, errors.New("--nats URL (or $SYMBOLICATE_NATS) is required"))
	}
	q, err := queue.Connect(ctx, f.NATS, queue.Config{Replicas: f.Replicas, AckWait: f.AckWait, Keep: f.Keep})
	if err != nil {
		return nil, withExit(exitUsage, err)
	}
	return q, nil
}

// workerCmd serves jobs.
type workerCmd struct {
	sourceFlags
	natsFlags
	Jobs int    `short:"j" default:"${jobs}" help:"Jobs worked on at once (default: the number of CPUs). Example: -j 4"`
	Name string `help:"The worker's name in results and logs (default: host and process ID). Example: --name dsc-ios17-a"`
}

// Help explains workers.
func (c *workerCmd) Help() string {
	return `Takes symbolication jobs from NATS JetStream for the shared caches given (and jobs that
need no cache), symbolicates them and stores their results; a job is acknowledged only
once its result is stored, so a worker that dies mid-job loses nothing. Runs until SIGINT
or SIGTERM, finishing the jobs in hand. See docs/scaling.md.

Examples:
  symbolicate worker --nats nats://10.0.0.5:4222 --caches /srv/dsc/iOS17 --symbols /srv/dsyms
  symbolicate crashes/ --nats nats://10.0.0.5:4222 -o out/`
}

// Run works until ctx is done.
func (c *workerCmd) Run(ctx context.Context, streams *ioStreams) error {
	q, err := c.connect(ctx)
	if err != nil {
		return err
	}
	defer q.Close()
	log := slog.New(slog.NewJSONHandler(streams.Stderr, nil))
	cfg := c.config()
	cfg.IndexWarn = func(d diag.Diagnostic) { log.Warn("index not used", "code", string(d.Code), "msg", d.String()) }
	eng, err := openEngine(ctx, cfg, streams, false)
	if err != nil {
		return err
	}
	defer eng.Close()
	name := c.Name
	if name == "" {
		h, _ := os.Hostname()
		name = fmt.Sprintf("%s-%d", h, os.Getpid())
	}
	w := &queue.Worker{Queue: q, Engine: eng, Name: name, Jobs: c.Jobs, Log: log}
	fmt.Fprintf(streams.Stderr, "symbolicate: worker %s serving %d route(s)\n", name, len(w.Routes()))
	return w.Run(ctx)
}

// queueOptions are the job options of the main command's flags.
func (c *symbolicateCmd) queueOptions() queue.JobOptions {
	return queue.JobOptions{JSON: c.Format == "json", Resolve: resolve.Options{Resymbolicate: c.Resymbolicate, NoDemangle: c.NoDemangle, NoInlines: c.NoInlines}}
}

// routes finds each input's routing key: the shared cache its document
// names (unreadable or unknown inputs go to any worker, which reports them).
func routes(found []inputs.Input) ([]queue.Input, error) {
	eng, err := symbolicate.Open(context.Background(), symbolicate.Config{})
	if err != nil {
		return nil, err
	}
	defer eng.Close()
	var out []queue.Input
	for _, in := range found {
		qi := queue.Input{Name: in.Name, Found: in.Found}
		data, err := in.Read()
		if err != nil {
			qi.ReadErr = err.Error() // the job's result is this error
		} else {
			qi.Data = append([]byte(nil), data...)
			if doc, err := eng.Parse(data); err == nil {
				if sc := doc.Process().SharedCache; sc != nil && !sc.UUID.IsZero() {
					qi.Route = sc.UUID.String()
				}
			}
		}
		if in.Done != nil {
			in.Done()
		}
		out = append(out, qi)
	}
	return out, nil
}

// runRemote is the main command with --nats: it submits every input as a
// job, gathers the results in input order and writes them as a local run
// would, with the same summary and exit status.
func (c *symbolicateCmd) runRemote(ctx context.Context, streams *ioStreams, found []inputs.Input, plan *output.Plan, con *console) error {
	q, b, err := c.submit(ctx, found, c.queueOptions())
	if err != nil {
		return err
	}
	defer q.Close()
	return gather(ctx, q, b, plan, con, streams, c.Quiet, c.MissingJSON)
}

// submit connects and submits one job per input; the caller closes the
// queue.
func (f *natsFlags) submit(ctx context.Context, found []inputs.Input, opts queue.JobOptions) (*queue.Queue, *queue.Batch, error) {
	q, err := f.connect(ctx)
	if err != nil {
		return nil, nil, err
	}
	ins, err := routes(found)
	if err == nil {
		var b *queue.Batch
		if b, err = q.Submit(ctx, ins, opts); err == nil {
			return q, b, nil
		}
	}
	q.Close()
	return nil, nil, withExit(exitUsage, err)
}

// gather writes a batch's results and returns the exit status.
func gather(ctx context.Context, q *queue.Queue, b *queue.Batch, plan *output.Plan, con *console, streams *ioStreams, quiet bool, missingJSON string) error {
	sum := resolve.NewSummary()
	err := q.Gather(ctx, b, func(route string) {
		con.printf("symbolicate: waiting: jobs for shared cache %s, which no worker holds (start one with --caches holding it)\n", route)
	}, func(i int, j *queue.JobResult) error {
		res := j.Result()
		sum.Add(res)
		if err := emit(con, len(b.Jobs), plan, res); err != nil {
			sum.NotWritten(res.Name, err)
		}
		return nil
	})
	sum.Finish()
	con.clear()
	if !quiet {
		sum.WriteBrief(streams.Stderr)
	}
	if missingJSON != "" {
		if err := writeMissingJSON(missingJSON, sum); err != nil {
			return withExit(exitOutput, err)
		}
	}
	if err != nil {
		return withExit(exitInterrupted, err)
	}
	return withExit(summaryStatus(sum), nil)
}

// submitCmd hands a batch to the fleet.
type submitCmd struct {
	natsFlags
	Inputs        []string `arg:"" name:"input" help:"Crash reports, directories, archives or - for stdin, as for the main command. Example: crashes/"`
	Format        string   `enum:"text,json" default:"text" help:"Output format of the results. Example: --format json"`
	Resymbolicate bool     `help:"Replace symbols the OS already wrote."`
	NoDemangle    bool     `help:"Keep linkage names."`
	NoInlines     bool     `help:"Leave out inlined-call frames."`
	MaxInputSize  byteSize `default:"64MiB" placeholder:"SIZE" help:"Largest input read. Example: --max-input-size 256MiB"`
}

// Help explains submit.
func (c *submitCmd) Help() string {
	return `Submits every input as a job to NATS JetStream and prints the batch ID; "symbolicate
results --batch ID" gathers the outputs. Submitting the same inputs again has no effect
(job IDs are digests of name, options and content).

Example:
  symbolicate results --nats nats://10.0.0.5:4222 --batch $(symbolicate submit --nats nats://10.0.0.5:4222 crashes/) -o out/`
}

// Run submits.
func (c *submitCmd) Run(ctx context.Context, streams *ioStreams) error {
	found, err := inputs.Collect(c.Inputs, inputs.Options{MaxSize: int64(c.MaxInputSize), Stdin: streams.Stdin,
		Warn: func(path string, err error) {
			fmt.Fprintf(streams.Stderr, "symbolicate: warning: skipping %s: %v\n", path, err)
		}})
	if err != nil {
		return withExit(exitUsage, err)
	}
	opts := queue.JobOptions{JSON: c.Format == "json", Resolve: resolve.Options{Resymbolicate: c.Resymbolicate, NoDemangle: c.NoDemangle, NoInlines: c.NoInlines}}
	q, b, err := c.submit(ctx, found, opts)
	if err != nil {
		return err
	}
	defer q.Close()
	fmt.Fprintln(streams.Stdout, b.ID)
	fmt.Fprintf(streams.Stderr, "symbolicate: submitted %d job(s) as batch %s\n", len(b.Jobs), b.ID)
	return nil
}

// resultsCmd gathers a batch.
type resultsCmd struct {
	natsFlags
	Batch       string        `required:"" help:"The batch ID submit printed. Example: --batch 3f2a9c0d1e4b5a67"`
	Output      string        `short:"o" placeholder:"PATH" help:"Directory for the outputs (default: stdout). Example: -o out/"`
	Wait        time.Duration `default:"1h" help:"How long to wait for the results. Example: --wait 10m"`
	MissingJSON string        `placeholder:"FILE" help:"Also write the missing caches, images and .symbols files as JSON. Example: --missing-json missing.json"`
	Quiet       bool          `short:"q" help:"Do not print the summary."`
}

// Help explains results.
func (c *resultsCmd) Help() string {
	return `Waits for every job of a batch and writes the outputs, summary and exit status a local
run of the same inputs would give. Jobs for a shared cache no worker holds are named
while they wait.

Example:
  symbolicate results --nats nats://10.0.0.5:4222 --batch 3f2a9c0d1e4b5a67 -o out/`
}

// Run gathers.
func (c *resultsCmd) Run(ctx context.Context, streams *ioStreams) error {
	q, err := c.connect(ctx)
	if err != nil {
		return err
	}
	defer q.Close()
	b, err := q.LoadBatch(ctx, c.Batch)
	if err != nil {
		return withExit(exitUsage, err)
	}
	var ins []output.Input
	for _, j := range b.Jobs {
		ins = append(ins, output.Input{Name: j.Name, Rel: filepath.Base(j.Name), Path: j.Name})
	}
	plan, err := output.New(c.Output, ins, ".symbolicated", false)
	if err != nil {
		return withExit(exitUsage, err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.Wait)
	defer cancel()
	return gather(ctx, q, b, plan, newConsole(streams), streams, c.Quiet, c.MissingJSON)
}

// serviceJobs gives the HTTP service a job queue on JetStream.
type serviceJobs struct{ q *queue.Queue }

func (s serviceJobs) Submit(ctx context.Context, name string, data []byte, json bool, opts resolve.Options) (string, error) {
	ins, err := routes([]inputs.Input{{Name: name, Read: func() ([]byte, error) { return data, nil }}})
	if err != nil {
		return "", err
	}
	ref, err := s.q.SubmitOne(ctx, ins[0], queue.JobOptions{JSON: json, Resolve: opts}, "")
	if err != nil {
		return "", err
	}
	return ref.ID, s.q.Track(ctx, ref.ID)
}

func (s serviceJobs) Status(ctx context.Context, id string) (*server.Envelope, bool, error) {
	j, err := s.q.JobResultOf(ctx, id)
	switch {
	case errors.Is(err, queue.ErrNotDone):
		if !s.q.Known(ctx, id) {
			return nil, false, server.ErrUnknownJob
		}
		return nil, false, nil
	case err != nil:
		return nil, false, err
	}
	r := j.Result()
	sum := server.SummaryOf(r.Format, r.Outcome, r.Notes)
	if r.Err != nil {
		sum.Diagnostics = append(sum.Diagnostics, server.DiagnosticJSON{Code: "job-failed", Message: r.Err.Error()})
	}
	if r.Skip != "" {
		sum.Skipped = r.Skip
	}
	return &server.Envelope{Output: string(r.Output), Text: r.Text, Summary: sum}, true, nil
}
