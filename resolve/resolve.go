// Package resolve is the symbolication pipeline: it binds the images of a crash
// report or process snapshot to shared caches (package dsc) and app binaries by
// UUID, resolves every frame address, and fills in the report's frames for the
// writers of package crashlog. A batch runs reports concurrently on errgroup
// workers that share the open caches and their symbol tables; output never
// depends on scheduling.
package resolve

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/symbolicate/symbolicate/crashlog"
	"github.com/symbolicate/symbolicate/imagemap"
)

// Options control how frames are resolved and named.
type Options struct {
	// Resymbolicate replaces symbols the OS already wrote; by default they are
	// kept and only missing ones (and "<redacted>") are filled in.
	Resymbolicate bool
	// Demangle turns a linkage name (in display form: no Mach-O leading
	// underscore, see SourceFrame) into the name to print; nil prints linkage
	// names as they are.
	Demangle func(raw string) string
	// FullPaths keeps directories in source file names (default: basename).
	FullPaths bool
	// NoInlines drops inlined-call frames from the output.
	NoInlines bool
}

// Resolver holds what every report of a batch shares: the open caches and the
// binary index. It is safe for concurrent use.
type Resolver struct {
	Caches   *Caches
	Binaries Binaries // nil: no app binaries
	Options  Options
}

// Outcome counts what happened to one report's frames.
type Outcome struct {
	Frames       int // concrete frames seen
	Resolved     int // newly symbolicated
	Already      int // symbols written by the OS and kept
	Unresolved   int // frames left without a symbol
	Unresolvable int // frames in no image, or in images without a UUID (not counted as missing)
	// Missing maps the UUID of each image with unresolved frames and no
	// matching cache or binary to its name and frame count.
	Missing map[imagemap.UUID]*MissingImage
	// MissingCaches lists shared-cache UUIDs the report names that no cache on
	// disk has.
	MissingCaches []imagemap.UUID
	// Notes are diagnostics worth showing (slide disagreements, mismatches).
	Notes []string
}

// MissingImage is an image whose UUID matched nothing.
type MissingImage struct {
	Name   string
	Frames int
}

// HasMissing reports whether some image had no matching cache or binary.
func (o *Outcome) HasMissing() bool { return len(o.Missing) > 0 || len(o.MissingCaches) > 0 }

// ReportImages converts a report's images to the resolver's model.
func ReportImages(rep *crashlog.Report) []Image {
	out := make([]Image, len(rep.Images))
	for i, im := range rep.Images {
		out[i] = Image{UUID: im.UUID, HasUUID: im.HasUUID, Base: im.Base, Size: im.Size,
			Name: im.Name, Path: im.Path, Arch: im.Arch, Source: im.Source}
	}
	return out
}

// Report resolves the frames of rep in place (Frame.Resolved) and says what
// happened. It never fails: what cannot be resolved is counted and explained.
func (r *Resolver) Report(ctx context.Context, rep *crashlog.Report) *Outcome {
	o := &Outcome{Missing: map[imagemap.UUID]*MissingImage{}}
	var ref *SharedCacheRef
	if sc := rep.SharedCache; sc != nil {
		ref = &SharedCacheRef{Base: sc.Base, Size: sc.Size, UUID: sc.UUID}
	}
	p := r.Bind(ReportImages(rep), ref)
	o.Notes = append(o.Notes, p.Notes...)
	for t := range rep.Threads {
		if ctx.Err() != nil {
			return o
		}
		r.backtrace(p, rep, rep.Threads[t].Frames, o)
		// Kernel frames need a kernelcache, which is out of scope: count them.
		for _, f := range rep.Threads[t].KernelFrames {
			if !f.Inline {
				o.Frames++
				if f.HasSymbol {
					o.Already++
				} else {
					o.Unresolvable++
				}
			}
		}
	}
	r.backtrace(p, rep, rep.LastExceptionBacktrace, o)
	for u, m := range o.Missing {
		if m.Frames == 0 {
			delete(o.Missing, u)
		}
	}
	return o
}

// backtrace resolves one backtrace. Frame 0 is the faulting pc and is looked
// up as is; every later frame holds a return address and is looked up at
// address − 1 so the call instruction is found, except a frame just after a
// signal trampoline (the interrupted pc).
func (r *Resolver) backtrace(p *Process, rep *crashlog.Report, frames []crashlog.Frame, o *Outcome) {
	caller := false
	for i := range frames {
		f := &frames[i]
		if f.Inline {
			continue // inline frames written by the OS belong to the next concrete frame
		}
		adjust := caller
		caller = !isTrampoline(frameSymbol(f))
		o.Frames++
		if f.HasSymbol && f.Symbol != redacted && !r.Options.Resymbolicate {
			o.Already++
			continue
		}
		if f.ImageIndex < 0 || f.ImageIndex >= len(rep.Images) {
			o.Unresolvable++
			continue
		}
		off := f.ImageOffset
		look := off
		if adjust && look > 0 {
			look--
		}
		found, err := p.Lookup(f.ImageIndex, off, look)
		if err != nil {
			r.countFailure(p, f, err, o)
			continue
		}
		f.Resolved = r.resolution(&found)
		caller = !isTrampoline(found.Frames[len(found.Frames)-1].Function)
		o.Resolved++
	}
}

// countFailure files a frame that could not be resolved: under its missing
// image or cache when the UUID matched nothing, as unresolvable when the frame's
// image cannot be matched at all (no UUID, or an absolute address outside the
// shared cache), and as unresolved otherwise (a known image without a symbol
// there, or a damaged symbol table).
func (r *Resolver) countFailure(p *Process, f *crashlog.Frame, err error, o *Outcome) {
	b := &p.binds[f.ImageIndex]
	var me *MissingError
	switch {
	case errors.As(err, &me) && me.Cache:
		o.Unresolved++
		if !containsUUID(o.MissingCaches, me.UUID) {
			o.MissingCaches = append(o.MissingCaches, me.UUID)
		}
	case errors.As(err, &me):
		o.Unresolved++
		if u := p.MissingCache; u != nil && p.inCacheRange(f.ImageIndex) && !containsUUID(o.MissingCaches, *u) {
			// The image lies in the process's shared cache, which is not on
			// disk: name the cache as well as the image.
			o.MissingCaches = append(o.MissingCaches, *u)
		}
		m := o.Missing[me.UUID]
		if m == nil {
			m = &MissingImage{Name: me.Name}
			o.Missing[me.UUID] = m
		}
		m.Frames++
	case b.kind == bindAbsolute, b.kind == bindNone && b.err == nil:
		o.Unresolvable++
	default:
		o.Unresolved++
	}
}

// resolution turns a lookup into what the writers print.
func (r *Resolver) resolution(f *Found) *crashlog.Resolution {
	last := len(f.Frames) - 1
	res := &crashlog.Resolution{SymbolLocation: f.Location()}
	res.Symbol, res.RawSymbol = r.name(f.Frames[last].Function)
	res.SourceFile, res.SourceLine = r.file(f.Frames[last].File), f.Frames[last].Line
	if !r.Options.NoInlines {
		for _, sf := range f.Frames[:last] {
			in := crashlog.InlineFrame{SourceFile: r.file(sf.File), SourceLine: sf.Line}
			in.Symbol, in.RawSymbol = r.name(sf.Function)
			if f.Offset >= sf.Start {
				in.SymbolLocation = f.Offset - sf.Start
			}
			res.Inlined = append(res.Inlined, in)
		}
	}
	return res
}

// name returns the printed name and, when it differs, the linkage name.
func (r *Resolver) name(raw string) (string, string) {
	if r.Options.Demangle == nil {
		return raw, ""
	}
	if d := r.Options.Demangle(raw); d != raw && d != "" {
		return d, raw
	}
	return raw, ""
}

func (r *Resolver) file(f string) string {
	if f == "" || r.Options.FullPaths {
		return f
	}
	return path.Base(strings.ReplaceAll(f, `\`, "/"))
}

const redacted = "<redacted>"

func frameSymbol(f *crashlog.Frame) string {
	if f.Resolved != nil {
		return f.Resolved.RawSymbol + " " + f.Resolved.Symbol
	}
	return f.Symbol
}

// isTrampoline reports whether name is the signal trampoline, after which the
// next frame is the interrupted pc rather than a return address.
func isTrampoline(name string) bool {
	return strings.Contains(name, "_sigtramp")
}

func containsUUID(list []imagemap.UUID, u imagemap.UUID) bool {
	for _, x := range list {
		if x == u {
			return true
		}
	}
	return false
}

func joinNames(names []string) string {
	sort.Strings(names)
	if len(names) > 3 {
		return fmt.Sprintf("%s and %d more", strings.Join(names[:3], ", "), len(names)-3)
	}
	return strings.Join(names, ", ")
}

func sortStrings(s []string) { sort.Strings(s) }
