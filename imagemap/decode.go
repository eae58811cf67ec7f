package imagemap

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/symbolicate/symbolicate/internal/bin"
)

// minImageBytes is the smallest encoded image: header, 1-byte base, 1-byte
// offset, build-ID length and a 1-byte path.
const minImageBytes = 5

// Bounds on the bytes all decoded paths may total: pathBudgetBase plus
// pathBudgetFactor bytes per input byte, and never more than pathBudgetMax.
// An expand opcode of one or two bytes can append a prefix of up to
// MaxPathLen bytes, so without this a small input could demand gigabytes.
const (
	pathBudgetBase   = 1 << 20
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
// last image are ignored. Errors are *bin.FormatError values.
func Decode(b []byte) (*Map, error) { return DecodeOptions{}.Decode(b) }

// Decode decodes a CIF stream under the options o; see [Decode].
func (o DecodeOptions) Decode(b []byte) (*Map, error) {
	d := decoder{
		opts:   o,
		in:     b,
		r:      bin.NewReader(cifFormat, b, binary.BigEndian, 0),
		budget: pathBudget(len(b)),
	}
	return d.decode()
}

// span locates a dynamic prefix inside the decoder's path arena.
type span struct{ off, n uint32 }

// decoder holds the state of one Decode call.
type decoder struct {
	opts     DecodeOptions
	in       []byte // the whole input; path decoding reads it directly
	r        *bin.Reader
	wordSize int
	signMask uint64 // ORed into a field whose first byte has bit 7 set (cif.md §3)
	// arena holds every decoded path back to back; paths and dynamic prefixes
	// are substrings of it, so decoding allocates a few large blocks instead
	// of one string per image. Strings taken from it stay valid as it grows.
	arena  strings.Builder
	budget int    // most bytes arena may hold
	table  []span // dynamic prefixes; code firstDynamicCode+i is table[i]
	// bids holds build IDs back to back. When full it is replaced, not
	// grown, so the build IDs already handed out stay where they are.
	bids []byte
}

func (d *decoder) decode() (*Map, error) {
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
	count := d.count("image count")
	if r.Failed() {
		return nil, r.Err()
	}
	if count > MaxImages {
		r.FailAt(countPos, "image count", "%d images exceeds the limit of %d", count, MaxImages)
		return nil, r.Err()
	}
	if bin.SliceCap(count, minImageBytes, uint64(r.Len())) < 0 {
		r.FailAt(countPos, "image count", "%d images need at least %d bytes, %d remain",
			count, count*minImageBytes, r.Len())
		return nil, r.Err()
	}

	m := &Map{Platform: string(pb), WordSize: d.wordSize, Images: make([]Image, count)}
	d.arena.Grow(min(2*r.Len(), d.budget))
	d.table = make([]span, 0, min(uint64(r.Len()), count)) // about one new prefix per image
	// Sized for a 16-byte UUID per image, as on Apple platforms.
	d.bids = make([]byte, 0, min(uint64(r.Len()), 16*count))
	mask := wordMask(d.wordSize)
	var prev uint64 // previous image's resolved base, before masking
	for i := range m.Images {
		im := &m.Images[i]
		h := r.U8("header")
		a := d.field(int(h>>3&7)+1, "base")
		if h&0x80 != 0 {
			a += prev
		}
		prev = a
		im.Base = a & mask
		offPos := r.Pos()
		o := d.field(int(h&7)+1, "end of text")
		if !r.Failed() {
			im.EndOfText = d.checkEnd(im.Base, (im.Base+o)&mask, offPos)
		}
		blPos := r.Pos()
		bl := d.count("build ID length")
		if bl > MaxBuildIDLen {
			r.FailAt(blPos, "build ID length", "%d bytes exceeds the limit of %d", bl, MaxBuildIDLen)
		}
		if bid := r.Bytes(bl, "build ID"); len(bid) > 0 {
			im.BuildID = d.buildID(bid)
		}
		im.Path = d.path()
		if r.Failed() {
			return nil, imageError(r.Err(), i)
		}
		im.Name = NameOf(im.Path)
	}
	return m, nil
}

// buildID copies b into the build-ID arena and returns the copy, capped so
// that appending to one image's build ID cannot overwrite the next.
func (d *decoder) buildID(b []byte) []byte {
	if cap(d.bids)-len(d.bids) < len(b) {
		d.bids = make([]byte, 0, max(len(b), min(d.r.Len()+len(b), 4096)))
	}
	n := len(d.bids)
	d.bids = append(d.bids, b...)
	return d.bids[n : n+len(b) : n+len(b)]
}

// imageError prefixes the field of the reader's error with the image index.
func imageError(err error, i int) error {
	if fe, ok := err.(*bin.FormatError); ok {
		fe.Field = fmt.Sprintf("image %d %s", i, fe.Field)
	}
	return err
}

// checkEnd validates a decoded end of text against its base (both masked)
// and returns the EndOfText to store.
func (d *decoder) checkEnd(base, end uint64, pos int) uint64 {
	switch {
	case end > base:
		return end
	case end == base && d.opts.AllowEmptyText:
		return 0
	case end == base:
		d.r.FailAt(pos, "end of text",
			"offset is zero (end of text equals base %#x); current Swift rejects this, older encoders wrote it for images without code", base)
	default:
		d.r.FailAt(pos, "end of text", "end of text %#x is below base %#x", end, base)
	}
	return 0
}

// count reads a 7-bit "count" varint, most significant group first (cif.md
// §5.1). Redundant leading 0x80 bytes are accepted; more than 10 bytes or a
// value above 2^63-1 is an error.
func (d *decoder) count(field string) uint64 {
	r := d.r
	start := r.Pos()
	var v uint64
	for n := 0; ; n++ {
		c := r.U8(field)
		if r.Failed() {
			return 0
		}
		if n == 10 {
			r.FailAt(start, field, "count varint is longer than 10 bytes")
			return 0
		}
		if v>>56 != 0 {
			r.FailAt(start, field, "count varint overflows 63 bits")
			return 0
		}
		v = v<<7 | uint64(c&0x7f)
		if c&0x80 == 0 {
			return v
		}
	}
}

// field reads an n-byte big-endian two's-complement base or offset and
// sign-extends it the way Swift does (cif.md §6.2); callers mask the result.
func (d *decoder) field(n int, name string) uint64 {
	p := d.r.Bytes(uint64(n), name)
	if len(p) == 0 {
		return 0
	}
	v := uint64(p[0])
	if v&0x80 != 0 {
		v |= d.signMask
	}
	for _, c := range p[1:] {
		v = v<<8 | uint64(c)
	}
	return v
}

// path decodes one path (cif.md §8) into the arena and returns it; "" means
// the stream holds no path for this image. On error it records the error in
// the reader and returns "". It reads the input directly rather than through
// the reader, which is the decoder's hot loop.
func (d *decoder) path() string {
	r := d.r
	if r.Failed() {
		return ""
	}
	in, pos := d.in, r.Pos()
	pathPos, start := pos, d.arena.Len()
	strBase := -1 // arena position of the first raw byte of this path
	// high collects the raw bytes ORed together: if no raw byte is
	// non-ASCII, the path is a concatenation of ASCII and table entries,
	// which are valid UTF-8, so it needs no validation.
	var high byte
	for first := true; ; first = false {
		if pos >= len(in) {
			r.FailAt(pos, "path", "input ends inside the path")
			return ""
		}
		op := in[pos]
		opPos := pos
		pos++
		switch {
		case op == opEnd:
			r.Seek(uint64(pos), "path")
			if first {
				return ""
			}
			return d.finishPath(start, pathPos, high)
		case op <= opStrMax:
			n := int(op)
			if len(in)-pos < n {
				r.FailAt(pos, "path", "str needs %d bytes, %d remain", n, len(in)-pos)
				return ""
			}
			raw := in[pos : pos+n]
			pos += n
			if !d.grow(start, n, opPos) {
				return ""
			}
			at := d.arena.Len()
			if strBase < 0 {
				strBase = at
			}
			for j, c := range raw {
				high |= c
				if (c == '/' || c == '\\') && at+j > strBase {
					d.table = append(d.table, span{uint32(strBase), uint32(at + j - strBase)})
				}
			}
			d.arena.Write(raw)
		case op < opExpand:
			n := int(op&0x3f) + 1
			if len(in)-pos < 1+n {
				r.FailAt(pos, "path", "framewk needs %d bytes, %d remain", 1+n, len(in)-pos)
				return ""
			}
			ver, name := in[pos], in[pos+1:pos+1+n]
			pos += 1 + n
			if !d.grow(start, 2*n+len(frameworkVersions)+3, opPos) {
				return ""
			}
			d.arena.WriteByte('/')
			d.arena.Write(name)
			if ver == iosFrameworkVersion {
				d.arena.WriteString(frameworkDir)
			} else {
				d.arena.WriteString(frameworkVersions)
				d.arena.WriteByte(ver)
				d.arena.WriteByte('/')
			}
			d.arena.Write(name)
			r.Seek(uint64(pos), "path")
			return d.finishPath(start, pathPos, 0x80) // framewk ends the path: no end byte
		default:
			var prefix string
			var ok bool
			prefix, pos, ok = d.expand(op, opPos, pos)
			if !ok || !d.grow(start, len(prefix), opPos) {
				return ""
			}
			d.arena.WriteString(prefix)
		}
	}
}

// expand reads the rest of an expand opcode, whose operand bytes start at
// pos, and returns its table entry and the position after it.
func (d *decoder) expand(op byte, opPos, pos int) (string, int, bool) {
	r := d.r
	var code uint64
	if op&0x40 == 0 {
		code = uint64(op & 0x3f)
	} else {
		k := int(op&0x3f) + 1
		if k > maxExpandBytes {
			r.FailAt(opPos, "path", "expand code of %d bytes (at most %d accepted)", k, maxExpandBytes)
			return "", pos, false
		}
		if len(d.in)-pos < k {
			r.FailAt(pos, "path", "expand needs %d bytes, %d remain", k, len(d.in)-pos)
			return "", pos, false
		}
		for _, c := range d.in[pos : pos+k] {
			code = code<<8 | uint64(c)
		}
		pos += k
		if code > math.MaxUint64-64 {
			r.FailAt(opPos, "path", "expand code overflows")
			return "", pos, false
		}
		code += 64
	}
	switch {
	case code < numFixedCodes:
		return fixedPrefixes[code], pos, true
	case code < firstDynamicCode:
		r.FailAt(opPos, "path", "expand of reserved code %d", code)
	case code-firstDynamicCode < uint64(len(d.table)):
		e := d.table[code-firstDynamicCode]
		return d.arena.String()[e.off : e.off+e.n], pos, true
	default:
		r.FailAt(opPos, "path", "expand of undefined code %d (codes up to %d are defined)",
			code, firstDynamicCode+len(d.table)-1)
	}
	return "", pos, false
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

// finishPath returns the path that starts at arena position start, which
// must be valid UTF-8 (Swift gives invalid paths no path at all; we reject).
// Paths whose raw bytes (high) were all ASCII are valid by construction.
func (d *decoder) finishPath(start, pathPos int, high byte) string {
	s := d.arena.String()[start:]
	if high >= 0x80 && !utf8.ValidString(s) {
		d.r.FailAt(pathPos, "path", "not valid UTF-8")
		return ""
	}
	return s
}
