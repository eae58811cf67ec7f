package dsc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/internal/mmap"
	"github.com/symbolicate/symbolicate/internal/symtab"
	"github.com/symbolicate/symbolicate/process"
)

// A symbol index stores every image's symbol table of one cache, so that a
// later process maps it instead of building the tables (docs/index.md). Names
// are not copied: the index references the string pools of the mapped cache
// files by file, offset and length, and only names the cache does not hold
// as strings (export-trie names) are stored. An index is keyed by the cache
// UUID and bound to the identity (size, modification time, UUID) of every
// file of the cache; anything that does not match, or fails a checksum, is
// refused and the tables are built as usual.

const (
	indexMagic   = "SYMIDX\x00\x01"
	indexVersion = 1
	headerSize   = 96
	fileRecSize  = 32
	poolRecSize  = 24
	imageRecSize = 64
	maxImagePool = 4 // pools one image's table may reference
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// IndexName is the file name of a cache's index in an index directory.
func IndexName(u process.UUID) string { return "dsc-" + u.String() + ".symidx" }

// index is an open index of a cache.
type index struct {
	path   string
	m      *mmap.File
	data   []byte
	pools  [][]byte // the referenced pools, as slices of the cache's files
	images []imageRec
	mu     sync.Mutex
	bad    error // the first damaged image block: the index is not used again
	used   atomic.Int64
}

type imageRec struct {
	off, size uint64
	crc       uint32
	n         uint32
	base      uint64
	wide      bool
	pools     []uint32
	ownLen    uint32
}

// IndexError says why an index was not used.
type IndexError struct {
	Path string
	Msg  string
}

func (e *IndexError) Error() string {
	return "symbol index " + e.Path + " not used: " + e.Msg + " (`symbolicate index`, or a batch given --index-dir, rebuilds it)"
}

// fileIdentity is what an index records of each file of the cache.
type fileIdentity struct {
	size  uint64
	mtime int64
	uuid  process.UUID
}

// identities returns the identity of every file of the cache, in order.
func (c *Cache) identities() []fileIdentity {
	var out []fileIdentity
	for _, f := range c.allFiles() {
		id := fileIdentity{size: uint64(len(f.data)), uuid: f.info.UUID}
		if mf, ok := f.m.(*mmap.File); ok {
			id.mtime = mf.ModTime().UnixNano()
		}
		out = append(out, id)
	}
	return out
}

// IndexWriter is where WriteIndex writes: a file it can seek back in.
type IndexWriter interface {
	io.Writer
	io.WriterAt
}

// releaseEvery is how many images are indexed between two releases of the
// cache's pages, which keeps the resident memory of indexing a whole cache
// small.
const releaseEvery = 64

// WriteIndex writes the cache's index to w: every image's table (those
// built already, and the others built for it and dropped once written).
// Layout (docs/index.md): header, file table, image table, the blocks, and
// the pool table last (its size is known only then).
func (c *Cache) WriteIndex(w IndexWriter) error {
	files := c.allFiles()
	type poolKey struct {
		file     uint32
		off, len uint64
	}
	poolIDs := map[poolKey]uint32{}
	var poolList []poolKey
	locate := func(p []byte) (uint32, error) {
		if len(p) == 0 {
			return 0, errors.New("an empty string pool")
		}
		at := uintptr(unsafe.Pointer(unsafe.SliceData(p)))
		for fi, f := range files {
			start := uintptr(unsafe.Pointer(unsafe.SliceData(f.data)))
			if len(f.data) > 0 && at >= start && at-start+uintptr(len(p)) <= uintptr(len(f.data)) {
				k := poolKey{uint32(fi), uint64(at - start), uint64(len(p))}
				id, ok := poolIDs[k]
				if !ok {
					id = uint32(len(poolList))
					poolIDs[k] = id
					poolList = append(poolList, k)
				}
				return id, nil
			}
		}
		return 0, errors.New("a string pool outside the cache's files")
	}
	ids := c.identities()
	imagesOff := uint64(headerSize + len(ids)*fileRecSize)
	pos := (imagesOff + uint64(len(c.images))*imageRecSize + 7) &^ 7
	recs := make([]imageRec, len(c.images))
	var block bytes.Buffer
	for i := range c.images {
		tab, err := c.tableForIndex(i)
		if i%releaseEvery == releaseEvery-1 {
			c.releasePages()
		}
		if err != nil || tab == nil {
			continue // no table: built (and failing) as without an index
		}
		d := tab.Data()
		if len(d.PoolData) > maxImagePool {
			continue
		}
		r := imageRec{n: uint32(len(d.Refs)), base: d.Base, wide: d.Addr32 == nil, ownLen: uint32(len(d.Own))}
		for _, p := range d.PoolData {
			id, err := locate(p)
			if err != nil {
				return fmt.Errorf("indexing image %d: %w", i, err)
			}
			r.pools = append(r.pools, id)
		}
		block.Reset()
		writeBlock(&block, d)
		for block.Len()%8 != 0 {
			block.WriteByte(0)
		}
		r.off, r.size = pos, uint64(block.Len())
		r.crc = crc32.Checksum(block.Bytes(), castagnoli)
		if _, err := w.WriteAt(block.Bytes(), int64(pos)); err != nil {
			return err
		}
		pos += r.size
		recs[i] = r
	}
	c.releasePages()
	le := binary.LittleEndian
	tables := make([]byte, 0, len(ids)*fileRecSize+len(recs)*imageRecSize)
	for _, id := range ids {
		tables = le.AppendUint64(tables, id.size)
		tables = le.AppendUint64(tables, uint64(id.mtime))
		tables = append(tables, id.uuid[:]...)
	}
	for _, r := range recs {
		tables = le.AppendUint64(tables, r.off)
		tables = le.AppendUint64(tables, r.size)
		tables = le.AppendUint32(tables, r.crc)
		tables = le.AppendUint32(tables, r.n)
		tables = le.AppendUint64(tables, r.base)
		flags := uint32(0)
		if r.wide {
			flags = 1
		}
		tables = le.AppendUint32(tables, flags)
		tables = le.AppendUint32(tables, uint32(len(r.pools)))
		for k := range maxImagePool {
			v := uint32(0)
			if k < len(r.pools) {
				v = r.pools[k]
			}
			tables = le.AppendUint32(tables, v)
		}
		tables = le.AppendUint32(tables, r.ownLen)
		tables = le.AppendUint32(tables, 0)
	}
	pools := make([]byte, 0, len(poolList)*poolRecSize)
	for _, p := range poolList {
		pools = le.AppendUint32(pools, p.file)
		pools = le.AppendUint32(pools, 0)
		pools = le.AppendUint64(pools, p.off)
		pools = le.AppendUint64(pools, p.len)
	}
	hdr := make([]byte, headerSize)
	copy(hdr, indexMagic)
	le.PutUint32(hdr[8:], indexVersion)
	copy(hdr[16:32], c.hdr.UUID[:])
	le.PutUint32(hdr[32:], uint32(len(ids)))
	le.PutUint32(hdr[36:], uint32(len(recs)))
	le.PutUint32(hdr[40:], uint32(len(poolList)))
	le.PutUint64(hdr[48:], headerSize)
	le.PutUint64(hdr[56:], uint64(len(tables)))
	le.PutUint32(hdr[64:], crc32.Checksum(tables, castagnoli))
	le.PutUint64(hdr[72:], pos)
	le.PutUint32(hdr[80:], crc32.Checksum(pools, castagnoli))
	le.PutUint32(hdr[68:], crc32.Checksum(hdr, castagnoli))
	if _, err := w.WriteAt(pools, int64(pos)); err != nil {
		return err
	}
	if _, err := w.WriteAt(append(hdr, tables...), 0); err != nil {
		return err
	}
	return nil
}

// WriteIndexFile writes the cache's index to path atomically: into a
// temporary file beside it, renamed over it when complete.
func (c *Cache) WriteIndexFile(path string) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = c.WriteIndex(f); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return os.Rename(f.Name(), path)
}

// tableForIndex is image i's table: the one built already, or one built for
// the index alone and not kept.
func (c *Cache) tableForIndex(i int) (*symtab.Table, error) {
	if st := &c.state[i]; st.done.Load() {
		return st.tab, st.err
	}
	var tab *symtab.Table
	err := c.guard(func() (err error) {
		tab, err = c.buildSymbols(i)
		return err
	})
	return tab, err
}

// releasePages drops the cache files' pages from resident memory.
func (c *Cache) releasePages() {
	for _, f := range c.allFiles() {
		if mf, ok := f.m.(*mmap.File); ok {
			mf.Release()
		}
	}
}

// writeBlock writes one table: addresses, refs, kinds, own names, each
// array 8-aligned within the block.
func writeBlock(b *bytes.Buffer, d symtab.Data) {
	le := binary.LittleEndian
	align := func() {
		for b.Len()%8 != 0 {
			b.WriteByte(0)
		}
	}
	if d.Addr32 != nil {
		for _, a := range d.Addr32 {
			b.Write(le.AppendUint32(nil, a))
		}
	} else {
		for _, a := range d.Addr64 {
			b.Write(le.AppendUint64(nil, a))
		}
	}
	align()
	for _, r := range d.Refs {
		b.Write(le.AppendUint32(nil, r))
	}
	align()
	b.Write(d.Kinds)
	align()
	b.Write(d.Own)
}

// OpenIndex maps the index at path for the cache and checks that it is this
// cache's, unchanged; it returns an *IndexError when it is not.
func (c *Cache) OpenIndex(path string) error {
	m, err := mmap.Open(path)
	if err != nil {
		return &IndexError{Path: path, Msg: err.Error()}
	}
	ix, err := c.checkIndex(path, m.Data())
	if err != nil {
		m.Close()
		return err
	}
	ix.m = m
	c.index.Store(ix)
	c.maps = append(c.maps, indexMapping{m})
	return nil
}

// indexMapping lets a fault on the index be told apart from one on the
// cache's files, without checking the index for changes (it is replaced
// by rename only).
type indexMapping struct{ *mmap.File }

func (indexMapping) Changed() error { return nil }

// checkIndex validates an index's header and tables against the cache.
func (c *Cache) checkIndex(path string, b []byte) (*index, error) {
	bad := func(format string, args ...any) (*index, error) {
		return nil, &IndexError{Path: path, Msg: fmt.Sprintf(format, args...)}
	}
	le := binary.LittleEndian
	if len(b) < headerSize || string(b[:8]) != indexMagic {
		return bad("not a symbolicate symbol index")
	}
	if v := le.Uint32(b[8:]); v != indexVersion {
		return bad("index version %d, this symbolicate reads %d", v, indexVersion)
	}
	hdr := bytes.Clone(b[:headerSize])
	le.PutUint32(hdr[68:], 0)
	if crc32.Checksum(hdr, castagnoli) != le.Uint32(b[68:]) {
		return bad("header checksum mismatch")
	}
	var u process.UUID
	copy(u[:], b[16:32])
	if u != c.hdr.UUID {
		return bad("it indexes cache %s, not %s", u, c.hdr.UUID)
	}
	nfiles, nimages, npools := int(le.Uint32(b[32:])), int(le.Uint32(b[36:])), int(le.Uint32(b[40:]))
	tabOff, tabLen := le.Uint64(b[48:]), le.Uint64(b[56:])
	want := uint64(nfiles)*fileRecSize + uint64(nimages)*imageRecSize
	if tabOff != headerSize || tabLen != want || tabOff+tabLen > uint64(len(b)) {
		return bad("tables of %d bytes at %d do not fit", tabLen, tabOff)
	}
	tables := b[tabOff : tabOff+tabLen]
	if crc32.Checksum(tables, castagnoli) != le.Uint32(b[64:]) {
		return bad("tables checksum mismatch")
	}
	poolsOff := le.Uint64(b[72:])
	if poolsOff > uint64(len(b)) || uint64(npools) > (uint64(len(b))-poolsOff)/poolRecSize {
		return bad("pool table of %d entries at %d does not fit", npools, poolsOff)
	}
	poolTab := b[poolsOff : poolsOff+uint64(npools)*poolRecSize]
	if crc32.Checksum(poolTab, castagnoli) != le.Uint32(b[80:]) {
		return bad("pool table checksum mismatch")
	}
	ids := c.identities()
	if nfiles != len(ids) || nimages != len(c.images) {
		return bad("%d files and %d images, the cache has %d and %d", nfiles, nimages, len(ids), len(c.images))
	}
	p := 0
	for i, id := range ids {
		r := tables[p : p+fileRecSize]
		p += fileRecSize
		var fu process.UUID
		copy(fu[:], r[16:32])
		if le.Uint64(r) != id.size || int64(le.Uint64(r[8:])) != id.mtime || fu != id.uuid {
			return bad("file %d of the cache (%s) changed since it was indexed", i, c.allFiles()[i].info.Path)
		}
	}
	files := c.allFiles()
	ix := &index{path: path, data: b, pools: make([][]byte, npools), images: make([]imageRec, nimages)}
	for i := range npools {
		r := poolTab[i*poolRecSize:]
		fi, off, n := le.Uint32(r), le.Uint64(r[8:]), le.Uint64(r[16:])
		if int(fi) >= len(files) || off > uint64(len(files[fi].data)) || n > uint64(len(files[fi].data))-off {
			return bad("string pool %d lies outside the cache's files", i)
		}
		ix.pools[i] = files[fi].data[off : off+n]
	}
	for i := range nimages {
		r := tables[p : p+imageRecSize]
		p += imageRecSize
		rec := imageRec{off: le.Uint64(r), size: le.Uint64(r[8:]), crc: le.Uint32(r[16:]), n: le.Uint32(r[20:]),
			base: le.Uint64(r[24:]), wide: le.Uint32(r[32:])&1 != 0, ownLen: le.Uint32(r[56:])}
		np := int(le.Uint32(r[36:]))
		if np > maxImagePool {
			return bad("image %d references %d pools", i, np)
		}
		for k := range np {
			id := le.Uint32(r[40+4*k:])
			if int(id) >= npools {
				return bad("image %d references pool %d of %d", i, id, npools)
			}
			rec.pools = append(rec.pools, id)
		}
		if rec.size > 0 && (rec.off > uint64(len(b)) || rec.size > uint64(len(b))-rec.off || rec.off%8 != 0) {
			return bad("image %d's block lies outside the index", i)
		}
		ix.images[i] = rec
	}
	return ix, nil
}

// table returns image i's table from the index; ok is false when the index
// has none for it (it is built instead). A damaged block is an error, and
// the index is not used again.
func (ix *index) table(i int) (*symtab.Table, bool, error) {
	ix.mu.Lock()
	bad := ix.bad
	ix.mu.Unlock()
	if bad != nil || i >= len(ix.images) || ix.images[i].size == 0 {
		return nil, false, bad
	}
	r := ix.images[i]
	block := ix.data[r.off : r.off+r.size]
	fail := func(msg string) (*symtab.Table, bool, error) {
		err := &IndexError{Path: ix.path, Msg: fmt.Sprintf("image %d: %s", i, msg)}
		ix.mu.Lock()
		if ix.bad == nil {
			ix.bad = err
		}
		ix.mu.Unlock()
		return nil, false, err
	}
	if crc32.Checksum(block, castagnoli) != r.crc {
		return fail("block checksum mismatch")
	}
	n := int(r.n)
	aw := 4
	if r.wide {
		aw = 8
	}
	at := 0
	take := func(size int) ([]byte, bool) {
		if size < 0 || at > len(block) || size > len(block)-at {
			return nil, false
		}
		out := block[at : at+size]
		at = (at + size + 7) &^ 7
		return out, true
	}
	addrs, ok1 := take(n * aw)
	refs, ok2 := take(n * 4)
	kinds, ok3 := take(n)
	own, ok4 := take(int(r.ownLen))
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return fail("block is shorter than its tables")
	}
	d := symtab.Data{Base: r.base, Refs: u32s(refs), Kinds: kinds, Own: own, Pools: len(r.pools)}
	if r.wide {
		d.Addr64 = u64s(addrs)
	} else {
		d.Addr32 = u32s(addrs)
	}
	pools := make([][]byte, len(r.pools))
	for k, id := range r.pools {
		pools[k] = ix.pools[id]
	}
	t, err := symtab.FromData(d, pools)
	if err != nil {
		return fail(err.Error())
	}
	ix.used.Add(1)
	return t, true, nil
}

// littleEndian reports whether this machine stores integers as the index
// does, so that its arrays can be used in place.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// u32s views little-endian bytes (8-aligned in the mapping) as uint32s,
// copying on a big-endian machine.
func u32s(b []byte) []uint32 {
	n := len(b) / 4
	if littleEndian && n > 0 && uintptr(unsafe.Pointer(&b[0]))%4 == 0 {
		return unsafe.Slice((*uint32)(unsafe.Pointer(&b[0])), n)
	}
	out := make([]uint32, n)
	for i := range out {
		out[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return out
}

func u64s(b []byte) []uint64 {
	n := len(b) / 8
	if littleEndian && n > 0 && uintptr(unsafe.Pointer(&b[0]))%8 == 0 {
		return unsafe.Slice((*uint64)(unsafe.Pointer(&b[0])), n)
	}
	out := make([]uint64, n)
	for i := range out {
		out[i] = binary.LittleEndian.Uint64(b[8*i:])
	}
	return out
}

// UseIndex opens the cache's index in dir when there is a valid one. It
// returns nil when there is none, and an *IndexError when the file there is
// not usable.
func (c *Cache) UseIndex(dir string) error {
	p := filepath.Join(dir, IndexName(c.UUID()))
	if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return c.OpenIndex(p)
}

// HasIndex reports whether the cache answers from an index.
func (c *Cache) HasIndex() bool { return c.index.Load() != nil }

// indexDamaged reports whether the open index turned out damaged.
func (c *Cache) indexDamaged() bool {
	ix := c.index.Load()
	if ix == nil {
		return false
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.bad != nil
}

// IndexedTables returns how many image tables came from the index.
func (c *Cache) IndexedTables() int {
	if ix := c.index.Load(); ix != nil {
		return int(ix.used.Load())
	}
	return 0
}

// indexFailed records, once, that the index could not be used.
func (c *Cache) indexFailed(err error) {
	c.diagMu.Lock()
	defer c.diagMu.Unlock()
	for _, d := range c.diags {
		if d.Code == diag.UnusableIndex {
			return
		}
	}
	c.diags = append(c.diags, diag.Diagnostic{Code: diag.UnusableIndex, Path: c.path, UUID: c.UUID(), Err: err})
}

// BuildTables builds every image's symbol table on jobs goroutines, as
// writing an index needs them all.
func (c *Cache) BuildTables(jobs int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(jobs, 1) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(c.images) {
					return
				}
				c.imageSymbols(i)
			}
		})
	}
	wg.Wait()
}
