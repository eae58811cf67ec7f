package queue_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/symbolicate/symbolicate"
	"github.com/symbolicate/symbolicate/dsc/dsctest"
	"github.com/symbolicate/symbolicate/internal/crashgen"
	"github.com/symbolicate/symbolicate/process"
	"github.com/symbolicate/symbolicate/queue"
	"github.com/symbolicate/symbolicate/resolve"
)

// embedded starts a NATS server on loopback for the test.
func embedded(t *testing.T, dir string) *queue.Embedded {
	t.Helper()
	e, err := queue.StartEmbedded(queue.EmbeddedOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Shutdown)
	return e
}

func connect(t *testing.T, url string, cfg queue.Config) *queue.Queue {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	q, err := queue.Connect(ctx, url, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(q.Close)
	return q
}

// caches are three generated caches: three OS builds a fleet would shard.
func caches(t testing.TB) []*dsctest.Cache {
	t.Helper()
	var out []*dsctest.Cache
	for _, seed := range []int64{101, 102, 103} {
		c, err := dsctest.Cached(dsctest.Config{Seed: seed, Images: 8, SymbolsPerImage: 20})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

func engine(t *testing.T, dirs ...string) *symbolicate.Engine { return engineB(t, dirs...) }

func engineB(t testing.TB, dirs ...string) *symbolicate.Engine {
	t.Helper()
	eng, err := symbolicate.Open(context.Background(), symbolicate.Config{Caches: dirs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	return eng
}

// startWorker runs a worker until the test ends.
func startWorker(t *testing.T, q *queue.Queue, eng *symbolicate.Engine, name string) context.CancelFunc {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &queue.Worker{Queue: q, Engine: eng, Name: name, Jobs: 2}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := w.Run(ctx); err != nil {
			t.Error(err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return cancel
}

// inputs makes n jobs spread over the caches, each named apart.
func inputs(t testing.TB, cs []*dsctest.Cache, n int) []queue.Input {
	t.Helper()
	var reports [][]byte
	for i, c := range cs {
		for k := range 4 {
			rep, err := crashgen.Generate(c, crashgen.Config{Seed: uint64(10*i + k), Slide: uint64(k+1) << 14, Threads: 2, Frames: 6, AppUUID: process.UUID{0xAA, byte(i)}})
			if err != nil {
				t.Fatal(err)
			}
			reports = append(reports, rep.Data)
		}
	}
	var out []queue.Input
	for i := range n {
		k := i % len(reports)
		out = append(out, queue.Input{Name: fmt.Sprintf("crash-%05d.ips", i), Data: reports[k], Route: cs[k/4].UUID.String()})
	}
	return out
}

// local symbolicates the inputs with a local batch, for comparison.
func local(t *testing.T, eng *symbolicate.Engine, ins []queue.Input) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	var items []resolve.Item
	for _, in := range ins {
		items = append(items, resolve.Item{Name: in.Name, Read: func() ([]byte, error) { return in.Data, nil }})
	}
	_, err := eng.Batch(2, false).Run(context.Background(), items, func(r *resolve.Result) error {
		out[r.Name] = r.Output
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTenThousandJobsAcrossWorkers: 10,000 jobs for three caches, three
// workers each holding one: every job completes once, on a worker holding
// its cache, with the output a local batch gives.
func TestTenThousandJobsAcrossWorkers(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 jobs: not in -short")
	}
	cs := caches(t)
	e := embedded(t, t.TempDir())
	q := connect(t, e.URL(), queue.Config{})
	holds := map[string]string{}
	for i, c := range cs {
		name := fmt.Sprintf("worker-%d", i)
		holds[name] = queue.RouteKey(c.UUID.String())
		startWorker(t, q, engine(t, c.Dir), name)
	}
	ins := inputs(t, cs, 10000)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	b, err := q.Submit(ctx, ins, queue.JobOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := local(t, engine(t, cs[0].Dir, cs[1].Dir, cs[2].Dir), ins)
	seen := map[string]bool{}
	err = q.Gather(ctx, b, func(route string) { t.Errorf("no worker for %s", route) }, func(i int, j *queue.JobResult) error {
		ref := b.Jobs[i]
		switch {
		case seen[j.Name]:
			t.Errorf("%s: a second result", j.Name)
		case holds[j.Worker] != ref.Route:
			t.Errorf("%s (route %s) was done by %s, which holds %s", j.Name, ref.Route, j.Worker, holds[j.Worker])
		case !bytes.Equal(j.Output, want[j.Name]):
			t.Errorf("%s: output differs from a local batch", j.Name)
		}
		seen[j.Name] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 10000 {
		t.Errorf("%d results", len(seen))
	}
	// Submitting the same batch again has no effect: the same job IDs.
	b2, err := q.Submit(ctx, ins[:10], queue.JobOptions{})
	if err != nil || b2.Jobs[0].ID != b.Jobs[0].ID {
		t.Errorf("resubmission: %v", err)
	}
}

// TestDeadWorkerJobIsRedelivered: a client takes a job and dies without an
// ack (its connection drops, as a killed worker's does); after the ack wait
// the job goes to a live worker and completes once.
func TestDeadWorkerJobIsRedelivered(t *testing.T) {
	cs := caches(t)
	e := embedded(t, t.TempDir())
	q := connect(t, e.URL(), queue.Config{AckWait: time.Second})
	ins := inputs(t, cs[:1], 1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// The doomed worker: it sets up the consumer, takes the job and dies.
	startWorker(t, q, engine(t, cs[1].Dir), "bystander") // does not hold the job's cache
	dying, err := nats.Connect(e.URL())
	if err != nil {
		t.Fatal(err)
	}
	js, _ := jetstream.New(dying)
	cons, err := js.CreateOrUpdateConsumer(ctx, queue.JobsStream, jetstream.ConsumerConfig{Durable: "route-" + queue.RouteKey(cs[0].UUID.String()),
		FilterSubject: "symbolicate.jobs." + queue.RouteKey(cs[0].UUID.String()), AckPolicy: jetstream.AckExplicitPolicy, AckWait: time.Second, MaxDeliver: 5, MaxAckPending: 4096})
	if err != nil {
		t.Fatal(err)
	}
	b, err := q.Submit(ctx, ins, queue.JobOptions{})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(1, jetstream.FetchMaxWait(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for range batch.Messages() {
		got++
	}
	if got != 1 {
		t.Fatalf("the dying worker got %d jobs", got)
	}
	dying.Close() // killed: no ack
	startWorker(t, q, engine(t, cs[0].Dir), "survivor")
	var res *queue.JobResult
	if err := q.Gather(ctx, b, nil, func(_ int, j *queue.JobResult) error { res = j; return nil }); err != nil {
		t.Fatal(err)
	}
	if res.Worker != "survivor" || res.Err != "" || len(res.Output) == 0 {
		t.Errorf("result %+v", res)
	}
}

// TestRestartKeepsJobs: jobs accepted before the embedded server restarts
// are all there after it, and complete.
func TestRestartKeepsJobs(t *testing.T) {
	cs := caches(t)
	dir := t.TempDir()
	e, err := queue.StartEmbedded(queue.EmbeddedOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	q, err := queue.Connect(context.Background(), e.URL(), queue.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ins := inputs(t, cs, 60)
	b, err := q.Submit(context.Background(), ins, queue.JobOptions{})
	if err != nil {
		t.Fatal(err)
	}
	q.Close()
	e.Shutdown()
	e2 := embedded(t, dir)
	q2 := connect(t, e2.URL(), queue.Config{})
	startWorker(t, q2, engine(t, cs[0].Dir, cs[1].Dir, cs[2].Dir), "after-restart")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b2, err := q2.LoadBatch(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := q2.Gather(ctx, b2, nil, func(int, *queue.JobResult) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != len(ins) {
		t.Errorf("%d of %d jobs after the restart", n, len(ins))
	}
}

// TestPoisonJobIsDead: a job whose input cannot be read on any delivery
// lands in the dead letters with its error, and the gatherer reports it.
func TestPoisonJobIsDead(t *testing.T) {
	cs := caches(t)
	e := embedded(t, t.TempDir())
	q := connect(t, e.URL(), queue.Config{MaxDeliver: 3})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	big := queue.Input{Name: "big.ips", Data: bytes.Repeat([]byte(" "), 600<<10)}
	b, err := q.Submit(ctx, []queue.Input{big}, queue.JobOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Its input object vanishes before a worker reads it.
	nc, _ := nats.Connect(e.URL())
	defer nc.Close()
	js, _ := jetstream.New(nc)
	obs, _ := js.ObjectStore(ctx, queue.InputStore)
	if err := obs.Delete(ctx, "input-"+b.Jobs[0].ID); err != nil {
		t.Fatal(err)
	}
	startWorker(t, q, engine(t, cs[0].Dir), "w")
	var res *queue.JobResult
	if err := q.Gather(ctx, b, nil, func(_ int, j *queue.JobResult) error { res = j; return nil }); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Err, "dead job") || !strings.Contains(res.Err, "input") {
		t.Errorf("result: %+v", res)
	}
	dead, _ := js.Stream(ctx, queue.DeadStream)
	if m, err := dead.GetLastMsgForSubject(ctx, "symbolicate.dead."+b.Jobs[0].ID); err != nil || m.Header.Get("Symbolicate-Error") == "" {
		t.Errorf("dead letter: %v", err)
	}
}

// TestClusterLosesANode: three clustered servers, streams with three
// replicas; the stream leader is shut down while jobs run: none is lost,
// none has two results.
func TestClusterLosesANode(t *testing.T) {
	if testing.Short() {
		t.Skip("a 3-node cluster: not in -short")
	}
	cs := caches(t)
	var ports []int
	for range 3 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
		l.Close()
	}
	var nodes []*queue.Embedded
	for i := range 3 {
		var routes []string
		for k, p := range ports {
			if k != i {
				routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", p))
			}
		}
		n, err := queue.StartEmbedded(queue.EmbeddedOptions{Dir: t.TempDir(), Name: fmt.Sprintf("n%d", i), Cluster: "symbolicate",
			ClusterPort: ports[i], Routes: routes, NoWait: true})
		if err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, n)
	}
	for _, n := range nodes {
		if err := n.Ready(time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	down := map[int]bool{}
	t.Cleanup(func() {
		for i, n := range nodes {
			if !down[i] {
				n.Shutdown()
			}
		}
	})
	var urls []string
	for _, n := range nodes {
		urls = append(urls, n.URL())
	}
	url := strings.Join(urls, ",")
	q := connect(t, url, queue.Config{Replicas: 3, AckWait: 2 * time.Second})
	for i := range 2 {
		startWorker(t, connect(t, url, queue.Config{Replicas: 3, AckWait: 2 * time.Second}), engine(t, cs[0].Dir, cs[1].Dir, cs[2].Dir), fmt.Sprintf("w%d", i))
	}
	ins := inputs(t, cs, 600)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	b, err := q.Submit(ctx, ins, queue.JobOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Shut the jobs stream's leader down while the jobs run.
	nc, _ := nats.Connect(url)
	js, _ := jetstream.New(nc)
	st, _ := js.Stream(ctx, queue.JobsStream)
	info, err := st.Info(ctx)
	nc.Close()
	if err != nil || info.Cluster == nil {
		t.Fatalf("stream info: %v", err)
	}
	var mu sync.Mutex
	for i, n := range nodes {
		if n.Name() == info.Cluster.Leader {
			mu.Lock()
			down[i] = true
			mu.Unlock()
			n.Shutdown()
		}
	}
	if len(down) != 1 {
		t.Fatalf("leader %q not among the nodes", info.Cluster.Leader)
	}
	seen := map[string]int{}
	err = q.Gather(ctx, b, nil, func(_ int, j *queue.JobResult) error {
		seen[j.Name]++
		if j.Err != "" {
			t.Errorf("%s: %s", j.Name, j.Err)
		}
		return nil
	})
	if err != nil {
		// Say where it stopped: the consumers' state on a live node.
		dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer dcancel()
		if nc, cerr := nats.Connect(url); cerr == nil {
			js, _ := jetstream.New(nc)
			for _, c := range cs {
				if cons, cerr := js.Consumer(dctx, queue.JobsStream, "route-"+queue.RouteKey(c.UUID.String())); cerr == nil {
					if ci, cerr := cons.Info(dctx); cerr == nil {
						t.Logf("consumer %s: pending %d, ack pending %d, redelivered %d, waiting %d, leader %s", ci.Name, ci.NumPending, ci.NumAckPending, ci.NumRedelivered, ci.NumWaiting, ci.Cluster.Leader)
					}
				}
			}
			obs, oerr := js.ObjectStore(dctx, queue.ResultStore)
			if oerr == nil {
				_, gerr := obs.GetBytes(dctx, "result-"+b.Jobs[len(seen)].ID)
				st, serr := obs.Status(dctx)
				t.Logf("fresh read of the next result: %v; store: %+v %v", gerr, st, serr)
			} else {
				t.Logf("results store: %v", oerr)
			}
			_, qerr := q.JobResultOf(dctx, b.Jobs[len(seen)].ID)
			t.Logf("the gatherer's read: %v", qerr)
			nc.Close()
		}
		t.Fatalf("%d of %d results, then: %v", len(seen), len(ins), err)
	}
	for _, in := range ins {
		if seen[in.Name] != 1 {
			t.Errorf("%s: %d results", in.Name, seen[in.Name])
		}
	}
}

// TestSettingsOfTheFirstClientStay: streams, stores and consumers keep the
// settings they were created with; a client connecting later with other
// flags uses them as they are (and a worker acts on the consumer's ack
// wait, not its own flag).
func TestSettingsOfTheFirstClientStay(t *testing.T) {
	e := embedded(t, t.TempDir())
	cs := caches(t)
	first := connect(t, e.URL(), queue.Config{AckWait: 3 * time.Second, Keep: time.Hour})
	cancel := startWorker(t, first, engine(t, cs[0].Dir), "first")
	ctx := context.Background()
	js, _ := jetstream.New(first.Conn())
	waitConsumer := func() jetstream.ConsumerInfo {
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			c, err := js.Consumer(ctx, queue.JobsStream, "route-any")
			if err == nil {
				info, err := c.Info(ctx)
				if err == nil {
					return *info
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("no consumer: %v", err)
			}
		}
	}
	waitConsumer()
	cancel()
	later := connect(t, e.URL(), queue.Config{AckWait: time.Minute, Keep: 48 * time.Hour})
	startWorker(t, later, engine(t, cs[0].Dir), "later")
	if info := waitConsumer(); info.Config.AckWait != 3*time.Second {
		t.Errorf("consumer ack wait %v, want the first client's 3s", info.Config.AckWait)
	}
	st, err := js.Stream(ctx, queue.DeadStream)
	if err != nil {
		t.Fatal(err)
	}
	if cfg := st.CachedInfo().Config; cfg.MaxAge != time.Hour {
		t.Errorf("dead letters kept %v, want 1h", cfg.MaxAge)
	}
	os, err := js.ObjectStore(ctx, queue.ResultStore)
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := os.Status(ctx); s.TTL() != time.Hour {
		t.Errorf("results kept %v, want 1h", s.TTL())
	}
}

// TestNoWorkerForCacheIsReported: a job for a cache no worker holds is
// kept, not dropped; the gatherer names its route; a worker that holds the
// cache, started later, completes it.
func TestNoWorkerForCacheIsReported(t *testing.T) {
	cs := caches(t)
	e := embedded(t, t.TempDir())
	q := connect(t, e.URL(), queue.Config{})
	startWorker(t, q, engine(t, cs[1].Dir), "other-cache")
	ins := inputs(t, cs[:1], 1)
	b, err := q.Submit(context.Background(), ins, queue.JobOptions{})
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	var named []string
	err = q.Gather(short, b, func(route string) { named = append(named, route) }, func(int, *queue.JobResult) error {
		t.Error("a result without a worker for its cache")
		return nil
	})
	if err == nil || len(named) != 1 || named[0] != ins[0].Route && named[0] != queue.RouteKey(ins[0].Route) {
		t.Fatalf("gather: %v; routes named %q, want %s", err, named, ins[0].Route)
	}
	nc, _ := nats.Connect(e.URL())
	defer nc.Close()
	js, _ := jetstream.New(nc)
	st, _ := js.Stream(context.Background(), queue.JobsStream)
	if info, err := st.Info(context.Background()); err != nil || info.State.Msgs != 1 {
		t.Fatalf("the waiting job is not in the stream: %v", err)
	}
	startWorker(t, q, engine(t, cs[0].Dir), "holder")
	ctx, cancel2 := context.WithTimeout(context.Background(), time.Minute)
	defer cancel2()
	var res *queue.JobResult
	if err := q.Gather(ctx, b, nil, func(_ int, j *queue.JobResult) error { res = j; return nil }); err != nil {
		t.Fatal(err)
	}
	if res.Worker != "holder" || res.Err != "" {
		t.Errorf("result %+v", res)
	}
}

// TestResubmitHasOneEffect: the same inputs submitted twice (a CI step run
// again) give one job each, not two; both batches gather the same results.
func TestResubmitHasOneEffect(t *testing.T) {
	cs := caches(t)
	e := embedded(t, t.TempDir())
	q := connect(t, e.URL(), queue.Config{})
	ins := inputs(t, cs, 12)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b1, err := q.Submit(ctx, ins, queue.JobOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b2, err := q.Submit(ctx, ins, queue.JobOptions{})
	if err != nil {
		t.Fatal(err)
	}
	nc, _ := nats.Connect(e.URL())
	defer nc.Close()
	js, _ := jetstream.New(nc)
	st, _ := js.Stream(ctx, queue.JobsStream)
	if info, err := st.Info(ctx); err != nil || info.State.Msgs != uint64(len(ins)) {
		t.Fatalf("%v jobs in the stream after two submissions of %d (%v)", info.State.Msgs, len(ins), err)
	}
	// Other options are other jobs.
	b3, err := q.Submit(ctx, ins[:1], queue.JobOptions{Resolve: resolve.Options{NoDemangle: true}})
	if err != nil || b3.Jobs[0].ID == b1.Jobs[0].ID {
		t.Fatalf("other options, same job ID: %v", err)
	}
	startWorker(t, q, engine(t, cs[0].Dir, cs[1].Dir, cs[2].Dir), "w")
	out := map[string][]byte{}
	for _, b := range []*queue.Batch{b1, b2} {
		if err := q.Gather(ctx, b, nil, func(i int, j *queue.JobResult) error {
			if prev, ok := out[j.Name]; ok && !bytes.Equal(prev, j.Output) {
				t.Errorf("%s: the two batches differ", j.Name)
			}
			out[j.Name] = j.Output
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if len(out) != len(ins) {
		t.Errorf("%d results", len(out))
	}
}

// TestBadInputIsAResult: an input that is no crash report is a job like
// any other; its result carries the error a local batch gives, and it is
// not dead-lettered or retried.
func TestBadInputIsAResult(t *testing.T) {
	cs := caches(t)
	e := embedded(t, t.TempDir())
	q := connect(t, e.URL(), queue.Config{})
	eng := engine(t, cs[0].Dir)
	startWorker(t, q, eng, "w")
	bad := queue.Input{Name: "notes.txt", Data: []byte("not a crash report\n")}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := q.Submit(ctx, []queue.Input{bad}, queue.JobOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var res *queue.JobResult
	if err := q.Gather(ctx, b, nil, func(_ int, j *queue.JobResult) error { res = j; return nil }); err != nil {
		t.Fatal(err)
	}
	var want *resolve.Result
	if _, err := eng.Batch(1, false).Run(ctx, []resolve.Item{{Name: bad.Name, Read: func() ([]byte, error) { return bad.Data, nil }}},
		func(r *resolve.Result) error { want = r; return nil }); err != nil {
		t.Fatal(err)
	}
	if want.Err == nil || res.Err != want.Err.Error() || res.Internal || strings.Contains(res.Err, "dead job") {
		t.Errorf("result error %q (internal %v), local %v", res.Err, res.Internal, want.Err)
	}
	// Found by a directory walk, it is skipped as a local batch skips it;
	// one the submitter could not read has that error as its result.
	found := bad
	found.Found = true
	unread := queue.Input{Name: "gone.ips", ReadErr: "open gone.ips: permission denied"}
	b, err = q.Submit(ctx, []queue.Input{found, unread}, queue.JobOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []*queue.JobResult
	if err := q.Gather(ctx, b, nil, func(_ int, j *queue.JobResult) error { got = append(got, j); return nil }); err != nil {
		t.Fatal(err)
	}
	if got[0].Skip == "" || got[0].Err != "" || got[1].Err != unread.ReadErr {
		t.Errorf("found: %+v\nunreadable: %+v", got[0], got[1])
	}
}
