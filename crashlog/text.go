package crashlog

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/internal/bufpool"
	"github.com/symbolicate/symbolicate/process"
)

// TextOptions controls WriteText.
type TextOptions struct {
	// FullPaths keeps directories in source file names. By default only the
	// last path component of a sourceFile is shown, as Apple's renderings do
	// ("/<compiler-generated>" shows as "<compiler-generated>"). The resolver
	// decides what it puts in Resolution.SourceFile; this option applies to
	// every source file shown, resolved or written by the OS.
	FullPaths bool
	// Layout selects the rendering of JSON reports; LayoutAuto chooses the
	// one Apple's tools produce for the report (see Layout).
	Layout Layout
}

// Layout is a text rendering of a JSON crash report (ips.md §10).
type Layout int

const (
	// LayoutAuto picks LayoutIOS for reports from embedded devices
	// (osVersion.isEmbedded, or an iPhone/iPad/tvOS/watchOS train), as Xcode
	// renders them, and LayoutMacOS otherwise, as Console renders them.
	LayoutAuto Layout = iota
	// LayoutIOS is Xcode's "Report Version: 104" rendering of a device
	// report: "Thread N name:" / "Thread N Crashed:" headers, Binary Images
	// with arch and dash-less UUIDs, "EOF".
	LayoutIOS
	// LayoutMacOS is Console's rendering on macOS: "Thread N Crashed::  …"
	// headers, Binary Images with bundle id, version and dashed UUIDs. For a
	// macOS process (platform 1 or 6) the header block is the "Report
	// Version: 12" one and the report ends with the External Modification and
	// VM Region summaries; for iOS-family processes run on a Mac (simulator,
	// iOS app on Apple silicon) Console keeps the "Report Version: 104"
	// header block and ends with "EOF" (corpus 06b).
	LayoutMacOS
)

// WriteText writes the report as text. Legacy text reports are reproduced
// byte for byte except that each resolved frame's symbol part is rewritten
// (as symbolicatecrash does) and its inlined calls are inserted as extra
// "[inlined]" lines with the same frame number. JSON crash reports are
// rendered in Apple's layout (see Layout); kernel-style reports get a
// process/thread listing; other reports are written unchanged. The output is
// deterministic.
func (r *Report) WriteText(w io.Writer, opts format.WriteOptions) error {
	return r.WriteTextWith(w, TextOptions{FullPaths: opts.FullPaths})
}

// WriteTextWith is WriteText with the choice of layout.
func (r *Report) WriteTextWith(w io.Writer, opts TextOptions) error {
	if r == nil || r.raw == nil {
		return fmt.Errorf("crashlog: WriteText on a report that was not parsed")
	}
	switch r.Kind {
	case KindLegacyText:
		return r.writeLegacyText(w, opts.FullPaths)
	case KindCrash:
		t := newTextWriter(r, opts, w)
		t.render()
		return t.finish()
	case KindKernel:
		t := newTextWriter(r, opts, w)
		t.renderKernel()
		return t.finish()
	}
	_, err := w.Write(r.raw[r.ips.Start:r.ips.End])
	return err
}

// textWriter renders one report.
type textWriter struct {
	r    *Report
	p    *payload
	opts TextOptions
	buf  *bytes.Buffer
	w    io.Writer // buf is spilled to w as it fills, unless buf is w
	err  error     // the first error of w

	device    bool // iOS (Xcode) thread headers and Binary Images
	macHeader bool // "Report Version: 12" header block and summaries
}

// newTextWriter returns a writer of r's text to w. A *bytes.Buffer is
// rendered into directly; other writers get the text through a buffer
// sized for about the whole report (an .ips renders to a little less than
// its size), up to two spills.
func newTextWriter(r *Report, opts TextOptions, w io.Writer) *textWriter {
	t := &textWriter{r: r, p: r.p, opts: opts, w: w}
	if bw, ok := w.(*bytes.Buffer); ok {
		t.buf = bw
		return t
	}
	t.buf = bytes.NewBuffer(bufpool.Get(min(r.ips.End-r.ips.Start, 2*spillAt)))
	return t
}

// finish passes on what is left, hands the writer's own buffer back and
// returns the first write error.
func (t *textWriter) finish() error {
	err := t.flush()
	if t.buf != t.w {
		bufpool.Put(t.buf.Bytes())
		t.buf = nil
	}
	return err
}

// spillAt is how much rendered text a writer holds before passing it on,
// so that a report of a million frames is never all in memory twice.
const spillAt = 64 << 10

// spill passes the rendered text on once there is enough of it.
func (t *textWriter) spill() {
	if t.buf.Len() >= spillAt && t.buf != t.w {
		t.flush()
	}
}

// flush passes on all rendered text and returns the first write error.
func (t *textWriter) flush() error {
	if t.buf == t.w {
		return nil
	}
	if t.err == nil && t.buf.Len() > 0 {
		_, t.err = t.w.Write(t.buf.Bytes())
	}
	t.buf.Reset()
	return t.err
}

func (t *textWriter) printf(format string, args ...any) { fmt.Fprintf(t.buf, format, args...) }
func (t *textWriter) line(s string)                     { t.buf.WriteString(s); t.buf.WriteByte('\n') }
func (t *textWriter) blank()                            { t.buf.WriteByte('\n') }

// kv writes "key:" padded to width, then the value.
func (t *textWriter) kv(width int, key, val string) {
	k := key + ":"
	t.buf.WriteString(k)
	t.buf.WriteByte(' ')
	for n := len(k) + 1; n < width; n++ {
		t.buf.WriteByte(' ')
	}
	t.line(val)
}

// chooseLayout decides the layout as Apple's tools do.
func (t *textWriter) chooseLayout() {
	p := t.p
	train := string(p.OSVersion.Train)
	if train == "" {
		train = t.r.OSVersion
	}
	embedded := p.OSVersion.IsEmbedded.v
	if !p.OSVersion.IsEmbedded.set {
		embedded = isEmbeddedTrain(train)
	}
	switch t.opts.Layout {
	case LayoutIOS:
		t.device = true
	case LayoutMacOS:
		t.device = false
	default:
		t.device = embedded
	}
	if !t.device {
		switch t.r.Platform {
		case 1, 6:
			t.macHeader = true
		case 0:
			t.macHeader = strings.HasPrefix(train, "macOS") || strings.HasPrefix(train, "Mac OS")
		}
	}
}

// isEmbeddedTrain reports whether an OS train names an embedded OS.
func isEmbeddedTrain(train string) bool {
	for _, p := range []string{"iPhone OS", "iPadOS", "iOS", "Apple TVOS", "tvOS", "Watch OS", "watchOS", "Bridge OS", "xrOS", "visionOS"} {
		if strings.HasPrefix(train, p) {
			return true
		}
	}
	return false
}

// render writes a 309-style report.
func (t *textWriter) render() {
	t.chooseLayout()
	if t.macHeader {
		t.macHeaderBlock()
	} else {
		t.embeddedHeaderBlock()
	}
	if len(t.r.LastExceptionBacktrace) > 0 {
		t.line("Last Exception Backtrace:")
		t.frames(t.r.LastExceptionBacktrace)
		t.blank()
	}
	t.threads()
	t.threadState()
	t.binaryImages()
	if t.macHeader {
		t.macSummaries()
	} else {
		t.blank()
		t.line("EOF")
	}
}

// threads writes every thread with its header and frames.
func (t *textWriter) threads() {
	crashed := t.r.FaultingThread
	anyTriggered := false
	for i := range t.r.Threads {
		anyTriggered = anyTriggered || t.r.Threads[i].Triggered
	}
	for i := range t.r.Threads {
		th := &t.r.Threads[i]
		triggered := th.Triggered || (i == crashed && !anyTriggered)
		label := th.Name
		if th.Queue != "" {
			label += " Dispatch queue: " + th.Queue
		}
		if t.device {
			if label != "" {
				t.printf("Thread %d name:  %s\n", i, label)
			}
			if triggered {
				t.printf("Thread %d Crashed:\n", i)
			} else {
				t.printf("Thread %d:\n", i)
			}
		} else {
			t.printf("Thread %d", i)
			if triggered {
				t.buf.WriteString(" Crashed")
			}
			t.buf.WriteByte(':')
			if label != "" {
				t.buf.WriteString(": ")
				t.buf.WriteString(label)
			}
			t.blank()
		}
		t.frames(th.Frames)
		t.blank()
	}
	t.blank()
}

// frames writes a backtrace; frame numbers count inline frames.
func (t *textWriter) frames(frames []Frame) {
	n := 0
	for g := range frameGroups(frames) {
		c := &frames[g.concrete]
		res := t.r.resolution(c)
		if g.orphan || res == nil {
			for k := g.first; k < g.end; k++ {
				t.frameLine(n, &frames[k], nil, frames[k].Inline)
				n++
			}
			continue
		}
		for i := range res.Inlined {
			in := &res.Inlined[i]
			t.frameLine(n, c, &process.Resolution{Symbol: in.Symbol, SymbolLocation: in.SymbolLocation,
				SourceFile: in.SourceFile, SourceLine: in.SourceLine}, true)
			n++
		}
		t.frameLine(n, c, res, false)
		n++
	}
}

// frameLine writes one "N   image   \t  0xaddr symbol + off (file:line)" line.
func (t *textWriter) frameLine(n int, f *Frame, res *process.Resolution, inline bool) {
	appendFramePrefix(t.buf, t.r, n, f)
	appendSymbolPart(t.buf, t.r, f, res, inline, t.opts.FullPaths)
	t.buf.WriteByte('\n')
	t.spill()
}

// appendFramePrefix writes "N   image<pad to 30>\t<addr right-aligned in 18> ",
// Apple's "%-4d%-30s\t%18s " columns.
func appendFramePrefix(buf *bytes.Buffer, r *Report, n int, f *Frame) {
	name := "???"
	if im := r.Image(f); im != nil {
		switch {
		case im.Name != "":
			name = im.Name
		case r.Kind == KindKernel:
			name = kernelImageName(im)
		}
	}
	var tmp [24]byte
	num := strconv.AppendInt(tmp[:0], int64(n), 10)
	buf.Write(num)
	pad(buf, 4-len(num))
	buf.WriteString(name)
	pad(buf, 30-len(name))
	buf.WriteByte('\t')
	addr := append(tmp[:0], "???"...)
	if a, ok := r.Address(f); ok {
		addr = strconv.AppendUint(append(tmp[:0], "0x"...), a, 16)
	}
	pad(buf, 18-len(addr))
	buf.Write(addr)
	buf.WriteByte(' ')
}

const spaces = "                                        "

// pad writes n spaces (none when n ≤ 0).
func pad(buf *bytes.Buffer, n int) {
	for n > 0 {
		k := min(n, len(spaces))
		buf.WriteString(spaces[:k])
		n -= k
	}
}

// appendSymbolPart writes what follows the address: "symbol + offset", then
// " (file:line)" and " [inlined]" when they apply, or "0xbase + offset" for an
// unsymbolicated frame ("???" when the frame has no image or the absolute one).
func appendSymbolPart(buf *bytes.Buffer, r *Report, f *Frame, res *process.Resolution, inline, fullPaths bool) {
	var tmp [24]byte
	switch {
	case res != nil:
		buf.WriteString(res.Symbol)
		buf.WriteString(" + ")
		buf.Write(strconv.AppendUint(tmp[:0], res.SymbolLocation, 10))
		if res.SourceFile != "" {
			appendSource(buf, res.SourceFile, res.SourceLine, fullPaths)
		}
	case f.HasSymbol:
		buf.WriteString(f.Symbol)
		buf.WriteString(" + ")
		buf.Write(strconv.AppendUint(tmp[:0], f.SymbolLocation, 10))
		if f.SourceFile != "" && f.hasLine {
			appendSource(buf, f.SourceFile, int(f.SourceLine), fullPaths)
		}
	case f.absolute || f.Image < 0 || r.Images[f.Image].Source == "A":
		buf.WriteString("???")
	default:
		buf.WriteString("0x")
		buf.Write(strconv.AppendUint(tmp[:0], r.Images[f.Image].Base, 16))
		buf.WriteString(" + ")
		buf.Write(strconv.AppendUint(tmp[:0], f.Offset, 10))
	}
	if inline {
		buf.WriteString(" [inlined]")
	}
}

// appendSource writes " (file:line)", or " (file)" when the line is 0 (a
// line-table row that names no line). "<compiler-generated>" keeps its ":0",
// as Apple's tools print it.
func appendSource(buf *bytes.Buffer, file string, line int, fullPaths bool) {
	var tmp [24]byte
	buf.WriteString(" (")
	name := process.SourceName(file, fullPaths)
	buf.WriteString(name)
	if line != 0 || name == "<compiler-generated>" {
		buf.WriteByte(':')
		buf.Write(strconv.AppendInt(tmp[:0], int64(line), 10))
	}
	buf.WriteByte(')')
}

// binaryImages writes the Binary Images section: start, end = base+size−1
// (wrapping, as Apple prints the absolute image), then the layout's columns.
func (t *textWriter) binaryImages() {
	t.line("Binary Images:")
	var hexBuf [16]byte
	buf := t.buf
	addr := func(v uint64) { // "%18s" of "0x…"
		h := strconv.AppendUint(hexBuf[:0], v, 16)
		pad(buf, 16-len(h))
		buf.WriteString("0x")
		buf.Write(h)
	}
	for i := range t.r.Images {
		im := &t.r.Images[i]
		addr(im.Base)
		buf.WriteString(" - ")
		addr(im.Base + im.Size - 1)
		buf.WriteByte(' ')
		if t.device {
			buf.WriteString(orUnknown(im.Name))
			buf.WriteByte(' ')
			buf.WriteString(orUnknown(im.Arch))
			buf.WriteString("  <")
			appendUUIDHex(buf, im.UUID, false)
		} else {
			ident := im.BundleID
			if ident == "" {
				ident = orUnknown(im.Name)
			}
			ver := im.Version
			if ver == "" {
				ver = "*"
			}
			buf.WriteString(ident)
			buf.WriteString(" (")
			buf.WriteString(ver)
			buf.WriteString(") <")
			appendUUIDHex(buf, im.UUID, true)
		}
		buf.WriteString("> ")
		buf.WriteString(orUnknown(im.Path))
		buf.WriteByte('\n')
		t.spill()
	}
}

// appendUUIDHex writes u in lower case, with its dashes or without.
func appendUUIDHex(buf *bytes.Buffer, u process.UUID, dashes bool) {
	const digits = "0123456789abcdef"
	for i, c := range u {
		if dashes && (i == 4 || i == 6 || i == 8 || i == 10) {
			buf.WriteByte('-')
		}
		buf.WriteByte(digits[c>>4])
		buf.WriteByte(digits[c&15])
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "???"
	}
	return s
}
