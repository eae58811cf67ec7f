// Package format is the framework every input format plugs into: a [Format]
// has a name, a cheap sniff of the input's first bytes and a parser that
// returns a [Document], and a [List] tries formats in order, the way pprof
// lists its legacy profile parsers. The pipeline knows inputs only as
// Documents: their process, their frames and their two writers.
//
// Adding a format is one new package (for example crashlog, or a toy format
// in a test) whose Format value is added to one list (package formats).
package format

import (
	"errors"
	"io"
	"iter"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/process"
)

// Format is one input format.
type Format struct {
	// Name names the format in messages and in decode's output ("ips",
	// "cif", "swift-backtrace", …).
	Name string
	// Sniff reports whether b looks like this format, from a cheap look at
	// its start. The list parses b with the first format whose Sniff says
	// yes, so a Sniff must not claim what another format's Parse reads.
	Sniff func(b []byte) bool
	// Parse decodes b. It must not keep b beyond the Document's life, never
	// panic, and bound its memory by the input's size. Errors should be
	// *diag.FormatError values naming the offset and field.
	Parse func(b []byte, opts Options) (Document, error)
}

// Options are what a parser may need from the rest of the program.
type Options struct {
	// Cache returns the images of the shared cache whose UUID is u, for
	// inputs that list the loaded images of a cache by index (dyld
	// snapshots); nil or false when no cache is at hand.
	Cache func(u process.UUID) (CacheImages, bool)
}

// CacheImages lists the images of one dyld shared cache, unslid, in cache
// order.
type CacheImages interface {
	UUID() process.UUID
	SharedRegionStart() uint64
	ImageCount() int
	ImageAt(i int) process.Image
}

// Document is one parsed input.
type Document interface {
	// Process is the input's process model. Frames refer to its images by
	// index.
	Process() *process.Process
	// Frames yields every frame of the input, in document order. The
	// resolver fills in Resolved; the writers read it back.
	Frames() iter.Seq[*process.Frame]
	// WriteText writes the document as text: the input's own text form, or
	// Apple's rendering for JSON crash reports.
	WriteText(w io.Writer, opts WriteOptions) error
	// WriteJSON writes the document in its own JSON form with what was
	// resolved added and nothing else changed. Documents with no JSON form
	// return an error wrapping ErrNoJSON.
	WriteJSON(w io.Writer, opts WriteOptions) error
}

// WriteOptions control the writers.
type WriteOptions struct {
	// FullPaths keeps directories in source file names; by default only the
	// last path component is shown, as Apple's renderings do.
	FullPaths bool
}

// Documents may also implement these, which the list and the pipeline use
// when present.
type (
	// Named documents name their format more precisely than the Format
	// that parsed them ("process-plist+aar" rather than "compact-info").
	Named interface{ FormatName() string }
	// Warner documents report problems that did not stop parsing.
	Warner interface{ Diagnostics() []diag.Diagnostic }
	// Inert documents say, when they hold nothing to symbolicate, what they
	// are ("bug_type 298 (Jetsam)"); "" means they do hold frames.
	Inert interface{ NothingToSymbolicate() string }
)

// Errors of the list and of writers.
var (
	// ErrUnknown is returned for input that no format of the list claims.
	ErrUnknown = errors.New("unrecognised format")
	// ErrNoJSON is returned by WriteJSON for documents with no JSON form.
	ErrNoJSON = errors.New("this input has no JSON form: only text output is possible")
)

// Parsed is a document with what the list knows about it.
type Parsed struct {
	Document
	// Format is the format's name, refined by the document (Named) and
	// suffixed by any wrapper it came in ("cif+base64").
	Format string
	// Warnings are the document's (Warner).
	Warnings []diag.Diagnostic
}

// Unwrap returns the format's own document, for the optional interfaces it
// may implement (process.Deferrer).
func (p *Parsed) Unwrap() Document { return p.Document }

// NothingToSymbolicate returns what an inert document is, or "".
func (p *Parsed) NothingToSymbolicate() string {
	if in, ok := p.Document.(Inert); ok {
		return in.NothingToSymbolicate()
	}
	return ""
}

// List is an ordered list of formats.
type List []Format

// Parse parses b with the first format of the list whose Sniff claims it. It
// returns an error wrapping ErrUnknown when none does.
func (l List) Parse(b []byte, opts Options) (*Parsed, error) {
	for i := range l {
		f := &l[i]
		if !f.Sniff(b) {
			continue
		}
		doc, err := f.Parse(b, opts)
		if err != nil {
			return nil, err
		}
		p := &Parsed{Document: doc, Format: f.Name}
		if n, ok := doc.(Named); ok {
			p.Format = n.FormatName()
		}
		if w, ok := doc.(Warner); ok {
			p.Warnings = w.Diagnostics()
		}
		return p, nil
	}
	return nil, &UnknownError{List: l}
}

// UnknownError reports input that no format of a list claims; it names the
// formats tried.
type UnknownError struct{ List List }

func (e *UnknownError) Error() string {
	s := ErrUnknown.Error() + " (not "
	for i, f := range e.List {
		if i > 0 {
			s += ", "
		}
		s += f.Name
	}
	return s + ")"
}

// Unwrap returns ErrUnknown.
func (e *UnknownError) Unwrap() error { return ErrUnknown }
