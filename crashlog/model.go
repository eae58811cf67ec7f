package crashlog

import (
	"iter"
	"math/bits"
	"strconv"
	"strings"

	"github.com/symbolicate/symbolicate/internal/jsontape"
	"github.com/symbolicate/symbolicate/process"
)

// Kind says which schema a report uses and therefore how it is symbolicated
// and written back.
type Kind int

const (
	// KindOther is a recognised report with nothing to symbolicate: jetsam
	// (298), resource reports (145, 202, 206), legacy stackshots (188), …
	KindOther Kind = iota
	// KindCrash is the bug_type 309 payload and the crash-like JSON payloads
	// that share its schema (threads with frame objects, usedImages).
	KindCrash
	// KindKernel is a kernel-style JSON payload (210, 151, 288): binaryImages
	// tuples and [imageIndex, imageOffset] frame tuples under processByPid.
	KindKernel
	// KindLegacyText is a text crash report (.crash, or the text body of a
	// bug_type 109 .ips). It is written back as text only.
	KindLegacyText
)

func (k Kind) String() string {
	switch k {
	case KindOther:
		return "other"
	case KindCrash:
		return "crash"
	case KindKernel:
		return "kernel"
	case KindLegacyText:
		return "legacy text"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Report is one parsed crash report. The exported slices describe the report;
// the resolver fills Frame.Resolved and the writers render the result. Apart
// from Resolved, callers must not change the shape of Images, Threads or the
// frame slices: the writers edit the original bytes by the positions recorded
// at parse time.
type Report struct {
	// BugType is the header bug_type ("309", "210", …); "" for legacy text
	// without a JSON header line.
	BugType string
	// BugTypeName is the OSAnalytics name of BugType ("Crash", "Panic",
	// "Jetsam", …) from the table of ips.md §3; "" when unknown.
	BugTypeName string
	// Kind is the schema of the report.
	Kind Kind

	// Images are usedImages / binaryImages / the legacy "Binary Images"
	// section, in file order. Frames refer to them by index.
	Images []Image
	// Threads are the report's threads in file order. For kernel-style
	// reports there is one Thread per thread of every process in
	// processByPid.
	Threads []Thread
	// LastExceptionBacktrace is the backtrace where an uncaught exception was
	// thrown, when the report has one.
	LastExceptionBacktrace []Frame
	// SharedCache is the dyld shared cache mapping of the process; nil when
	// the report has none.
	SharedCache *SharedCache
	// FaultingThread is the index into Threads of the crashed thread; -1
	// when unknown.
	FaultingThread int

	// Incident is the incident identifier; "" when absent.
	Incident string
	// OSVersion is the OS as the report names it, e.g.
	// "iPhone OS 16.0 (20A362)" or "macOS 12.4 (21F79)".
	OSVersion string
	// Platform is the header's platform number (1 macOS, 2 iOS, 3 tvOS,
	// 4 watchOS, 6 Mac Catalyst, 7 iOS Simulator, …); 0 when absent.
	Platform int
	// ProcessName and ProcessPath name the crashed process; PID is its
	// process id (-1 when unknown).
	ProcessName, ProcessPath string
	PID                      int64
	// CPUType is the code type as written: "ARM-64", "X86-64", …
	CPUType string
	// Translated is true for an x86-64 process running under Rosetta.
	Translated bool
	// CaptureTime is the crash time as written ("Date/Time").
	CaptureTime string
	// Exception describes why the process crashed.
	Exception Exception

	// HeaderFields are the members of the .ips header line, and Fields the
	// top-level members of a JSON payload, in file order and unmodified:
	// every field, known to this package or not. Values alias the input.
	HeaderFields []Field
	Fields       []Field
	// Warnings lists problems that did not stop parsing (an unparsable UUID,
	// a frame pointing at a missing image, …).
	Warnings []string

	raw     []byte        // the input given to Parse
	ips     jsontape.Span // the .ips (or text report) inside raw: what the writers reproduce
	header  jsontape.Span // header object, empty when absent
	payload jsontape.Span // JSON payload object or text body
	p       *payload
	kp      *kernelPayload
	lists   []frameList
	legacy  *legacyDoc
	// deferred resolves the frames the resolver deferred (Defer).
	deferred func(*process.Frame) *process.Resolution
}

// Field is one member of a JSON object, kept as the raw JSON text of its value.
type Field struct {
	Key   string
	Value []byte
}

// Exception is the reason for a crash (payload "exception", or the legacy
// "Exception Type"/"Exception Codes" lines).
type Exception struct {
	Type    string // EXC_BAD_ACCESS, …
	Signal  string // SIGSEGV, …
	Codes   string // "0x0000000000000001, 0x0000000000000008"
	Subtype string // "KERN_INVALID_ADDRESS at 0x0000000000000008"
	Message string
}

// Image is one binary image of the crashed process.
type Image struct {
	UUID    process.UUID
	HasUUID bool   // false when the UUID is absent or all zero
	Base    uint64 // runtime load address
	Size    uint64 // 0 when unknown
	// Arch is the slice architecture ("arm64e", "x86_64", …); Name falls back
	// to the last component of Path; Source is the 1-letter region type
	// (P, S, C, K, U, T, A; "" for legacy text).
	Arch, Name, Path, Source string
	// BundleID, Version and BundleVersion are CFBundleIdentifier,
	// CFBundleShortVersionString and CFBundleVersion when the report has them.
	BundleID, Version, BundleVersion string
}

// SharedCache is the dyld shared cache mapping of the process.
type SharedCache struct {
	Base, Size uint64
	UUID       process.UUID
}

// Thread is one thread's backtrace.
type Thread struct {
	// ID is the kernel thread id (legacy text: the thread number); 0 when absent.
	ID uint64
	// Name is the pthread name and Queue the dispatch queue label.
	Name, Queue string
	// Triggered is true for the thread that crashed.
	Triggered bool
	// Frames is the backtrace, frame 0 innermost; the user frames for
	// kernel-style reports.
	Frames []Frame
	// KernelFrames is the kernel backtrace (kernel-style reports only).
	KernelFrames []Frame
	// PID and Process identify the owning process in kernel-style reports.
	PID     int64
	Process string
	// State is the kernel scheduling state (kernel-style reports), e.g.
	// ["TH_WAIT", "TH_UNINT"].
	State []string
	// Registers is the thread state when the report has one.
	Registers *Registers
}

// Frame is one stack frame: the process model's frame (image, offset, the
// symbol the report already gives, what the resolver found) and what the
// report writes besides.
type Frame struct {
	process.Frame

	// Symbolication as written in the input, beside Symbol and HasSymbol.
	SymbolLocation uint64
	SourceFile     string
	SourceLine     int32

	src      span // JSON: the frame object or tuple; text: the symbol part of the line
	line     span // text only: the whole line without its line break
	tuple    bool // JSON [imageIndex, imageOffset] tuple (kernel-style)
	hasLine  bool // SourceLine was present
	absolute bool // Offset is an absolute address
}

// span is a byte range of the input in 32 bits (inputs are under 2 GiB):
// a report of a million frames holds two per frame.
type span struct{ start, end int32 }

func spanOf(s jsontape.Span) span { return span{int32(s.Start), int32(s.End)} }

// Start and End are the range's offsets.
func (s span) Start() int { return int(s.start) }
func (s span) End() int   { return int(s.end) }

// Registers is a thread state (§7 of ips.md).
type Registers struct {
	// Flavor is "ARM_THREAD_STATE64", "x86_THREAD_STATE", … ("" for legacy text).
	Flavor string
	// Regs are the registers in Apple's display order: x0…x28, fp, lr, sp,
	// pc, cpsr, far, esr for ARM; rax…r15, rip, rflags, cr2, then Rosetta's
	// tmp0…tmp2 and the cpu, trap and err values for x86. Registers the
	// report does not name in that list follow in file order.
	Regs []Register
}

// Register is one register value with the annotations Apple attaches.
type Register struct {
	Name              string
	Value             uint64
	Symbol            string
	SymbolLocation    uint64
	HasSymbol         bool
	Description       string // e.g. esr "(Breakpoint) brk 1"
	SourceFile        string
	SourceLine        int
	MatchesCrashFrame bool
}

// Reg returns the named register, or nil.
func (rs *Registers) Reg(name string) *Register {
	if rs == nil {
		return nil
	}
	for i := range rs.Regs {
		if rs.Regs[i].Name == name {
			return &rs.Regs[i]
		}
	}
	return nil
}

// Address returns the runtime address of f: the image base plus Offset,
// or Offset itself for the absolute ("A") image and for frames with no
// image but a known address. ok is false when the address is unknown.
func (r *Report) Address(f *Frame) (uint64, bool) {
	if f.absolute {
		return f.Offset, true
	}
	if f.Image < 0 || f.Image >= len(r.Images) {
		return 0, false
	}
	im := &r.Images[f.Image]
	if im.Kind() == process.Absolute {
		return f.Offset, true
	}
	sum, carry := bits.Add64(im.Base, f.Offset, 0)
	if carry != 0 {
		return 0, false
	}
	return sum, true
}

// Image returns the image of f, or nil when it has none.
func (r *Report) Image(f *Frame) *Image {
	if f.Image < 0 || f.Image >= len(r.Images) {
		return nil
	}
	return &r.Images[f.Image]
}

// Kind returns how the image's frames are located: the "A" region holds
// absolute addresses and the "S" region is a whole shared cache.
func (im *Image) Kind() process.ImageKind {
	switch im.Source {
	case "A":
		return process.Absolute
	case "S":
		return process.SharedCacheRegion
	}
	return process.Normal
}

// Process returns the report in the process model: its images in report
// order (frames refer to them by index), the shared cache, the OS version
// and the word size. An image's End is Base+Size (0 when the size is unknown
// or the sum overflows, as for the absolute pseudo-image).
func (r *Report) Process() *process.Process {
	p := &process.Process{Platform: r.OSVersion, WordSize: r.wordSize(), Images: make([]process.Image, len(r.Images))}
	for i := range r.Images {
		im := &r.Images[i]
		out := &p.Images[i]
		*out = process.Image{Path: im.Path, Name: im.Name, Base: im.Base, Arch: im.Arch, Kind: im.Kind()}
		if im.HasUUID {
			out.ID = process.UUIDBuildID(im.UUID)
		}
		if im.Size > 0 {
			if end, carry := bits.Add64(im.Base, im.Size, 0); carry == 0 {
				out.End = end
			}
		}
	}
	if sc := r.SharedCache; sc != nil {
		p.SharedCache = &process.CacheRef{UUID: sc.UUID, Base: sc.Base, Size: sc.Size}
	}
	return p
}

// wordSize derives the pointer size from the code type, or from the image
// architectures when the code type says nothing.
func (r *Report) wordSize() int {
	ct := strings.ToUpper(r.CPUType)
	switch {
	case strings.Contains(ct, "64_32"):
		return 32
	case strings.Contains(ct, "64"):
		return 64
	case strings.HasPrefix(ct, "ARM") || strings.HasPrefix(ct, "X86") || strings.HasPrefix(ct, "PPC"):
		return 32
	}
	for i := range r.Images {
		switch a := r.Images[i].Arch; {
		case a == "arm64_32" || strings.HasPrefix(a, "armv") || a == "i386" || a == "ppc":
			return 32
		case a != "":
			return 64
		}
	}
	return 64
}

// sameLoc reports whether two frames point at the same place.
// frameGroup is one concrete frame together with the inline frames written
// before it for the same address: frames[first:concrete] are inline and
// frames[concrete] is the concrete frame. An orphan group is a run of inline
// frames with no concrete frame after them: frames[first:end], all inline.
type frameGroup struct {
	first, concrete, end int
	orphan               bool
}

// frameGroups splits a backtrace into its frame groups, in order. The JSON
// writer, the legacy text rewriter and the text renderer all walk backtraces
// this way, so a resolution replaces exactly the inline frames of its address.
func frameGroups(frames []Frame) iter.Seq[frameGroup] {
	return func(yield func(frameGroup) bool) {
		for j := 0; j < len(frames); {
			g := frameGroup{first: j, concrete: j}
			if frames[j].Inline {
				k := j
				for k < len(frames) && frames[k].Inline && sameLoc(&frames[k], &frames[j]) {
					k++
				}
				if k == len(frames) || frames[k].Inline || !sameLoc(&frames[k], &frames[j]) {
					g.end, g.orphan = k, true
				} else {
					g.concrete = k
				}
			}
			if !g.orphan {
				g.end = g.concrete + 1
			}
			if !yield(g) {
				return
			}
			j = g.end
		}
	}
}

func sameLoc(a, b *Frame) bool {
	return a.Image == b.Image && a.Offset == b.Offset && a.absolute == b.absolute
}
