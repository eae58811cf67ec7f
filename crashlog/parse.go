package crashlog

import (
	"bytes"
	"errors"
	"fmt"

	json "github.com/goccy/go-json"

	"github.com/symbolicate/symbolicate/internal/bin"
)

// ErrUnsupported is wrapped by the error Parse returns when the input is not a
// crash report in a supported form (for example a Swift runtime backtrace JSON
// or an empty file).
var ErrUnsupported = errors.New("not a supported crash report")

// ErrNotJSON is returned by WriteJSON for reports that have no JSON form
// (legacy text reports, including the text body of a bug_type 109 .ips).
var ErrNotJSON = errors.New("report is legacy text: only text output is possible")

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
// field (a *bin.FormatError, possibly wrapping a decoder error).
func Parse(data []byte) (*Report, error) {
	r := &Report{raw: data, FaultingThread: -1, PID: -1}
	start, end := locateReport(data)
	b := data[:end]
	r.ips = span{start, end}
	i := skipWS(b, start)
	if i >= len(b) {
		return nil, fmt.Errorf("%w: %w", r.errAt(formatIPS, start, "", "empty input"), ErrUnsupported)
	}
	var err error
	if b[i] == '{' {
		r.ips.start = i
		err = r.parseIPS(b, i)
	} else {
		r.payload = span{i, len(b)}
		err = r.parseLegacy(b, i)
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// errAt builds a *bin.FormatError at absolute offset off, with the 1-based
// line number of off in the message.
func (r *Report) errAt(format string, off int, field, msg string, args ...any) *bin.FormatError {
	if off > len(r.raw) {
		off = len(r.raw)
	}
	line := 1 + bytes.Count(r.raw[:off], []byte{'\n'})
	return bin.Errorf(format, int64(off), field, "line %d: %s", line, fmt.Sprintf(msg, args...))
}

// scanFail converts a scanner error.
func (r *Report) scanFail(field string, e error) error {
	var se *scanErr
	if errors.As(e, &se) {
		return r.errAt(formatIPS, se.off, field, "%s", se.msg)
	}
	return r.errAt(formatIPS, 0, field, "%v", e)
}

// decodeFail wraps a go-json error for the value at off.
func (r *Report) decodeFail(off int, field string, err error) error {
	return fmt.Errorf("%w: %w", r.errAt(formatIPS, off, field, "cannot decode"), err)
}

// memberDecodeFail finds which member of the object made decoding into a
// fresh T fail, so the error names the field and its offset. It runs only on
// the error path.
func memberDecodeFail[T any](r *Report, b []byte, ms []member, whole span, field string, err error) error {
	for _, m := range ms {
		one := make([]byte, 0, m.val.end-m.keyStart+2)
		one = append(one, '{')
		one = append(one, b[m.keyStart:m.val.end]...)
		one = append(one, '}')
		var v T
		if e := json.Unmarshal(one, &v); e != nil {
			return r.decodeFail(m.val.start, field+"."+m.key, e)
		}
	}
	return r.decodeFail(whole.start, field, err)
}

// locateReport finds the report inside data: after a UTF-8 byte-order mark,
// after Console's "Full Report" banner when the input is a translated report,
// and inside a markdown code fence. It returns the start and end offsets.
func locateReport(data []byte) (start, end int) {
	end = len(data)
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		start = 3
	}
	if s, ok := fullReportStart(data, start); ok {
		start = s
	}
	// Markdown fence: ``` or ```json on its own line before the report.
	i := skipWS(data, start)
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
// and returns the offset just after it.
func fullReportStart(data []byte, from int) (int, bool) {
	const title = "Full Report"
	off := from
	for {
		j := bytes.Index(data[off:], []byte(title))
		if j < 0 {
			return 0, false
		}
		at := off + j
		off = at + len(title)
		lineStart := bytes.LastIndexByte(data[:at], '\n') + 1
		lineEnd := lineEndOf(data, lineStart)
		if string(bytes.TrimSpace(data[lineStart:lineEnd])) != title || lineStart == 0 || lineEnd >= len(data) {
			continue
		}
		prevStart := bytes.LastIndexByte(data[:lineStart-1], '\n') + 1
		nextStart := lineEnd + 1
		nextEnd := lineEndOf(data, nextStart)
		if !isDashLine(data[prevStart:lineStart-1]) || !isDashLine(data[nextStart:nextEnd]) {
			continue
		}
		if nextEnd < len(data) {
			nextEnd++
		}
		return nextEnd, true
	}
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
	hs, he, se := scanValue(b, i)
	if se != nil {
		return r.scanFail("header", se)
	}
	hm, err := objectMembers(b, hs)
	if err != nil {
		return r.scanFail("header", err)
	}
	next := skipWS(b, he)
	if next >= len(b) {
		// A single JSON object: a payload without its header line?
		if _, ok := findMember(hm, "usedImages"); ok {
			return r.parsePayload(b, span{hs, he}, hm, nil)
		}
		if _, ok := findMember(hm, "binaryImages"); ok {
			return r.parsePayload(b, span{hs, he}, hm, nil)
		}
		if _, ok := findMember(hm, "bug_type"); ok {
			return r.errAt(formatIPS, he, "payload", "no report body after the header line")
		}
		return fmt.Errorf("%w: %w", r.errAt(formatIPS, hs, "", "JSON object is neither an .ips header nor a crash report payload"), ErrUnsupported)
	}
	var hdr header
	if err := json.Unmarshal(b[hs:he], &hdr); err != nil {
		return memberDecodeFail[header](r, b, hm, span{hs, he}, "header", err)
	}
	r.header = span{hs, he}
	r.HeaderFields = fields(b, hm)
	r.BugType = string(hdr.BugType)
	r.BugTypeName = BugTypeName(r.BugType)
	r.OSVersion = string(hdr.OSVersion)
	r.Incident = string(hdr.IncidentID)
	r.Platform = hdr.Platform.int(0)
	if b[next] != '{' {
		// Text body: a pre-iOS 15 crash (109) or a resource/stackshot report.
		r.payload = span{next, len(b)}
		if textBodyIsCrash(r.BugType) && looksLikeCrashText(b[next:]) {
			return r.parseLegacy(b, next)
		}
		r.Kind = KindOther
		return nil
	}
	ps, pe, se := scanValue(b, next)
	if se != nil {
		return r.scanFail("payload", se)
	}
	pm, err := objectMembers(b, ps)
	if err != nil {
		return r.scanFail("payload", err)
	}
	return r.parsePayload(b, span{ps, pe}, pm, &hdr)
}

// parsePayload dispatches on the shape of the JSON payload.
func (r *Report) parsePayload(b []byte, ps span, pm []member, hdr *header) error {
	r.payload = ps
	r.Fields = fields(b, pm)
	if hdr == nil {
		hdr = &header{}
		if v, ok := findMember(pm, "bug_type"); ok {
			var s jstr
			if s.UnmarshalJSON(b[v.start:v.end]) == nil {
				r.BugType = string(s)
				r.BugTypeName = BugTypeName(r.BugType)
			}
		}
	}
	_, hasThreads := findMember(pm, "threads")
	_, hasPBP := findMember(pm, "processByPid")
	_, hasBI := findMember(pm, "binaryImages")
	switch {
	case hasThreads:
		r.Kind = KindCrash
		return r.decodeCrash(b, ps, pm, hdr)
	case hasPBP || hasBI:
		r.Kind = KindKernel
		return r.decodeKernel(b, ps, pm)
	}
	r.Kind = KindOther
	var o struct {
		Incident jstr `json:"incident"`
		Build    jstr `json:"build"`
	}
	if err := json.Unmarshal(b[ps.start:ps.end], &o); err != nil {
		return r.decodeFail(ps.start, "payload", err)
	}
	if r.Incident == "" {
		r.Incident = string(o.Incident)
	}
	if r.OSVersion == "" {
		r.OSVersion = string(o.Build)
	}
	return nil
}

func fields(b []byte, ms []member) []Field {
	out := make([]Field, len(ms))
	for i, m := range ms {
		out[i] = Field{Key: m.key, Value: b[m.val.start:m.val.end:m.val.end]}
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
