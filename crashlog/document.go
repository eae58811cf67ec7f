package crashlog

import (
	"bytes"
	"errors"
	"fmt"
	"iter"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/internal/jsontape"
	"github.com/symbolicate/symbolicate/process"
)

// Format is the crash-report format for the format list: .ips of every bug
// type and legacy text .crash reports (see Sniff and Parse).
var Format = format.Format{
	Name:  formatIPS,
	Sniff: Sniff,
	Parse: func(b []byte, _ format.Options) (format.Document, error) {
		r, err := Parse(b)
		if err != nil {
			return nil, err
		}
		return r, nil
	},
}

// Frames yields every frame of the report in document order: each thread's
// frames and kernel frames, then the last exception backtrace.
func (r *Report) Frames() iter.Seq[*process.Frame] {
	return func(yield func(*process.Frame) bool) {
		lists := func(frames []Frame) bool {
			for i := range frames {
				if !yield(&frames[i].Frame) {
					return false
				}
			}
			return true
		}
		for i := range r.Threads {
			if !lists(r.Threads[i].Frames) || !lists(r.Threads[i].KernelFrames) {
				return
			}
		}
		lists(r.LastExceptionBacktrace)
	}
}

// Defer takes the function that resolves frames the resolver deferred
// (process.Deferrer): the writers call it for each such frame as they write
// it, so that a report of millions of frames never holds every answer.
func (r *Report) Defer(resolve func(*process.Frame) *process.Resolution) { r.deferred = resolve }

// resolution is frame f's resolution: Resolved, or asked for again when the
// resolver deferred it.
func (r *Report) resolution(f *Frame) *process.Resolution {
	if f.Resolved != nil || !f.Deferred || r.deferred == nil {
		return f.Resolved
	}
	return r.deferred(&f.Frame)
}

// Diagnostics returns the report's warnings: problems that did not stop
// parsing.
func (r *Report) Diagnostics() []diag.Diagnostic {
	out := make([]diag.Diagnostic, len(r.Warnings))
	for i, w := range r.Warnings {
		out[i] = diag.Diagnostic{Code: diag.InputWarning, Err: errors.New(w)}
	}
	return out
}

// FormatName is "ips" for a JSON report and "crash" for legacy text.
func (r *Report) FormatName() string {
	if r.Kind == KindLegacyText {
		return formatText
	}
	return formatIPS
}

// NothingToSymbolicate names a recognised report that has no frames to
// resolve (KindOther); it is "" for the others.
func (r *Report) NothingToSymbolicate() string {
	if r.Kind != KindOther {
		return ""
	}
	name := r.BugTypeName
	if name == "" {
		name = "unknown type"
	}
	if r.BugType == "" {
		return fmt.Sprintf("legacy text report (%s): nothing to symbolicate", name)
	}
	return fmt.Sprintf("bug_type %s (%s): nothing to symbolicate", r.BugType, name)
}

// Sniff reports whether b looks like a crash report Parse reads: a JSON
// object carrying a bug_type or a crash payload's image list, or text with
// the header lines, thread backtraces or Binary Images of a legacy report
// (also inside Console's "Translated Report" wrapper or a markdown fence), or
// a kernel panic log.
func Sniff(b []byte) bool {
	head := b[:min(len(b), 64<<10)]
	i := jsontape.SkipWS(head, 0)
	if bytes.HasPrefix(head[i:], []byte("\xef\xbb\xbf")) {
		i = jsontape.SkipWS(head, i+3)
	}
	keys := textMarkers
	if i < len(head) && head[i] == '{' {
		keys = jsonMarkers
	} else if bytes.HasPrefix(head[i:], []byte("panic(")) {
		return true
	}
	for _, k := range keys {
		if bytes.Contains(head, []byte(k)) {
			return true
		}
	}
	return false
}

// jsonMarkers and textMarkers are what Sniff looks for near the start.
var (
	jsonMarkers = []string{`"bug_type"`, `"usedImages"`, `"binaryImages"`, `"processByPid"`}
	textMarkers = []string{"Incident Identifier:", "Process:", "Hardware Model:", "Translated Report", `"bug_type"`,
		"Exception Type:", "Crashed Thread:", "Triggered by Thread:", "Binary Images:", "Last Exception Backtrace:", "\nThread 0"}
)
