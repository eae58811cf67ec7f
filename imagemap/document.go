package imagemap

import (
	"bytes"
	"fmt"
	"io"
	"iter"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/process"
)

// Format is the CIF format for the format list. CIF has no magic number;
// its first byte is the info byte (word size code, version 0), so the
// format is sniffed last.
var Format = format.Format{
	Name:  "cif",
	Sniff: func(b []byte) bool { return len(b) > 0 && b[0] <= 3 },
	Parse: func(b []byte, _ format.Options) (format.Document, error) {
		p, err := Decode(b)
		if err != nil {
			return nil, err
		}
		return &Document{P: p, Name: "cif"}, nil
	},
}

// JSONFormat is the image-list JSON that WriteJSON writes (and people write
// by hand), for the format list.
var JSONFormat = format.Format{
	Name:  "image-list",
	Sniff: sniffJSON,
	Parse: func(b []byte, _ format.Options) (format.Document, error) {
		p, err := ReadJSON(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		if p.WordSize == 0 {
			p.WordSize = 64 // hand-written lists may omit it; Apple platforms are 64-bit
		}
		return &Document{P: p, Name: "image-list"}, nil
	},
}

// sniffJSON claims a JSON object with an "images" member and no "bug_type"
// (an .ips header) near its start.
func sniffJSON(b []byte) bool {
	head := bytes.TrimLeft(b[:min(len(b), 4096)], " \t\r\n")
	return len(head) > 0 && head[0] == '{' && bytes.Contains(head, []byte(`"images"`)) &&
		!bytes.Contains(head, []byte(`"bug_type"`))
}

// Document is an input that is only an image list (a CIF blob, an image-list
// JSON, a dyld snapshot): it has a process and no frames.
type Document struct {
	P    *process.Process
	Name string            // the format's name, as decode prints it
	Warn []diag.Diagnostic // problems that did not stop decoding
}

// Process returns the image list.
func (d *Document) Process() *process.Process { return d.P }

// Frames yields nothing: an image list has no frames.
func (d *Document) Frames() iter.Seq[*process.Frame] { return func(func(*process.Frame) bool) {} }

// WriteText writes the image list as WriteText does.
func (d *Document) WriteText(w io.Writer, _ format.WriteOptions) error { return WriteText(w, d.P) }

// WriteJSON writes the image list as WriteJSON does.
func (d *Document) WriteJSON(w io.Writer, _ format.WriteOptions) error {
	return WriteJSON(w, d.Name, d.P)
}

// FormatName names the format.
func (d *Document) FormatName() string { return d.Name }

// Diagnostics returns the problems met while decoding.
func (d *Document) Diagnostics() []diag.Diagnostic { return d.Warn }

// NothingToSymbolicate says what the document is: an image list has nothing
// to symbolicate.
func (d *Document) NothingToSymbolicate() string {
	return fmt.Sprintf("an image list (%s), not a report: nothing to symbolicate", d.Name)
}
