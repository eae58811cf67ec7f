package crashlog

import (
	"bytes"
	"errors"
	"fmt"
	"sort"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/internal/jsontape"
)

// ErrUnsupported is wrapped by the error Parse returns when the input is not a
// crash report in a supported form (for example a Swift runtime backtrace JSON
// or an empty file).
var ErrUnsupported = errors.New("not a supported crash report")

// ErrNotJSON is returned by WriteJSON for reports that have no JSON form
// (legacy text reports, including the text body of a bug_type 109 .ips). It
// wraps format.ErrNoJSON.
var ErrNotJSON = fmt.Errorf("report is legacy text: %w", format.ErrNoJSON)

// Format names used in errors.
const (
	formatIPS  = "ips"
	formatText = "crash"
)

// Parse reads a crash report in any supported form: an .ips file (header line
// plus JSON payload, or plus a text body), a legacy text .crash report, or
// either of those inside Console's "Translated Report (Full Report Below)"
// wrapper or markdown fences. CRLF line ends, blank lines between lines and
// text after the JSON payload are tolerated. Parse never panics; on bad input
// it returns an error that names the format, the byte offset and line, and the
// field (a *diag.FormatError, possibly wrapping a decoder error). The report
// keeps data, which the writers copy from: do not modify it while the report
// is in use.
func Parse(data []byte) (*Report, error) {
	r := &Report{raw: data, FaultingThread: -1, PID: -1}
	start, end := locateReport(data)
	b := data[:end]
	r.ips = jsontape.Span{Start: start, End: end}
	i := jsontape.SkipWS(b, start)
	if i >= len(b) {
		return nil, r.errAt(formatIPS, start, "", "empty input").Wrap(ErrUnsupported)
	}
	var err error
	if b[i] == '{' {
		r.ips.Start = i
		err = r.parseIPS(b, i)
	} else {
		r.payload = jsontape.Span{Start: i, End: len(b)}
		err = r.parseLegacy(b, i)
	}
	if err != nil {
		return nil, err
	}
	// The JSON writer walks the frame lists in document order.
	sort.Slice(r.lists, func(a, b int) bool { return r.lists[a].arr.Start < r.lists[b].arr.Start })
	for i := range r.Threads {
		markFrames(r.Threads[i].Frames, false)
		markFrames(r.Threads[i].KernelFrames, true)
	}
	markFrames(r.LastExceptionBacktrace, false)
	return r, nil
}

// markFrames sets what the resolver needs to know of a backtrace's frames:
// frame 0 (the first concrete frame) is the faulting pc and every later one
// holds a return address; kernel frames are marked as such.
func markFrames(frames []Frame, kernel bool) {
	first := true
	for i := range frames {
		f := &frames[i]
		f.Kernel = kernel
		if !f.Inline {
			f.Return = !first
			first = false
		}
	}
}

// errAt builds a *diag.FormatError at absolute offset off, with the 1-based
// line number of off in the message.
func (r *Report) errAt(format string, off int, field, msg string, args ...any) *diag.FormatError {
	if off > len(r.raw) {
		off = len(r.raw)
	}
	line := 1 + bytes.Count(r.raw[:off], []byte{'\n'})
	e := diag.Errorf(format, int64(off), field, msg, args...)
	e.Line = line
	return e
}

// scanFail converts a scanner error.
func (r *Report) scanFail(field string, e error) error {
	var se *jsontape.SyntaxError
	if errors.As(e, &se) {
		return r.errAt(formatIPS, se.Off, field, "%s", se.Msg)
	}
	return r.errAt(formatIPS, 0, field, "%v", e)
}

// decodeFail wraps a go-json error for the value at off.
func (r *Report) decodeFail(off int, field string, err error) error {
	return r.errAt(formatIPS, off, field, "cannot decode").Wrap(err)
}

// locateReport finds the report inside data: after a UTF-8 byte-order mark,
// after Console's "Full Report" banner when the input is a translated report,
// and inside a markdown code fence. It returns the start and end offsets.
func locateReport(data []byte) (start, end int) {
	end = len(data)
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		start = 3
	}
	// Console's wrapper starts with a line of dashes.
	if i := jsontape.SkipWS(data, start); i < len(data) && data[i] == '-' {
		if s, ok := fullReportStart(data, start); ok {
			start = s
		}
	}
	// Markdown fence: ``` or ```json on its own line before the report.
	i := jsontape.SkipWS(data, start)
	if bytes.HasPrefix(data[i:], []byte("```")) {
		nl := bytes.IndexByte(data[i:], '\n')
		if nl < 0 {
			return len(data), len(data)
		}
		start = i + nl + 1
		if j := bytes.Index(data[start:], []byte("\n```")); j >= 0 {
			end = start + j + 1
		}
	}
	return start, end
}

// fullReportStart finds Console's banner
//
//	-----------
//	Full Report
//	-----------
//
// and returns the offset just after it. It looks at each line once.
func fullReportStart(data []byte, from int) (int, bool) {
	prevDash := false // the previous line is a dash line
	for s := from; s < len(data); {
		e := lineEndOf(data, s)
		if prevDash && string(bytes.TrimSpace(data[s:e])) == "Full Report" && e < len(data) {
			ns := e + 1
			ne := lineEndOf(data, ns)
			if isDashLine(data[ns:ne]) {
				if ne < len(data) {
					ne++
				}
				return ne, true
			}
		}
		prevDash = isDashLine(data[s:e])
		s = e + 1
	}
	return 0, false
}

// lineEndOf returns the offset of the '\n' ending the line that starts at s,
// or len(data).
func lineEndOf(data []byte, s int) int {
	if j := bytes.IndexByte(data[s:], '\n'); j >= 0 {
		return s + j
	}
	return len(data)
}

func isDashLine(l []byte) bool {
	l = bytes.TrimSpace(l)
	if len(l) < 3 {
		return false
	}
	for _, c := range l {
		if c != '-' {
			return false
		}
	}
	return true
}

// parseIPS handles input whose first non-blank byte is '{': an .ips header
// line followed by a JSON payload or a text body, or a bare payload object.
func (r *Report) parseIPS(b []byte, i int) error {
	ht, he, se := buildHeader(b, i)
	defer ht.Release() // the report keeps spans of b, never its tapes
	if se != nil {
		// A header line cut short (seen in reports pasted into issues): read
		// the payload on the next line without it.
		if nl := bytes.IndexByte(b[i:], '\n'); nl >= 0 {
			ps := jsontape.SkipWS(b, i+nl+1)
			if pt, _, perr := jsontape.Build(b, ps); perr == nil && pt.Nodes[0].Kind == '{' {
				defer pt.Release()
				_, hasUI := pt.Member(0, "usedImages")
				_, hasBI := pt.Member(0, "binaryImages")
				if hasUI || hasBI {
					r.warnf("the header line is not valid JSON (%s at offset %d); reading the payload without it", se.Msg, se.Off)
					r.ips.Start = ps
					return r.parsePayload(pt, nil)
				}
			}
		}
		return r.scanFail("header", se)
	}
	next := jsontape.SkipWS(b, he)
	// A payload without its header line (headers never list images).
	_, hasUI := ht.Member(0, "usedImages")
	_, hasBI := ht.Member(0, "binaryImages")
	if hasUI || hasBI {
		return r.parsePayload(ht, nil)
	}
	if next >= len(b) {
		if _, ok := ht.Member(0, "bug_type"); ok {
			return r.errAt(formatIPS, he, "payload", "no report body after the header line")
		}
		return r.errAt(formatIPS, i, "", "JSON object is neither an .ips header nor a crash report payload").Wrap(ErrUnsupported)
	}
	if ht.Nodes[0].Kind != '{' {
		return r.errAt(formatIPS, i, "header", "the header is not a JSON object")
	}
	var hdr header
	for k := int32(1); k < ht.Nodes[0].Next; k = ht.Nodes[k+1].Next {
		hdr.set(ht, k, k+1)
	}
	r.header = ht.Span(0)
	r.HeaderFields = fields(ht, 0)
	r.BugType = string(hdr.BugType)
	r.BugTypeName = BugTypeName(r.BugType)
	r.OSVersion = string(hdr.OSVersion)
	r.Incident = string(hdr.IncidentID)
	r.Platform = hdr.Platform.int(0)
	if b[next] != '{' {
		// Text body: a pre-iOS 15 crash (109) or a resource/stackshot report.
		r.payload = jsontape.Span{Start: next, End: len(b)}
		if textBodyIsCrash(r.BugType) && looksLikeCrashText(b[next:]) {
			return r.parseLegacy(b, next)
		}
		r.Kind = KindOther
		return nil
	}
	pt, end, se := jsontape.BuildOpaque(b, next, frameArrayKey)
	if se != nil {
		return r.scanFail("payload", se)
	}
	defer pt.Release()
	r.trailing(b, end)
	return r.parsePayload(pt, &hdr)
}

// buildHeader builds the tape of the JSON value at offset i, the header
// line of an .ips file (or a payload without one). The header is one line:
// building from that line alone sizes the tape for it rather than for the
// whole file. A value longer than its first line is built from all of b.
func buildHeader(b []byte, i int) (*jsontape.Tape, int, *jsontape.SyntaxError) {
	if nl := bytes.IndexByte(b[i:], '\n'); nl > 0 {
		if t, end, err := jsontape.Build(b[:i+nl], i); err == nil {
			t.B = b
			return t, end, nil
		}
	}
	return jsontape.Build(b, i)
}

// trailing warns about another report after the payload (files are
// sometimes concatenated). Other text after the payload (the system profile
// of macOS panic reports) is normal; it stays in the output as read.
func (r *Report) trailing(b []byte, end int) {
	i := jsontape.SkipWS(b, end)
	if i >= len(b) {
		return
	}
	line := 1 + bytes.Count(r.raw[:i], []byte{'\n'})
	rest := b[i:min(len(b), i+4096)]
	if rest[0] == '{' && bytes.Contains(rest, []byte(`"bug_type"`)) {
		r.warnf("a second report starts at line %d; only the first is symbolicated: split the file to symbolicate both", line)
	}
}

// parsePayload dispatches on the shape of the JSON payload (tape node 0).
func (r *Report) parsePayload(t *jsontape.Tape, hdr *header) error {
	if t.Nodes[0].Kind != '{' {
		return r.errAt(formatIPS, int(t.Nodes[0].Start), "payload", "the payload is not a JSON object")
	}
	r.payload = t.Span(0)
	r.Fields = fields(t, 0)
	if hdr == nil {
		hdr = &header{}
		if v, ok := t.Member(0, "bug_type"); ok {
			r.BugType = t.Str(v)
			r.BugTypeName = BugTypeName(r.BugType)
		}
	}
	_, hasThreads := t.Member(0, "threads")
	_, hasPBP := t.Member(0, "processByPid")
	_, hasBI := t.Member(0, "binaryImages")
	switch {
	case hasThreads:
		r.Kind = KindCrash
		return r.decodeCrash(t, hdr)
	case hasPBP || hasBI:
		r.Kind = KindKernel
		return r.decodeKernel(t)
	}
	r.Kind = KindOther
	if v, ok := t.Member(0, "incident"); ok && r.Incident == "" {
		r.Incident = t.Str(v)
	}
	if v, ok := t.Member(0, "build"); ok && r.OSVersion == "" {
		r.OSVersion = t.Str(v)
	}
	return nil
}

// fields lists the members of object node o as raw JSON values.
func fields(t *jsontape.Tape, o int32) []Field {
	var out []Field
	for k := o + 1; k < t.Nodes[o].Next; k = t.Nodes[k+1].Next {
		v := t.Span(k + 1)
		out = append(out, Field{Key: t.Key(k), Value: t.B[v.Start:v.End:v.End]})
	}
	return out
}

// textBodyIsCrash reports whether a header's bug_type may carry a crash
// report as a text body: 109 (pre-iOS 15 crash), a 309 header above a
// rendered report (Xcode's "with JSON header" .crash), the macOS legacy Crash
// type, or a header without a bug_type.
func textBodyIsCrash(bugType string) bool {
	switch bugType {
	case "109", "309", "9", "":
		return true
	}
	return false
}

// looksLikeCrashText reports whether a text body has the shape of a crash
// report (thread backtraces or a Binary Images section).
func looksLikeCrashText(b []byte) bool {
	return bytes.Contains(b, []byte("\nBinary Images:")) ||
		bytes.Contains(b, []byte(" Crashed:")) ||
		bytes.Contains(b, []byte("\nThread 0"))
}
