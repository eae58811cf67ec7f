package swiftbt

import (
	"bytes"
	"io"
	"strconv"
	"strings"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/internal/jsontape"
	"github.com/symbolicate/symbolicate/process"
)

const formatJSON = "swift-backtrace"

// parseJSON reads the JSON crash report.
func parseJSON(b []byte) (*Document, error) {
	t, _, se := jsontape.Build(b, 0)
	if se != nil {
		return nil, &diag.FormatError{Format: formatJSON, Off: int64(se.Off), Msg: se.Msg}
	}
	if t.Nodes[0].Kind != '{' {
		return nil, &diag.FormatError{Format: formatJSON, Msg: "not a JSON object"}
	}
	d := &Document{raw: b}
	kind := ""
	for k := int32(1); k < t.Nodes[0].Next; k = t.Nodes[k+1].Next {
		v := k + 1
		switch string(t.KeyBytes(k)) {
		case "kind":
			kind = t.Str(v)
		case "description":
			d.header.description = t.Str(v)
		case "faultAddress":
			d.header.faultAddress = t.Str(v)
		case "platform":
			d.header.platform = t.Str(v)
		case "architecture":
			d.header.arch = t.Str(v)
		case "omittedImages":
			n, _ := strconv.Atoi(string(t.Raw(v)))
			d.header.omittedImages = n
		case "backtraceTime":
			d.header.backtraceTime = strings.Trim(string(t.Raw(v)), `"`)
		case "capturedMemory":
			d.header.regMemory = capturedMemory(t, v)
		case "images":
			if err := d.jsonImages(t, v); err != nil {
				return nil, err
			}
		case "threads":
			if err := d.jsonThreads(t, v); err != nil {
				return nil, err
			}
		}
	}
	if kind != "crashReport" {
		return nil, &diag.FormatError{Format: formatJSON, Field: "kind", Msg: "kind " + strconv.Quote(kind) + " is not crashReport"}
	}
	d.buildProcess()
	d.markReturns()
	return d, nil
}

func ferr(t *jsontape.Tape, n int32, field, msg string) error {
	return &diag.FormatError{Format: formatJSON, Off: int64(t.Nodes[n].Start), Field: field, Msg: msg}
}

func (d *Document) jsonImages(t *jsontape.Tape, arr int32) error {
	for i, e := range t.Elems(arr) {
		field := "images[" + strconv.Itoa(i) + "]"
		if t.Nodes[e].Kind != '{' {
			return ferr(t, e, field, "not an object")
		}
		var im image
		var err error
		for k := e + 1; k < t.Nodes[e].Next; k = t.Nodes[k+1].Next {
			v := k + 1
			switch string(t.KeyBytes(k)) {
			case "name":
				im.name = t.Str(v)
			case "path":
				im.path = t.Str(v)
			case "buildId":
				im.buildID = t.Str(v)
			case "baseAddress":
				if im.base, err = hexAddr(t.Str(v)); err != nil {
					return ferr(t, v, field+".baseAddress", err.Error())
				}
			case "endOfText":
				if im.end, err = hexAddr(t.Str(v)); err != nil {
					return ferr(t, v, field+".endOfText", err.Error())
				}
			}
		}
		if im.buildID != "" && buildIDOf(im.buildID) == "" {
			return ferr(t, e, field+".buildId", "build ID "+strconv.Quote(im.buildID)+" is not hex digits")
		}
		if im.name == "" {
			im.name = process.NameOf(im.path)
		}
		d.images = append(d.images, im)
	}
	return nil
}

// hexAddr parses "0x…".
func hexAddr(s string) (uint64, error) {
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "0x"), 16, 64)
	if err != nil || !strings.HasPrefix(s, "0x") {
		return 0, errBadAddress(s)
	}
	return v, nil
}

type errBadAddress string

func (e errBadAddress) Error() string { return strconv.Quote(string(e)) + " is not a 0x… address" }

func (d *Document) jsonThreads(t *jsontape.Tape, arr int32) error {
	for ti, tn := range t.Elems(arr) {
		field := "threads[" + strconv.Itoa(ti) + "]"
		if t.Nodes[tn].Kind != '{' {
			return ferr(t, tn, field, "not an object")
		}
		th := thread{regsBefore: true}
		for k := tn + 1; k < t.Nodes[tn].Next; k = t.Nodes[k+1].Next {
			v := k + 1
			switch string(t.KeyBytes(k)) {
			case "name":
				th.name = t.Str(v)
			case "crashed":
				th.crashed = string(t.Raw(v)) == "true"
			case "registers":
				th.regs = registers(t, v)
			case "frames":
				if t.Nodes[v].Kind != '[' {
					return ferr(t, v, field+".frames", "not an array")
				}
				for i, fn := range t.Elems(v) {
					f, err := jsonFrame(t, fn, field+".frames["+strconv.Itoa(i)+"]")
					if err != nil {
						return err
					}
					th.frames = append(th.frames, f)
				}
			}
		}
		d.threads = append(d.threads, th)
	}
	return nil
}

func jsonFrame(t *jsontape.Tape, fn int32, field string) (frame, error) {
	if t.Nodes[fn].Kind != '{' {
		return frame{}, ferr(t, fn, field, "not an object")
	}
	f := frame{src: span{int(t.Nodes[fn].Start), int(t.Nodes[fn].End)}}
	for k := fn + 1; k < t.Nodes[fn].Next; k = t.Nodes[k+1].Next {
		v := k + 1
		switch string(t.KeyBytes(k)) {
		case "kind":
			f.kind = t.Str(v)
		case "address":
			a, err := hexAddr(t.Str(v))
			if err != nil {
				return f, ferr(t, v, field+".address", err.Error())
			}
			f.addr, f.hasAddr = a, true
		case "count":
			f.count, _ = strconv.Atoi(string(t.Raw(v)))
		case "inlined":
			f.inlined = string(t.Raw(v)) == "true"
		case "system":
			f.system = string(t.Raw(v)) == "true"
		case "symbol":
			f.Symbol, f.HasSymbol = t.Str(v), true
		case "description":
			f.desc = t.Str(v)
		case "image":
			f.image = t.Str(v)
		case "sourceLocation":
			if t.Nodes[v].Kind == '{' {
				if m, ok := t.Member(v, "file"); ok {
					f.srcFile = t.Str(m)
				}
				if m, ok := t.Member(v, "line"); ok {
					f.srcLine, _ = strconv.Atoi(string(t.Raw(m)))
				}
				if m, ok := t.Member(v, "column"); ok {
					f.srcCol, _ = strconv.Atoi(string(t.Raw(m)))
				}
			}
		}
	}
	switch f.kind {
	case kindPC, kindRA, kindAsync:
	case kindOmitted, kindTrunc:
		f.hasAddr = false
	default:
		if f.hasAddr {
			f.kind = kindPC // an unknown kind with an address is looked up as it is
		}
	}
	return f, nil
}

func registers(t *jsontape.Tape, o int32) []register {
	if t.Nodes[o].Kind != '{' {
		return nil
	}
	var out []register
	for k := o + 1; k < t.Nodes[o].Next; k = t.Nodes[k+1].Next {
		v, err := hexAddr(t.Str(k + 1))
		if err == nil {
			out = append(out, register{name: t.Key(k), value: v})
		}
	}
	return out
}

func capturedMemory(t *jsontape.Tape, o int32) map[uint64][]byte {
	if t.Nodes[o].Kind != '{' {
		return nil
	}
	out := map[uint64][]byte{}
	for k := o + 1; k < t.Nodes[o].Next; k = t.Nodes[k+1].Next {
		a, err := hexAddr(t.Key(k))
		hexs := t.Str(k + 1)
		if err != nil || len(hexs)%2 != 0 {
			continue
		}
		b := make([]byte, len(hexs)/2)
		ok := true
		for i := range b {
			v, err := strconv.ParseUint(hexs[2*i:2*i+2], 16, 8)
			if err != nil {
				ok = false
				break
			}
			b[i] = byte(v)
		}
		if ok {
			out[a] = b
		}
	}
	return out
}

// ownedKeys are the members a symbolicated frame's object gets from this
// package; they are replaced, everything else is kept.
var ownedKeys = map[string]bool{`"symbol"`: true, `"offset"`: true, `"description"`: true, `"image"`: true,
	`"sourceLocation"`: true, `"system"`: true}

// WriteJSON writes the report with every resolved frame's symbol, offset,
// description, image, source location and system flag, as the backtracer
// writes them when it symbolicates; everything else is copied unchanged.
func (d *Document) WriteJSON(w io.Writer, opts format.WriteOptions) error {
	if d.text {
		return format.ErrNoJSON
	}
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
			sep := d.separator(fs, first)
			for _, in := range res.Inlined {
				d.appendInlineObject(&buf, c, &in, opts.FullPaths)
				buf.WriteString(sep)
			}
			d.appendFrameObject(&buf, c, res, opts.FullPaths)
			edits = append(edits, jsontape.Edit{Start: fs[first].src.start, End: c.src.end, Text: bytes.Clone(buf.Bytes())})
		}
	}
	return jsontape.WriteEdited(w, d.raw, jsontape.Span{Start: 0, End: len(d.raw)}, edits)
}

// separator is what stands between two frame objects of a list.
func (d *Document) separator(fs []frame, i int) string {
	if i+1 < len(fs) {
		return string(d.raw[fs[i].src.end:fs[i+1].src.start])
	}
	if i > 0 {
		return string(d.raw[fs[i-1].src.end:fs[i].src.start])
	}
	return ", "
}

// appendFrameObject writes frame c's object: its members other than the
// owned ones as written, then the resolution's.
func (d *Document) appendFrameObject(buf *bytes.Buffer, c *frame, res *process.Resolution, full bool) {
	buf.WriteByte('{')
	n := 0
	_ = jsontape.EachMember(d.raw, c.src.start, func(rawKey []byte, m jsontape.Span) {
		if ownedKeys[string(rawKey)] {
			return
		}
		if n > 0 {
			buf.WriteString(", ")
		}
		buf.Write(d.raw[m.Start:m.End])
		n++
	})
	d.appendSymbolMembers(buf, c, res, n > 0)
	buf.WriteByte('}')
}

// appendInlineObject writes an inlined call of concrete frame c.
func (d *Document) appendInlineObject(buf *bytes.Buffer, c *frame, in *process.InlineFrame, full bool) {
	buf.WriteString(`{"kind": `)
	jsontape.AppendStringPlain(buf, c.kind)
	buf.WriteString(`, "address": `)
	jsontape.AppendStringPlain(buf, d.hex(c.addr))
	buf.WriteString(`, "inlined": true`)
	res := process.Resolution{Symbol: in.Symbol, RawSymbol: in.RawSymbol, SymbolLocation: in.SymbolLocation,
		SourceFile: in.SourceFile, SourceLine: in.SourceLine, SourceColumn: in.SourceColumn}
	d.appendSymbolMembers(buf, c, &res, true)
	buf.WriteByte('}')
}

// appendSymbolMembers writes "system", "symbol", "offset", "description",
// "image" and "sourceLocation".
func (d *Document) appendSymbolMembers(buf *bytes.Buffer, c *frame, res *process.Resolution, comma bool) {
	member := func(key string) {
		if comma {
			buf.WriteString(", ")
		}
		comma = true
		buf.WriteString(`"` + key + `": `)
	}
	if res.InSharedCache {
		member("system")
		buf.WriteString("true")
	}
	member("symbol")
	jsontape.AppendStringPlain(buf, linkageName(res))
	member("offset")
	buf.WriteString(strconv.FormatUint(res.SymbolLocation, 10))
	member("description")
	jsontape.AppendStringPlain(buf, res.Symbol+" + "+strconv.FormatUint(res.SymbolLocation, 10))
	if c.Image >= 0 {
		member("image")
		jsontape.AppendStringPlain(buf, d.p.Images[c.Image].Name)
	}
	if res.SourceFile != "" {
		member("sourceLocation")
		buf.WriteString(`{"file": `)
		jsontape.AppendStringPlain(buf, res.SourceFile)
		if res.SourceLine > 0 {
			buf.WriteString(`, "line": ` + strconv.Itoa(res.SourceLine))
			if res.SourceColumn > 0 {
				buf.WriteString(`, "column": ` + strconv.Itoa(res.SourceColumn))
			}
		}
		buf.WriteByte('}')
	}
}

// linkageName is the symbol as a Mach-O symbol table has it: the linkage
// name with its leading underscore (Objective-C methods have none).
func linkageName(res *process.Resolution) string {
	raw := res.RawSymbol
	if raw == "" {
		raw = res.Symbol
	}
	return MachOName(raw)
}

// MachOName returns a display-form name (no leading underscore, as every
// source gives names) as a Mach-O symbol table has it.
func MachOName(name string) string {
	if strings.HasPrefix(name, "-[") || strings.HasPrefix(name, "+[") {
		return name
	}
	return "_" + name
}

// hex writes an address with the report's pointer width.
func (d *Document) hex(a uint64) string {
	w := 16
	if d.p.WordSize == 32 {
		w = 8
	}
	s := strconv.FormatUint(a, 16)
	if len(s) < w {
		s = strings.Repeat("0", w-len(s)) + s
	}
	return "0x" + s
}
