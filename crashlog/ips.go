package crashlog

import (
	"fmt"
	"strings"

	json "github.com/goccy/go-json"

	"github.com/symbolicate/symbolicate/imagemap"
)

// frameList records where one JSON frame array lives, for the splice writer.
type frameList struct {
	which  listKind
	thread int  // index into Report.Threads (thread lists)
	arr    span // the array, brackets included
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

// decodeCrash decodes a bug_type 309-style payload: go-json for the values,
// the scanner for the byte spans of the frame objects.
func (r *Report) decodeCrash(b []byte, ps span, pm []member, hdr *header) error {
	p := &payload{hdr: *hdr}
	if err := json.Unmarshal(b[ps.start:ps.end], p); err != nil {
		return memberDecodeFail[payload](r, b, pm, ps, "payload", err)
	}
	r.p = p

	r.Images = make([]Image, len(p.UsedImages))
	for i := range p.UsedImages {
		r.Images[i] = r.imageFromJSON(&p.UsedImages[i], i)
	}
	if sc := p.SharedCache; sc != nil {
		u, err := imagemap.ParseUUID(string(sc.UUID))
		if err != nil && sc.UUID != "" {
			r.warnf("sharedCache: %v", err)
		}
		r.SharedCache = &SharedCache{Base: sc.Base.u, Size: sc.Size.u, UUID: u}
	}

	// Process description.
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

	// Threads and their frame spans.
	tspan, _ := findMember(pm, "threads")
	telems, err := arrayElems(b, tspan.start)
	if err != nil {
		return r.scanFail("threads", err)
	}
	if len(telems) != len(p.Threads) {
		return r.errAt(formatIPS, tspan.start, "threads", "decoder and scanner disagree on the thread count (%d vs %d)", len(p.Threads), len(telems))
	}
	r.Threads = make([]Thread, len(p.Threads))
	for ti := range p.Threads {
		tj := &p.Threads[ti]
		th := &r.Threads[ti]
		th.ID = tj.ID.u
		th.Name = string(tj.Name)
		th.Queue = string(tj.Queue)
		th.Triggered = tj.Triggered.v
		tm, err := objectMembers(b, telems[ti].start)
		if err != nil {
			return r.scanFail("threads", err)
		}
		if fs, ok := findMember(tm, "frames"); ok && b[fs.start] == '[' {
			frames, err := r.frameList(b, fs, tj.Frames, listFrames, ti, fmt.Sprintf("threads[%d].frames", ti))
			if err != nil {
				return err
			}
			th.Frames = frames
		}
		if ss, ok := findMember(tm, "threadState"); ok && b[ss.start] == '{' {
			regs, err := r.decodeRegisters(b, ss)
			if err != nil {
				return err
			}
			th.Registers = regs
			tj.regs = regs
		}
	}
	if ls, ok := findMember(pm, "lastExceptionBacktrace"); ok && b[ls.start] == '[' {
		frames, err := r.frameList(b, ls, p.LastException, listLastException, 0, "lastExceptionBacktrace")
		if err != nil {
			return err
		}
		r.LastExceptionBacktrace = frames
	}
	if as, ok := findMember(pm, "asi"); ok && b[as.start] == '{' {
		p.asi = decodeASI(b, as)
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

// frameList builds the frames of one JSON frame array and records its spans.
func (r *Report) frameList(b []byte, arr span, fj []frameJSON, which listKind, thread int, field string) ([]Frame, error) {
	elems, err := arrayElems(b, arr.start)
	if err != nil {
		return nil, r.scanFail(field, err)
	}
	if len(elems) != len(fj) {
		return nil, r.errAt(formatIPS, arr.start, field, "decoder and scanner disagree on the frame count (%d vs %d)", len(fj), len(elems))
	}
	frames := make([]Frame, len(fj))
	for i := range fj {
		f := &frames[i]
		f.src = elems[i]
		if b[elems[i].start] != '{' {
			return nil, r.errAt(formatIPS, elems[i].start, field, "frame %d is not an object", i)
		}
		r.frameFromJSON(f, &fj[i], field, i)
	}
	r.lists = append(r.lists, frameList{which: which, thread: thread, arr: arr, sep: separator(b, elems)})
	return frames, nil
}

func (r *Report) frameFromJSON(f *Frame, fj *frameJSON, field string, i int) {
	f.ImageIndex = -1
	if fj.ImageIndex.iok && fj.ImageIndex.i >= 0 && fj.ImageIndex.i < int64(len(r.Images)) {
		f.ImageIndex = int(fj.ImageIndex.i)
	} else if fj.ImageIndex.set {
		r.warnf("%s[%d]: imageIndex %s is not an image of this report", field, i, fj.ImageIndex)
	}
	f.ImageOffset = fj.ImageOffset.u
	if fj.Symbol != nil {
		f.HasSymbol = true
		f.Symbol = string(*fj.Symbol)
	}
	f.SymbolLocation = fj.SymbolLocation.u
	f.SourceFile = string(fj.SourceFile)
	f.SourceLine = fj.SourceLine.int(0)
	f.hasLine = fj.SourceLine.set
	f.Inline = fj.Inline.v
}

// separator returns the bytes between the first two elements of an array
// (for example "," or ",\n    "), or "," when there are fewer than two.
func separator(b []byte, elems []span) []byte {
	if len(elems) < 2 {
		return []byte{','}
	}
	return b[elems[0].end:elems[1].start:elems[1].start]
}

func (r *Report) imageFromJSON(ij *imageJSON, i int) Image {
	im := Image{
		Base:          ij.Base.u,
		Size:          ij.Size.u,
		Arch:          string(ij.Arch),
		Name:          string(ij.Name),
		Path:          string(ij.Path),
		Source:        string(ij.Source),
		BundleID:      string(ij.BundleID),
		Version:       string(ij.ShortVersion),
		BundleVersion: string(ij.BundleVersion),
	}
	if im.Name == "" && im.Path != "" {
		im.Name = imagemap.NameOf(im.Path)
	}
	if ij.UUID != "" {
		u, err := imagemap.ParseUUID(string(ij.UUID))
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

// decodeASI reads "asi" in document order: image name → message(s).
func decodeASI(b []byte, s span) []asiEntry {
	ms, err := objectMembers(b, s.start)
	if err != nil {
		return nil
	}
	out := make([]asiEntry, 0, len(ms))
	for _, m := range ms {
		var l jstrs
		if l.UnmarshalJSON(b[m.val.start:m.val.end]) != nil {
			continue
		}
		out = append(out, asiEntry{image: m.key, msgs: l})
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

// decodeRegisters reads a threadState object: "flavor", the ARM "x" array,
// Rosetta's nested "rosetta" object, and one object per named register.
func (r *Report) decodeRegisters(b []byte, s span) (*Registers, error) {
	ms, err := objectMembers(b, s.start)
	if err != nil {
		return nil, r.scanFail("threadState", err)
	}
	rs := &Registers{}
	var named []Register
	for _, m := range ms {
		v := b[m.val.start:m.val.end]
		switch {
		case m.key == "flavor":
			var f jstr
			if f.UnmarshalJSON(v) == nil {
				rs.Flavor = string(f)
			}
		case m.key == "x" && v[0] == '[':
			elems, err := arrayElems(b, m.val.start)
			if err != nil {
				return nil, r.scanFail("threadState.x", err)
			}
			for i, e := range elems {
				reg, ok := decodeRegister(b, e)
				if !ok {
					continue
				}
				reg.Name = "x" + fmt.Sprint(i)
				rs.Regs = append(rs.Regs, reg)
			}
		case m.key == "rosetta" && v[0] == '{':
			sub, err := objectMembers(b, m.val.start)
			if err != nil {
				return nil, r.scanFail("threadState.rosetta", err)
			}
			for _, sm := range sub {
				if reg, ok := decodeRegister(b, sm.val); ok {
					reg.Name = sm.key
					named = append(named, reg)
				}
			}
		case v[0] == '{':
			if reg, ok := decodeRegister(b, m.val); ok {
				reg.Name = m.key
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
	return rs, nil
}

// decodeRegister reads one register object {"value":…, "symbol":…, …}.
func decodeRegister(b []byte, s span) (Register, bool) {
	var reg Register
	if b[s.start] != '{' {
		return reg, false
	}
	ms, err := objectMembers(b, s.start)
	if err != nil {
		return reg, false
	}
	for _, m := range ms {
		v := b[m.val.start:m.val.end]
		switch m.key {
		case "value":
			var n jnum
			if n.UnmarshalJSON(v) == nil {
				reg.Value = n.u
				if !n.uok && n.iok {
					reg.Value = uint64(n.i)
				}
			}
		case "symbol":
			var t jstr
			if t.UnmarshalJSON(v) == nil {
				reg.Symbol, reg.HasSymbol = string(t), true
			}
		case "symbolLocation":
			var n jnum
			if n.UnmarshalJSON(v) == nil {
				reg.SymbolLocation = n.u
			}
		case "description":
			var t jstr
			if t.UnmarshalJSON(v) == nil {
				reg.Description = string(t)
			}
		case "sourceFile":
			var t jstr
			if t.UnmarshalJSON(v) == nil {
				reg.SourceFile = string(t)
			}
		case "sourceLine":
			var n jnum
			if n.UnmarshalJSON(v) == nil {
				reg.SourceLine = n.int(0)
			}
		case "matchesCrashFrame":
			var j jbool
			if j.UnmarshalJSON(v) == nil {
				reg.MatchesCrashFrame = j.v
			}
		}
	}
	return reg, true
}
