package resolve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/symbolicate/symbolicate/crashlog"
	"github.com/symbolicate/symbolicate/dsc"
	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/internal/crashgen"
	"github.com/symbolicate/symbolicate/process"
)

// batchItems makes n generated reports with a corrupt one and an unreadable
// one in the middle.
func batchItems(t *testing.T, n int) []Item {
	t.Helper()
	c, _ := setup(t)
	var items []Item
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("crash-%02d.ips", i)
		switch i {
		case n / 2:
			items = append(items, Item{Name: name, Read: func() ([]byte, error) { return []byte("{\"bug_type\":\"309\"}\n{\"threads\": [tru"), nil }})
			continue
		case n/2 + 1:
			items = append(items, Item{Name: name, Read: func() ([]byte, error) { return nil, errors.New("permission denied") }})
			continue
		}
		gen, err := crashgen.Generate(c, crashgen.Config{Seed: uint64(100 + i), Slide: uint64(i) << 14, AppUUID: appUUID})
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, Item{Name: name, Read: func() ([]byte, error) { return gen.Data, nil }})
	}
	return items
}

// runBatch runs items and returns what emit saw of each, and the summary.
// With reuse, outputs are lent back to the batch after emit (ReuseOutputs).
func runBatch(t *testing.T, caches *dsc.Set, items []Item, jobs int, reuse bool) (string, *Summary) {
	t.Helper()
	var out bytes.Buffer
	b := &Batch{Resolver: over(caches, Options{}), Formats: format.List{crashlog.Format}, Jobs: jobs, ReuseOutputs: reuse}
	sum, err := b.Run(context.Background(), items, func(r *Result) error {
		fmt.Fprintf(&out, "== %s err=%v skip=%q\n", r.Name, r.Err != nil, r.Skip)
		out.Write(r.Output)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.String(), sum
}

func TestBatchBadInputDoesNotStopOthersAndOrderIsStable(t *testing.T) {
	_, caches := setup(t)
	items := batchItems(t, 12)
	one, sum1 := runBatch(t, caches, items, 1, false)
	many, sum8 := runBatch(t, caches, items, 8, true)
	if one != many {
		t.Fatal("output differs between -j 1 and -j 8 with outputs reused")
	}
	if sum1.Crashes != 10 || sum1.Failed != 2 || len(sum1.Failures) != 2 {
		t.Fatalf("summary %+v, want 10 crashes and 2 failures", sum1)
	}
	if sum1.Failures[0].Input != "crash-06.ips" || !strings.Contains(sum1.Failures[1].Err.Error(), "permission denied") {
		t.Errorf("failures = %q", sum1.Failures)
	}
	var w1, w8 bytes.Buffer
	sum1.Write(&w1)
	sum8.Write(&w8)
	if w1.String() != w8.String() {
		t.Errorf("summary differs between -j 1 and -j 8:\n%s\n%s", w1.String(), w8.String())
	}
	if len(sum1.Missing) != 1 || sum1.Missing[0].ID != process.UUIDBuildID(appUUID) || sum1.Missing[0].Reports == 0 {
		t.Errorf("missing = %+v, want the app image", sum1.Missing)
	}
	for i := 0; i < 12; i++ {
		if !strings.Contains(one, fmt.Sprintf("== crash-%02d.ips", i)) {
			t.Errorf("no result for item %d", i)
		}
	}
}

func TestBatchJSONOutputParsesAndCarriesSymbols(t *testing.T) {
	c, caches := setup(t)
	gen, err := crashgen.Generate(c, crashgen.Config{Seed: 9, Slide: 0xc000, Threads: 2, Frames: 8})
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	b := &Batch{Resolver: over(caches, Options{}), Formats: format.List{crashlog.Format}, JSON: true}
	_, err = b.Run(context.Background(), []Item{{Name: "x", Read: func() ([]byte, error) { return gen.Data, nil }}},
		func(r *Result) error { got = r.Output; return r.Err })
	if err != nil {
		t.Fatal(err)
	}
	rep, err := crashlog.Parse(got)
	if err != nil {
		t.Fatalf("output does not parse: %v", err)
	}
	for _, w := range gen.Frames {
		f := rep.Threads[w.Thread].Frames[w.Index]
		if !f.HasSymbol || f.Symbol != display(w.Symbol) || f.SymbolLocation != w.Location {
			t.Errorf("thread %d frame %d: written %q + %d, want %q + %d", w.Thread, w.Index, f.Symbol, f.SymbolLocation, w.Symbol, w.Location)
		}
	}
}

func TestBatchCancelled(t *testing.T) {
	_, caches := setup(t)
	items := batchItems(t, 6)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b := &Batch{Resolver: over(caches, Options{}), Formats: format.List{crashlog.Format}, Jobs: 2}
	_, err := b.Run(ctx, items, func(*Result) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// TestBatchBoundsWorkAheadOfSlowItem: while the first report is stuck, the
// other workers may finish only a bounded number of later reports (their
// outputs wait in memory for the emitter), not the whole batch.
func TestBatchBoundsWorkAheadOfSlowItem(t *testing.T) {
	const n, jobs = 200, 2
	release := make(chan struct{})
	var read atomic.Int32
	items := make([]Item, n)
	for i := range items {
		items[i] = Item{Name: fmt.Sprint(i), Read: func() ([]byte, error) {
			if i == 0 {
				<-release
			}
			read.Add(1)
			return []byte("not a report"), nil
		}}
	}
	done := make(chan error, 1)
	go func() {
		b := &Batch{Resolver: New(nil, Options{}), Formats: format.List{crashlog.Format}, Jobs: jobs}
		_, err := b.Run(context.Background(), items, func(*Result) error { return nil })
		done <- err
	}()
	// Let the free worker run as far ahead as it is allowed to.
	for prev := int32(-1); read.Load() != prev; time.Sleep(50 * time.Millisecond) {
		prev = read.Load()
	}
	if got := read.Load(); got > 4*jobs {
		t.Errorf("%d reports read while the first was stuck; want at most %d", got, 4*jobs)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if read.Load() != n {
		t.Fatalf("read %d of %d reports", read.Load(), n)
	}
}
