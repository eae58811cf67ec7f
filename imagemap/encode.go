package imagemap

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/symbolicate/symbolicate/process"
)

// UnknownTextSize is what Encode assumes an image's text spans when its
// End is 0 (unknown): the end of text is written as Base+UnknownTextSize,
// the default Swift's own Darwin capture code uses before it finds __TEXT.
// CIF has no "unknown" value, and a zero offset makes current Swift reject
// the whole map (cif.md §6.4), so this is the least surprising substitute.
const UnknownTextSize = 4096

// errPathBudget reports a map whose paths are so repetitive that Decode's
// memory bound (pathBudget) would refuse the encoded bytes.
var errPathBudget = errors.New("paths total more bytes than the decoder accepts for an input this small")

// Encode encodes m as CIF, writing the bytes Swift's encoder writes (its
// redundant 0x80 varint byte included) except where Swift's output would be
// corrupt or Swift would trap; docs/cif.md lists each difference. Image names
// and architectures are not part of CIF and are not written; a framework path
// is recognised from its last path component. An End of 0 is written as
// Base+[UnknownTextSize]. Encode returns an error, never invalid CIF, for a
// word size other than 16, 32 or 64, a platform over 255 bytes or not UTF-8,
// more than [MaxImages] images, an address that does not fit the word size,
// an end of text not above the base, a build ID over [MaxBuildIDLen] bytes,
// or a path over [MaxPathLen] bytes or not UTF-8.
func Encode(m *process.Process) ([]byte, error) {
	if err := checkHeader(m); err != nil {
		return nil, err
	}
	size, paths := 3+len(m.Platform), 0
	for i := range m.Images {
		size += 20 + len(m.Images[i].ID) + len(m.Images[i].Path)/2
		paths += len(m.Images[i].Path)
	}
	if paths > pathBudgetMax { // also keeps the prefix trie's int32 indexes in range
		return nil, fmt.Errorf("cif: %d bytes of paths: %w", paths, errPathBudget)
	}
	e := encoder{out: make([]byte, 0, size), mask: wordMask(m.WordSize), wordSize: m.WordSize}
	switch m.WordSize {
	case 16:
		e.out = append(e.out, 0)
	case 32:
		e.out = append(e.out, 1)
	case 64:
		e.out = append(e.out, 2)
	}
	e.out = append(e.out, byte(len(m.Platform)))
	e.out = append(e.out, m.Platform...)
	e.out = appendCount(e.out, uint64(len(m.Images)))
	e.table = newPrefixTable()
	for i := range m.Images {
		if err := e.image(&m.Images[i]); err != nil {
			return nil, fmt.Errorf("cif: image %d: %w", i, err)
		}
	}
	if paths > pathBudget(len(e.out)) {
		return nil, fmt.Errorf("cif: %d bytes of paths in %d bytes of CIF: %w", paths, len(e.out), errPathBudget)
	}
	return e.out, nil
}

// checkHeader validates the map-level fields.
func checkHeader(m *process.Process) error {
	switch {
	case m == nil:
		return errors.New("cif: nil map")
	case m.WordSize != 16 && m.WordSize != 32 && m.WordSize != 64:
		return fmt.Errorf("cif: word size %d is not 16, 32 or 64", m.WordSize)
	case len(m.Platform) > MaxPlatformLen:
		return fmt.Errorf("cif: platform is %d bytes, the limit is %d", len(m.Platform), MaxPlatformLen)
	case !utf8.ValidString(m.Platform):
		return fmt.Errorf("cif: platform %q is not valid UTF-8", m.Platform)
	case len(m.Images) > MaxImages:
		return fmt.Errorf("cif: %d images, the limit is %d", len(m.Images), MaxImages)
	}
	return nil
}

// encoder holds the state of one Encode call.
type encoder struct {
	out      []byte
	mask     uint64
	wordSize int
	last     uint64 // previous image's sign-extended base
	table    *prefixTable
}

// image appends one image record (cif.md §6.3, §7, §9).
func (e *encoder) image(im *process.Image) error {
	base, end, err := e.addresses(im)
	if err != nil {
		return err
	}
	if len(im.ID) > MaxBuildIDLen {
		return fmt.Errorf("build ID is %d bytes, the limit is %d", len(im.ID), MaxBuildIDLen)
	}
	if len(im.Path) > MaxPathLen {
		return fmt.Errorf("path is %d bytes, the limit is %d", len(im.Path), MaxPathLen)
	}
	if !utf8.ValidString(im.Path) {
		return fmt.Errorf("path %q is not valid UTF-8", im.Path)
	}

	b, eot := signExtend(base, e.wordSize), signExtend(end, e.wordSize)
	delta := b - e.last
	e.last = b
	off := eot - b
	val, n, rel := b, signedLen(b), byte(0)
	if dn := signedLen(delta); dn < n { // ties go to absolute
		val, n, rel = delta, dn, 0x80
	}
	on := signedLen(off)
	e.out = append(e.out, rel|byte(n-1)<<3|byte(on-1))
	e.out = appendBE(e.out, val, n)
	e.out = appendBE(e.out, off, on)

	// nil and empty build IDs are both "none": Swift crashes on an empty one (Q3).
	e.out = appendCount(e.out, uint64(len(im.ID)))
	e.out = append(e.out, im.ID...)
	e.path(im.Path)
	return nil
}

// addresses validates Base and EndOfText against the word size and returns
// the end of text to write, substituting Base+UnknownTextSize for 0.
func (e *encoder) addresses(im *process.Image) (base, end uint64, err error) {
	if im.Kind == process.Unplaced {
		return 0, 0, errors.New("its address is unknown (a shared-cache image listed by index: decode with --caches to place it)")
	}
	base, end = im.Base, im.End
	if base&^e.mask != 0 {
		return 0, 0, fmt.Errorf("base %#x does not fit in %d bits", base, e.wordSize)
	}
	if end == 0 {
		// Unknown: assume one page of text, clamped to the top of the
		// address space (only reachable in 16-bit maps or at the very top).
		if e.mask-base >= UnknownTextSize {
			return base, base + UnknownTextSize, nil
		}
		if base == e.mask {
			return 0, 0, fmt.Errorf("base %#x is the last address, so an unknown end of text cannot be written", base)
		}
		return base, e.mask, nil
	}
	switch {
	case end&^e.mask != 0:
		return 0, 0, fmt.Errorf("end of text %#x does not fit in %d bits", end, e.wordSize)
	case end < base:
		return 0, 0, fmt.Errorf("end of text %#x is below base %#x", end, base)
	case end == base:
		return 0, 0, fmt.Errorf("end of text equals base %#x; current Swift rejects a zero-length text (use End 0 for unknown)", base)
	}
	return base, end, nil
}

// appendBE appends the low n bytes of v, most significant first.
func appendBE(b []byte, v uint64, n int) []byte {
	for i := n - 1; i >= 0; i-- {
		b = append(b, byte(v>>(8*uint(i))))
	}
	return b
}

// path appends the opcodes for p (cif.md §9): repeatedly the longest table
// entry that starts the rest; then either the framework form or raw text,
// which defines new prefixes. An empty path is a single end byte.
func (e *encoder) path(p string) {
	rem := p
	for rem != "" {
		if code, n := e.table.longest(rem); n > 0 {
			e.out = appendExpand(e.out, code)
			rem = rem[n:]
			continue
		}
		if ver, name, ok := frameworkForm(rem, process.NameOf(p)); ok {
			e.out = append(e.out, opFramewk|byte(len(name)-1), ver)
			e.out = append(e.out, name...)
			return // framewk ends the path; no end byte follows
		}
		e.table.define(rem)
		for rem != "" {
			n := min(len(rem), opStrMax)
			e.out = append(e.out, byte(n))
			e.out = append(e.out, rem[:n]...)
			rem = rem[n:]
		}
	}
	e.out = append(e.out, opEnd)
}

// frameworkForm reports whether rem is "/<name>.framework/Versions/<v>/<name>"
// for a single version byte v, with name the image's last path component.
// Unlike Swift, it declines names outside 1..64 bytes, which the opcode cannot
// hold (Q4), and the version byte 0x01, which decoders since Swift PR #92334
// read as the iOS form. The iOS form itself is never written (docs/cif.md).
func frameworkForm(rem, name string) (ver byte, _ string, ok bool) {
	n := len(name)
	if n < 1 || n > 64 || len(rem) != 2*n+len(frameworkVersions)+3 {
		return 0, "", false
	}
	if rem[0] != '/' || rem[1:1+n] != name || rem[1+n:1+n+len(frameworkVersions)] != frameworkVersions {
		return 0, "", false
	}
	v := 1 + n + len(frameworkVersions)
	if rem[v] == iosFrameworkVersion || rem[v+1] != '/' || rem[v+2:] != name {
		return 0, "", false
	}
	return rem[v], name, true
}
