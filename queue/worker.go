package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/goccy/go-json"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/symbolicate/symbolicate"
	"github.com/symbolicate/symbolicate/resolve"
)

// Worker takes jobs for the caches its engine holds, and those that need
// none, and stores their results.
type Worker struct {
	Queue  *Queue
	Engine *symbolicate.Engine
	// Acquire, when set, is asked for the engine of each job instead (a
	// service that swaps engines on rescan); release is called after.
	Acquire func() (eng *symbolicate.Engine, release func(), ok bool)
	// Name identifies the worker in results and logs.
	Name string
	// Jobs is how many jobs it works on at once (1 when 0).
	Jobs int
	Log  *slog.Logger
}

// Routes returns the routing keys the worker serves: "any" and the UUID of
// every cache it holds.
func (w *Worker) Routes() []string {
	keys := []string{anyKey}
	eng, release := w.engine()
	if eng == nil {
		return keys
	}
	defer release()
	for _, c := range eng.Caches() {
		keys = append(keys, RouteKey(c.UUID().String()))
	}
	return keys
}

// engine returns the engine for one job and its release.
func (w *Worker) engine() (*symbolicate.Engine, func()) {
	if w.Acquire == nil {
		return w.Engine, func() {}
	}
	eng, release, ok := w.Acquire()
	if !ok {
		return nil, nil
	}
	return eng, release
}

// Run consumes jobs until ctx is done, then lets the jobs in hand finish.
func (w *Worker) Run(ctx context.Context) error {
	q := w.Queue
	if w.Log == nil {
		w.Log = slog.New(slog.DiscardHandler)
	}
	jobs := max(w.Jobs, 1)
	slots := make(chan struct{}, jobs)
	var inflight sync.WaitGroup
	var stops []jetstream.ConsumeContext
	defer func() {
		for _, s := range stops {
			s.Stop()
		}
		inflight.Wait()
	}()
	for _, key := range w.Routes() {
		cons, err := retry(ctx, func(ctx context.Context) (jetstream.Consumer, error) {
			// Like the streams, a consumer keeps the settings it was made
			// with: workers started with other flags share it as it is.
			return openOrCreate(ctx, func(ctx context.Context) (jetstream.Consumer, error) {
				return q.js.Consumer(ctx, JobsStream, consumerName(key))
			}, func(ctx context.Context) (jetstream.Consumer, error) {
				return q.js.CreateConsumer(ctx, JobsStream, jetstream.ConsumerConfig{Durable: consumerName(key), FilterSubject: subject(key),
					AckPolicy: jetstream.AckExplicitPolicy, AckWait: q.cfg.AckWait, MaxDeliver: q.cfg.MaxDeliver, MaxAckPending: 4096})
			})
		})
		if err != nil {
			if ctx.Err() != nil {
				return nil // stopped while still starting
			}
			return fmt.Errorf("consuming jobs for %s: %w", key, err)
		}
		lim := limits{ackWait: q.cfg.AckWait, maxDeliver: q.cfg.MaxDeliver}
		if info := cons.CachedInfo(); info != nil && info.Config.AckWait > 0 {
			lim = limits{ackWait: info.Config.AckWait, maxDeliver: info.Config.MaxDeliver}
		}
		cc, err := cons.Consume(func(m jetstream.Msg) {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return // not acked: delivered again to another worker
			}
			inflight.Add(1)
			go func() {
				defer inflight.Done()
				defer func() { <-slots }()
				w.handle(ctx, m, lim)
			}()
		}, jetstream.PullMaxMessages(2*jobs))
		if err != nil {
			return fmt.Errorf("consuming jobs for %s: %w", key, err)
		}
		stops = append(stops, cc)
	}
	// A job delivered MaxDeliver times whose worker never answered (it
	// died on it each time) is moved to the dead letters by whichever
	// worker hears the advisory.
	sub, err := q.nc.Subscribe("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES."+JobsStream+".*", func(m *nats.Msg) {
		var adv struct {
			StreamSeq  uint64 `json:"stream_seq"`
			Deliveries int    `json:"deliveries"`
		}
		if json.Unmarshal(m.Data, &adv) == nil {
			w.buryBySeq(adv.StreamSeq, fmt.Sprintf("delivered %d times without a result (a worker died on it each time)", adv.Deliveries))
		}
	})
	if err == nil {
		defer sub.Unsubscribe()
	}
	w.Log.Info("worker ready", "worker", w.Name, "routes", w.Routes())
	<-ctx.Done()
	return nil
}

// limits are a consumer's settings that a worker acts on.
type limits struct {
	ackWait    time.Duration
	maxDeliver int // < 1: no limit
}

// handle works on one job: fetch its input, symbolicate, store the result,
// and acknowledge only then.
func (w *Worker) handle(ctx context.Context, m jetstream.Msg, lim limits) {
	q := w.Queue
	meta, err := m.Metadata()
	if err != nil {
		m.Nak()
		return
	}
	id := m.Headers().Get(nats.MsgIdHdr)
	name := m.Headers().Get(hdrName)
	// Keep the job ours while it takes long.
	done := make(chan struct{})
	defer close(done)
	go func() {
		t := time.NewTicker(max(lim.ackWait/3, 100*time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				m.InProgress()
			}
		}
	}()
	data := m.Data()
	if obj := m.Headers().Get(hdrInput); obj != "" {
		data, err = retry(ctx, func(ctx context.Context) ([]byte, error) { return q.inputs.GetBytes(ctx, obj) })
		if err != nil {
			w.fail(m, meta, lim, id, name, fmt.Errorf("reading the job's input %s: %w", obj, err))
			return
		}
	}
	opts := parseOptions(m.Headers().Get(hdrOptions))
	eng, release := w.engine()
	if eng == nil {
		m.NakWithDelay(time.Second) // no sources open right now
		return
	}
	defer release()
	b := &resolve.Batch{Resolver: eng.ResolverWith(opts.Resolve), Formats: eng.Formats(), JSON: opts.JSON, Write: eng.WriteOptions()}
	it := resolve.Item{Name: name, Found: m.Headers().Get(hdrFound) == "1", Read: func() ([]byte, error) { return data, nil }}
	if e := m.Headers().Get(hdrReadErr); e != "" {
		it.Read = func() ([]byte, error) { return nil, errors.New(e) }
	}
	res := b.One(ctx, it)
	out, err := json.Marshal(resultOut(id, w.Name, res))
	if err == nil {
		// Every request is bounded: one sent to a server on its way down
		// can stall, and the job's in-progress acks would keep it here.
		_, err = retry(ctx, func(ctx context.Context) (*jetstream.ObjectInfo, error) {
			return q.results.PutBytes(ctx, "result-"+id, out)
		})
	}
	if err != nil {
		w.fail(m, meta, lim, id, name, fmt.Errorf("storing the result: %w", err))
		return
	}
	_, err = retry(ctx, func(ctx context.Context) (struct{}, error) {
		err := m.DoubleAck(ctx)
		if errors.Is(err, jetstream.ErrMsgAlreadyAckd) {
			err = nil
		}
		return struct{}{}, err
	})
	if err != nil {
		// The result is stored; a redelivery overwrites it with the same.
		w.Log.Warn("ack failed", "job", id, "err", err)
	}
	if obj := m.Headers().Get(hdrInput); obj != "" {
		q.inputs.Delete(context.Background(), obj)
	}
}

// fail hands a job back for another try, or buries it after its last one.
func (w *Worker) fail(m jetstream.Msg, meta *jetstream.MsgMetadata, lim limits, id, name string, err error) {
	w.Log.Warn("job failed", "job", id, "name", name, "delivery", meta.NumDelivered, "err", err)
	if lim.maxDeliver > 0 && int(meta.NumDelivered) >= lim.maxDeliver {
		if w.bury(m.Headers(), m.Data(), id, err.Error()) == nil {
			m.Term()
			return
		}
	}
	m.NakWithDelay(time.Duration(meta.NumDelivered) * 200 * time.Millisecond)
}

// bury publishes a job to the dead letters with its error.
func (w *Worker) bury(h nats.Header, data []byte, id, reason string) error {
	msg := &nats.Msg{Subject: deadPrefix + id, Header: nats.Header{}, Data: data}
	for k, v := range h {
		if k != nats.MsgIdHdr {
			msg.Header[k] = v
		}
	}
	msg.Header.Set(hdrError, reason)
	_, err := w.Queue.js.PublishMsg(context.Background(), msg, jetstream.WithMsgID("dead-"+id))
	if err != nil {
		w.Log.Error("burying a dead job failed", "job", id, "err", err)
		return err
	}
	w.Log.Warn("job is dead", "job", id, "name", h.Get(hdrName), "reason", reason)
	return nil
}

// buryBySeq moves the job at a stream sequence to the dead letters.
func (w *Worker) buryBySeq(seq uint64, reason string) {
	ctx := context.Background()
	rm, err := w.Queue.jobs.GetMsg(ctx, seq)
	if err != nil {
		return // another worker got there first
	}
	id := rm.Header.Get(nats.MsgIdHdr)
	if err := w.bury(rm.Header, rm.Data, id, reason); err == nil {
		if err := w.Queue.jobs.DeleteMsg(ctx, seq); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
			w.Log.Warn("removing a dead job failed", "job", id, "err", err)
		}
	}
}
