package objfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"unsafe"

	"github.com/symbolicate/symbolicate/internal/atomicfile"
	"github.com/symbolicate/symbolicate/process"
	"github.com/symbolicate/symbolicate/symbol"
)

// A DWARF index holds what lookups need from one slice's DWARF, every
// compile unit parsed and every function named, so that a later process
// answers without parsing DWARF at all. The format is in docs/index.md.

// dwarfTables is every compile unit of a slice's DWARF in flattened form:
// the arrays of all units one after another in all, and per unit a view
// of them (a cuInfo whose tops and seqs are that unit's part).
type dwarfTables struct {
	units   rangeIndex // address → unit (position in spans)
	all     cuInfo     // every unit's arrays; tops and seqs of all units in turn
	spans   []unitSpan
	names   []string // linkage name of each function, by index in all.fns
	nameErr map[int32]string
	cus     []cuInfo // the views, made by makeViews
}

// unitSpan is one unit's part of the shared arrays and what went wrong
// reading it.
type unitSpan struct {
	topsAt, topsN, seqsAt, seqsN int
	err                          string // why it could not be parsed ("" when it was)
	fileErr                      error  // a line-table problem
}

// makeViews makes the per-unit views of the shared arrays.
func (t *dwarfTables) makeViews() {
	t.cus = make([]cuInfo, len(t.spans))
	for i, s := range t.spans {
		cu := t.all
		cu.fileErr = s.fileErr
		cu.tops = rangeIndex{r: t.all.tops.r[s.topsAt : s.topsAt+s.topsN], maxHi: t.all.tops.maxHi[s.topsAt : s.topsAt+s.topsN]}
		cu.seqs = rangeIndex{r: t.all.seqs.r[s.seqsAt : s.seqsAt+s.seqsN], maxHi: t.all.seqs.maxHi[s.seqsAt : s.seqsAt+s.seqsN]}
		t.cus[i] = cu
	}
}

// lookup answers as dwarfInfo.lookup does, from the tables.
func (t *dwarfTables) lookup(addr uint64) (frames []symbol.Frame, lo uint64, haveFn bool, warn error) {
	i := t.units.find(addr)
	if i < 0 {
		return nil, 0, false, nil
	}
	ui := t.units.r[i].idx
	if msg := t.spans[ui].err; msg != "" {
		return nil, 0, false, errors.New(msg)
	}
	cu := &t.cus[ui]
	return lookupIn(cu, nil, addr, func(fn int32) (string, error) {
		if msg, bad := t.nameErr[fn]; bad {
			return t.names[fn], errors.New(msg)
		}
		return t.names[fn], nil
	})
}

// tables parses every compile unit and names every function: the contents
// of an index.
func (dw *dwarfInfo) tables() (*dwarfTables, error) {
	dw.ensureIndex()
	if dw.indexErr != nil {
		return nil, dw.indexErr
	}
	t := &dwarfTables{nameErr: map[int32]string{}, spans: make([]unitSpan, len(dw.units))}
	a := &t.all
	fileIdx := map[string]uint32{}
	for ui := range dw.units {
		sp := &t.spans[ui]
		sp.topsAt, sp.seqsAt = len(a.tops.r), len(a.seqs.r)
		cu, err := dw.unit(int32(ui))
		if err != nil || cu == nil {
			sp.err = "compile unit could not be read"
			if err != nil {
				sp.err = err.Error()
			}
			continue
		}
		sp.fileErr = cu.fileErr
		fnBase, kidBase, rowBase, seqRowBase := int32(len(a.fns)), int32(len(a.kids)), int32(len(a.rows)), int32(len(a.seqRows))
		local := make([]uint32, len(cu.files))
		for i, f := range cu.files {
			g, ok := fileIdx[f]
			if !ok {
				g = uint32(len(a.files))
				fileIdx[f] = g
				a.files = append(a.files, f)
			}
			local[i] = g
		}
		remap := func(i uint32) uint32 {
			if uint64(i) < uint64(len(local)) {
				return local[i]
			}
			return math.MaxUint32 // no such file: fileName gives ""
		}
		for i, f := range cu.fns {
			name, err := dw.name(f.off)
			if err != nil {
				t.nameErr[fnBase+int32(i)] = err.Error()
			}
			t.names = append(t.names, name)
			if f.parent >= 0 {
				f.parent += fnBase
			}
			f.kidLo, f.kidHi = f.kidLo+kidBase, f.kidHi+kidBase
			f.callFile = remap(f.callFile)
			f.off = 0
			a.fns = append(a.fns, f)
		}
		shift := func(dst *[]addrRange, rs []addrRange, by int32) {
			for _, r := range rs {
				*dst = append(*dst, addrRange{lo: r.lo, hi: r.hi, idx: r.idx + by})
			}
		}
		shift(&a.kids, cu.kids, fnBase)
		a.kidsMax = append(a.kidsMax, cu.kidsMax...)
		shift(&a.tops.r, cu.tops.r, fnBase)
		a.tops.maxHi = append(a.tops.maxHi, cu.tops.maxHi...)
		for _, r := range cu.rows {
			r.file = remap(r.file)
			a.rows = append(a.rows, r)
		}
		for _, q := range cu.seqRows {
			a.seqRows = append(a.seqRows, [2]int32{q[0] + rowBase, q[1] + rowBase})
		}
		shift(&a.seqs.r, cu.seqs.r, seqRowBase)
		a.seqs.maxHi = append(a.seqs.maxHi, cu.seqs.maxHi...)
		sp.topsN, sp.seqsN = len(a.tops.r)-sp.topsAt, len(a.seqs.r)-sp.seqsAt
	}
	t.units = rangeIndex{r: dw.index.r, maxHi: dw.index.maxHi}
	t.makeViews()
	return t, nil
}

// --- the file -------------------------------------------------------------------

// dwarfIndexMagic starts every DWARF index file; the version follows.
const (
	dwarfIndexMagic   = "SYMDWIX\x00"
	dwarfIndexVersion = 1
	dwarfHeaderSize   = 8 + 4 + 4 + 16 + 16 + 8 + 8 + 8 + 4 + 4
	maxDWARFIndex     = 1 << 30
)

// DWARFIndexName is the file name of the DWARF index of the slice with
// UUID u and arch.
func DWARFIndexName(u process.UUID, arch string) string {
	return "dwarf-" + u.String() + "-" + strings.ToLower(arch) + ".symidx"
}

// DWARFIndexError reports a DWARF index that cannot be used: damaged,
// of another file or version. It is ignored and the DWARF parsed instead.
type DWARFIndexError struct {
	Path string
	Msg  string
}

func (e *DWARFIndexError) Error() string {
	return fmt.Sprintf("DWARF index %s not used: %s (it is rewritten when an index directory is given)", e.Path, e.Msg)
}

// dwarfKey is what binds an index to the DWARF it was made from: the
// slice's identity and the size and modification time of the file that
// holds it (the dSYM's, or the binary's when there is no dSYM).
type dwarfKey struct {
	uuid  process.UUID
	arch  string
	size  int64 // of the file holding the DWARF
	mtime int64 // its modification time, in ns
}

func dwarfKeyOf(sl *Slice) (dwarfKey, error) {
	fi, err := os.Stat(sl.file.Path)
	if err != nil {
		return dwarfKey{}, err
	}
	return dwarfKey{uuid: sl.UUID, arch: strings.ToLower(sl.Arch), size: fi.Size(), mtime: fi.ModTime().UnixNano()}, nil
}

// encodeTables writes t in the index format (little-endian throughout).
func encodeTables(t *dwarfTables, k dwarfKey) []byte {
	var p []byte
	u32 := func(v uint32) { p = binary.LittleEndian.AppendUint32(p, v) }
	u64 := func(v uint64) { p = binary.LittleEndian.AppendUint64(p, v) }
	var strs []string
	strIdx := map[string]uint32{}
	str := func(s string) uint32 {
		i, ok := strIdx[s]
		if !ok {
			i = uint32(len(strs))
			strIdx[s] = i
			strs = append(strs, s)
		}
		return i
	}
	ranges := func(rs []addrRange, maxHi []uint64) {
		u32(uint32(len(rs)))
		for i, r := range rs {
			u64(r.lo)
			u64(r.hi)
			u32(uint32(r.idx))
			u64(maxHi[i])
		}
	}
	all := &t.all
	// Strings are referenced by index; the table goes last.
	names := make([]uint32, len(t.names))
	for i, n := range t.names {
		names[i] = str(n)
	}
	files := make([]uint32, len(all.files))
	for i, f := range all.files {
		files[i] = str(f)
	}
	ranges(t.units.r, t.units.maxHi)
	u32(uint32(len(t.spans)))
	for _, sp := range t.spans {
		u32(uint32(sp.topsAt))
		u32(uint32(sp.topsN))
		u32(uint32(sp.seqsAt))
		u32(uint32(sp.seqsN))
		u32(str(sp.err))
		fe := ""
		if sp.fileErr != nil {
			fe = sp.fileErr.Error()
		}
		u32(str(fe))
	}
	u32(uint32(len(all.fns)))
	for i, f := range all.fns {
		u64(f.start)
		u32(names[i])
		u32(uint32(f.parent))
		u32(uint32(f.kidLo))
		u32(uint32(f.kidHi))
		u32(f.callFile)
		u32(f.callLine)
		u32(f.callCol)
		inl := uint32(0)
		if f.inlined {
			inl = 1
		}
		u32(inl)
	}
	u32(uint32(len(t.nameErr)))
	for i := range all.fns {
		if msg, ok := t.nameErr[int32(i)]; ok {
			u32(uint32(i))
			u32(str(msg))
		}
	}
	ranges(all.kids, all.kidsMax)
	ranges(all.tops.r, all.tops.maxHi)
	u32(uint32(len(all.rows)))
	for _, r := range all.rows {
		u64(r.addr)
		u32(r.file)
		u32(r.line)
		u32(r.col)
	}
	u32(uint32(len(all.seqRows)))
	for _, s := range all.seqRows {
		u32(uint32(s[0]))
		u32(uint32(s[1]))
	}
	ranges(all.seqs.r, all.seqs.maxHi)
	u32(uint32(len(files)))
	for _, f := range files {
		u32(f)
	}
	u32(uint32(len(strs)))
	off := uint32(0)
	for _, s := range strs {
		u32(off)
		off += uint32(len(s))
	}
	u32(off)
	for _, s := range strs {
		p = append(p, s...)
	}

	return append(dwarfHeader(k, p), p...)
}

// dwarfHeader is the header of an index with payload p.
func dwarfHeader(k dwarfKey, p []byte) []byte {
	h := make([]byte, 0, dwarfHeaderSize+len(p))
	h = append(h, dwarfIndexMagic...)
	h = binary.LittleEndian.AppendUint32(h, dwarfIndexVersion)
	h = binary.LittleEndian.AppendUint32(h, 0)
	h = append(h, k.uuid[:]...)
	var arch [16]byte
	copy(arch[:], k.arch)
	h = append(h, arch[:]...)
	h = binary.LittleEndian.AppendUint64(h, uint64(k.size))
	h = binary.LittleEndian.AppendUint64(h, uint64(k.mtime))
	h = binary.LittleEndian.AppendUint64(h, uint64(len(p)))
	h = binary.LittleEndian.AppendUint32(h, crc32.Checksum(p, castagnoli))
	return binary.LittleEndian.AppendUint32(h, 0)
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// indexReader reads the index payload, remembering the first problem.
type indexReader struct {
	b   []byte
	at  int
	err error
}

func (r *indexReader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%s at payload offset %d", what, r.at)
	}
}

func (r *indexReader) bytes(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.b)-r.at {
		r.fail("truncated")
		return nil
	}
	b := r.b[r.at : r.at+n]
	r.at += n
	return b
}

func (r *indexReader) u32() uint32 {
	if b := r.bytes(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

// count reads a record count and checks that that many records of size
// bytes can follow.
func (r *indexReader) count(size int) int {
	n := int(r.u32())
	if r.err == nil && n > (len(r.b)-r.at)/size {
		r.fail(fmt.Sprintf("count %d too large", n))
		return 0
	}
	return n
}

// records reads a count and that many records of size bytes, returned
// as one slice (nil after a problem).
func (r *indexReader) records(size int) (int, []byte) {
	n := r.count(size)
	return n, r.bytes(n * size)
}

// ranges reads a range list whose idx fields must be below limit.
func (r *indexReader) ranges(limit int) ([]addrRange, []uint64) {
	n, b := r.records(28)
	if b == nil {
		return nil, nil
	}
	le := binary.LittleEndian
	rs, maxHi := make([]addrRange, n), make([]uint64, n)
	for i := range rs {
		rec := b[i*28 : i*28+28]
		rs[i] = addrRange{lo: le.Uint64(rec), hi: le.Uint64(rec[8:]), idx: int32(le.Uint32(rec[16:]))}
		maxHi[i] = le.Uint64(rec[20:])
		if rs[i].idx < 0 || int(rs[i].idx) >= limit {
			r.fail("range index out of bounds")
		}
	}
	return rs, maxHi
}

// decodeTables parses an index file made for key k, checking every index
// against the array it refers to, so that lookups cannot fail on it.
func decodeTables(b []byte, k dwarfKey) (*dwarfTables, error) {
	if len(b) < dwarfHeaderSize || string(b[:8]) != dwarfIndexMagic {
		return nil, errors.New("not a DWARF index")
	}
	le := binary.LittleEndian
	if v := le.Uint32(b[8:]); v != dwarfIndexVersion {
		return nil, fmt.Errorf("version %d, this build reads %d", v, dwarfIndexVersion)
	}
	var arch [16]byte
	copy(arch[:], k.arch)
	switch {
	case !bytes.Equal(b[16:32], k.uuid[:]) || !bytes.Equal(b[32:48], arch[:]):
		return nil, errors.New("made for another UUID or arch")
	case int64(le.Uint64(b[48:])) != k.size || int64(le.Uint64(b[56:])) != k.mtime:
		return nil, errors.New("the DWARF file changed since it was made (size or modification time)")
	}
	p := b[dwarfHeaderSize:]
	if n := le.Uint64(b[64:]); n != uint64(len(p)) {
		return nil, fmt.Errorf("payload of %d bytes, header says %d", len(p), n)
	}
	if crc32.Checksum(p, castagnoli) != le.Uint32(b[72:]) {
		return nil, errors.New("checksum mismatch")
	}
	r := &indexReader{b: p}
	t := &dwarfTables{nameErr: map[int32]string{}}
	// Sections refer forwards (to the string table, to later arrays):
	// indexes are read as they come and checked once everything is read.
	unitR, unitMax := r.ranges(math.MaxInt32)
	type cuRec struct{ topsAt, topsN, seqsAt, seqsN, err, fileErr uint32 }
	cus := make([]cuRec, r.count(24))
	for i := range cus {
		cus[i] = cuRec{r.u32(), r.u32(), r.u32(), r.u32(), r.u32(), r.u32()}
	}
	nfn, fb := r.records(40)
	fns := make([]fnInfo, nfn)
	nameIdx := make([]uint32, nfn)
	for i := range fns {
		rec, f := fb[i*40:i*40+40], &fns[i]
		f.start = le.Uint64(rec)
		nameIdx[i] = le.Uint32(rec[8:])
		f.parent, f.kidLo, f.kidHi = int32(le.Uint32(rec[12:])), int32(le.Uint32(rec[16:])), int32(le.Uint32(rec[20:]))
		f.callFile, f.callLine, f.callCol = le.Uint32(rec[24:]), le.Uint32(rec[28:]), le.Uint32(rec[32:])
		f.inlined = le.Uint32(rec[36:]) != 0
	}
	type nameErr struct{ fn, msg uint32 }
	nameErrs := make([]nameErr, r.count(8))
	for i := range nameErrs {
		nameErrs[i] = nameErr{r.u32(), r.u32()}
	}
	kids, kidsMax := r.ranges(len(fns))
	tops, topsMax := r.ranges(len(fns))
	nrow, rb := r.records(20)
	rows := make([]lineRow, nrow)
	for i := range rows {
		rec := rb[i*20 : i*20+20]
		rows[i] = lineRow{addr: le.Uint64(rec), file: le.Uint32(rec[8:]), line: le.Uint32(rec[12:]), col: le.Uint32(rec[16:])}
	}
	seqRows := make([][2]int32, r.count(8))
	for i := range seqRows {
		seqRows[i] = [2]int32{int32(r.u32()), int32(r.u32())}
		if s := seqRows[i]; s[0] < 0 || s[1] < s[0] || int(s[1]) > len(rows) {
			r.fail("line sequence out of bounds")
		}
	}
	seqs, seqsMax := r.ranges(len(seqRows))
	fileIdx := make([]uint32, r.count(4))
	for i := range fileIdx {
		fileIdx[i] = r.u32()
	}
	nstr := r.count(4)
	offs := make([]uint32, nstr+1)
	for i := range offs {
		offs[i] = r.u32()
	}
	raw := r.bytes(len(r.b) - r.at)
	if r.err != nil {
		return nil, r.err
	}
	// The names point into the file's buffer, which nothing writes to once
	// read: one string over it instead of a copy.
	blob := unsafe.String(unsafe.SliceData(raw), len(raw))
	strAt := func(i uint32) (string, bool) {
		if uint64(i) >= uint64(nstr) || offs[i] > offs[i+1] || uint64(offs[i+1]) > uint64(len(blob)) {
			return "", false
		}
		return blob[offs[i]:offs[i+1]], true
	}
	bad := func(what string) (*dwarfTables, error) { return nil, errors.New(what + " out of bounds") }
	t.names = make([]string, 0, len(fns))
	for i, f := range fns {
		if f.parent < -1 || int(f.parent) >= len(fns) || f.kidLo < 0 || f.kidHi < f.kidLo || int(f.kidHi) > len(kids) {
			return bad("function")
		}
		name, ok := strAt(nameIdx[i])
		if !ok {
			return bad("function name")
		}
		t.names = append(t.names, name)
	}
	for _, e := range nameErrs {
		msg, ok := strAt(e.msg)
		if !ok || int(e.fn) >= len(fns) {
			return bad("name error")
		}
		t.nameErr[int32(e.fn)] = msg
	}
	files := make([]string, len(fileIdx))
	for i, s := range fileIdx {
		var ok bool
		if files[i], ok = strAt(s); !ok {
			return bad("file name")
		}
	}
	for _, u := range unitR {
		if int(u.idx) >= len(cus) {
			return bad("unit")
		}
	}
	t.units = rangeIndex{r: unitR, maxHi: unitMax}
	t.all = cuInfo{fns: fns, kids: kids, kidsMax: kidsMax, rows: rows, seqRows: seqRows, files: files,
		tops: rangeIndex{r: tops, maxHi: topsMax}, seqs: rangeIndex{r: seqs, maxHi: seqsMax}}
	t.spans = make([]unitSpan, len(cus))
	for i, c := range cus {
		if uint64(c.topsAt)+uint64(c.topsN) > uint64(len(tops)) || uint64(c.seqsAt)+uint64(c.seqsN) > uint64(len(seqs)) {
			return bad("unit tables")
		}
		msg, ok1 := strAt(c.err)
		fe, ok2 := strAt(c.fileErr)
		if !ok1 || !ok2 {
			return bad("unit error")
		}
		t.spans[i] = unitSpan{topsAt: int(c.topsAt), topsN: int(c.topsN), seqsAt: int(c.seqsAt), seqsN: int(c.seqsN), err: msg}
		if fe != "" {
			t.spans[i].fileErr = errors.New(fe)
		}
	}
	t.makeViews()
	return t, nil
}

// --- Image ------------------------------------------------------------------------

// UseDWARFIndex makes the image answer from its DWARF index in dir, when
// there is one for this slice and it is valid. It returns nil when there is
// none, and a *DWARFIndexError when the file there cannot be used (the
// DWARF is then parsed as without an index).
func (im *Image) UseDWARFIndex(dir string) error {
	src := im.dwarfSlice()
	if src == nil {
		return nil
	}
	p := filepath.Join(dir, DWARFIndexName(im.UUID, im.Arch))
	fi, err := os.Stat(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	fail := func(msg string) error { return &DWARFIndexError{Path: p, Msg: msg} }
	switch {
	case err != nil:
		return fail(err.Error())
	case !fi.Mode().IsRegular():
		return fail("not a regular file")
	case fi.Size() > maxDWARFIndex:
		return fail("larger than 1 GiB")
	}
	b, err := readIndexFile(p, fi.Size())
	if err != nil {
		return fail(err.Error())
	}
	k, err := dwarfKeyOf(src)
	if err != nil {
		return fail(err.Error())
	}
	t, err := decodeTables(b, k)
	if err != nil {
		return fail(err.Error())
	}
	im.dwx = t
	return nil
}

// readIndexFile reads a file expected to be size bytes in one buffer of
// that size (an index replaced meanwhile is caught by its checksum).
func readIndexFile(p string, size int64) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, size)
	n, err := io.ReadFull(f, b)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, err
	}
	return b[:n], nil
}

// HasDWARFIndex reports whether the image answers from a DWARF index.
func (im *Image) HasDWARFIndex() bool { return im.dwx != nil }

// WriteDWARFIndex parses all of the image's DWARF and writes its index into
// dir (atomically: readers see the old file or the new one). An image
// without DWARF has no index: it returns ErrNoDWARF.
func (im *Image) WriteDWARFIndex(dir string) error {
	dw, err := im.dwarf()
	if err != nil {
		return err
	}
	src := im.dwarfSlice()
	k, err := dwarfKeyOf(src)
	if err != nil {
		return err
	}
	var t *dwarfTables
	if err := im.guard(func() (err error) { t, err = dw.tables(); return err }); err != nil {
		return err
	}
	b := encodeTables(t, k)
	return atomicfile.Write(filepath.Join(dir, DWARFIndexName(im.UUID, im.Arch)), 0o644, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}
