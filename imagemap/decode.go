package imagemap

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"strings"
	"unicode/utf8"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/internal/bin"
	"github.com/symbolicate/symbolicate/process"
)

// minImageBytes is the smallest encoded image: header, 1-byte base, 1-byte
// offset, build-ID length and a 1-byte path.
const minImageBytes = 5

// Bounds on the bytes all decoded paths may total: pathBudgetBase plus
// pathBudgetFactor bytes per input byte, and never more than pathBudgetMax.
// An expand opcode of one or two bytes can append a prefix of up to
// MaxPathLen bytes, so without this a small input could demand gigabytes.
const (
	pathBudgetBase   = MaxPathLen // so that one maximal path always fits
	pathBudgetFactor = 64
	pathBudgetMax    = 1 << 30
)

// pathBudget returns the most path bytes a CIF stream of n bytes may decode to.
func pathBudget(n int) int {
	if n >= (pathBudgetMax-pathBudgetBase)/pathBudgetFactor {
		return pathBudgetMax
	}
	return pathBudgetBase + pathBudgetFactor*n
}

// DecodeOptions adjusts what [DecodeOptions.Decode] accepts. The zero value is
// the strict default that [Decode] uses.
type DecodeOptions struct {
	// AllowEmptyText accepts an end-of-text offset of zero (end == base),
	// which Swift writes for Linux images with no executable segment
	// (cif.md §6.4) and which Swift's decoders since the July 2026
	// hardening reject along with the whole map. Such images decode with
	// EndOfText 0, meaning unknown.
	AllowEmptyText bool
}

// Decode decodes a CIF stream strictly: it accepts everything a correct Swift
// encoder writes and rejects what current Swift rejects, plus the path-level
// errors Swift turns into a nil path (docs/cif.md). Trailing bytes after the
// last image are ignored. Errors are *diag.FormatError values.
func Decode(b []byte) (*process.Process, error) { return DecodeOptions{}.Decode(b) }

// Decode decodes a CIF stream under the options o; see [Decode].
func (o DecodeOptions) Decode(b []byte) (*process.Process, error) {
	d := decoder{
		opts:   o,
		in:     b,
		r:      bin.NewReader(cifFormat, b, binary.BigEndian, 0),
		budget: pathBudget(len(b)),
	}
	return d.decode()
}

// span locates a dynamic prefix inside the decoder's path arena. name is
// where the text after its last separator starts, relative to off (0 when
// it holds no separator), so that names need no second scan of the path.
type span struct{ off, n, name uint32 }

// decoder holds the state of one Decode call. The map header is read through
// the bin.Reader; the image records, the hot loop, are read from in with an
// explicit position, and their errors are recorded in the same reader.
type decoder struct {
	opts     DecodeOptions
	in       []byte
	r        *bin.Reader
	wordSize int
	mask     uint64 // the low wordSize bits
	signMask uint64 // ORed into a field whose first byte has bit 7 set (cif.md §3)
	// arena holds every decoded path back to back; paths and dynamic prefixes
	// are substrings of it, so decoding allocates a few large blocks instead
	// of one string per image. Strings taken from it stay valid as it grows.
	arena  strings.Builder
	budget int    // most bytes arena may hold
	table  []span // dynamic prefixes; code firstDynamicCode+i is table[i]
	// bids holds build IDs back to back, for the same reason.
	bids strings.Builder
}

func (d *decoder) decode() (*process.Process, error) {
	r := d.r
	info := r.U8("info byte")
	if r.Failed() {
		return nil, r.Err()
	}
	switch info & 3 {
	case 0:
		d.wordSize, d.signMask = 16, 0xff00
	case 1:
		d.wordSize, d.signMask = 32, 0xffffff00
	case 2:
		d.wordSize, d.signMask = 64, 0xffffffffffffff00
	default:
		r.FailAt(0, "info byte", "word size code 3 is reserved")
		return nil, r.Err()
	}
	if v := info >> 2; v != 0 {
		r.FailAt(0, "info byte", "version %d is not supported (only 0)", v)
		return nil, r.Err()
	}
	d.mask = wordMask(d.wordSize)

	plen := r.U8("platform length")
	pb := r.Bytes(uint64(plen), "platform")
	if r.Failed() {
		return nil, r.Err()
	}
	if !utf8.Valid(pb) {
		r.FailAt(r.Pos()-len(pb), "platform", "not valid UTF-8")
		return nil, r.Err()
	}

	countPos := r.Pos()
	count, pos, ok := d.count(countPos, "image count")
	if !ok {
		return nil, r.Err()
	}
	rest := uint64(len(d.in) - pos)
	if count > MaxImages {
		r.FailAt(countPos, "image count", "%d images exceeds the limit of %d", count, MaxImages)
		return nil, r.Err()
	}
	if bin.SliceCap(count, minImageBytes, rest) < 0 {
		r.FailAt(countPos, "image count", "%d images need at least %d bytes, %d remain",
			count, count*minImageBytes, rest)
		return nil, r.Err()
	}

	m := &process.Process{Platform: string(pb), WordSize: d.wordSize, Images: make([]process.Image, count)}
	d.arena.Grow(min(int(rest)+int(rest)/2, d.budget)) // paths are typically 1.2-1.5 times the input
	d.table = make([]span, 0, min(rest, count))        // about one new prefix per image
	d.bids.Grow(int(min(rest, 16*count)))              // a 16-byte UUID per image, as on Apple platforms
	var prev uint64                                    // previous image's resolved base, before masking
	for i := range m.Images {
		if pos, ok = d.image(&m.Images[i], &prev, pos); !ok {
			return nil, imageError(r.Err(), i)
		}
	}
	return m, nil
}

// image decodes the image record at pos into im (cif.md §6, §7, §8) and
// returns the position after it. prev is the previous image's base before
// masking, and is updated.
func (d *decoder) image(im *process.Image, prev *uint64, pos int) (int, bool) {
	in := d.in
	if pos >= len(in) {
		return pos, d.fail(pos, "header", "input ends before the image")
	}
	h := in[pos]
	pos++
	an, en := int(h>>3&7)+1, int(h&7)+1
	if len(in)-pos < an {
		return pos, d.fail(pos, "base", "needs %d bytes, %d remain", an, len(in)-pos)
	}
	a := d.field(in[pos : pos+an])
	pos += an
	if h&0x80 != 0 {
		a += *prev
	}
	*prev = a
	im.Base = a & d.mask
	if len(in)-pos < en {
		return pos, d.fail(pos, "end of text", "needs %d bytes, %d remain", en, len(in)-pos)
	}
	end := (im.Base + d.field(in[pos:pos+en])) & d.mask
	if !d.setEnd(im, end, pos) {
		return pos, false
	}
	pos += en
	blPos := pos
	bl, pos, ok := d.count(pos, "build ID length")
	switch {
	case !ok:
		return pos, false
	case bl > MaxBuildIDLen:
		return pos, d.fail(blPos, "build ID length", "%d bytes exceeds the limit of %d", bl, MaxBuildIDLen)
	case uint64(len(in)-pos) < bl:
		return pos, d.fail(pos, "build ID", "needs %d bytes, %d remain", bl, len(in)-pos)
	case bl > 0:
		im.ID = d.buildID(in[pos : pos+int(bl)])
		pos += int(bl)
	}
	im.Path, im.Name, pos, ok = d.path(pos)
	return pos, ok
}

// fail records an error at pos (the first one wins) and returns false.
func (d *decoder) fail(pos int, field, msg string, args ...any) bool {
	d.r.FailAt(pos, field, msg, args...)
	return false
}

// buildID copies b into the build-ID arena and returns the copy.
func (d *decoder) buildID(b []byte) process.BuildID {
	n := d.bids.Len()
	d.bids.Write(b)
	return process.BuildID(d.bids.String()[n:])
}

// imageError prefixes the field of the reader's error with the image index.
func imageError(err error, i int) error {
	if fe, ok := err.(*diag.FormatError); ok {
		fe.Field = fmt.Sprintf("image %d %s", i, fe.Field)
	}
	return err
}

// setEnd validates a decoded end of text against the image's base (both
// masked) and stores it; pos is the offset field's position.
func (d *decoder) setEnd(im *process.Image, end uint64, pos int) bool {
	switch {
	case end > im.Base:
		im.End = end
		return true
	case end == im.Base && d.opts.AllowEmptyText:
		im.End = 0
		return true
	case end == im.Base:
		return d.fail(pos, "end of text",
			"offset is zero (end of text equals base %#x); current Swift rejects this, older encoders wrote it for images without code", end)
	default:
		return d.fail(pos, "end of text", "end of text %#x is below base %#x", end, im.Base)
	}
}

// count reads a 7-bit "count" varint at pos, most significant group first
// (cif.md §5.1), and returns it with the position after it. Redundant
// leading 0x80 bytes are accepted; more than 10 bytes or a value above
// 2^63-1 is an error.
func (d *decoder) count(pos int, field string) (uint64, int, bool) {
	in := d.in
	var v uint64
	for n := 0; ; n++ {
		if pos+n >= len(in) {
			return 0, pos + n, d.fail(pos+n, field, "input ends inside the count")
		}
		if n == 10 {
			return 0, pos, d.fail(pos, field, "count varint is longer than 10 bytes")
		}
		if v>>56 != 0 {
			return 0, pos, d.fail(pos, field, "count varint overflows 63 bits")
		}
		c := in[pos+n]
		v = v<<7 | uint64(c&0x7f)
		if c&0x80 == 0 {
			return v, pos + n + 1, true
		}
	}
}

// field decodes a 1- to 8-byte big-endian two's-complement base or offset,
// sign-extended the way Swift does (cif.md §6.2); callers mask the result.
func (d *decoder) field(p []byte) uint64 {
	v := uint64(p[0])
	if v&0x80 != 0 {
		v |= d.signMask
	}
	for _, c := range p[1:] {
		v = v<<8 | uint64(c)
	}
	return v
}

// path decodes the path at pos (cif.md §8) into the arena and returns it,
// its name (the text after its last separator, as NameOf gives) and the
// position after it; "" means the stream holds no path.
func (d *decoder) path(pos int) (path, name string, next int, ok bool) {
	in := d.in
	p := pathState{start: d.arena.Len(), strBase: -1}
	p.nameAt = p.start
	pathPos := pos
	for first := true; ; first = false {
		if pos >= len(in) {
			return "", "", pos, d.fail(pos, "path", "input ends inside the path")
		}
		op := in[pos]
		opPos := pos
		pos++
		switch {
		case op == opEnd:
			if first {
				return "", "", pos, true
			}
			path, name, ok = d.finishPath(&p, pathPos)
			return path, name, pos, ok
		case op <= opStrMax:
			n := int(op)
			if len(in)-pos < n {
				return "", "", pos, d.fail(pos, "path", "str needs %d bytes, %d remain", n, len(in)-pos)
			}
			if !d.grow(p.start, n, opPos) {
				return "", "", pos, false
			}
			d.str(&p, in[pos:pos+n])
			pos += n
		case op < opExpand:
			n := int(op&0x3f) + 1
			if len(in)-pos < 1+n {
				return "", "", pos, d.fail(pos, "path", "framewk needs %d bytes, %d remain", 1+n, len(in)-pos)
			}
			if !d.grow(p.start, 2*n+len(frameworkVersions)+3, opPos) {
				return "", "", pos, false
			}
			d.framework(&p, in[pos], in[pos+1:pos+1+n])
			pos += 1 + n
			path, name, ok = d.finishPath(&p, pathPos) // framewk ends the path: no end byte
			return path, name, pos, ok
		default:
			var e span
			e, pos, ok = d.expand(op, opPos, pos)
			if !ok || !d.grow(p.start, int(e.n), opPos) {
				return "", "", pos, false
			}
			if at := d.arena.Len(); e.name > 0 {
				p.nameAt = at + int(e.name)
			}
			if e.off == fixedSpan {
				d.arena.WriteString(fixedPrefixes[e.n])
			} else {
				d.arena.WriteString(d.arena.String()[e.off : e.off+e.n])
			}
		}
	}
}

// pathState is the decoding state of one path; positions are in the arena.
type pathState struct {
	start   int  // where the path starts
	strBase int  // where its first raw byte is, or -1 before the first str
	nameAt  int  // just after the last separator so far (start if none)
	high    byte // every raw byte ORed together
}

// str appends raw text and defines a prefix for every separator after the
// path's first raw byte (cif.md §8.3). It looks at eight bytes at a time:
// sepMask flags candidate separators, each confirmed by a byte compare.
func (d *decoder) str(p *pathState, raw []byte) {
	at := d.arena.Len()
	if p.strBase < 0 {
		p.strBase = at
	}
	var high uint64
	i := 0
	for ; i+8 <= len(raw); i += 8 {
		w := binary.LittleEndian.Uint64(raw[i:])
		high |= w
		for m := sepMask(w); m != 0; m &= m - 1 {
			j := i + bits.TrailingZeros64(m)>>3
			if c := raw[j]; c == '/' || c == '\\' {
				d.sep(p, at+j)
			}
		}
	}
	for ; i < len(raw); i++ {
		c := raw[i]
		high |= uint64(c)
		if c == '/' || c == '\\' {
			d.sep(p, at+i)
		}
	}
	if high&0x8080808080808080 != 0 {
		p.high |= 0x80
	}
	d.arena.Write(raw)
}

// sepMask returns a mask with bit 7 set in every byte of w that may be '/' or
// '\' (the zero-byte test of w XOR the separator, which can also flag the
// byte after a real match, so callers confirm each candidate).
func sepMask(w uint64) uint64 {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	a, b := w^(lo*'/'), w^(lo*'\\')
	return ((a-lo)&^a | (b-lo)&^b) & hi
}

// sep records a separator at arena position at.
func (d *decoder) sep(p *pathState, at int) {
	if at > p.strBase {
		e := span{off: uint32(p.strBase), n: uint32(at - p.strBase)}
		if p.nameAt > p.strBase {
			e.name = uint32(p.nameAt - p.strBase)
		}
		d.table = append(d.table, e)
	}
	p.nameAt = at + 1
}

// framework appends the framewk expansion for version byte ver and name
// (cif.md §8.5): the macOS form, or the iOS form for version 0x01.
func (d *decoder) framework(p *pathState, ver byte, name []byte) {
	p.high |= ver | orBytes(name)
	var buf [2*64 + len(frameworkVersions) + 3]byte
	b := append(buf[:0], '/')
	b = append(b, name...)
	if ver == iosFrameworkVersion {
		b = append(b, frameworkDir...)
	} else {
		b = append(b, frameworkVersions...)
		b = append(b, ver, '/')
	}
	p.nameAt = d.arena.Len() + len(b)
	if bytes.IndexByte(name, '/') >= 0 || bytes.IndexByte(name, '\\') >= 0 {
		p.nameAt += len(name) - len(process.NameOf(string(name))) // odd, but legal
	}
	d.arena.Write(append(b, name...))
}

// orBytes returns every byte of b ORed together, eight at a time.
func orBytes(b []byte) byte {
	var w uint64
	for len(b) >= 8 {
		w |= binary.LittleEndian.Uint64(b)
		b = b[8:]
	}
	for _, c := range b {
		w |= uint64(c)
	}
	w |= w >> 32
	w |= w >> 16
	w |= w >> 8
	return byte(w)
}

// fixedSpan marks a span that stands for fixed prefix n rather than arena text.
const fixedSpan = ^uint32(0)

// fixedNames holds, for each fixed prefix, where the text after its last
// separator starts.
var fixedNames = func() (t [numFixedCodes]uint32) {
	for i, p := range fixedPrefixes {
		t[i] = uint32(len(p) - len(process.NameOf(p)))
	}
	return t
}()

// expand reads the rest of an expand opcode, whose operand bytes start at
// pos, and returns its table entry and the position after it.
func (d *decoder) expand(op byte, opPos, pos int) (span, int, bool) {
	var code uint64
	if op&0x40 == 0 {
		code = uint64(op & 0x3f)
	} else {
		k := int(op&0x3f) + 1
		if k > maxExpandBytes {
			return span{}, pos, d.fail(opPos, "path", "expand code of %d bytes (at most %d accepted)", k, maxExpandBytes)
		}
		if len(d.in)-pos < k {
			return span{}, pos, d.fail(pos, "path", "expand needs %d bytes, %d remain", k, len(d.in)-pos)
		}
		for _, c := range d.in[pos : pos+k] {
			code = code<<8 | uint64(c)
		}
		pos += k
		if code > math.MaxUint64-64 {
			return span{}, pos, d.fail(opPos, "path", "expand code overflows")
		}
		code += 64
	}
	switch {
	case code < numFixedCodes:
		return span{off: fixedSpan, n: uint32(code), name: fixedNames[code]}, pos, true
	case code < firstDynamicCode:
		return span{}, pos, d.fail(opPos, "path", "expand of reserved code %d", code)
	case code-firstDynamicCode < uint64(len(d.table)):
		return d.table[code-firstDynamicCode], pos, true
	default:
		return span{}, pos, d.fail(opPos, "path", "expand of undefined code %d (codes up to %d are defined)",
			code, firstDynamicCode+len(d.table)-1)
	}
}

// grow checks that n more bytes fit the current path (which starts at arena
// position start) and the total path budget.
func (d *decoder) grow(start, n, opPos int) bool {
	l := d.arena.Len()
	switch {
	case l-start+n > MaxPathLen:
		d.r.FailAt(opPos, "path", "path longer than %d bytes", MaxPathLen)
	case l+n > d.budget:
		d.r.FailAt(opPos, "path", "decoded paths exceed %d bytes, the limit for this input size", d.budget)
	default:
		return true
	}
	return false
}

// finishPath returns the finished path and its name. The path must be
// valid UTF-8 (Swift gives invalid paths no path at all; we reject); one
// whose raw bytes were all ASCII is valid by construction, being ASCII and
// table entries, so only the others are checked.
func (d *decoder) finishPath(p *pathState, pathPos int) (path, name string, ok bool) {
	all := d.arena.String()
	path = all[p.start:]
	if p.high >= 0x80 && !utf8.ValidString(path) {
		return "", "", d.fail(pathPos, "path", "not valid UTF-8")
	}
	return path, all[p.nameAt:], true
}
