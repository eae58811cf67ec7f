package metrickit

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/internal/jsontape"
	"github.com/symbolicate/symbolicate/process"
)

// WriteJSON writes the payload with each resolved frame object gaining
// "symbol" (display name), "symbolLocation", "rawSymbol" when it differs,
// and "sourceFile"/"sourceLine" when known; nothing else changes. Members
// of an earlier run are replaced.
func (d *Document) WriteJSON(w io.Writer, opts format.WriteOptions) error {
	var edits []jsontape.Edit
	for i := range d.nodes {
		n := &d.nodes[i]
		res := d.resolution(n)
		if res == nil {
			continue
		}
		vals := map[string][]byte{}
		var b bytes.Buffer
		jsontape.AppendStringPlain(&b, res.Symbol)
		vals["symbol"] = bytes.Clone(b.Bytes())
		vals["symbolLocation"] = []byte(strconv.FormatUint(res.SymbolLocation, 10))
		if res.RawSymbol != "" {
			b.Reset()
			jsontape.AppendStringPlain(&b, res.RawSymbol)
			vals["rawSymbol"] = bytes.Clone(b.Bytes())
		}
		if res.SourceFile != "" {
			file := res.SourceFile
			if !opts.FullPaths {
				file = file[strings.LastIndexByte(file, '/')+1:]
			}
			b.Reset()
			jsontape.AppendStringPlain(&b, file)
			vals["sourceFile"] = bytes.Clone(b.Bytes())
			if res.SourceLine > 0 {
				vals["sourceLine"] = []byte(strconv.Itoa(res.SourceLine))
			}
		}
		var insert bytes.Buffer
		for _, key := range ownedKeys {
			v, want := vals[key]
			if sp, had := n.owned[key]; had {
				if !want {
					v = []byte("null")
				}
				edits = append(edits, jsontape.Edit{Start: sp.Start, End: sp.End, Text: v})
				continue
			}
			if want {
				insert.WriteString(`, "` + key + `" : `)
				insert.Write(v)
			}
		}
		if insert.Len() > 0 {
			edits = append(edits, jsontape.Edit{Start: n.lastEnd, End: n.lastEnd, Text: insert.Bytes()})
		}
	}
	slices.SortStableFunc(edits, func(a, b jsontape.Edit) int { return a.Start - b.Start })
	return jsontape.WriteEdited(w, d.raw, jsontape.Span{Start: 0, End: len(d.raw)}, edits)
}

// WriteText writes crash diagnostics as Apple-style crash reports (header
// from the metadata, one thread per call stack, Binary Images) and sampled
// diagnostics as indented call trees with their sample counts, as `sample`
// prints them.
func (d *Document) WriteText(w io.Writer, opts format.WriteOptions) error {
	var b bytes.Buffer
	for di := range d.diags {
		dg := &d.diags[di]
		if di > 0 {
			b.WriteString("\n")
		}
		title := dg.kind
		if title == "" {
			title = "callStackTree"
		}
		b.WriteString("Diagnostic: " + title + "\n")
		d.writeMeta(&b, dg)
		if dg.perThread {
			d.writeThreads(&b, dg, opts)
		} else {
			d.writeTree(&b, dg, opts)
		}
	}
	b.WriteString("\nBinary Images:\n")
	for _, im := range d.p.Images {
		u, _ := im.ID.UUID()
		base := "???"
		if im.Kind != process.Unplaced {
			base = "0x" + strconv.FormatUint(im.Base, 16)
		}
		b.WriteString(pad(base, 18, true) + " " + im.Name + " <" + strings.ToLower(strings.ReplaceAll(u.String(), "-", "")) + ">\n")
	}
	_, err := w.Write(b.Bytes())
	return err
}

// metaLines are the metadata written in a header, as Apple names them.
var metaLines = []struct{ key, label string }{
	{"deviceType", "Hardware Model"}, {"appVersion", "Version"}, {"appBuildVersion", "Build"},
	{"osVersion", "OS Version"}, {"platformArchitecture", "Code Type"}, {"regionFormat", "Region"},
	{"terminationReason", "Termination Reason"}, {"virtualMemoryRegionInfo", "VM Region Info"},
	{"hangDuration", "Hang Duration"}, {"launchDuration", "Launch Duration"}, {"totalCPUTime", "CPU Time"},
	{"totalSampledTime", "Sampled Time"}, {"writesCaused", "Writes Caused"},
}

func (d *Document) writeMeta(b *bytes.Buffer, dg *diagnostic) {
	if len(dg.meta) == 0 {
		return
	}
	for _, m := range metaLines {
		if v := dg.meta[m.key]; v != "" {
			b.WriteString(pad(m.label+":", 20, false) + v + "\n")
		}
	}
	if et := dg.meta["exceptionType"]; et != "" {
		n, _ := strconv.Atoi(et)
		line := machException(n)
		if sig := dg.meta["signal"]; sig != "" {
			s, _ := strconv.Atoi(sig)
			line += " (" + signalName(s) + ")"
		}
		b.WriteString(pad("Exception Type:", 20, false) + line + "\n")
	}
	if c := dg.meta["exceptionCode"]; c != "" {
		b.WriteString(pad("Exception Codes:", 20, false) + c + "\n")
	}
}

// writeThreads writes each call stack as a thread, its frames in order.
func (d *Document) writeThreads(b *bytes.Buffer, dg *diagnostic, opts format.WriteOptions) {
	for si, st := range dg.stacks {
		b.WriteString("\nThread " + strconv.Itoa(si))
		if st.attributed {
			b.WriteString(" Crashed")
		}
		b.WriteString(":\n")
		k := 0
		for _, r := range st.roots {
			for i := r; ; {
				n := &d.nodes[i]
				res := d.resolution(n)
				if res != nil {
					for _, in := range res.Inlined {
						b.WriteString(pad(strconv.Itoa(k), 4, false) + pad(d.imageName(n), 30, false) + "\t" + d.addrText(n) + " " +
							in.Symbol + " + " + strconv.FormatUint(in.SymbolLocation, 10) + source(in.SourceFile, in.SourceLine, opts) + " [inlined]\n")
						k++
					}
				}
				b.WriteString(pad(strconv.Itoa(k), 4, false) + pad(d.imageName(n), 30, false) + "\t" + d.addrText(n) + " " + d.symbolText(n, res, opts) + "\n")
				k++
				if len(n.children) == 0 {
					break
				}
				i = n.children[0]
			}
		}
	}
}

// writeTree writes a sampled tree, outermost frame first, two spaces of
// indentation a level.
func (d *Document) writeTree(b *bytes.Buffer, dg *diagnostic, opts format.WriteOptions) {
	b.WriteString("\nCall tree:\n")
	var walk func(i, depth int)
	walk = func(i, depth int) {
		n := &d.nodes[i]
		res := d.resolution(n)
		b.WriteString(strings.Repeat("  ", depth+1) + strconv.Itoa(n.count) + " ")
		if res != nil {
			b.WriteString(res.Symbol + "  (in " + d.imageName(n) + ") + " + strconv.FormatUint(res.SymbolLocation, 10))
		} else {
			b.WriteString("???  (in " + d.imageName(n) + ") + " + strconv.FormatUint(n.Offset, 10))
		}
		b.WriteString("  [" + d.addrText(n) + "]")
		if res != nil && res.SourceFile != "" {
			b.WriteString("  " + strings.TrimPrefix(source(res.SourceFile, res.SourceLine, opts), " "))
		}
		b.WriteByte('\n')
		for _, c := range n.children {
			walk(c, depth+1)
		}
	}
	for _, st := range dg.stacks {
		for _, r := range st.roots {
			walk(r, 0)
		}
	}
}

func (d *Document) imageName(n *node) string {
	if n.Image >= 0 {
		return d.p.Images[n.Image].Name
	}
	if n.name != "" {
		return n.name
	}
	return "???"
}

// addrText is the frame's absolute address when known.
func (d *Document) addrText(n *node) string {
	a := n.addr
	if !n.hasAddr {
		if n.Image < 0 || d.p.Images[n.Image].Kind == process.Unplaced {
			return "0x" + strconv.FormatUint(n.value, 16)
		}
		a = d.p.Images[n.Image].Base + n.Offset
	}
	return fmt.Sprintf("0x%016x", a)
}

func (d *Document) symbolText(n *node, res *process.Resolution, opts format.WriteOptions) string {
	if res == nil {
		if n.HasSymbol {
			return n.Symbol
		}
		return d.imageName(n) + " + " + strconv.FormatUint(n.Offset, 10)
	}
	return res.Symbol + " + " + strconv.FormatUint(res.SymbolLocation, 10) + source(res.SourceFile, res.SourceLine, opts)
}

// source is " (file:line)", the file shortened unless full paths are asked.
func source(file string, line int, opts format.WriteOptions) string {
	if file == "" {
		return ""
	}
	if !opts.FullPaths {
		file = file[strings.LastIndexByte(file, '/')+1:]
	}
	if line > 0 {
		return " (" + file + ":" + strconv.Itoa(line) + ")"
	}
	return " (" + file + ")"
}

// pad pads s with spaces to width, on the left when right is set.
func pad(s string, width int, right bool) string {
	if len(s) >= width {
		return s
	}
	if right {
		return strings.Repeat(" ", width-len(s)) + s
	}
	return s + strings.Repeat(" ", width-len(s))
}

func machException(n int) string {
	names := []string{1: "EXC_BAD_ACCESS", 2: "EXC_BAD_INSTRUCTION", 3: "EXC_ARITHMETIC", 4: "EXC_EMULATION",
		5: "EXC_SOFTWARE", 6: "EXC_BREAKPOINT", 7: "EXC_SYSCALL", 8: "EXC_MACH_SYSCALL", 9: "EXC_RPC_ALERT",
		10: "EXC_CRASH", 11: "EXC_RESOURCE", 12: "EXC_GUARD", 13: "EXC_CORPSE_NOTIFY"}
	if n > 0 && n < len(names) {
		return names[n]
	}
	return "exception " + strconv.Itoa(n)
}

func signalName(n int) string {
	names := []string{1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGEMT",
		8: "SIGFPE", 9: "SIGKILL", 10: "SIGBUS", 11: "SIGSEGV", 12: "SIGSYS", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM"}
	if n > 0 && n < len(names) {
		return names[n]
	}
	return "signal " + strconv.Itoa(n)
}
