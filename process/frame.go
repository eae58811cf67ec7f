package process

import "strings"

// Frame is one frame of a backtrace as the resolver sees it. Input formats
// embed it in their own frame records, fill in where the frame points, and
// read Resolved back when they write.
type Frame struct {
	// Image is the index of the frame's image in Process.Images; -1 when the
	// frame has no image.
	Image int
	// Offset is the distance of the frame's address from its image's Base;
	// for an Absolute image, and for a frame with no image, the address.
	Offset uint64
	// Symbol is the symbol the input already gives the frame and HasSymbol
	// says there is one. Such frames are kept unless re-symbolication is
	// asked for; "<redacted>" counts as no symbol.
	Symbol string
	// Resolved is set by the resolver; nil leaves the frame as the input
	// wrote it (unless Deferred).
	Resolved *Resolution

	// Return says Offset is a return address (a caller's frame): it is looked
	// up at Offset − 1 so the call instruction is named, while the symbol
	// location is still measured from Offset. The faulting pc, a frame after
	// a signal trampoline and an async resume point are not return addresses.
	Return bool
	// Inline marks an inlined call the input wrote before its concrete frame;
	// it belongs to that frame and is not looked up.
	Inline bool
	// Kernel marks a frame in kernel space: it needs a kernelcache, which no
	// symbol source provides yet, and is counted but not looked up.
	Kernel    bool
	HasSymbol bool
	// Deferred says the resolver found the frame's symbol but kept no
	// Resolution, to hold a very large document in little memory: the
	// document's writer asks for it again when it writes the frame (see
	// Deferrer). LookBack records that it was looked up at Offset − 1.
	Deferred, LookBack bool
}

// A Deferrer is a document that can write frames whose resolution the
// resolver gives only on request (Frame.Deferred): Defer hands it the
// function that resolves such a frame. The function is used by one
// goroutine at a time, while the document is written.
type Deferrer interface {
	Defer(resolve func(*Frame) *Resolution)
}

// Resolution is what the resolver found for one frame.
type Resolution struct {
	// Symbol is the name to print (demangled unless that was turned off) and
	// RawSymbol the linkage name, in display form, when it differs.
	Symbol, RawSymbol string
	// SymbolLocation is the frame address minus the symbol's start, as Apple
	// writes it (measured from the frame's own address).
	SymbolLocation uint64
	// SourceFile is the source file as the debug information records it
	// (full path; writers shorten it); SourceLine and SourceColumn are 0
	// when unknown.
	SourceFile               string
	SourceLine, SourceColumn int
	// Inlined are the inlined calls at this address, innermost first; they
	// are written before the concrete frame.
	Inlined []InlineFrame
	// From is the file the symbols came from; InSharedCache says it is a
	// shared cache (a system image).
	From          string
	InSharedCache bool
	// Synthetic says Symbol was made up ("func_<address>") for a function
	// known only from its start address.
	Synthetic bool
}

// InlineFrame is one inlined call of a Resolution.
type InlineFrame struct {
	Symbol, RawSymbol string
	// SymbolLocation is the offset into the inlined range; 0 when unknown.
	SymbolLocation           uint64
	SourceFile               string
	SourceLine, SourceColumn int
}

// SourceName is the source file name to display: path as recorded when full,
// else its last component ("/<compiler-generated>" shows as
// "<compiler-generated>").
func SourceName(path string, full bool) string {
	if full {
		return path
	}
	if i := strings.LastIndexAny(path, `/\`); i >= 0 && i+1 < len(path) {
		return path[i+1:]
	}
	return path
}
