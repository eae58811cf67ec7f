package crashlog

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/internal/corpus"
	"github.com/symbolicate/symbolicate/process"
)

// resolveSome gives every third concrete frame of every backtrace a
// deterministic resolution; every other one of those also gets inlined
// calls. Symbols exercise escaping: '/', '"', a newline, non-ASCII.
func resolveSome(r *Report) int {
	n := 0
	visit := func(list int, frames []Frame) {
		for j := range frames {
			f := &frames[j]
			if f.Inline || (list+j)%3 != 0 {
				continue
			}
			res := &process.Resolution{
				Symbol:         fmt.Sprintf("ns::f%d_%d(a/b, \"q\") é", list, j),
				SymbolLocation: uint64(16 + j),
				SourceFile:     "Dir/File.swift",
				SourceLine:     j + 1,
			}
			if j%2 == 0 {
				res.RawSymbol = fmt.Sprintf("$s3ns2f%dyyF", j)
				res.Inlined = []process.InlineFrame{
					{Symbol: "inner\nline", SymbolLocation: 4, SourceFile: "Inl.swift", SourceLine: 3},
					{Symbol: "middle", RawSymbol: "_middle"},
				}
			}
			f.Resolved = res
			n++
		}
	}
	for i := range r.Threads {
		visit(2*i, r.Threads[i].Frames)
		visit(2*i+1, r.Threads[i].KernelFrames)
	}
	visit(-1, r.LastExceptionBacktrace)
	return n
}

// expectFrames applies the resolutions of frames to the generic (decoded)
// frame list orig, the way docs/output.md specifies it.
func expectFrames(t *testing.T, orig []any, frames []Frame) []any {
	t.Helper()
	if len(orig) != len(frames) {
		t.Fatalf("generic list has %d frames, model %d", len(orig), len(frames))
	}
	num := func(v uint64) json.Number { return json.Number(strconv.FormatUint(v, 10)) }
	addRes := func(m map[string]any, res *process.Resolution) {
		for _, k := range []string{"symbol", "symbolLocation", "sourceFile", "sourceLine", "rawSymbol"} {
			delete(m, k)
		}
		m["symbol"] = res.Symbol
		m["symbolLocation"] = num(res.SymbolLocation)
		if res.SourceFile != "" {
			m["sourceFile"] = res.SourceFile
			if res.SourceLine > 0 {
				m["sourceLine"] = num(uint64(res.SourceLine))
			}
		}
		if res.RawSymbol != "" && res.RawSymbol != res.Symbol {
			m["rawSymbol"] = res.RawSymbol
		}
	}
	out := []any{}
	for j := 0; j < len(frames); {
		first, concrete := j, j
		if frames[j].Inline {
			k := j
			for k < len(frames) && frames[k].Inline && sameLoc(&frames[k], &frames[j]) {
				k++
			}
			if k == len(frames) || frames[k].Inline || !sameLoc(&frames[k], &frames[j]) {
				out = append(out, orig[j:k]...)
				j = k
				continue
			}
			concrete = k
		}
		c := &frames[concrete]
		j = concrete + 1
		if c.Resolved == nil {
			out = append(out, orig[first:concrete+1]...)
			continue
		}
		for _, in := range c.Resolved.Inlined {
			m := map[string]any{"imageOffset": num(c.Offset), "imageIndex": num(uint64(c.Image)), "inline": true}
			addRes(m, &process.Resolution{Symbol: in.Symbol, RawSymbol: in.RawSymbol, SymbolLocation: in.SymbolLocation, SourceFile: in.SourceFile, SourceLine: in.SourceLine})
			out = append(out, m)
		}
		m := map[string]any{}
		switch o := orig[concrete].(type) {
		case map[string]any:
			for k, v := range o {
				m[k] = v
			}
		case []any:
			m["imageIndex"], m["imageOffset"] = o[0], o[1]
		}
		addRes(m, c.Resolved)
		out = append(out, m)
	}
	return out
}

// expectedPayload applies every resolution of r to the generic payload.
func expectedPayload(t *testing.T, r *Report, payload any) {
	t.Helper()
	p := payload.(map[string]any)
	switch r.Kind {
	case KindCrash:
		threads := p["threads"].([]any)
		for i := range r.Threads {
			th := threads[i].(map[string]any)
			if fl, ok := th["frames"].([]any); ok {
				th["frames"] = expectFrames(t, fl, r.Threads[i].Frames)
			}
		}
		if leb, ok := p["lastExceptionBacktrace"].([]any); ok {
			p["lastExceptionBacktrace"] = expectFrames(t, leb, r.LastExceptionBacktrace)
		}
	case KindKernel:
		procs := p["processByPid"].(map[string]any)
		for i := range r.Threads {
			th := &r.Threads[i]
			proc := procs[strconv.FormatInt(th.PID, 10)].(map[string]any)
			gth := proc["threadById"].(map[string]any)[strconv.FormatUint(th.ID, 10)].(map[string]any)
			if fl, ok := gth["userFrames"].([]any); ok {
				gth["userFrames"] = expectFrames(t, fl, th.Frames)
			}
			if fl, ok := gth["kernelFrames"].([]any); ok {
				gth["kernelFrames"] = expectFrames(t, fl, th.KernelFrames)
			}
		}
	}
}

// checkResolvedRoundTrip resolves some frames of data, writes JSON and checks
// that the output differs from the input exactly by those frames, that
// everything outside the payload is byte-identical, and that Parse reads the
// resolutions back.
func checkResolvedRoundTrip(t *testing.T, data []byte) {
	r, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if resolveSome(r) == 0 {
		t.Skip("no frames")
	}
	var out bytes.Buffer
	if err := r.WriteJSON(&out, format.WriteOptions{FullPaths: true}); err != nil {
		t.Fatal(err)
	}
	src := data[r.ips.Start:r.ips.End]
	hIn, pIn := decodeIPS(t, src)
	hOut, pOut := decodeIPS(t, out.Bytes())
	if !reflect.DeepEqual(hIn, hOut) {
		t.Fatal("header changed")
	}
	expectedPayload(t, r, pIn)
	if !reflect.DeepEqual(pIn, pOut) {
		a, _ := json.MarshalIndent(pIn, "", " ")
		b, _ := json.MarshalIndent(pOut, "", " ")
		t.Fatalf("payload differs from the expected edit\n%s", firstDiff(string(a), string(b)))
	}
	// Bytes before the payload and after it are untouched.
	ps := r.payload.Start - r.ips.Start
	if !bytes.Equal(out.Bytes()[:ps], src[:ps]) {
		t.Fatal("header bytes changed")
	}
	tail := src[r.payload.End-r.ips.Start:]
	if !bytes.HasSuffix(out.Bytes(), tail) {
		t.Fatal("bytes after the payload changed")
	}
	// Parse reads the resolutions back as written symbols.
	r2, err := Parse(out.Bytes())
	if err != nil {
		t.Fatalf("re-parse: %v", err)
	}
	if r2.Kind != r.Kind || len(r2.Threads) != len(r.Threads) {
		t.Fatalf("re-parse: kind %v threads %d", r2.Kind, len(r2.Threads))
	}
	for i := range r.Threads {
		checkReparsed(t, r.Threads[i].Frames, r2.Threads[i].Frames)
		checkReparsed(t, r.Threads[i].KernelFrames, r2.Threads[i].KernelFrames)
	}
	checkReparsed(t, r.LastExceptionBacktrace, r2.LastExceptionBacktrace)
}

func checkReparsed(t *testing.T, before, after []Frame) {
	t.Helper()
	k := 0
	for j := range before {
		c := &before[j]
		if c.Resolved == nil {
			continue
		}
		// Find the concrete frame in after: same location, symbol written.
		for k < len(after) && !(after[k].HasSymbol && after[k].Symbol == c.Resolved.Symbol && sameLoc(&after[k], c)) {
			k++
		}
		if k == len(after) {
			t.Fatalf("resolved frame %d (%q) not found after round trip", j, c.Resolved.Symbol)
		}
		a := &after[k]
		if a.Inline || a.SymbolLocation != c.Resolved.SymbolLocation || a.SourceFile != c.Resolved.SourceFile || int(a.SourceLine) != c.Resolved.SourceLine {
			t.Fatalf("frame %d read back as %+v", j, a)
		}
		n := len(c.Resolved.Inlined)
		if k < n {
			t.Fatalf("frame %d: missing inline frames", j)
		}
		for i, in := range c.Resolved.Inlined {
			got := &after[k-n+i]
			if !got.Inline || got.Symbol != in.Symbol || !sameLoc(got, c) {
				t.Fatalf("frame %d inline %d read back as %+v", j, i, got)
			}
		}
		k++
	}
}

func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(la) && i < len(lb); i++ {
		if la[i] != lb[i] {
			lo := max(0, i-3)
			return fmt.Sprintf("line %d:\nwant %q\ngot  %q\ncontext want: %q", i, la[i], lb[i], la[lo:i])
		}
	}
	return fmt.Sprintf("lengths differ: %d vs %d lines", len(la), len(lb))
}

// TestRoundTripCorpusResolved: for every real JSON report with frames, the
// output with resolutions parses and differs from the input only in the
// resolved frames.
func TestRoundTripCorpusResolved(t *testing.T) {
	for _, c := range corpusCases {
		if c.kind != KindCrash && c.kind != KindKernel {
			continue
		}
		t.Run(c.path, func(t *testing.T) { checkResolvedRoundTrip(t, corpus.Read(t, c.path)) })
	}
}

func TestRoundTripTestdataResolved(t *testing.T) {
	for _, name := range []string{"ios-arm64.ips", "macos-x86_64-rosetta.ips", "panic-210.ips", "console-wrapped.crash"} {
		t.Run(name, func(t *testing.T) { checkResolvedRoundTrip(t, readTestdata(t, name)) })
	}
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestWriteJSONReplacesInlineFrames: a resolution of a concrete frame
// replaces the inline frames the OS wrote before it, and the new inline
// frames come first, with the concrete frame's imageIndex/imageOffset.
func TestWriteJSONReplacesInlineFrames(t *testing.T) {
	r, err := Parse(readTestdata(t, "ios-arm64.ips"))
	if err != nil {
		t.Fatal(err)
	}
	fr := r.Threads[0].Frames
	if !fr[0].Inline || fr[1].Inline || !sameLoc(&fr[0], &fr[1]) {
		t.Fatal("testdata: thread 0 should start with an inline frame and its concrete frame")
	}
	fr[1].Resolved = &process.Resolution{Symbol: "Helper.run()", RawSymbol: "$s6Helper3runyyF", SymbolLocation: 64,
		SourceFile: "Helpers.swift", SourceLine: 22,
		Inlined: []process.InlineFrame{{Symbol: "a()", SourceFile: "A.swift", SourceLine: 1}, {Symbol: "b()", SymbolLocation: 8}}}
	var out bytes.Buffer
	if err := r.WriteJSON(&out, format.WriteOptions{FullPaths: true}); err != nil {
		t.Fatal(err)
	}
	want := `"frames":[{"imageOffset":16400,"imageIndex":0,"symbol":"a()","symbolLocation":0,"sourceFile":"A.swift","sourceLine":1,"inline":true},` +
		`{"imageOffset":16400,"imageIndex":0,"symbol":"b()","symbolLocation":8,"inline":true},` +
		`{"imageOffset":16400,"imageIndex":0,"symbol":"Helper.run()","symbolLocation":64,"sourceFile":"Helpers.swift","sourceLine":22,"rawSymbol":"$s6Helper3runyyF"},` +
		`{"imageOffset":17408,"imageIndex":0}`
	if !bytes.Contains(out.Bytes(), []byte(want)) {
		i := bytes.Index(out.Bytes(), []byte(`"frames":[`))
		t.Fatalf("frames written as\n%s", out.Bytes()[i:i+len(want)+40])
	}
	if bytes.Contains(out.Bytes(), []byte("closure #1 in Helper.run()")) {
		t.Fatal("the old inline frame is still there")
	}
}

// TestWriteJSONTupleBecomesObject: a resolved [imageIndex, imageOffset]
// tuple is written as a frame object keeping the original numbers.
func TestWriteJSONTupleBecomesObject(t *testing.T) {
	r, err := Parse(readTestdata(t, "panic-210.ips"))
	if err != nil {
		t.Fatal(err)
	}
	var th *Thread
	for i := range r.Threads {
		if r.Threads[i].ID == 700 {
			th = &r.Threads[i]
		}
	}
	if th == nil || len(th.Frames) != 3 || len(th.KernelFrames) != 1 {
		t.Fatalf("thread 700 not parsed: %+v", th)
	}
	th.Frames[0].Resolved = &process.Resolution{Symbol: "-[Foo bar]", SymbolLocation: 12}
	th.KernelFrames[0].Resolved = &process.Resolution{Symbol: "thread_block", SymbolLocation: 0}
	var out bytes.Buffer
	if err := r.WriteJSON(&out, format.WriteOptions{FullPaths: true}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"userFrames":[{"imageIndex":2,"imageOffset":1024,"symbol":"-[Foo bar]","symbolLocation":12},[3,2048],[1,0]]`,
		`"kernelFrames":[{"imageIndex":0,"imageOffset":16384,"symbol":"thread_block","symbolLocation":0}]`,
		"\nModel: iPhone13,2, trailing hardware summary that is not JSON\n",
	} {
		if !bytes.Contains(out.Bytes(), []byte(want)) {
			t.Errorf("output lacks %s", want)
		}
	}
}

func TestWriteJSONLegacyIsAnError(t *testing.T) {
	r, err := Parse(readTestdata(t, "legacy-ios.crash"))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.WriteJSON(&bytes.Buffer{}, format.WriteOptions{FullPaths: true}); !errors.Is(err, ErrNotJSON) {
		t.Fatalf("err = %v, want ErrNotJSON", err)
	}
}
