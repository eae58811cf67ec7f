// Package sample reads and writes the call-tree reports of macOS's
// profilers: /usr/bin/sample reports, spindump text (its per-process
// sections), .hang and .spin files, and the microstackshot .ips reports of
// bug types 145 (disk writes) and 202 (CPU usage), whose body is spindump
// text after the JSON header line.
//
// Two frame-line styles exist, and both are read wherever they appear:
//
//	sample:   + 2761 ???  (in App)  load address 0x101671000 + 0xe30  [0x101671e30]
//	          + 2761 start  (in libdyld.dylib) + 1  [0x7fff70df52a5]
//	spindump: 1000  ??? (adid + 535708) [0x10da97c9c]
//	          1000  start + 462 (dyld + 21790) [0x113f6c51e]
//
// Each frame belongs to the first "Binary Images:" list after it (a
// spindump has one per process). A frame that calls another (a deeper line
// follows) holds a return address and is looked up at address − 1; a
// "Heaviest stack" list is a chain, outermost first. Kernel frames (a "*"
// before the count, or a kernel address) are counted and left alone.
//
// A resolved frame line is rewritten in its own style, keeping its
// indentation, count and address; every other byte is written as read:
//
//	sample:   + 2761 main  (in App) + 64  [0x101671e30]  main.m:57
//	spindump: 1000  main + 64 (App + 3632) [0x101671e30]  main.m:57
package sample

import (
	"bytes"
	"io"
	"iter"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/internal/jsontape"
	"github.com/symbolicate/symbolicate/process"
)

const formatName = "sample"

// Format is the family for the format list. It must come before the .ips
// format, which names bug types 145 and 202 but does not read their body.
var Format = format.Format{
	Name:  formatName,
	Sniff: Sniff,
	Parse: func(b []byte, _ format.Options) (format.Document, error) { return Parse(b) },
}

// Sniff claims a sample report, spindump text, or a 145/202 .ips.
func Sniff(b []byte) bool {
	head := b[:min(len(b), 16<<10)]
	if len(head) > 0 && head[0] == '{' {
		line, _, _ := bytes.Cut(head, []byte("\n"))
		return (bytes.Contains(line, []byte(`"bug_type":"145"`)) || bytes.Contains(line, []byte(`"bug_type":"202"`)) ||
			bytes.Contains(line, []byte(`"bug_type": "145"`)) || bytes.Contains(line, []byte(`"bug_type": "202"`))) &&
			bytes.Contains(head, []byte("\nData Source:"))
	}
	return bytes.Contains(head, []byte("Analysis Tool:   /usr/bin/sample")) ||
		bytes.Contains(head, []byte("\nCall graph:\n")) ||
		bytes.HasPrefix(head, []byte("Process:")) && bytes.Contains(head, []byte("\nNum samples:")) ||
		bytes.Contains(head, []byte("\nData Source:      Stackshots")) || bytes.Contains(head, []byte("\nData Source:      Microstackshots"))
}

// Document is a parsed report.
type Document struct {
	raw      []byte
	p        *process.Process
	frames   []frame
	warnings []diag.Diagnostic
	deferred func(*process.Frame) *process.Resolution
	name     string
}

// style is a frame line's layout.
type style uint8

const (
	styleSample style = iota
	styleSpindump
)

// frame is one frame line.
type frame struct {
	process.Frame
	style    style
	line     span // the line, without its line break
	indent   int  // column of the count
	lead     span // everything before the symbol (indent, tree marks, count, spaces)
	addr     uint64
	imgName  string
	imgOff   uint64
	hasOff   bool
	section  int
	heaviest bool
}

type span struct{ start, end int }

// Process returns every image of every Binary Images list.
func (d *Document) Process() *process.Process { return d.p }

// Frames yields the frame lines in document order.
func (d *Document) Frames() iter.Seq[*process.Frame] {
	return func(yield func(*process.Frame) bool) {
		for i := range d.frames {
			if !yield(&d.frames[i].Frame) {
				return
			}
		}
	}
}

// Defer takes the function that resolves deferred frames (process.Deferrer).
func (d *Document) Defer(resolve func(*process.Frame) *process.Resolution) { d.deferred = resolve }

func (d *Document) resolution(f *frame) *process.Resolution {
	if f.Resolved != nil || !f.Deferred || d.deferred == nil {
		return f.Resolved
	}
	return d.deferred(&f.Frame)
}

// Diagnostics returns the problems met while parsing.
func (d *Document) Diagnostics() []diag.Diagnostic { return d.warnings }

// FormatName names what was read: "sample", "spindump" or "ips-145"/"ips-202".
func (d *Document) FormatName() string { return d.name }

var (
	// + 2761 name  (in Img) + 1  [0x7fff70df52a5]
	// + 2761 ???  (in Img)  load address 0x101671000 + 0xe30  [0x101671e30]
	sampleLine = regexp.MustCompile(`^([ +!:|]*)(\d+) (.+?)  \(in ([^)]+)\)(?: \+ (\d+))?  (?:load address 0x[0-9a-f]+ \+ 0x([0-9a-f]+)  )?\[0x([0-9a-f]+)\]`)
	// 1000  name + 462 (Img + 21790) [0x113f6c51e]
	spindumpLine = regexp.MustCompile(`^(\s*)(\*?)(\d+)(\s+)(.+?) \(([^()]+?) \+ (\d+)\) \[0x([0-9a-f]+)\]`)
	// 0x101671000 -        0x101671fff +Name (0) <UUID> /path
	// *0xffffff8000210000 - 0xffffff8000c0ffff  kernel (8020.121.3) <UUID>  /path
	imageLine       = regexp.MustCompile(`^\s*\*?0x([0-9a-f]+) -\s+(0x[0-9a-f]+|\?\?\?)\s+[+ ]?(.*?)\s*<([0-9A-Fa-f-]{36})>\s*(.*)$`)
	sharedCacheLine = regexp.MustCompile(`^Shared Cache:\s+([0-9A-Fa-f-]{36}) slid base address 0x([0-9a-f]+), slide 0x([0-9a-f]+)`)
)

// kernelStart is where kernel addresses begin on every Apple platform.
const kernelStart = 0xfffffe0000000000

// Parse reads a report.
func Parse(b []byte) (*Document, error) {
	d := &Document{raw: b, name: formatName}
	start := 0
	if len(b) > 0 && b[0] == '{' {
		_, end, se := jsontape.Build(b, 0)
		if se != nil {
			return nil, &diag.FormatError{Format: "ips", Off: int64(se.Off), Field: "header", Msg: se.Msg}
		}
		hdr := string(b[:end])
		for _, bt := range []string{"145", "202"} {
			if strings.Contains(hdr, `"`+bt+`"`) {
				d.name = "ips-" + bt
			}
		}
		start = end
	} else if bytes.HasPrefix(b, []byte("Process:")) || bytes.Contains(b[:min(len(b), 4096)], []byte("Data Source:")) {
		d.name = "spindump"
	}
	d.p = &process.Process{WordSize: 64}
	var sections [][]process.Image
	var cur []process.Image
	inImages, heaviest := false, false
	for _, l := range lines(b, start) {
		s := string(b[l.start:l.end])
		trim := strings.TrimSpace(s)
		switch {
		case trim == "Binary Images:":
			inImages = true
			continue
		case inImages:
			if im, ok := parseImage(s); ok {
				cur = append(cur, im)
				continue
			}
			if trim == "" {
				continue
			}
			inImages = false
			sections, cur = append(sections, cur), nil
		}
		if m := sharedCacheLine.FindStringSubmatch(s); m != nil && d.p.SharedCache == nil {
			if u, err := process.ParseUUID(m[1]); err == nil {
				base, _ := strconv.ParseUint(m[2], 16, 64)
				slide, _ := strconv.ParseUint(m[3], 16, 64)
				d.p.SharedCache = &process.CacheRef{UUID: u, Base: base, Slide: slide, SlideKnown: true}
			}
		}
		if strings.HasPrefix(trim, "Heaviest stack") {
			heaviest = true
			continue
		}
		if trim == "" {
			heaviest = false
		}
		if f, ok := parseFrame(s, l.start); ok {
			f.section = len(sections)
			f.heaviest = heaviest
			d.frames = append(d.frames, f)
		}
	}
	if inImages || len(cur) > 0 {
		sections = append(sections, cur)
	}
	if len(d.frames) == 0 {
		return nil, &diag.FormatError{Format: d.name, Msg: "no frame lines (\"1000  name (Image + 123) [0x…]\")"}
	}
	d.place(sections)
	d.markCallers()
	return d, nil
}

// lines splits b from offset start.
func lines(b []byte, start int) []span {
	var out []span
	for i := start; i < len(b); {
		j := bytes.IndexByte(b[i:], '\n')
		end, next := len(b), len(b)
		if j >= 0 {
			end, next = i+j, i+j+1
		}
		e := end
		if e > i && b[e-1] == '\r' {
			e--
		}
		out = append(out, span{i, e})
		i = next
	}
	return out
}

// parseFrame reads a frame line in either style.
func parseFrame(s string, at int) (frame, bool) {
	if m := sampleLine.FindStringSubmatchIndex(s); m != nil {
		f := frame{style: styleSample, line: span{at, at + len(s)}}
		f.indent = m[4]
		f.lead = span{at, at + m[6]}
		f.imgName = s[m[8]:m[9]]
		a, _ := strconv.ParseUint(s[m[14]:m[15]], 16, 64)
		f.addr = a
		if m[12] >= 0 {
			f.imgOff, _ = strconv.ParseUint(s[m[12]:m[13]], 16, 64)
			f.hasOff = true
		}
		sym := s[m[6]:m[7]]
		if sym != "???" {
			f.Symbol, f.HasSymbol = sym, true
		}
		f.Kernel = a >= kernelStart
		return f, true
	}
	if m := spindumpLine.FindStringSubmatchIndex(s); m != nil {
		f := frame{style: styleSpindump, line: span{at, at + len(s)}}
		f.indent = m[6]
		f.lead = span{at, at + m[10]}
		f.imgName = s[m[12]:m[13]]
		f.imgOff, _ = strconv.ParseUint(s[m[14]:m[15]], 10, 64)
		f.hasOff = true
		a, _ := strconv.ParseUint(s[m[16]:m[17]], 16, 64)
		f.addr = a
		if sym := s[m[10]:m[11]]; sym != "???" {
			f.Symbol, f.HasSymbol = sym, true
			if i := strings.LastIndex(sym, " + "); i > 0 {
				f.Symbol = sym[:i]
			}
		}
		f.Kernel = m[5] > m[4] || a >= kernelStart
		return f, true
	}
	return frame{}, false
}

// parseImage reads a Binary Images line.
func parseImage(s string) (process.Image, bool) {
	m := imageLine.FindStringSubmatch(s)
	if m == nil {
		return process.Image{}, false
	}
	u, err := process.ParseUUID(m[4])
	if err != nil {
		return process.Image{}, false
	}
	base, _ := strconv.ParseUint(m[1], 16, 64)
	im := process.Image{ID: process.UUIDBuildID(u), Base: base, Path: strings.TrimSpace(m[5])}
	if m[2] != "???" {
		end, _ := strconv.ParseUint(strings.TrimPrefix(m[2], "0x"), 16, 64)
		im.End = end + 1
	}
	im.Name = process.NameOf(im.Path)
	if im.Name == "" {
		im.Name, _, _ = strings.Cut(m[3], " ")
	}
	return im, true
}

// place puts every frame in an image of its section: by name and offset
// when the line gives them, else by address.
func (d *Document) place(sections [][]process.Image) {
	first := make([]int, len(sections)+1)
	for si, ims := range sections {
		first[si] = len(d.p.Images)
		d.p.Images = append(d.p.Images, ims...)
	}
	first[len(sections)] = len(d.p.Images)
	for i := range d.frames {
		f := &d.frames[i]
		f.Image, f.Offset = -1, f.addr
		if f.section >= len(sections) {
			continue
		}
		ims := d.p.Images[first[f.section]:first[f.section+1]]
		k := slices.IndexFunc(ims, func(im process.Image) bool {
			return f.addr >= im.Base && (f.addr < im.End || im.End == 0 && im.Name == f.imgName)
		})
		if k < 0 {
			k = slices.IndexFunc(ims, func(im process.Image) bool { return im.Name == f.imgName })
		}
		if k < 0 {
			continue
		}
		f.Image = first[f.section] + k
		f.Offset = f.addr - ims[k].Base
		if f.style == styleSpindump && f.hasOff && (f.addr < ims[k].Base || f.Offset != f.imgOff) {
			f.Offset = f.imgOff // the line's own offset wins over a mismatched address
		}
	}
}

// markCallers sets Return on frames that call another: a deeper frame line
// follows (in a call tree), or a later one of the same "Heaviest stack".
func (d *Document) markCallers() {
	for i := range d.frames {
		f := &d.frames[i]
		if i+1 == len(d.frames) {
			break
		}
		n := &d.frames[i+1]
		f.Return = n.indent > f.indent || f.heaviest && n.heaviest && n.line.start > f.line.start && n.indent == f.indent
	}
}

// WriteText writes the report as read, each resolved frame line rewritten
// in its own style.
func (d *Document) WriteText(w io.Writer, opts format.WriteOptions) error {
	var edits []jsontape.Edit
	for i := range d.frames {
		f := &d.frames[i]
		res := d.resolution(f)
		if res == nil {
			continue
		}
		var b bytes.Buffer
		b.Write(d.raw[f.lead.start:f.lead.end])
		img := f.imgName
		loc := strconv.FormatUint(res.SymbolLocation, 10)
		switch f.style {
		case styleSample:
			b.WriteString(res.Symbol + "  (in " + img + ") + " + loc + "  [0x" + strconv.FormatUint(f.addr, 16) + "]")
		case styleSpindump:
			b.WriteString(res.Symbol + " + " + loc + " (" + img + " + " + strconv.FormatUint(f.imgOff, 10) + ") [0x" + strconv.FormatUint(f.addr, 16) + "]")
		}
		if res.SourceFile != "" {
			file := res.SourceFile
			if !opts.FullPaths {
				file = file[strings.LastIndexByte(file, '/')+1:]
			}
			b.WriteString("  " + file)
			if res.SourceLine > 0 {
				b.WriteString(":" + strconv.Itoa(res.SourceLine))
			}
		}
		edits = append(edits, jsontape.Edit{Start: f.lead.start, End: f.line.end, Text: b.Bytes()})
	}
	return jsontape.WriteEdited(w, d.raw, jsontape.Span{Start: 0, End: len(d.raw)}, edits)
}

// WriteJSON is not available: these reports are text (format.ErrNoJSON).
func (d *Document) WriteJSON(io.Writer, format.WriteOptions) error { return format.ErrNoJSON }
