package crashlog

import (
	"bytes"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/internal/corpus"
	"github.com/symbolicate/symbolicate/process"
)

func mustParse(t *testing.T, data []byte) *Report {
	t.Helper()
	r, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestParseSynthetic309 checks the model of a small hand-written 309 report
// that carries the awkward cases: an inline frame, a symbol with a newline,
// an image without name, one without path and arch, the absolute image, an
// empty frame list, registers above 2^63 with their own symbols, esr's
// description, lastExceptionBacktrace, asi and asiBacktraces.
func TestParseSynthetic309(t *testing.T) {
	r := mustParse(t, readTestdata(t, "ios-arm64.ips"))
	if r.Kind != KindCrash || r.BugType != "309" || r.BugTypeName != "Crash" || r.Platform != 2 {
		t.Fatalf("kind %v bug %q %q platform %d", r.Kind, r.BugType, r.BugTypeName, r.Platform)
	}
	if r.ProcessName != "Sampler" || r.PID != 777 || r.CPUType != "ARM-64" || r.OSVersion != "iPhone OS 17.4 (21E219)" ||
		r.Incident != "0A0B0C0D-1111-2222-3333-444455556666" || r.CaptureTime != "2024-05-06 10:11:12.3456 +0200" {
		t.Errorf("process fields: %+v", r)
	}
	if r.Exception != (Exception{Type: "EXC_BAD_ACCESS", Signal: "SIGSEGV", Codes: "0x0000000000000001, 0x0000000000000010", Subtype: "KERN_INVALID_ADDRESS at 0x0000000000000010"}) {
		t.Errorf("exception %+v", r.Exception)
	}
	if len(r.Images) != 5 {
		t.Fatalf("%d images", len(r.Images))
	}
	if im := r.Images[2]; im.Name != "Kit" || im.Path == "" || !im.HasUUID {
		t.Errorf("image without name: %+v", im)
	}
	if im := r.Images[3]; im.Name != "NoPath.dylib" || im.Path != "" || im.Arch != "" {
		t.Errorf("image without path/arch: %+v", im)
	}
	if im := r.Images[4]; im.Source != "A" || im.HasUUID || im.Name != "" {
		t.Errorf("absolute image: %+v", im)
	}
	if sc := r.SharedCache; sc == nil || sc.Base != 7516192768 || sc.Size != 3221225472 || sc.UUID[0] != 0x0f {
		t.Errorf("shared cache %+v", sc)
	}
	th := r.Threads[0]
	if !th.Triggered || th.Queue != "com.apple.main-thread" || th.ID != 4242 || r.FaultingThread != 0 {
		t.Errorf("thread 0: %+v", th)
	}
	if f := th.Frames[0]; !f.Inline || f.Symbol != "closure #1 in Helper.run()" || f.SourceFile != "Helpers.swift" || f.hasLine {
		t.Errorf("inline frame %+v", f)
	}
	if f := th.Frames[1]; f.Inline || f.SourceLine != 21 || f.SymbolLocation != 64 {
		t.Errorf("concrete frame %+v", f)
	}
	if f := th.Frames[2]; f.HasSymbol || f.Image != 0 || f.Offset != 17408 {
		t.Errorf("bare frame %+v", f)
	}
	if f := th.Frames[3]; f.Symbol != "assertion failed: x > 0\n" {
		t.Errorf("newline symbol %q", f.Symbol)
	}
	if a, ok := r.Address(&th.Frames[5]); !ok || a != 7 {
		t.Errorf("absolute-image frame address %#x %v", a, ok)
	}
	if a, ok := r.Address(&th.Frames[2]); !ok || a != 4294967296+17408 {
		t.Errorf("address %#x %v", a, ok)
	}
	if len(r.Threads[2].Frames) != 0 || r.Threads[1].Name != "com.example.worker" {
		t.Errorf("threads 1, 2: %+v %+v", r.Threads[1], r.Threads[2])
	}
	regs := th.Registers
	if regs == nil || regs.Flavor != "ARM_THREAD_STATE64" {
		t.Fatalf("registers %+v", regs)
	}
	if x1 := regs.Reg("x1"); x1 == nil || x1.Value != 18446744073709551615 {
		t.Errorf("x1 = %+v (must be exactly 2^64-1)", x1)
	}
	if x2 := regs.Reg("x2"); x2 == nil || !x2.HasSymbol || x2.Symbol != "main" || x2.SymbolLocation != 8 {
		t.Errorf("x2 = %+v", x2)
	}
	if esr := regs.Reg("esr"); esr == nil || esr.Description != "(Data Abort) byte read Translation fault" {
		t.Errorf("esr = %+v", esr)
	}
	if pc := regs.Reg("pc"); pc == nil || !pc.MatchesCrashFrame {
		t.Errorf("pc = %+v", pc)
	}
	var names []string
	for _, rg := range regs.Regs {
		names = append(names, rg.Name)
	}
	if got := strings.Join(names, " "); got != "x0 x1 x2 x3 fp lr sp pc cpsr far esr" {
		t.Errorf("register order %s", got)
	}
	if len(r.LastExceptionBacktrace) != 2 || r.LastExceptionBacktrace[0].Symbol != "__exceptionPreprocess" {
		t.Errorf("lastExceptionBacktrace %+v", r.LastExceptionBacktrace)
	}
	if asi := r.p.asi; len(asi) != 2 || asi[0].image != "libsystem_c.dylib" || len(asi[1].msgs) != 2 {
		t.Errorf("asi %+v", asi)
	}
	if len(r.p.ASIBacktraces) != 1 {
		t.Errorf("asiBacktraces %q", r.p.ASIBacktraces)
	}
	// Every field is kept, known or not, as raw JSON.
	keys := map[string]string{}
	for _, f := range r.Fields {
		keys[f.Key] = string(f.Value)
	}
	if !strings.Contains(keys["trialInfo"], `"factorPackIds" : [`) || keys["vmregioninfo"] != `"0x10 is not in any region."` ||
		keys["vmRegionInfo"] != keys["vmregioninfo"] || keys["storeInfo"] == "" {
		t.Errorf("fields kept: %v", keys)
	}
	if len(r.HeaderFields) != 14 || r.HeaderFields[0].Key != "app_name" {
		t.Errorf("header fields %v", r.HeaderFields)
	}
}

// TestParseX86Registers: x86 state with Rosetta's nested tmp registers and
// the cpu/trap/err values, in display order.
func TestParseX86Registers(t *testing.T) {
	r := mustParse(t, readTestdata(t, "macos-x86_64-rosetta.ips"))
	if !r.Translated || r.CPUType != "X86-64" {
		t.Fatalf("translated %v cpu %q", r.Translated, r.CPUType)
	}
	regs := r.Threads[0].Registers
	var names []string
	for _, rg := range regs.Regs {
		names = append(names, rg.Name)
	}
	want := "rax rbx rcx rdx rdi rsi rbp rsp r8 r9 r10 r11 r12 r13 r14 r15 rip rflags cr2 tmp0 tmp1 tmp2 cpu trap err"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("order:\n got %s\nwant %s", got, want)
	}
	if rax := regs.Reg("rax"); rax.Value != 1<<63 {
		t.Errorf("rax %#x", rax.Value)
	}
	if r12 := regs.Reg("r12"); r12.Symbol != "_dispatch_main_q" {
		t.Errorf("r12 %+v", r12)
	}
	if tr := regs.Reg("trap"); tr.Description != "(invalid opcode)" || tr.Value != 6 {
		t.Errorf("trap %+v", tr)
	}
	if im := r.Images[0]; im.BundleID != "org.example.tool" || im.Version != "3.0" || im.BundleVersion != "300" {
		t.Errorf("bundle info %+v", im)
	}
	for _, f := range r.Fields {
		if f.Key == "trialInfo" && !bytes.Contains(f.Value, []byte(`"factorPackIds" : {`)) {
			t.Errorf("trialInfo with object-valued factorPackIds not kept: %s", f.Value)
		}
	}
}

func TestParseKernel(t *testing.T) {
	r := mustParse(t, readTestdata(t, "panic-210.ips"))
	if r.Kind != KindKernel || r.BugTypeName != "Panic" || len(r.Images) != 4 || len(r.Threads) != 3 {
		t.Fatalf("kind %v images %d threads %d", r.Kind, len(r.Images), len(r.Threads))
	}
	if im := r.Images[0]; im.Base != 18446744005157134816 || im.Source != "T" || !im.HasUUID {
		t.Errorf("image 0 %+v (base must be exact)", im)
	}
	if r.Images[1].Source != "A" || r.Images[1].HasUUID {
		t.Errorf("absolute image %+v", r.Images[1])
	}
	th := r.Threads[0]
	if th.PID != 0 || th.Process != "kernel_task" || th.ID != 101 || th.Name != "idle" || len(th.KernelFrames) != 2 || len(th.Frames) != 0 || th.State[0] != "TH_RUN" {
		t.Errorf("thread 0 %+v", th)
	}
	if a, ok := r.Address(&th.KernelFrames[1]); !ok || a != 18446744005157134816+8192 {
		t.Errorf("kernel frame address %d %v", a, ok)
	}
	bb := r.Threads[2]
	if bb.Process != "backboardd" || bb.Queue != "com.apple.main-thread" || len(bb.Frames) != 3 || len(bb.KernelFrames) != 1 {
		t.Errorf("thread 700 %+v", bb)
	}
	if a, ok := r.Address(&bb.Frames[2]); !ok || a != 0 {
		t.Errorf("absolute frame %d %v", a, ok)
	}
	m := r.Process().Listed()
	if len(m.Images) != 3 || m.Images[0].Base != 4294967296 || m.Images[0].End != 0 {
		t.Errorf("image map %+v", m.Images)
	}
}

func TestParseOtherKinds(t *testing.T) {
	for _, c := range []struct{ file, bug, name string }{
		{"jetsam-298.ips", "298", "Jetsam"},
		{"resource-202.ips", "202", "SymptomsCPUUsage"},
	} {
		r := mustParse(t, readTestdata(t, c.file))
		if r.Kind != KindOther || r.BugType != c.bug || r.BugTypeName != c.name {
			t.Errorf("%s: kind %v bug %q %q", c.file, r.Kind, r.BugType, r.BugTypeName)
		}
		var out bytes.Buffer
		if err := r.WriteJSON(&out, format.WriteOptions{FullPaths: true}); err != nil || !bytes.Equal(out.Bytes(), readTestdata(t, c.file)) {
			t.Errorf("%s: WriteJSON changed the report (%v)", c.file, err)
		}
	}
}

// TestParseBug109: a 109 .ips is a header line over a legacy text report.
func TestParseBug109(t *testing.T) {
	r := mustParse(t, readTestdata(t, "bug109.ips"))
	if r.Kind != KindLegacyText || r.BugType != "109" || r.BugTypeName != "Crash" || len(r.Threads) != 1 || len(r.Images) != 1 {
		t.Fatalf("kind %v bug %q threads %d images %d", r.Kind, r.BugType, len(r.Threads), len(r.Images))
	}
	if f := r.Threads[0].Frames[1]; f.Image != 0 || f.Offset != 16640 {
		t.Errorf("frame %+v", f)
	}
}

// TestParseLegacyDetails checks the legacy text parser on the synthetic
// reports: image names with spaces, `+` prefixes, versions, dashed and
// dash-less UUIDs, ??? frames, symbolicated frames with file:line, bundle
// identifiers as frame image names, Last Exception Backtrace and the
// Application Specific Backtrace.
func TestParseLegacyDetails(t *testing.T) {
	r := mustParse(t, readTestdata(t, "legacy-ios.crash"))
	if r.ProcessName != "Legacy" || r.PID != 321 || r.CPUType != "ARM-64" || r.OSVersion != "iPhone OS 14.2 (18B92)" || r.Exception.Signal != "SIGABRT" {
		t.Errorf("props: %q %d %q %q %+v", r.ProcessName, r.PID, r.CPUType, r.OSVersion, r.Exception)
	}
	if len(r.Images) != 4 || r.Images[1].Name != "A Framework With Spaces" || r.Images[1].Arch != "arm64" || r.Images[1].Size != 0x4000 {
		t.Fatalf("images %+v", r.Images)
	}
	want, _ := process.ParseUUID("8ce6a4f1ad09385e8422b60f540b9a23")
	if r.Images[0].UUID != want || !r.Images[0].HasUUID {
		t.Errorf("uuid %v", r.Images[0].UUID)
	}
	t0 := r.Threads[0]
	if !t0.Triggered || t0.Queue != "com.apple.main-thread" || len(t0.Frames) != 4 {
		t.Fatalf("thread 0 %+v", t0)
	}
	if f := t0.Frames[2]; f.Symbol != "-[AppDelegate application:didFinishLaunchingWithOptions:]" || f.SymbolLocation != 10 || f.SourceFile != "AppDelegate.m" || f.SourceLine != 26 || f.Offset != 0x4def {
		t.Errorf("symbolicated frame %+v", f)
	}
	if f := t0.Frames[3]; f.Image != 1 || f.Offset != 16 {
		t.Errorf("frame in image with spaces %+v", f)
	}
	if r.Threads[1].Name != "com.example.worker" || r.Threads[1].Triggered {
		t.Errorf("thread 1 %+v", r.Threads[1])
	}
	leb := r.LastExceptionBacktrace
	if len(leb) != 3 || !leb[2].absolute || leb[2].Image != -1 || leb[2].Offset != 0x1dead0000 {
		t.Errorf("leb %+v", leb)
	}

	m := mustParse(t, readTestdata(t, "legacy-macos.crash"))
	if !m.Translated || m.CPUType != "X86-64" || m.FaultingThread != 1 || !m.Threads[1].Triggered || m.Threads[0].Triggered {
		t.Errorf("mac props translated %v cpu %q faulting %d", m.Translated, m.CPUType, m.FaultingThread)
	}
	if im := m.Images[0]; im.Name != "Viewer" || im.BundleID != "org.example.viewer" || im.Version != "1.0" || im.BundleVersion != "1" || !im.HasUUID {
		t.Errorf("image 0 %+v", im)
	}
	if im := m.Images[2]; im.Name != "libsystem_kernel.dylib" || im.BundleID != "" || im.Version != "7195.50.3" {
		t.Errorf("image 2 %+v", im)
	}
	f := m.Threads[1].Frames
	if f[0].Image != -1 || !f[0].absolute || f[1].Image != 0 || f[1].Symbol != "start_threads" || f[2].Offset != 7663 {
		t.Errorf("mac frames %+v", f)
	}
	if len(m.LastExceptionBacktrace) != 2 || m.LastExceptionBacktrace[1].Offset != 4660 {
		t.Errorf("application specific backtrace %+v", m.LastExceptionBacktrace)
	}
}

// TestLegacyFrameOffsetsCorpus: in every real legacy report, each
// unsymbolicated frame "0xADDR 0xBASE + OFF" is matched to the image that
// starts at BASE, with Offset = OFF.
func TestLegacyFrameOffsetsCorpus(t *testing.T) {
	for _, c := range corpusCases {
		if c.kind != KindLegacyText {
			continue
		}
		t.Run(c.path, func(t *testing.T) {
			data := corpus.Read(t, c.path)
			r := mustParse(t, data)
			n := 0
			check := func(frames []Frame) {
				for i := range frames {
					f := &frames[i]
					base, off, ok := strings.Cut(string(data[f.src.Start():f.src.End()]), " + ")
					if !ok || !strings.HasPrefix(base, "0x") || f.HasSymbol {
						continue
					}
					im := r.Image(f)
					if im == nil {
						t.Errorf("frame %q has no image", data[f.line.Start():f.line.End()])
						continue
					}
					if "0x"+strings.TrimLeft(strings.ToLower(base[2:]), "0") != "0x"+strings.TrimLeft(strconvHex(im.Base), "0") || off != strconvDec(f.Offset) {
						t.Errorf("frame %q → %s %#x + %d", data[f.line.Start():f.line.End()], im.Name, im.Base, f.Offset)
					}
					n++
				}
			}
			for i := range r.Threads {
				check(r.Threads[i].Frames)
			}
			check(r.LastExceptionBacktrace)
			t.Logf("%d unsymbolicated frames checked", n)
		})
	}
}

// TestContainers: CRLF line ends, doubled blank lines, markdown fences, a
// byte-order mark and a payload without its header line all parse to the
// same report.
func TestContainers(t *testing.T) {
	orig := readTestdata(t, "ios-arm64.ips")
	base := mustParse(t, orig)
	variants := map[string][]byte{
		"crlf":       bytes.ReplaceAll(orig, []byte("\n"), []byte("\r\n")),
		"blank":      bytes.ReplaceAll(orig, []byte("\n"), []byte("\n\n")),
		"fence":      append(append([]byte("```json\n"), orig...), []byte("```\ntrailing prose\n")...),
		"bom":        append([]byte("\xef\xbb\xbf"), orig...),
		"headerless": orig[bytes.IndexByte(orig, '\n')+1:],
	}
	for name, data := range variants {
		r, err := Parse(data)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if r.Kind != KindCrash || len(r.Threads) != len(base.Threads) || countFrames(r) != countFrames(base) || len(r.Images) != len(base.Images) {
			t.Errorf("%s: kind %v threads %d frames %d", name, r.Kind, len(r.Threads), countFrames(r))
		}
		if name == "headerless" && (r.BugType != "" || r.OSVersion != "iPhone OS 17.4 (21E219)") {
			t.Errorf("headerless: bug %q os %q", r.BugType, r.OSVersion)
		}
		if name != "headerless" && r.BugType != "309" {
			t.Errorf("%s: bug %q", name, r.BugType)
		}
		var out bytes.Buffer
		if err := r.WriteJSON(&out, format.WriteOptions{FullPaths: true}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A truncated header line: the payload is read without it, with a warning,
	// and WriteJSON writes the payload alone.
	nl := bytes.IndexByte(orig, '\n')
	cut := append(append([]byte(nil), orig[:nl/2]...), orig[nl:]...)
	if r, err := Parse(cut); err != nil || len(r.Warnings) != 1 || countFrames(r) != countFrames(base) {
		t.Errorf("truncated header: %v %v", err, r)
	} else {
		var out bytes.Buffer
		if err := r.WriteJSON(&out, format.WriteOptions{FullPaths: true}); err != nil || !bytes.Equal(out.Bytes(), orig[nl+1:]) {
			t.Errorf("truncated header: WriteJSON wrote %.60q (%v)", out.Bytes(), err)
		}
	}
	// The legacy parser tolerates CRLF too, and keeps it when rewriting.
	crlf := bytes.ReplaceAll(readTestdata(t, "legacy-ios.crash"), []byte("\n"), []byte("\r\n"))
	r := mustParse(t, crlf)
	if len(r.Threads) != 2 || r.Threads[0].Frames[2].SourceLine != 26 {
		t.Fatalf("CRLF legacy: %+v", r.Threads)
	}
	r.Threads[0].Frames[1].Resolved = &process.Resolution{Symbol: "f", Inlined: []process.InlineFrame{{Symbol: "g"}}}
	var out bytes.Buffer
	if err := r.WriteTextWith(&out, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if bytes.Count(out.Bytes(), []byte("\n")) != bytes.Count(out.Bytes(), []byte("\r\n")) {
		t.Error("rewritten CRLF text has bare LF line ends")
	}
}

// TestParseErrors: bad input gives a *diag.FormatError naming the format,
// offset, line and field.
func TestParseErrors(t *testing.T) {
	for _, c := range []struct {
		in         string
		format     string
		off        int64
		field, msg string
		line       int
	}{
		{"", "ips", 0, "", "empty input", 1},
		{"  \n\t", "ips", 0, "", "empty input", 1},
		{`{"bug_type":"309"`, "ips", 17, "header", "unexpected end of input inside object", 1},
		{"{\"bug_type\":\"309\"}\n{\"threads\":[1,]}", "ips", 33, "payload", "invalid character ']' looking for a value", 2},
		{"{\"bug_type\":\"309\"}\n{\"threads\":[\n{\"frames\":[{\"imageIndex\":0}]}\n", "ips", 62, "payload", "unexpected end of input inside array", 4},
		{`{"bug_type":"309"}`, "ips", 18, "payload", "no report body after the header line", 1},
		{"{\"bug_type\":\"309\"}\n{\"threads\":{}}", "ips", 30, "threads", "not an array", 2},
		{"{\"bug_type\":\"309\"}\n{\"threads\":[],\n\"usedImages\":{\"a\":1}}", "ips", 47, "payload.usedImages", "cannot decode: not an array of images", 3},
		{"{\"bug_type\":\"309\"}\n{\"threads\":[],\"usedImages\":[null,7]}", "ips", 52, "payload.usedImages", "cannot decode: image 1 is not an object", 2},
		{"{\"bug_type\":\"309\"}\n{\"threads\":[{\"frames\":[7]}],\"usedImages\":[]}", "ips", 42, "threads[0].frames", "frame 0 is not an object", 2},
		{"{\"bug_type\":\"210\"}\n{\"binaryImages\":[[\"x\",1,\"P\"]],\"processByPid\":{\"1\":{\"threadById\":{\"2\":{\"userFrames\":[[0]]}}}}}", "ips", 103, "processByPid[1].threadById[2].userFrames", "frame 0: want [imageIndex, imageOffset]", 2},
		{"hello world\nthis is not a crash report\n", "crash", 0, "", "no crash report found: no Process/Incident/Exception lines, threads or Binary Images", 1},
		{"{\"a\":\"\\x\"}", "ips", 6, "header", `bad escape \x in string`, 1},
		{"{\"a\":01}", "ips", 6, "header", "expected ',' or '}' in object", 1},
		{`{"a":` + strings.Repeat("[", 600), "ips", 516, "header", "nesting deeper than 512", 1},
	} {
		_, err := Parse([]byte(c.in))
		var fe *diag.FormatError
		if !errors.As(err, &fe) {
			t.Errorf("%.40q: err = %v, want a *diag.FormatError", c.in, err)
			continue
		}
		if fe.Format != c.format || fe.Off != c.off || fe.Field != c.field || fe.Msg != c.msg || fe.Line != c.line {
			t.Errorf("%.40q:\n got  %s %d %q %q line %d\n want %s %d %q %q line %d", c.in, fe.Format, fe.Off, fe.Field, fe.Msg, fe.Line, c.format, c.off, c.field, c.msg, c.line)
		}
	}
}

func TestModelHelpers(t *testing.T) {
	r := mustParse(t, readTestdata(t, "ios-arm64.ips"))
	m := r.Process().Listed()
	if m.Platform != "iPhone OS 17.4 (21E219)" || m.WordSize != 64 || len(m.Images) != 4 {
		t.Fatalf("map %+v", m)
	}
	for i := 1; i < len(m.Images); i++ {
		if m.Images[i-1].Base > m.Images[i].Base {
			t.Fatal("image map not sorted by base")
		}
	}
	first := m.Images[0]
	if first.Name != "Sampler" || first.End != 4294967296+32768 || first.Arch != "arm64" || len(first.ID) != 16 {
		t.Errorf("first image %+v", first)
	}
	for _, c := range []struct {
		cpu, arch string
		want      int
	}{{"ARM-64", "", 64}, {"X86-64", "", 64}, {"ARM", "", 32}, {"X86", "", 32}, {"ARM-64_32", "", 32}, {"", "armv7", 32}, {"", "arm64_32", 32}, {"", "arm64e", 64}, {"", "", 64}} {
		rr := &Report{CPUType: c.cpu, Images: []Image{{Arch: c.arch}}}
		if got := rr.wordSize(); got != c.want {
			t.Errorf("wordSize(%q, %q) = %d, want %d", c.cpu, c.arch, got, c.want)
		}
	}
	// Address overflow and out-of-range image indices are not addresses.
	rr := &Report{Images: []Image{{Base: ^uint64(0)}}}
	if _, ok := rr.Address(&Frame{Frame: process.Frame{Image: 0, Offset: 2}}); ok {
		t.Error("overflowing address accepted")
	}
	if _, ok := rr.Address(&Frame{Frame: process.Frame{Image: 3}}); ok {
		t.Error("bad image index accepted")
	}
}

func TestBugTypeNames(t *testing.T) {
	for in, want := range map[string]string{
		"309": "Crash", "109": "Crash", "210": "Panic", "151": "ForceReset", "288": "Stackshot", "298": "Jetsam",
		"145": "SymptomsIO", "202": "SymptomsCPUUsage", "206": "SymptomsCPUUsageFatal", "188": "LegacyStackshot",
		"308": "OSFault", "385": "ExcResource", "409": "SystemWatchdogCrash", "509": "TerminatingStackshot",
		"T01": "TestA", "system_profile": "SystemInformation", "146": "honeybee payload",
		"": "", "999": "", "30 9": "",
	} {
		if got := BugTypeName(in); got != want {
			t.Errorf("BugTypeName(%q) = %q, want %q", in, got, want)
		}
	}
	for k, want := range map[Kind]string{KindOther: "other", KindCrash: "crash", KindKernel: "kernel", KindLegacyText: "legacy text", Kind(9): "Kind(9)"} {
		if k.String() != want {
			t.Errorf("%d.String() = %q", int(k), k.String())
		}
	}
}

func strconvHex(v uint64) string { return strconv.FormatUint(v, 16) }
func strconvDec(v uint64) string { return strconv.FormatUint(v, 10) }

// TestUsedImageFields: the image fields read without copying (names equal
// to the path's last element, UUIDs, common architectures) and their
// uncommon forms (a name of its own, escapes, a bad UUID) decode alike.
func TestUsedImageFields(t *testing.T) {
	in := "{\"bug_type\":\"309\"}\n{\"threads\":[],\"usedImages\":[" +
		`{"source":"P","arch":"arm64e","uuid":"79b6b668-0c0b-3f0d-b024-8f1e78dca1ee","path":"\/usr\/lib\/libA.dylib","name":"libA.dylib"},` +
		`{"source":"S","arch":"arm64_32","uuid":"79B6B6680C0B3F0DB0248F1E78DCA1EF","path":"\/usr\/lib\/libB.dylib","name":"B"},` +
		`{"arch":"x86_64","uuid":"\u0037\u0039b6b668-0c0b-3f0d-b024-8f1e78dca1e0","path":"\/x\/libC","name":"lib\u0043"},` +
		`{"uuid":"not-a-uuid","path":"\/x\/D"},` +
		`{"uuid":"00000000-0000-0000-0000-000000000000","name":"E"}]}`
	r, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	u := func(s string) process.UUID {
		v, err := process.ParseUUID(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	want := []Image{
		{Source: "P", Arch: "arm64e", UUID: u("79b6b668-0c0b-3f0d-b024-8f1e78dca1ee"), HasUUID: true, Path: "/usr/lib/libA.dylib", Name: "libA.dylib"},
		{Source: "S", Arch: "arm64_32", UUID: u("79b6b668-0c0b-3f0d-b024-8f1e78dca1ef"), HasUUID: true, Path: "/usr/lib/libB.dylib", Name: "B"},
		{Arch: "x86_64", UUID: u("79b6b668-0c0b-3f0d-b024-8f1e78dca1e0"), HasUUID: true, Path: "/x/libC", Name: "libC"},
		{Path: "/x/D", Name: "D"},
		{Name: "E"},
	}
	if len(r.Images) != len(want) {
		t.Fatalf("%d images, want %d", len(r.Images), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(r.Images[i], want[i]) {
			t.Errorf("image %d:\n got %+v\nwant %+v", i, r.Images[i], want[i])
		}
	}
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "usedImages[3]") || !strings.Contains(r.Warnings[0], "not-a-uuid") {
		t.Errorf("warnings %q, want one about image 3's uuid", r.Warnings)
	}
}
