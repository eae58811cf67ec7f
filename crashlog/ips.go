package crashlog

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	json "github.com/goccy/go-json"
	"github.com/symbolicate/symbolicate/internal/jsontape"
	"github.com/symbolicate/symbolicate/process"
)

// frameList records where one JSON frame array lives, for the splice writer.
type frameList struct {
	which  listKind
	thread int           // index into Report.Threads (thread lists)
	arr    jsontape.Span // the array, brackets included
	sep    []byte
}

type listKind uint8

const (
	listFrames listKind = iota
	listKernelFrames
	listLastException
)

// frames returns the frame slice a list describes.
func (l *frameList) frames(r *Report) []Frame {
	switch l.which {
	case listLastException:
		return r.LastExceptionBacktrace
	case listKernelFrames:
		if l.thread < len(r.Threads) {
			return r.Threads[l.thread].KernelFrames
		}
	default:
		if l.thread < len(r.Threads) {
			return r.Threads[l.thread].Frames
		}
	}
	return nil
}

// decodeCrash decodes a bug_type 309-style payload from its tape.
func (r *Report) decodeCrash(t *jsontape.Tape, hdr *header) error {
	p := &payload{hdr: *hdr}
	r.p = p
	var threadsNode, lebNode int32 = -1, -1
	for k := int32(1); k < t.Nodes[0].Next; k = t.Nodes[k+1].Next {
		v := k + 1
		switch string(t.KeyBytes(k)) {
		case "threads":
			threadsNode = v
		case "lastExceptionBacktrace":
			lebNode = v
		case "asi":
			p.asi = decodeASI(t, v)
		case "usedImages":
			if err := r.decodeUsedImages(t, v); err != nil {
				return err
			}
		default:
			if err := p.set(t, k, v); err != nil {
				return r.decodeFail(int(t.Nodes[v].Start), "payload."+t.Key(k), err)
			}
		}
	}

	if sc := p.SharedCache; sc != nil {
		u, err := process.ParseUUID(string(sc.UUID))
		if err != nil && sc.UUID != "" {
			r.warnf("sharedCache: %v", err)
		}
		r.SharedCache = &SharedCache{Base: sc.Base.u, Size: sc.Size.u, UUID: u}
	}

	r.describe(p, hdr)
	if threadsNode >= 0 {
		if t.Nodes[threadsNode].Kind != '[' {
			return r.errAt(formatIPS, int(t.Nodes[threadsNode].Start), "threads", "not an array")
		}
		telems := t.Elems(threadsNode)
		r.Threads = make([]Thread, len(telems))
		p.instr = make([]*instrState, len(telems))
		for ti, tn := range telems {
			if err := r.decodeThread(t, tn, ti); err != nil {
				return err
			}
		}
	}
	if lebNode >= 0 && isArray(t.Nodes[lebNode].Kind) {
		frames, err := r.frameList(t, lebNode, listLastException, 0, "lastExceptionBacktrace")
		if err != nil {
			return err
		}
		r.LastExceptionBacktrace = frames
	}

	r.FaultingThread = -1
	if p.FaultingThread.iok && p.FaultingThread.i >= 0 && p.FaultingThread.i < int64(len(r.Threads)) {
		r.FaultingThread = int(p.FaultingThread.i)
	} else {
		for i := range r.Threads {
			if r.Threads[i].Triggered {
				r.FaultingThread = i
				break
			}
		}
	}
	return nil
}

// describe fills in the report's description of the process from the
// payload and the header.
func (r *Report) describe(p *payload, hdr *header) {
	r.ProcessName = string(p.ProcName)
	if r.ProcessName == "" {
		r.ProcessName = string(hdr.Name)
	}
	r.ProcessPath = string(p.ProcPath)
	if p.PID.iok {
		r.PID = p.PID.i
	}
	r.CPUType = string(p.CPUType)
	r.Translated = p.Translated.v
	r.CaptureTime = string(p.CaptureTime)
	if r.Incident == "" {
		r.Incident = string(p.Incident)
	}
	if r.OSVersion == "" && p.OSVersion.Train != "" {
		r.OSVersion = osText(p.OSVersion)
	}
	r.Exception = Exception{
		Type:    string(p.Exception.Type),
		Signal:  string(p.Exception.Signal),
		Codes:   string(p.Exception.Codes),
		Subtype: string(p.Exception.Subtype),
		Message: string(p.Exception.Message),
	}
}

// decodeThread decodes threads[ti] (tape node tn).
func (r *Report) decodeThread(t *jsontape.Tape, tn int32, ti int) error {
	field := "threads[" + strconv.Itoa(ti) + "]"
	if t.Nodes[tn].Kind != '{' {
		return r.errAt(formatIPS, int(t.Nodes[tn].Start), field, "thread is not an object")
	}
	th := &r.Threads[ti]
	for k := tn + 1; k < t.Nodes[tn].Next; k = t.Nodes[k+1].Next {
		v := k + 1
		switch string(t.KeyBytes(k)) {
		case "id":
			th.ID = tnum(t, v).u
		case "name":
			th.Name = t.Str(v)
		case "queue":
			th.Queue = t.Str(v)
		case "triggered":
			th.Triggered = tbool(t, v)
		case "frames":
			if !isArray(t.Nodes[v].Kind) {
				return r.errAt(formatIPS, int(t.Nodes[v].Start), field+".frames", "not an array")
			}
			frames, err := r.frameList(t, v, listFrames, ti, field+".frames")
			if err != nil {
				return err
			}
			th.Frames = frames
		case "threadState":
			if t.Nodes[v].Kind == '{' {
				th.Registers = decodeRegisters(t, v)
			}
		case "instructionState":
			if t.Nodes[v].Kind == '{' {
				var is instrState
				if err := json.Unmarshal(t.Raw(v), &is); err != nil {
					return r.decodeFail(int(t.Nodes[v].Start), field+".instructionState", err)
				}
				r.p.instr[ti] = &is
			}
		}
	}
	return nil
}

// frameList decodes one JSON array of frame objects and records its spans.
func (r *Report) frameList(t *jsontape.Tape, arr int32, which listKind, thread int, field string) ([]Frame, error) {
	frames := make([]Frame, countElems(t, arr))
	sep, err := r.eachElem(t, arr, len(frames), func(et *jsontape.Tape, fn int32, i int) error {
		if et.Nodes[fn].Kind != '{' {
			return r.errAt(formatIPS, int(et.Nodes[fn].Start), field, "frame %d is not an object", i)
		}
		r.frameFromTape(et, fn, &frames[i], func() string { return field }, i)
		return nil
	})
	if err != nil {
		return nil, err
	}
	r.lists = append(r.lists, frameList{which: which, thread: thread, arr: t.Span(arr), sep: sep})
	return frames, nil
}

// line32 narrows a source line number; one past 32 bits is not a line.
func line32(n int, ok bool) (int32, bool) {
	if !ok || n < 0 || n > math.MaxInt32 {
		return 0, false
	}
	return int32(n), true
}

// isArray reports an array node, expanded or Opaque.
func isArray(kind byte) bool { return kind == '[' || kind == jsontape.Opaque }

// frameArrayKey selects the payload members whose arrays are frame lists:
// the payload's tape keeps them Opaque, and frameList reads them one frame
// at a time, so no tape node per frame is ever held.
func frameArrayKey(key []byte) bool {
	switch string(key) {
	case "frames", "lastExceptionBacktrace", "userFrames", "kernelFrames":
		return true
	}
	return false
}

// countElems counts the elements of array node arr (Opaque or not).
func countElems(t *jsontape.Tape, arr int32) int {
	if t.Nodes[arr].Kind != jsontape.Opaque {
		return len(t.Elems(arr))
	}
	n, _ := jsontape.CountElems(t.B, int(t.Nodes[arr].Start))
	return n
}

// eachElem calls fn for at most n elements of array node arr, with the
// tape holding the element: t itself, or for an Opaque array (frame lists
// are not expanded in the payload's tape) a tape of the element alone. It
// returns the separator between the first two elements (see separator).
func (r *Report) eachElem(t *jsontape.Tape, arr int32, n int, fn func(et *jsontape.Tape, e int32, i int) error) ([]byte, error) {
	if t.Nodes[arr].Kind != jsontape.Opaque {
		elems := t.Elems(arr)
		for i, e := range elems[:min(n, len(elems))] {
			if err := fn(t, e, i); err != nil {
				return nil, err
			}
		}
		return separator(t, elems), nil
	}
	var first [2]jsontape.Span
	i := 0
	var ferr error
	serr := jsontape.EachElem(t.B, int(t.Nodes[arr].Start), func(et *jsontape.Tape) bool {
		if i >= n {
			return false
		}
		if i < 2 {
			first[i] = et.Span(0)
		}
		ferr = fn(et, 0, i)
		i++
		return ferr == nil
	})
	switch {
	case ferr != nil:
		return nil, ferr
	case serr != nil:
		return nil, r.errAt(formatIPS, serr.Off, "frames", "%s", serr.Msg)
	case i < 2:
		return []byte{','}, nil
	}
	return t.B[first[0].End:first[1].Start:first[1].Start], nil
}

// frameFromTape decodes frame object fn.
func (r *Report) frameFromTape(t *jsontape.Tape, fn int32, f *Frame, fieldOf func() string, i int) {
	f.src = spanOf(t.Span(fn))
	f.Image = -1
	var idx jnum
	for k := fn + 1; k < t.Nodes[fn].Next; k = t.Nodes[k+1].Next {
		v := k + 1
		switch string(t.KeyBytes(k)) {
		case "imageIndex":
			idx = tnum(t, v)
		case "imageOffset":
			f.Offset = tnum(t, v).u
		case "symbol":
			f.Symbol, f.HasSymbol = t.Str(v), true
		case "symbolLocation":
			f.SymbolLocation = tnum(t, v).u
		case "sourceFile":
			f.SourceFile = t.Str(v)
		case "sourceLine":
			n := tnum(t, v)
			f.SourceLine, f.hasLine = line32(n.int(0), n.set)
		case "inline":
			f.Inline = tbool(t, v)
		}
	}
	switch {
	case idx.iok && idx.i >= 0 && idx.i < int64(len(r.Images)):
		f.Image = int(idx.i)
	case idx.set:
		r.warnf("%s[%d]: imageIndex %s is not an image of this report", fieldOf(), i, idx)
	}
}

// separator returns the bytes between the first two elements of an array
// (for example "," or ",\n    "), or "," when there are fewer than two.
func separator(t *jsontape.Tape, elems []int32) []byte {
	if len(elems) < 2 {
		return []byte{','}
	}
	return t.B[t.Nodes[elems[0]].End:t.Nodes[elems[1]].Start:t.Nodes[elems[1]].Start]
}

// decodeUsedImages reads "usedImages" (node v), an array of image objects,
// straight from the tape; null is no images.
func (r *Report) decodeUsedImages(t *jsontape.Tape, v int32) error {
	switch t.Nodes[v].Kind {
	case 'n':
		r.Images = nil
		return nil
	case '[':
	default:
		return r.errAt(formatIPS, int(t.Nodes[v].Start), "payload.usedImages", "cannot decode: not an array of images")
	}
	elems := t.Elems(v)
	r.Images = make([]Image, len(elems))
	for i, e := range elems {
		var ij imageJSON
		if !ij.fromTape(t, e) {
			return r.errAt(formatIPS, int(t.Nodes[e].Start), "payload.usedImages", "cannot decode: image %d is not an object", i)
		}
		r.Images[i] = r.imageFromJSON(&ij, i)
	}
	return nil
}

// fromTape fills ij from object node o (null leaves it zero); it reports
// false for any other kind of value.
func (ij *imageJSON) fromTape(t *jsontape.Tape, o int32) bool {
	switch t.Nodes[o].Kind {
	case 'n':
		return true
	case '{':
	default:
		return false
	}
	for k := o + 1; k < t.Nodes[o].Next; k = t.Nodes[k+1].Next {
		v := k + 1
		switch string(t.KeyBytes(k)) {
		case "source":
			ij.Source = commonStr(t, v)
		case "arch":
			ij.Arch = commonStr(t, v)
		case "base":
			ij.Base = tnum(t, v)
		case "size":
			ij.Size = tnum(t, v)
		case "uuid":
			ij.UUID = strBytes(t, v)
		case "path":
			ij.Path = jstr(t.Str(v))
		case "name":
			ij.Name = strBytes(t, v)
		case "CFBundleIdentifier":
			ij.BundleID = jstr(t.Str(v))
		case "CFBundleShortVersionString":
			ij.ShortVersion = jstr(t.Str(v))
		case "CFBundleVersion":
			ij.BundleVersion = jstr(t.Str(v))
		}
	}
	return true
}

// strBytes returns the text of node v, without copying it when it has no
// escapes (the bytes then alias the input).
func strBytes(t *jsontape.Tape, v int32) []byte {
	if b, ok := t.Plain(v); ok {
		return b
	}
	return []byte(t.Str(v))
}

// commonStr returns string node v, without allocating for the values
// almost every image has ("arm64e", "P", …).
func commonStr(t *jsontape.Tape, v int32) jstr {
	if b, ok := t.Plain(v); ok {
		switch string(b) {
		case "arm64e":
			return "arm64e"
		case "arm64":
			return "arm64"
		case "x86_64":
			return "x86_64"
		case "P":
			return "P"
		case "S":
			return "S"
		}
	}
	return jstr(t.Str(v))
}

func (r *Report) imageFromJSON(ij *imageJSON, i int) Image {
	im := Image{
		Base:          ij.Base.u,
		Size:          ij.Size.u,
		Arch:          string(ij.Arch),
		Path:          string(ij.Path),
		Source:        string(ij.Source),
		BundleID:      string(ij.BundleID),
		Version:       string(ij.ShortVersion),
		BundleVersion: string(ij.BundleVersion),
	}
	// The name is usually the path's last element: that substring, not a copy.
	if base := process.NameOf(im.Path); len(ij.Name) == 0 || string(ij.Name) == base {
		im.Name = base
	} else {
		im.Name = string(ij.Name)
	}
	if len(ij.UUID) > 0 {
		u, err := process.ParseUUID(ij.UUID)
		if err != nil {
			r.warnf("usedImages[%d]: %v", i, err)
		} else if !u.IsZero() {
			im.UUID, im.HasUUID = u, true
		}
	}
	return im
}

func (r *Report) warnf(format string, args ...any) {
	if len(r.Warnings) < 100 {
		r.Warnings = append(r.Warnings, fmt.Sprintf(format, args...))
	}
}

// decodeASI reads "asi" (node v) in document order: image name → message(s).
func decodeASI(t *jsontape.Tape, v int32) []asiEntry {
	if t.Nodes[v].Kind != '{' {
		return nil
	}
	var out []asiEntry
	for k := v + 1; k < t.Nodes[v].Next; k = t.Nodes[k+1].Next {
		var l jstrs
		if l.UnmarshalJSON(t.Raw(k+1)) != nil {
			continue
		}
		out = append(out, asiEntry{image: t.Key(k), msgs: l})
	}
	return out
}

// osText formats osVersion as "train (build)".
func osText(o osVersion) string {
	if o.Build == "" {
		return string(o.Train)
	}
	return string(o.Train) + " (" + string(o.Build) + ")"
}

// Register display orders (ips.md §7).
var (
	armRegOrder = []string{"fp", "lr", "sp", "pc", "cpsr", "far", "esr"}
	x86RegOrder = []string{"rax", "rbx", "rcx", "rdx", "rdi", "rsi", "rbp", "rsp",
		"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip", "rflags", "cr2",
		"tmp0", "tmp1", "tmp2", "cpu", "trap", "err"}
)

// decodeRegisters reads a threadState object (node s): "flavor", the ARM
// "x" array, Rosetta's nested "rosetta" object, and one object per named
// register.
func decodeRegisters(t *jsontape.Tape, s int32) *Registers {
	n := 0
	for k := s + 1; k < t.Nodes[s].Next; k = t.Nodes[k+1].Next {
		n++
		if t.KeyIs(k, "x") || t.KeyIs(k, "rosetta") {
			n += 32
		}
	}
	rs := &Registers{Regs: make([]Register, 0, n)}
	named := make([]Register, 0, n)
	for k := s + 1; k < t.Nodes[s].Next; k = t.Nodes[k+1].Next {
		v := k + 1
		key := string(t.KeyBytes(k))
		switch kind := t.Nodes[v].Kind; {
		case key == "flavor":
			rs.Flavor = t.Str(v)
		case key == "x" && kind == '[':
			for i, e := range t.Elems(v) {
				if reg, ok := decodeRegister(t, e); ok {
					reg.Name = "x" + strconv.Itoa(i)
					rs.Regs = append(rs.Regs, reg)
				}
			}
		case key == "rosetta" && kind == '{':
			for sk := v + 1; sk < t.Nodes[v].Next; sk = t.Nodes[sk+1].Next {
				if reg, ok := decodeRegister(t, sk+1); ok {
					reg.Name = t.Key(sk)
					named = append(named, reg)
				}
			}
		case kind == '{':
			if reg, ok := decodeRegister(t, v); ok {
				reg.Name = key
				named = append(named, reg)
			}
		}
	}
	order := armRegOrder
	if strings.HasPrefix(strings.ToLower(rs.Flavor), "x86") {
		order = x86RegOrder
	}
	used := make([]bool, len(named))
	for _, name := range order {
		for i := range named {
			if !used[i] && named[i].Name == name {
				rs.Regs = append(rs.Regs, named[i])
				used[i] = true
				break
			}
		}
	}
	for i := range named {
		if !used[i] {
			rs.Regs = append(rs.Regs, named[i])
		}
	}
	return rs
}

// decodeRegister reads one register object {"value":…, "symbol":…, …}.
func decodeRegister(t *jsontape.Tape, s int32) (Register, bool) {
	var reg Register
	if t.Nodes[s].Kind != '{' {
		return reg, false
	}
	for k := s + 1; k < t.Nodes[s].Next; k = t.Nodes[k+1].Next {
		v := k + 1
		switch string(t.KeyBytes(k)) {
		case "value":
			n := tnum(t, v)
			reg.Value = n.u
			if !n.uok && n.iok {
				reg.Value = uint64(n.i)
			}
		case "symbol":
			reg.Symbol, reg.HasSymbol = t.Str(v), true
		case "symbolLocation":
			reg.SymbolLocation = tnum(t, v).u
		case "description":
			reg.Description = t.Str(v)
		case "sourceFile":
			reg.SourceFile = t.Str(v)
		case "sourceLine":
			reg.SourceLine = tnum(t, v).int(0)
		case "matchesCrashFrame":
			reg.MatchesCrashFrame = tbool(t, v)
		}
	}
	return reg, true
}
