package swiftbt

import (
	"cmp"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/process"
)

// Frame kinds, as the backtracer names them.
const (
	kindPC      = "programCounter"
	kindRA      = "returnAddress"
	kindAsync   = "asyncResumePoint"
	kindOmitted = "omittedFrames"
	kindTrunc   = "truncated"
)

// Document is one backtrace, from its JSON or its text form.
type Document struct {
	raw  []byte
	text bool // parsed from the text form

	p        *process.Process
	images   []image // in the input's order (Process.Images is sorted)
	threads  []thread
	header   header
	warnings []diag.Diagnostic
	deferred func(*process.Frame) *process.Resolution
}

// header is what the report says besides threads and images.
type header struct {
	description, faultAddress, platform, arch string
	omittedImages                             int
	backtraceTime                             string // seconds as written ("0.351198")
	regMemory                                 map[uint64][]byte
}

type image struct {
	name, path, buildID string // buildID as written (hex, "<no build ID>")
	base, end           uint64
	index               int // in Process.Images
}

type thread struct {
	name    string
	crashed bool
	regs    []register
	frames  []frame
	// text form: the line span of the thread's frame lines.
	regsBefore bool // registers came before the frames (text), or per-thread (JSON)
}

type register struct {
	name  string
	value uint64
}

// frame is one frame of a thread.
type frame struct {
	process.Frame
	kind    string
	addr    uint64
	hasAddr bool
	count   int  // omittedFrames
	inlined bool // an inlined frame the input wrote
	system  bool // the input marked it [system] / "system": true
	thunk   bool // [thunk]
	desc    string
	image   string // image name the input gave a symbolicated frame
	srcFile string
	srcLine int
	srcCol  int
	src     span // JSON: the frame object; text: the line (without its line break)
	addrEnd int  // text: offset just past the address
}

type span struct{ start, end int }

// Process returns the process: its images and shared cache (none is named;
// system images are found by their own UUIDs).
func (d *Document) Process() *process.Process { return d.p }

// Frames yields every frame that points at code, in document order: each
// thread's frames, inlined ones marked Inline. Omitted and truncated markers
// are not frames.
func (d *Document) Frames() iter.Seq[*process.Frame] {
	return func(yield func(*process.Frame) bool) {
		for ti := range d.threads {
			fs := d.threads[ti].frames
			for i := range fs {
				if fs[i].hasAddr && !yield(&fs[i].Frame) {
					return
				}
			}
		}
	}
}

// Defer takes the function that resolves deferred frames (process.Deferrer).
func (d *Document) Defer(resolve func(*process.Frame) *process.Resolution) { d.deferred = resolve }

// resolution is a frame's resolution, asked for again when deferred.
func (d *Document) resolution(f *frame) *process.Resolution {
	if f.Resolved != nil || !f.Deferred || d.deferred == nil {
		return f.Resolved
	}
	return d.deferred(&f.Frame)
}

// Diagnostics returns the problems met while parsing.
func (d *Document) Diagnostics() []diag.Diagnostic { return d.warnings }

// FormatName is "swift-backtrace" or "swift-backtrace-text".
func (d *Document) FormatName() string {
	if d.text {
		return "swift-backtrace-text"
	}
	return "swift-backtrace"
}

func (d *Document) warnf(format string, args ...any) {
	d.warnings = append(d.warnings, diag.Diagnostic{Code: diag.InputWarning, Err: fmt.Errorf(format, args...)})
}

// buildProcess makes the process from the images, and places every frame.
func (d *Document) buildProcess() {
	d.p = &process.Process{Platform: d.header.platform, WordSize: 64}
	if a := d.header.arch; a == "arm" || a == "i386" || strings.HasPrefix(a, "armv") || a == "arm64_32" {
		d.p.WordSize = 32
	}
	order := make([]int, len(d.images))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(d.images[a].base, d.images[b].base) })
	foreign := map[int]bool{}
	for _, i := range order {
		im := &d.images[i]
		im.index = len(d.p.Images)
		id := buildIDOf(im.buildID)
		if _, ok := id.UUID(); !ok && im.buildID != "" {
			foreign[im.index] = true
		}
		d.p.Images = append(d.p.Images, process.Image{ID: id, Path: im.path, Name: im.name, Base: im.base, End: im.end, Arch: d.header.arch})
	}
	named := map[int]bool{}
	for ti := range d.threads {
		fs := d.threads[ti].frames
		for i := range fs {
			f := &fs[i]
			if !f.hasAddr {
				continue
			}
			f.Image, f.Offset = -1, f.addr
			if k := d.imageAt(f.addr); k >= 0 {
				f.Image, f.Offset = k, f.addr-d.p.Images[k].Base
				if foreign[k] && !named[k] {
					named[k] = true
					d.warnf("image %s has build ID %s, which is not a Mach-O UUID: no symbol source for this platform yet", d.p.Images[k].Name, d.p.Images[k].ID)
				}
			}
		}
	}
}

// imageAt returns the index in Process.Images of the image whose text holds
// addr, or -1.
func (d *Document) imageAt(addr uint64) int {
	ims := d.p.Images
	i, _ := slices.BinarySearchFunc(ims, addr, func(im process.Image, a uint64) int {
		if im.Base > a {
			return 1
		}
		return -1
	})
	if k := i - 1; k >= 0 && (addr < ims[k].End || ims[k].End <= ims[k].Base) {
		return k
	}
	return -1
}

// buildIDOf decodes a build ID written as hex digits (a Windows ":age"
// suffix is kept as part of the ID's text); "" for "<no build ID>".
func buildIDOf(s string) process.BuildID {
	s = strings.ReplaceAll(s, ":", "")
	if len(s) == 0 || len(s)%2 != 0 {
		return ""
	}
	out := make([]byte, len(s)/2)
	for i := range out {
		v, err := strconv.ParseUint(s[2*i:2*i+2], 16, 8)
		if err != nil {
			return ""
		}
		out[i] = byte(v)
	}
	return process.BuildID(out)
}

// markReturns sets Return on return-address frames: only they are looked
// up at address − 1.
func (d *Document) markReturns() {
	for ti := range d.threads {
		for i := range d.threads[ti].frames {
			f := &d.threads[ti].frames[i]
			f.Return = f.kind == kindRA
			f.Inline = f.inlined
		}
	}
}
