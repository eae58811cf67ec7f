package dsctest

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Generate writes a cache into dir (which must exist) and returns its ground
// truth.
func Generate(dir string, cfg Config) (*Cache, error) {
	return GenerateContext(context.Background(), dir, cfg)
}

// GenerateContext is Generate with a context, checked between images.
func GenerateContext(ctx context.Context, dir string, cfg Config) (*Cache, error) {
	p, err := newPlan(cfg)
	if err != nil {
		return nil, err
	}
	if err := p.write(ctx, dir); err != nil {
		return nil, err
	}
	return p.cache(dir), nil
}

// mainName is the main cache file name, e.g. "dyld_shared_cache_arm64e".
func (p *plan) mainName() string { return "dyld_shared_cache_" + p.arch.name }

func (p *plan) path(dir string, f *cacheFile) string {
	return filepath.Join(dir, p.mainName()+f.suffix)
}

// stream is a buffered sequential writer at a file offset.
type stream struct {
	w   *bufio.Writer
	pos uint64
}

const streamBuf = 256 << 10

func newStream(f *os.File, off uint64) *stream {
	return &stream{w: bufio.NewWriterSize(io.NewOffsetWriter(f, int64(off)), streamBuf), pos: off}
}

func (s *stream) write(b []byte) {
	s.w.Write(b) // bufio keeps the first error; checked at Flush
	s.pos += uint64(len(b))
}

var zeroPage [0x4000]byte

// padTo writes zeros up to the absolute offset off.
func (s *stream) padTo(off uint64) {
	for s.pos < off {
		n := min(off-s.pos, uint64(len(zeroPage)))
		s.write(zeroPage[:n])
	}
}

// fileWriter holds the open file and streams of one cache file.
type fileWriter struct {
	f    *os.File
	text *stream
	data map[*region]*stream
}

// leWriter holds the streams of one LINKEDIT.
type leWriter struct {
	fstarts, tries, nlist, strs *stream
}

// write emits every file. Images are visited once, in order; each one's
// bytes go to the streams of the files holding its segments.
func (p *plan) write(ctx context.Context, dir string) (err error) {
	w := &cacheWriter{p: p, fws: make([]*fileWriter, len(p.files)), les: map[*linkedit]*leWriter{}}
	defer func() {
		for _, fw := range w.fws {
			if fw != nil {
				if cerr := fw.f.Close(); err == nil && cerr != nil {
					err = fmt.Errorf("dsctest: %w", cerr)
				}
			}
		}
	}()
	for k := range p.files {
		if err := w.openFile(dir, k); err != nil {
			return err
		}
	}
	for _, l := range p.les {
		if err := w.openLinkedit(l); err != nil {
			return err
		}
	}
	if err := w.openLocals(); err != nil {
		return err
	}
	err = forEachOrdered(ctx, len(p.imgs), func() *imgOut { return new(imgOut) }, p.produce, w.image)
	if err != nil {
		return err
	}
	for _, s := range w.all {
		if err := s.w.Flush(); err != nil {
			return fmt.Errorf("dsctest: %w", err)
		}
	}
	return p.checkSizes(w.fws)
}

// cacheWriter is the state of one write: the open files and the streams
// each image's parts are appended to.
type cacheWriter struct {
	p                *plan
	fws              []*fileWriter
	les              map[*linkedit]*leWriter
	locNlist, locStr *stream
	all              []*stream
}

// openFile creates file k at its size with its header, slide info and code
// signature, and opens a stream per region that images fill.
func (w *cacheWriter) openFile(dir string, k int) error {
	p := w.p
	f := p.files[k]
	fh, err := os.Create(p.path(dir, f))
	if err != nil {
		return fmt.Errorf("dsctest: %w", err)
	}
	fw := &fileWriter{f: fh, data: map[*region]*stream{}}
	w.fws[k] = fw
	if err := fh.Truncate(int64(f.size)); err != nil {
		return fmt.Errorf("dsctest: %w", err)
	}
	if _, err := fh.WriteAt(p.headerBytes(f), 0); err != nil {
		return fmt.Errorf("dsctest: %s: %w", fh.Name(), err)
	}
	for _, r := range f.regions {
		switch r.kind {
		case rkText:
			fw.text = newStream(fh, f.areaSize)
			w.all = append(w.all, fw.text)
		case rkDataConst, rkData, rkAuthConst, rkAuth:
			fw.data[r] = newStream(fh, r.fileOff)
			w.all = append(w.all, fw.data[r])
		}
		if r.slideLen != 0 {
			if _, err := fh.WriteAt(p.slideInfo(r), int64(r.slideOff)); err != nil {
				return fmt.Errorf("dsctest: %s: %w", fh.Name(), err)
			}
		}
	}
	if _, err := fh.WriteAt(codeSignature(f.csSize), int64(f.csOff)); err != nil {
		return fmt.Errorf("dsctest: %s: %w", fh.Name(), err)
	}
	return nil
}

// openLinkedit opens the streams of one shared LINKEDIT and writes what all
// its images share.
func (w *cacheWriter) openLinkedit(l *linkedit) error {
	p := w.p
	fh := w.fws[l.file.index].f
	first := &p.imgs[l.lo]
	lw := &leWriter{
		fstarts: newStream(fh, first.fstartsOff),
		tries:   newStream(fh, first.trieOff),
		nlist:   newStream(fh, first.symOff),
		strs:    newStream(fh, l.strOff),
	}
	w.les[l] = lw
	w.all = append(w.all, lw.fstarts, lw.tries, lw.nlist, lw.strs)
	if l.trieLen != 0 {
		if _, err := fh.WriteAt(p.dylibs, int64(l.trieOff)); err != nil {
			return fmt.Errorf("dsctest: %s: %w", fh.Name(), err)
		}
	}
	lw.strs.write([]byte("\x00<redacted>\x00"))
	for _, u := range undefNames {
		lw.strs.write(append([]byte(u), 0))
	}
	return nil
}

// openLocals writes the local-symbols header and opens its streams, when
// the layout has local symbols.
func (w *cacheWriter) openLocals() error {
	p, lf := w.p, w.p.locals
	if lf == nil {
		return nil
	}
	fh := w.fws[lf.index].f
	if _, err := fh.WriteAt(p.localsHeader(lf), int64(lf.localsOff)); err != nil {
		return fmt.Errorf("dsctest: %s: %w", fh.Name(), err)
	}
	_, nlistOff, _, strOff, _ := p.localsLayout()
	w.locNlist = newStream(fh, lf.localsOff+nlistOff)
	w.locStr = newStream(fh, lf.localsOff+strOff)
	w.locStr.write([]byte{0})
	w.all = append(w.all, w.locNlist, w.locStr)
	return nil
}

// image appends image i's parts, in image order, to the streams.
func (w *cacheWriter) image(i int, o *imgOut) error {
	ip := &w.p.imgs[i]
	// __TEXT: header and load commands, then the functions.
	ts := w.fws[ip.textFile].text
	ts.padTo(ip.textFileOf)
	ts.write(o.hdr)
	ts.padTo(ip.textFileOf + ip.textSect)
	ts.write(o.code)
	ts.padTo(ip.textFileOf + ip.textVMSize)
	// Data segments.
	for s := 0; s < numDataSegs; s++ {
		sp := ip.seg[s]
		if sp.size == 0 {
			continue
		}
		ds := w.fws[sp.file].data[sp.reg]
		ds.padTo(sp.fileOff)
		if s == segDataConst {
			ds.write(o.g.dataConstBytes())
		}
		ds.padTo(sp.fileOff + sp.size)
	}
	// LINKEDIT: function starts, export trie, symbols, strings.
	lw := w.les[ip.le]
	lw.fstarts.padTo(ip.fstartsOff)
	lw.fstarts.write(o.w.fstarts)
	lw.tries.padTo(ip.trieOff)
	lw.tries.write(o.w.trie)
	lw.nlist.padTo(ip.symOff)
	lw.nlist.write(o.nlist)
	lw.strs.write(o.strs)
	// Local symbols with their real names.
	if w.locNlist != nil {
		w.locNlist.write(o.locNlist)
		w.locStr.write(o.locStrs)
	}
	return nil
}

// checkSizes verifies that nothing was written past the planned file ends.
func (p *plan) checkSizes(fws []*fileWriter) error {
	var errs []error
	for k, fw := range fws {
		st, err := fw.f.Stat()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if uint64(st.Size()) != p.files[k].size {
			errs = append(errs, fmt.Errorf("dsctest: internal error: %s is %d bytes, planned %d", fw.f.Name(), st.Size(), p.files[k].size))
		}
	}
	return errors.Join(errs...)
}

// imgOut is the bytes of one image, produced off the writing goroutine.
type imgOut struct {
	g                 genImage
	w                 linkeditWork
	hdr, code         []byte
	nlist, strs       []byte
	locNlist, locStrs []byte
}

// produce generates image i's bytes into o.
func (p *plan) produce(i int, o *imgOut) {
	ip := &p.imgs[i]
	g, w := &o.g, &o.w
	p.generate(i, true, g)
	w.prepare(p, g)
	o.hdr, _, _ = p.loadCommands(g)
	o.code = o.code[:0]
	for _, f := range g.funcs {
		o.code = p.code(o.code, f.size)
	}
	textStart := ip.textAddr + ip.textSect
	o.nlist, o.strs = o.nlist[:0], o.strs[:0]
	for _, k := range w.locals {
		o.nlist = p.appendNlist(o.nlist, redactedStrx, 0x0e, 1, 0, textStart+g.funcs[k].off)
	}
	strx := ip.strBase
	for _, e := range w.extdefs {
		o.nlist = p.appendNlist(o.nlist, strx, 0x0f, e.sect, 0, e.addr)
		strx += uint32(len(e.name)) + 1
		o.strs = append(append(o.strs, e.name...), 0)
	}
	for _, u := range g.undefs {
		// Two-level namespace: library ordinal 1, the first LC_LOAD_DYLIB.
		o.nlist = p.appendNlist(o.nlist, ip.le.undefStr[u], 0x01, 0, 1<<8, 0)
	}
	o.locNlist, o.locStrs = o.locNlist[:0], o.locStrs[:0]
	strx = ip.locStrBase
	for _, k := range w.locals {
		f := g.funcs[k]
		o.locNlist = p.appendNlist(o.locNlist, strx, 0x0e, 1, 0, textStart+f.off)
		strx += uint32(len(f.name)) + 1
		o.locStrs = append(append(o.locStrs, f.name...), 0)
	}
}

// appendNlist appends one nlist_64 (or 32-bit nlist).
func (p *plan) appendNlist(b []byte, strx uint32, typ, sect uint8, desc uint16, value uint64) []byte {
	b = binary.LittleEndian.AppendUint32(b, strx)
	b = append(b, typ, sect)
	b = binary.LittleEndian.AppendUint16(b, desc)
	if p.arch.is64 {
		return binary.LittleEndian.AppendUint64(b, value)
	}
	return binary.LittleEndian.AppendUint32(b, uint32(value))
}

// code appends the bytes of one function of the given size: a frame
// prologue, NOPs, an epilogue and a return (arm64e adds PACIBSP/RETAB).
func (p *plan) code(b []byte, size uint64) []byte {
	if p.arch.x86 {
		b = append(b, 0x55, 0x48, 0x89, 0xe5) // push %rbp; mov %rsp,%rbp
		for k := uint64(6); k < size; k++ {
			b = append(b, 0x90)
		}
		return append(b, 0x5d, 0xc3) // pop %rbp; ret
	}
	ins := func(v uint32) { b = binary.LittleEndian.AppendUint32(b, v) }
	n := size / 4
	ret := uint32(0xd65f03c0)
	if p.arch.auth {
		ret = 0xd65f0fff // retab
	}
	if n < 5 {
		for k := uint64(1); k < n; k++ {
			ins(0xd503201f) // nop
		}
		ins(0xd65f03c0)
		return b
	}
	body := n - 4
	if p.arch.auth {
		ins(0xd503237f) // pacibsp
		body--
	}
	ins(0xa9bf7bfd) // stp x29, x30, [sp, #-16]!
	ins(0x910003fd) // mov x29, sp
	for k := uint64(0); k < body; k++ {
		ins(0xd503201f)
	}
	ins(0xa8c17bfd) // ldp x29, x30, [sp], #16
	if p.arch.auth {
		ins(ret)
	} else {
		ins(0xd65f03c0)
	}
	return b
}

// cache returns the ground truth of the plan, with paths in dir.
func (p *plan) cache(dir string) *Cache {
	c := &Cache{
		Dir:      dir,
		MainPath: p.path(dir, p.files[0]),
		UUID:     p.files[0].uuid,
		Base:     p.cfg.Base,
		Config:   p.cfg,
		Size:     p.total,
		plan:     p,
	}
	if p.split() {
		c.SymbolFileUUID = p.symUUID
	}
	for _, f := range p.files {
		c.Files = append(c.Files, p.path(dir, f))
		switch {
		case f.symbols:
			c.SymbolsPath = p.path(dir, f)
		case !f.main:
			c.SubCaches = append(c.SubCaches, SubCache{Path: p.path(dir, f), Suffix: f.suffix, UUID: f.uuid, VMOffset: f.vmAddr - p.cfg.Base})
		}
	}
	c.Images = make([]Image, len(p.imgs))
	for i := range p.imgs {
		ip := &p.imgs[i]
		im := &c.Images[i]
		*im = Image{Index: i, Path: ip.path, UUID: ip.uuid, Address: ip.textAddr, TextSize: ip.textVMSize,
			TextFile: c.Files[ip.textFile], Data: p.data[i]}
		for _, s := range p.segments(i) {
			im.Segments = append(im.Segments, Segment{Name: s.name, Addr: s.addr, Size: s.size})
		}
		if p.truth != nil {
			im.Functions = p.truth[i]
		}
	}
	return c
}
