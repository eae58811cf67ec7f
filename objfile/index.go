package objfile

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/symbolicate/symbolicate/process"
)

// Entry is one indexed slice: a file path and what its headers say.
type Entry struct {
	// Path is the file holding the slice; for a dSYM bundle, the DWARF file
	// inside Contents/Resources/DWARF.
	Path string
	SliceInfo
}

// Name returns the image name the entry is known by: the last element of
// its path.
func (e *Entry) Name() string { return baseName(e.Path) }

// String describes the entry for messages: path, arch, UUID and kind.
func (e *Entry) String() string {
	u := "no UUID"
	if e.HasUUID {
		u = e.UUID.String()
	}
	return fmt.Sprintf("%s (%s, %s, %s)", e.Path, e.Arch, u, e.Kind)
}

// Warning is a problem met while scanning that did not stop the scan: an
// unreadable directory or file, a damaged Mach-O file or slice.
type Warning struct {
	Path string
	Err  error
}

// Error implements error.
func (w Warning) Error() string { return w.Path + ": " + w.Err.Error() }

// Unwrap returns the underlying error.
func (w Warning) Unwrap() error { return w.Err }

// Index maps UUIDs and image names to the slices found by [Scan]. It is
// immutable and safe for concurrent use.
type Index struct {
	entries []Entry
	byUUID  map[process.UUID][]int
	byName  map[string][]int
	// Warnings lists what could not be read, in walk order.
	Warnings []Warning
	// SharedCaches lists dyld shared cache files met and skipped.
	SharedCaches []string
}

// Entries returns every indexed slice, in walk order (paths sorted within
// each directory, slices in arch-table order). The slice must not be
// modified.
func (ix *Index) Entries() []Entry { return ix.entries }

// Len returns the number of indexed slices.
func (ix *Index) Len() int { return len(ix.entries) }

func (ix *Index) add(e Entry) {
	if ix.byUUID == nil {
		ix.byUUID = map[process.UUID][]int{}
		ix.byName = map[string][]int{}
	}
	i := len(ix.entries)
	ix.entries = append(ix.entries, e)
	if e.HasUUID {
		ix.byUUID[e.UUID] = append(ix.byUUID[e.UUID], i)
	}
	names := []string{baseName(e.Path)}
	if n := baseName(e.InstallName); n != "" && n != names[0] {
		names = append(names, n)
	}
	for _, n := range names {
		ix.byName[n] = append(ix.byName[n], i)
	}
}

// ErrNotFound is matched (errors.Is) by a [*NotFoundError].
var ErrNotFound = errors.New("no binary or dSYM with this UUID")

// ErrMismatch is matched (errors.Is) by a [*MismatchError].
var ErrMismatch = errors.New("binary or dSYM does not match")

// NotFoundError reports that nothing in the index has the UUID or the name
// asked for.
type NotFoundError struct {
	UUID process.UUID
	Arch string
	Name string
}

// Error implements error.
func (e *NotFoundError) Error() string {
	s := "objfile: no binary or dSYM with UUID " + e.UUID.String()
	if e.Name != "" {
		s += " or named " + baseName(e.Name)
	}
	return s
}

// Is reports whether target is ErrNotFound.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// MismatchError reports files that look like the wanted image but must not
// be used for it: the UUID was found only under another architecture
// (WrongArch), or only files with the wanted name but other UUIDs exist.
type MismatchError struct {
	// UUID, Arch and Name are what was asked for.
	UUID process.UUID
	Arch string
	Name string
	// WrongArch is true when Found have the UUID but not the arch; false
	// when Found have the name but not the UUID.
	WrongArch bool
	// Found lists the near misses.
	Found []Entry
}

// Error implements error, naming each near miss: "objfile: found a binary
// named X but the image X has UUID B: …/X (arm64, A, binary)", or
// "objfile: UUID B is in x86_64, not arm64: …".
func (e *MismatchError) Error() string {
	var b strings.Builder
	if e.WrongArch {
		fmt.Fprintf(&b, "objfile: UUID %s is in %s, not %s:", e.UUID, e.Found[0].Arch, e.Arch)
	} else {
		fmt.Fprintf(&b, "objfile: found %s but the image %s has UUID %s", describeKinds(e.Found), baseName(e.Name), e.UUID)
		if e.Arch != "" {
			fmt.Fprintf(&b, " (%s)", e.Arch)
		}
		b.WriteByte(':')
	}
	for i := range e.Found {
		if i == 4 {
			fmt.Fprintf(&b, " and %d more", len(e.Found)-i)
			break
		}
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteByte(' ')
		b.WriteString(e.Found[i].String())
	}
	return b.String()
}

// Is reports whether target is ErrMismatch.
func (e *MismatchError) Is(target error) bool { return target == ErrMismatch }

func describeKinds(es []Entry) string {
	var bin, dsym bool
	for _, e := range es {
		bin = bin || e.Kind == KindBinary
		dsym = dsym || e.Kind == KindDSYM
	}
	what := "a binary"
	switch {
	case bin && dsym:
		what = "a binary and a dSYM"
	case dsym:
		what = "a dSYM"
	}
	return what + " named " + baseName(es[0].Path)
}

// Match is where an image's code and debug information were found. At least
// one of Binary and DSYM is set; both have the requested UUID and arch.
type Match struct {
	Binary *Entry
	DSYM   *Entry
}

// Find looks up the image with UUID u. arch ("" for any) must match the
// slice's arch name (see [ArchMatches]); name (an image name or path, ""
// when unknown) is used only to explain a miss. When several files have the
// UUID, the first in walk order wins for each kind. Errors are
// [*NotFoundError] and [*MismatchError].
func (ix *Index) Find(u process.UUID, arch, name string) (Match, error) {
	var m Match
	var wrongArch []Entry
	for _, i := range ix.byUUID[u] {
		e := &ix.entries[i]
		if !ArchMatches(e.Arch, arch) {
			wrongArch = append(wrongArch, *e)
			continue
		}
		switch {
		case e.Kind == KindDSYM && m.DSYM == nil:
			m.DSYM = e
		case e.Kind == KindBinary && m.Binary == nil:
			m.Binary = e
		}
	}
	if m.Binary != nil || m.DSYM != nil {
		return m, nil
	}
	if len(wrongArch) > 0 {
		return m, &MismatchError{UUID: u, Arch: arch, Name: name, WrongArch: true, Found: wrongArch}
	}
	if n := baseName(name); n != "" {
		if is := ix.byName[n]; len(is) > 0 {
			found := make([]Entry, 0, len(is))
			for _, i := range is {
				found = append(found, ix.entries[i])
			}
			return m, &MismatchError{UUID: u, Arch: arch, Name: name, Found: found}
		}
	}
	return m, &NotFoundError{UUID: u, Arch: arch, Name: name}
}

// ByName returns the entries whose file (or LC_ID_DYLIB install name) has
// the last path element of name.
func (ix *Index) ByName(name string) []Entry {
	is := ix.byName[baseName(name)]
	out := make([]Entry, 0, len(is))
	for _, i := range is {
		out = append(out, ix.entries[i])
	}
	return out
}

// baseName returns the last element of a slash-separated path ("" for "").
func baseName(p string) string {
	if p == "" {
		return ""
	}
	return path.Base(p)
}
