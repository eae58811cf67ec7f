package objfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unsafe"

	"github.com/symbolicate/symbolicate/internal/atomicfile"
	"github.com/symbolicate/symbolicate/process"
	"github.com/symbolicate/symbolicate/symbol"
)

// A DWARF index holds what lookups need from one slice's DWARF, every
// compile unit parsed and every function named, so that a later process
// answers without parsing DWARF at all. The format is in docs/index.md.

// dwarfTables is a slice's DWARF in the form of its index: per compile
// unit, the parsed unit and its functions' linkage names. Tables made from
// the DWARF (to write an index) hold every unit; tables read from an index
// decode each unit, and check it, at its first lookup, so that opening the
// index of a dSYM of many units costs little more than reading the file.
type dwarfTables struct {
	units rangeIndex // address → unit (index into us)
	us    []tableUnit
	file  *indexFile // where units are decoded from; nil for built tables
}

// tableUnit is one compile unit of a dwarfTables.
type tableUnit struct {
	once    sync.Once
	cu      *cuInfo
	names   []string         // linkage name of each function, by index in cu.fns
	nameErr map[int32]string // why a function's name could not be read
	err     string           // why the unit could not be parsed or decoded ("" when it was)
	rec     unitRec          // where its records are in the index
}

// unit returns unit i, decoding it from the index on first use.
func (t *dwarfTables) unit(i int32) *tableUnit {
	u := &t.us[i]
	if t.file != nil {
		u.once.Do(func() { t.file.decodeUnit(u, i) })
	}
	return u
}

// lookup answers as dwarfInfo.lookup does, from the tables.
func (t *dwarfTables) lookup(addr uint64) (frames []symbol.Frame, lo uint64, haveFn bool, warn error) {
	i := t.units.find(addr)
	if i < 0 {
		return nil, 0, false, nil
	}
	u := t.unit(t.units.r[i].idx)
	if u.err != "" {
		return nil, 0, false, errors.New(u.err)
	}
	return lookupIn(u.cu, nil, addr, func(fn int32) (string, error) {
		if msg, bad := u.nameErr[fn]; bad {
			return u.names[fn], errors.New(msg)
		}
		return u.names[fn], nil
	})
}

// tables parses every compile unit and names every function: the contents
// of an index.
func (dw *dwarfInfo) tables() (*dwarfTables, error) {
	dw.ensureIndex()
	if dw.indexErr != nil {
		return nil, dw.indexErr
	}
	t := &dwarfTables{units: rangeIndex{r: dw.index.r, maxHi: dw.index.maxHi}, us: make([]tableUnit, len(dw.units))}
	for ui := range dw.units {
		u := &t.us[ui]
		cu, err := dw.unit(int32(ui))
		if err != nil || cu == nil {
			u.err = "compile unit could not be read"
			if err != nil {
				u.err = err.Error()
			}
			continue
		}
		u.cu, u.names = cu, make([]string, len(cu.fns))
		for i, f := range cu.fns {
			name, err := dw.name(f.off)
			if err != nil {
				if u.nameErr == nil {
					u.nameErr = map[int32]string{}
				}
				u.nameErr[int32(i)] = err.Error()
			}
			u.names[i] = name
		}
	}
	return t, nil
}

// --- the file -------------------------------------------------------------------

// dwarfIndexMagic starts every DWARF index file; the version follows.
const (
	dwarfIndexMagic   = "SYMDWIX\x00"
	dwarfIndexVersion = 2
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
	return fmt.Sprintf("DWARF index %s not used: %s (`symbolicate index --symbols`, or a batch given --symbols and --index-dir, rewrites it)", e.Path, e.Msg)
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

// unitRec says where one unit's records are: first and count in each
// array of the index. Indexes inside a unit's records are the unit's own
// (a function's parent is a position among the unit's functions).
type unitRec struct {
	fnsAt, fnsN, kidsAt, kidsN, topsAt, topsN, rowsAt, rowsN uint32
	seqRowsAt, seqRowsN, seqsAt, seqsN, filesAt, filesN      uint32
	err, fileErr                                             uint32 // string ids
}

// fields lists r's fields in their order in the file, for the encoder and
// the decoder alike.
func (r *unitRec) fields() [16]*uint32 {
	return [...]*uint32{&r.fnsAt, &r.fnsN, &r.kidsAt, &r.kidsN, &r.topsAt, &r.topsN, &r.rowsAt, &r.rowsN,
		&r.seqRowsAt, &r.seqRowsN, &r.seqsAt, &r.seqsN, &r.filesAt, &r.filesN, &r.err, &r.fileErr}
}

// unitRecSize is the encoded size of a unitRec.
const unitRecSize = 16 * 4 // the 16 fields of fields()

// Record sizes of the arrays.
const (
	fnRecSize    = 40
	rangeRecSize = 28
	rowRecSize   = 20
)

// encodeTables writes t in the index format (little-endian throughout).
func encodeTables(t *dwarfTables, k dwarfKey) []byte {
	le := binary.LittleEndian
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
	// One buffer per array; each is written with its count in front.
	var fns, nameErrs, kids, tops, rows, seqRows, seqs, files, units []byte
	var nfn, nnameErr, nkid, ntop, nrow, nseqRow, nseq, nfile uint32
	ranges := func(dst *[]byte, n *uint32, rs []addrRange, maxHi []uint64) {
		for i, r := range rs {
			*dst = le.AppendUint64(*dst, r.lo)
			*dst = le.AppendUint64(*dst, r.hi)
			*dst = le.AppendUint32(*dst, uint32(r.idx))
			*dst = le.AppendUint64(*dst, maxHi[i])
		}
		*n += uint32(len(rs))
	}
	for ui := range t.us {
		u := t.unit(int32(ui))
		rec := unitRec{err: str(u.err), fileErr: str("")}
		if cu := u.cu; cu != nil {
			rec.fnsAt, rec.kidsAt, rec.topsAt, rec.rowsAt = nfn, nkid, ntop, nrow
			rec.seqRowsAt, rec.seqsAt, rec.filesAt = nseqRow, nseq, nfile
			if cu.fileErr != nil {
				rec.fileErr = str(cu.fileErr.Error())
			}
			for i, f := range cu.fns {
				fns = le.AppendUint64(fns, f.start)
				inl := uint32(0)
				if f.inlined {
					inl = 1
				}
				for _, v := range [...]uint32{str(u.names[i]), uint32(f.parent), uint32(f.kidLo), uint32(f.kidHi), f.callFile, f.callLine, f.callCol, inl} {
					fns = le.AppendUint32(fns, v)
				}
				if msg, ok := u.nameErr[int32(i)]; ok {
					nameErrs = le.AppendUint32(le.AppendUint32(nameErrs, nfn+uint32(i)), str(msg))
					nnameErr++
				}
			}
			nfn += uint32(len(cu.fns))
			ranges(&kids, &nkid, cu.kids, cu.kidsMax)
			ranges(&tops, &ntop, cu.tops.r, cu.tops.maxHi)
			for _, r := range cu.rows {
				rows = le.AppendUint64(rows, r.addr)
				rows = le.AppendUint32(le.AppendUint32(le.AppendUint32(rows, r.file), r.line), r.col)
			}
			nrow += uint32(len(cu.rows))
			for _, q := range cu.seqRows {
				seqRows = le.AppendUint32(le.AppendUint32(seqRows, uint32(q[0])), uint32(q[1]))
			}
			nseqRow += uint32(len(cu.seqRows))
			ranges(&seqs, &nseq, cu.seqs.r, cu.seqs.maxHi)
			for _, f := range cu.files {
				files = le.AppendUint32(files, str(f))
			}
			nfile += uint32(len(cu.files))
			rec.fnsN, rec.kidsN, rec.topsN, rec.rowsN = nfn-rec.fnsAt, nkid-rec.kidsAt, ntop-rec.topsAt, nrow-rec.rowsAt
			rec.seqRowsN, rec.seqsN, rec.filesN = nseqRow-rec.seqRowsAt, nseq-rec.seqsAt, nfile-rec.filesAt
		}
		for _, v := range rec.fields() {
			units = le.AppendUint32(units, *v)
		}
	}
	var p []byte
	var nunitRange uint32
	var unitRanges []byte
	ranges(&unitRanges, &nunitRange, t.units.r, t.units.maxHi)
	for _, sec := range []struct {
		n uint32
		b []byte
	}{{nunitRange, unitRanges}, {uint32(len(t.us)), units}, {nfn, fns}, {nnameErr, nameErrs}, {nkid, kids}, {ntop, tops},
		{nrow, rows}, {nseqRow, seqRows}, {nseq, seqs}, {nfile, files}} {
		p = append(le.AppendUint32(p, sec.n), sec.b...)
	}
	p = le.AppendUint32(p, uint32(len(strs)))
	off := uint32(0)
	for _, s := range strs {
		p = le.AppendUint32(p, off)
		off += uint32(len(s))
	}
	p = le.AppendUint32(p, off)
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

// indexFile is an index's payload, split into its arrays; units are
// decoded from it one at a time (decodeUnit).
type indexFile struct {
	fns, kids, tops, rows, seqRows, seqs, files []byte            // the arrays' records
	nameErr                                     map[uint32]uint32 // function → string id
	strs                                        []byte            // count+1 offsets
	nstr                                        int
	blob                                        string
}

// str returns string id i.
func (f *indexFile) str(i uint32) (string, bool) {
	if uint64(i) >= uint64(f.nstr) {
		return "", false
	}
	le := binary.LittleEndian
	lo, hi := le.Uint32(f.strs[4*i:]), le.Uint32(f.strs[4*i+4:])
	if lo > hi || uint64(hi) > uint64(len(f.blob)) {
		return "", false
	}
	return f.blob[lo:hi], true
}

// decodeRanges decodes n range records of b from record at, whose idx
// fields must be below limit.
func decodeRanges(b []byte, at, n uint32, limit uint32) ([]addrRange, []uint64, bool) {
	le := binary.LittleEndian
	rs, maxHi := make([]addrRange, n), make([]uint64, n)
	for i := range rs {
		rec := b[(int(at)+i)*rangeRecSize:][:rangeRecSize]
		rs[i] = addrRange{lo: le.Uint64(rec), hi: le.Uint64(rec[8:]), idx: int32(le.Uint32(rec[16:]))}
		maxHi[i] = le.Uint64(rec[20:])
		if uint32(rs[i].idx) >= limit {
			return nil, nil, false
		}
	}
	return rs, maxHi, true
}

// decodeUnit decodes unit i's records into u, checking every index
// against the unit's arrays, so that a lookup cannot go out of bounds
// whatever the file says. A unit that fails answers with the problem.
func (f *indexFile) decodeUnit(u *tableUnit, i int32) {
	if u.err != "" {
		return // the unit could not be parsed when the index was made
	}
	r := &u.rec
	bad := func(what string) {
		u.cu, u.names, u.nameErr = nil, nil, nil
		u.err = fmt.Sprintf("DWARF index: compile unit %d: %s out of bounds", i, what)
	}
	le := binary.LittleEndian
	cu := &cuInfo{fns: make([]fnInfo, r.fnsN)}
	u.names = make([]string, r.fnsN)
	for j := range cu.fns {
		g := r.fnsAt + uint32(j)
		rec, fn := f.fns[int(g)*fnRecSize:][:fnRecSize], &cu.fns[j]
		fn.start = le.Uint64(rec)
		fn.parent, fn.kidLo, fn.kidHi = int32(le.Uint32(rec[12:])), int32(le.Uint32(rec[16:])), int32(le.Uint32(rec[20:]))
		fn.callFile, fn.callLine, fn.callCol = le.Uint32(rec[24:]), le.Uint32(rec[28:]), le.Uint32(rec[32:])
		fn.inlined = le.Uint32(rec[36:]) != 0
		if fn.parent < -1 || int64(fn.parent) >= int64(r.fnsN) || fn.kidLo < 0 || fn.kidHi < fn.kidLo || int64(fn.kidHi) > int64(r.kidsN) {
			bad("function")
			return
		}
		var ok bool
		if u.names[j], ok = f.str(le.Uint32(rec[8:])); !ok {
			bad("function name")
			return
		}
		if id, has := f.nameErr[g]; has {
			msg, ok := f.str(id)
			if !ok {
				bad("name problem")
				return
			}
			if u.nameErr == nil {
				u.nameErr = map[int32]string{}
			}
			u.nameErr[int32(j)] = msg
		}
	}
	var ok bool
	if cu.kids, cu.kidsMax, ok = decodeRanges(f.kids, r.kidsAt, r.kidsN, r.fnsN); !ok {
		bad("inlined call")
		return
	}
	if cu.tops.r, cu.tops.maxHi, ok = decodeRanges(f.tops, r.topsAt, r.topsN, r.fnsN); !ok {
		bad("top-level function")
		return
	}
	cu.rows = make([]lineRow, r.rowsN)
	for j := range cu.rows {
		rec := f.rows[(int(r.rowsAt)+j)*rowRecSize:][:rowRecSize]
		cu.rows[j] = lineRow{addr: le.Uint64(rec), file: le.Uint32(rec[8:]), line: le.Uint32(rec[12:]), col: le.Uint32(rec[16:])}
	}
	cu.seqRows = make([][2]int32, r.seqRowsN)
	for j := range cu.seqRows {
		rec := f.seqRows[(int(r.seqRowsAt)+j)*8:][:8]
		a, b := le.Uint32(rec), le.Uint32(rec[4:])
		if a > b || b > r.rowsN {
			bad("line sequence")
			return
		}
		cu.seqRows[j] = [2]int32{int32(a), int32(b)}
	}
	if cu.seqs.r, cu.seqs.maxHi, ok = decodeRanges(f.seqs, r.seqsAt, r.seqsN, r.seqRowsN); !ok {
		bad("line sequence range")
		return
	}
	cu.files = make([]string, r.filesN)
	for j := range cu.files {
		if cu.files[j], ok = f.str(le.Uint32(f.files[(int(r.filesAt)+j)*4:])); !ok {
			bad("file name")
			return
		}
	}
	if fe, _ := f.str(r.fileErr); fe != "" {
		cu.fileErr = errors.New(fe)
	}
	u.cu = cu
}

// decodeTables reads an index file made for key k: its header and checksum,
// the unit table and where every array lies, checking that each unit's
// records lie inside their arrays. Units are decoded at first use.
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
	nur, urb := r.records(rangeRecSize)
	nunit, unitb := r.records(unitRecSize)
	f := &indexFile{nameErr: map[uint32]uint32{}}
	var nfn, nkid, ntop, nrow, nseqRow, nseq, nfile int
	nfn, f.fns = r.records(fnRecSize)
	nne, neb := r.records(8)
	nkid, f.kids = r.records(rangeRecSize)
	ntop, f.tops = r.records(rangeRecSize)
	nrow, f.rows = r.records(rowRecSize)
	nseqRow, f.seqRows = r.records(8)
	nseq, f.seqs = r.records(rangeRecSize)
	nfile, f.files = r.records(4)
	f.nstr = r.count(4)
	f.strs = r.bytes(4 * (f.nstr + 1))
	raw := r.bytes(len(r.b) - r.at)
	if r.err != nil {
		return nil, r.err
	}
	// The names point into the file's buffer, which nothing writes to once
	// read: one string over it instead of a copy.
	f.blob = unsafe.String(unsafe.SliceData(raw), len(raw))
	bad := func(what string) (*dwarfTables, error) { return nil, errors.New(what + " out of bounds") }
	t := &dwarfTables{file: f, us: make([]tableUnit, nunit)}
	var ok bool
	if t.units.r, t.units.maxHi, ok = decodeRanges(urb, 0, uint32(nur), uint32(nunit)); !ok {
		return bad("unit")
	}
	within := func(at, n uint32, size int) bool { return uint64(at)+uint64(n) <= uint64(size) }
	for i := range t.us {
		rec := unitb[i*unitRecSize:][:unitRecSize]
		var ur unitRec
		for j, v := range ur.fields() {
			*v = le.Uint32(rec[4*j:])
		}
		if !within(ur.fnsAt, ur.fnsN, nfn) || !within(ur.kidsAt, ur.kidsN, nkid) || !within(ur.topsAt, ur.topsN, ntop) ||
			!within(ur.rowsAt, ur.rowsN, nrow) || !within(ur.seqRowsAt, ur.seqRowsN, nseqRow) || !within(ur.seqsAt, ur.seqsN, nseq) ||
			!within(ur.filesAt, ur.filesN, nfile) {
			return bad("unit tables")
		}
		msg, ok := f.str(ur.err)
		if !ok {
			return bad("unit error")
		}
		t.us[i] = tableUnit{rec: ur, err: msg}
	}
	for i := range nne {
		fn, msg := le.Uint32(neb[8*i:]), le.Uint32(neb[8*i+4:])
		if int64(fn) >= int64(nfn) {
			return bad("name error")
		}
		f.nameErr[fn] = msg
	}
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
