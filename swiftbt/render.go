package swiftbt

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/process"
)

// renderText writes a JSON report in the backtracer's text form: header,
// threads (registers before the frames when every thread has them, else
// one "Registers:" block for the crashed thread after them), images and
// the time taken.
func (d *Document) renderText(buf *bytes.Buffer, opts format.WriteOptions) {
	h := &d.header
	buf.WriteString("\n*** Program crashed: " + h.description)
	if h.faultAddress != "" {
		buf.WriteString(" at " + h.faultAddress)
	}
	buf.WriteString(" ***\n\nPlatform: " + strings.TrimSpace(h.arch+" "+h.platform) + "\n\n")
	// Registers of every thread go before each thread's frames; those of
	// the crashed thread alone (the backtracer's default, registers=crashed)
	// in one block after the threads.
	withRegs := 0
	for _, th := range d.threads {
		if len(th.regs) > 0 {
			withRegs++
		}
	}
	perThread := withRegs > 1 && withRegs == len(d.threads)
	var crashedRegs []register
	for ti := range d.threads {
		th := &d.threads[ti]
		buf.WriteString("Thread " + strconv.Itoa(ti))
		if th.name != "" {
			buf.WriteString(" " + strconv.Quote(th.name))
		}
		if th.crashed {
			buf.WriteString(" crashed")
			crashedRegs = th.regs
		}
		buf.WriteString(":\n\n")
		if perThread {
			d.renderRegisters(buf, th.regs)
			buf.WriteByte('\n')
		}
		d.renderFrames(buf, th.frames, opts)
		buf.WriteByte('\n')
	}
	if !perThread && len(crashedRegs) > 0 {
		buf.WriteString("\nRegisters:\n\n")
		d.renderRegisters(buf, crashedRegs)
		buf.WriteString("\n\n")
	}
	buf.WriteString("Images")
	if h.omittedImages > 0 {
		buf.WriteString(" (" + strconv.Itoa(h.omittedImages) + " omitted)")
	}
	buf.WriteString(":\n\n")
	d.renderImages(buf)
	if h.backtraceTime != "" {
		secs := h.backtraceTime
		if v, err := strconv.ParseFloat(secs, 64); err == nil {
			secs = strconv.FormatFloat(v, 'f', 2, 64)
		}
		buf.WriteString("\nBacktrace took " + secs + "s\n")
	}
}

// textFrame is one rendered frame line before alignment.
type textFrame struct {
	index int
	tags  string
	rest  string // address and symbolication, or "..."
}

// renderFrames writes a thread's frames with the index right-aligned in
// three columns and the tags padded to the widest of the thread.
func (d *Document) renderFrames(buf *bytes.Buffer, fs []frame, opts format.WriteOptions) {
	var lines []textFrame
	n := 0
	add := func(tags []string, rest string) {
		lines = append(lines, textFrame{n, strings.Join(tags, " "), rest})
		n++
	}
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
		switch c.kind {
		case kindTrunc:
			lines = append(lines, textFrame{index: -1, rest: "..."})
			continue
		case kindOmitted:
			add(nil, "... "+strconv.Itoa(c.count)+" frames omitted ...")
			continue
		}
		res := d.resolution(c)
		tags := c.tags()
		if res != nil && res.InSharedCache && !c.system {
			tags = append(tags, "[system]")
		}
		if res == nil {
			// The input's own symbolication, or none.
			for k := first; k < gi; k++ {
				f := &fs[k]
				t := f.tags()
				if f.inlined {
					t = append(t, "[inlined]")
				}
				add(t, d.inputSymbolication(f))
			}
			continue
		}
		for _, in := range res.Inlined {
			ir := process.Resolution{Symbol: in.Symbol, SymbolLocation: in.SymbolLocation, SourceFile: in.SourceFile,
				SourceLine: in.SourceLine, SourceColumn: in.SourceColumn}
			var b bytes.Buffer
			b.WriteString(d.hex(c.addr) + " ")
			d.appendSymbolication(&b, c, &ir, opts.FullPaths)
			add(append(append([]string(nil), tags...), "[inlined]"), b.String())
		}
		var b bytes.Buffer
		b.WriteString(d.hex(c.addr) + " ")
		d.appendSymbolication(&b, c, res, opts.FullPaths)
		add(tags, b.String())
	}
	width := 0
	for _, l := range lines {
		width = max(width, len(l.tags))
	}
	for _, l := range lines {
		if l.index < 0 {
			buf.WriteString(l.rest + "\n")
			continue
		}
		idx := strconv.Itoa(l.index)
		buf.WriteString(strings.Repeat(" ", max(0, 3-len(idx))) + idx + " " + l.tags + strings.Repeat(" ", width-len(l.tags)+1) + l.rest + "\n")
	}
}

// tags returns the frame's tags as written in text.
func (f *frame) tags() []string {
	var t []string
	switch f.kind {
	case kindRA:
		t = append(t, "[ra]")
	case kindAsync:
		t = append(t, "[async]")
	}
	if f.thunk {
		t = append(t, "[thunk]")
	}
	if f.system {
		t = append(t, "[system]")
	}
	return t
}

// inputSymbolication is an unresolved frame as the input wrote it.
func (d *Document) inputSymbolication(f *frame) string {
	s := d.hex(f.addr)
	if !f.HasSymbol {
		return s
	}
	desc := f.desc
	if desc == "" {
		desc = strings.TrimPrefix(f.Symbol, "_")
	}
	s += " " + desc
	if f.image != "" {
		s += " in " + f.image
	}
	if f.srcFile != "" {
		s += " at " + f.srcFile
		if f.srcLine > 0 {
			s += ":" + strconv.Itoa(f.srcLine)
			if f.srcCol > 0 {
				s += ":" + strconv.Itoa(f.srcCol)
			}
		}
	}
	return s
}

// renderRegisters writes `name 0x…  decimal` or the captured memory at
// the register's value.
func (d *Document) renderRegisters(buf *bytes.Buffer, regs []register) {
	for _, r := range regs {
		name := r.name
		if len(name) < 3 {
			name = strings.Repeat(" ", 3-len(name)) + name
		}
		buf.WriteString(name + " " + d.hex(r.value) + "  ")
		if mem, ok := d.header.regMemory[r.value]; ok && len(mem) > 0 {
			var hexs, text []string
			for _, c := range mem {
				hexs = append(hexs, strconv.FormatUint(uint64(c)>>4, 16)+strconv.FormatUint(uint64(c)&15, 16))
				if c >= 0x20 && c < 0x7f || c >= 0xa0 {
					text = append(text, string(rune(c)))
				} else {
					text = append(text, "·")
				}
			}
			buf.WriteString(strings.Join(hexs, " ") + "  " + strings.Join(text, ""))
		} else {
			buf.WriteString(strconv.FormatUint(r.value, 10))
		}
		buf.WriteByte('\n')
	}
}

// renderImages writes `0x…–0x… build-id name path`, names padded.
func (d *Document) renderImages(buf *bytes.Buffer) {
	width := 0
	for _, im := range d.images {
		width = max(width, len(im.name))
	}
	for _, im := range d.images {
		id := im.buildID
		if id == "" {
			id = "<no build ID>"
		}
		buf.WriteString(d.hex(im.base) + "–" + d.hex(im.end) + " " + id + " " + im.name + strings.Repeat(" ", width-len(im.name)) + " " + im.path + "\n")
	}
}
