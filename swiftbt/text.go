package swiftbt

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/internal/jsontape"
	"github.com/symbolicate/symbolicate/process"
)

const formatText = "swift-backtrace-text"

// sniffText claims the backtracer's text form: a "*** Program crashed:"
// line and a "Platform:" line near the start.
func sniffText(b []byte) bool {
	head := b[:min(len(b), 16<<10)]
	return bytes.Contains(head, []byte("*** Program crashed: ")) && bytes.Contains(head, []byte("\nPlatform: "))
}

// line is one line of the input: its span without the line break.
type line struct{ start, end int }

func splitLines(b []byte) []line {
	var out []line
	for i := 0; i < len(b); {
		j := bytes.IndexByte(b[i:], '\n')
		end := len(b)
		next := len(b)
		if j >= 0 {
			end, next = i+j, i+j+1
		}
		e := end
		if e > i && b[e-1] == '\r' {
			e--
		}
		out = append(out, line{i, e})
		i = next
	}
	return out
}

// parseText reads the text form. Lines it does not know are kept as they
// are; only frame lines are rewritten.
func parseText(b []byte) (*Document, error) {
	if !utf8.Valid(b[:min(len(b), 1<<20)]) {
		return nil, &diag.FormatError{Format: formatText, Msg: "not UTF-8 text"}
	}
	d := &Document{raw: b, text: true}
	lines := splitLines(b)
	var cur *thread
	inImages, inRegs := false, false
	for n, l := range lines {
		s := string(b[l.start:l.end])
		switch {
		case strings.HasPrefix(s, "*** Program crashed: "):
			d.header.description = strings.TrimSuffix(strings.TrimPrefix(s, "*** Program crashed: "), " ***")
		case strings.HasPrefix(s, "Platform: "):
			rest := strings.TrimPrefix(s, "Platform: ")
			arch, plat, _ := strings.Cut(rest, " ")
			d.header.arch, d.header.platform = arch, plat
		case strings.HasPrefix(s, "Thread ") && strings.HasSuffix(s, ":") && !inImages:
			d.threads = append(d.threads, parseThreadHeader(s))
			cur = &d.threads[len(d.threads)-1]
			inRegs = false
		case strings.HasPrefix(s, "Registers:"):
			inRegs, cur = true, nil
		case strings.HasPrefix(s, "Images") && strings.HasSuffix(s, ":"):
			inImages, cur = true, nil
			if i := strings.Index(s, "("); i > 0 {
				d.header.omittedImages, _ = strconv.Atoi(strings.Fields(s[i+1:])[0])
			}
		case strings.HasPrefix(s, "Backtrace took "):
			d.header.backtraceTime = strings.TrimSuffix(strings.TrimPrefix(s, "Backtrace took "), "s")
			inImages = false
		case inImages:
			if im, ok := parseImageLine(s); ok {
				d.images = append(d.images, im)
			} else if strings.TrimSpace(s) != "" {
				d.warnf("line %d: not an image line: %q", n+1, s)
			}
		case cur != nil && !inRegs:
			if f, ok := parseFrameLine(s, l.start); ok {
				cur.frames = append(cur.frames, f)
			}
		}
	}
	if len(d.threads) == 0 {
		return nil, &diag.FormatError{Format: formatText, Msg: "no \"Thread N:\" section"}
	}
	d.buildProcess()
	d.markReturns()
	return d, nil
}

// parseThreadHeader reads `Thread 6 "name" crashed:`.
func parseThreadHeader(s string) thread {
	s = strings.TrimSuffix(s, ":")
	th := thread{}
	if strings.HasSuffix(s, " crashed") {
		th.crashed = true
		s = strings.TrimSuffix(s, " crashed")
	}
	if i := strings.IndexByte(s, '"'); i >= 0 {
		th.name = strings.Trim(s[i:], `"`)
	}
	return th
}

// parseFrameLine reads `  1 [ra] [system] 0x… rest` or `  2      ...`.
func parseFrameLine(s string, at int) (frame, bool) {
	f := frame{src: span{at, at + len(s)}}
	rest := strings.TrimLeft(s, " ")
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	if i == 0 {
		if strings.TrimSpace(rest) == "..." {
			f.kind = kindTrunc
			return f, true
		}
		return f, false
	}
	rest = rest[i:]
	f.kind = kindPC
	for {
		rest = strings.TrimLeft(rest, " ")
		if !strings.HasPrefix(rest, "[") {
			break
		}
		j := strings.IndexByte(rest, ']')
		if j < 0 {
			return f, false
		}
		switch rest[1:j] {
		case "ra":
			f.kind = kindRA
		case "async":
			f.kind = kindAsync
		case "system":
			f.system = true
		case "thunk":
			f.thunk = true
		case "inlined":
			f.inlined = true
		}
		rest = rest[j+1:]
	}
	if strings.HasPrefix(rest, "...") {
		f.kind = kindTrunc
		return f, true
	}
	if !strings.HasPrefix(rest, "0x") {
		return f, false
	}
	end := 2
	for end < len(rest) && isHex(rest[end]) {
		end++
	}
	a, err := strconv.ParseUint(rest[2:end], 16, 64)
	if err != nil {
		return f, false
	}
	f.addr, f.hasAddr = a, true
	f.addrEnd = at + len(s) - len(rest) + end
	if sym := strings.TrimSpace(rest[end:]); sym != "" {
		f.desc, f.HasSymbol = sym, true
		f.Symbol, _, _ = strings.Cut(sym, " + ")
	}
	return f, true
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// parseImageLine reads `0x…–0x… <build-id> name path`.
func parseImageLine(s string) (image, bool) {
	s = strings.TrimSpace(s)
	var dash string
	for _, d := range []string{"–", "−", "‐", "-"} {
		if strings.Contains(s, d) {
			dash = d
			break
		}
	}
	if dash == "" {
		return image{}, false
	}
	lo, rest, _ := strings.Cut(s, dash)
	var im image
	var err error
	if im.base, err = hexAddr(lo); err != nil {
		return image{}, false
	}
	hi, rest, _ := strings.Cut(rest, " ")
	if im.end, err = hexAddr(hi); err != nil {
		return image{}, false
	}
	rest = strings.TrimSpace(rest)
	if strings.HasPrefix(rest, "<no build ID>") {
		rest = strings.TrimSpace(strings.TrimPrefix(rest, "<no build ID>"))
	} else {
		im.buildID, rest, _ = strings.Cut(rest, " ")
		rest = strings.TrimSpace(rest)
	}
	name, path, _ := strings.Cut(rest, " ")
	im.name, im.path = name, strings.TrimSpace(path)
	return im, im.name != ""
}

// WriteText writes the backtracer's text form. A text input is written as
// read with every resolved frame line rewritten (and its inlined calls
// inserted before it); a JSON input is rendered whole.
func (d *Document) WriteText(w io.Writer, opts format.WriteOptions) error {
	if d.text {
		return d.writeTextEdited(w, opts)
	}
	var buf bytes.Buffer
	d.renderText(&buf, opts)
	_, err := w.Write(buf.Bytes())
	return err
}

func (d *Document) writeTextEdited(w io.Writer, opts format.WriteOptions) error {
	var edits []jsontape.Edit
	for ti := range d.threads {
		fs := d.threads[ti].frames
		for gi := 0; gi < len(fs); {
			first := gi
			for gi < len(fs) && fs[gi].inlined {
				gi++
			}
			if gi == len(fs) {
				break
			}
			c := &fs[gi]
			gi++
			res := d.resolution(c)
			if res == nil || !c.hasAddr {
				continue
			}
			var buf bytes.Buffer
			prefix := d.raw[c.src.start:c.addrEnd]
			eol := "\n"
			if c.src.end < len(d.raw) && d.raw[c.src.end] == '\r' {
				eol = "\r\n"
			}
			for _, in := range res.Inlined {
				buf.Write(prefix)
				buf.WriteByte(' ')
				ir := process.Resolution{Symbol: in.Symbol, SymbolLocation: in.SymbolLocation, SourceFile: in.SourceFile,
					SourceLine: in.SourceLine, SourceColumn: in.SourceColumn}
				d.appendSymbolication(&buf, c, &ir, opts.FullPaths)
				buf.WriteString(" [inlined]")
				buf.WriteString(eol)
			}
			buf.Write(prefix)
			buf.WriteByte(' ')
			d.appendSymbolication(&buf, c, res, opts.FullPaths)
			edits = append(edits, jsontape.Edit{Start: fs[first].src.start, End: c.src.end, Text: bytes.Clone(buf.Bytes())})
		}
	}
	return jsontape.WriteEdited(w, d.raw, jsontape.Span{Start: 0, End: len(d.raw)}, edits)
}

// appendSymbolication writes "name + offset in image at file:line:col".
func (d *Document) appendSymbolication(buf *bytes.Buffer, c *frame, res *process.Resolution, full bool) {
	buf.WriteString(res.Symbol)
	buf.WriteString(" + ")
	buf.WriteString(strconv.FormatUint(res.SymbolLocation, 10))
	if c.Image >= 0 {
		buf.WriteString(" in ")
		buf.WriteString(d.p.Images[c.Image].Name)
	}
	if res.SourceFile != "" {
		buf.WriteString(" at ")
		buf.WriteString(res.SourceFile)
		if res.SourceLine > 0 {
			buf.WriteString(":" + strconv.Itoa(res.SourceLine))
			if res.SourceColumn > 0 {
				buf.WriteString(":" + strconv.Itoa(res.SourceColumn))
			}
		}
	}
}
