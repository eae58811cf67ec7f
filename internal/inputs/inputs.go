// Package inputs turns command-line arguments into the inputs of a batch:
// files, directories walked for reports (Xcode's .xccrashpoint bundles
// included), glob patterns, "-" for standard input, gzip files and zip
// archives of reports, each read with a size limit. Files found by a walk or
// inside an archive are marked so that content no format reads is skipped,
// not failed; an argument that names nothing is an input that fails, so one
// mistyped path never stops a batch.
package inputs

import (
	"archive/zip"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/symbolicate/symbolicate/internal/bufpool"
	"github.com/symbolicate/symbolicate/internal/mmap"
	"github.com/symbolicate/symbolicate/internal/plainfile"
)

// Input is one input of a batch.
type Input struct {
	// Name is how the input is named in messages: its path, "-" for stdin,
	// or "archive.zip:member/path" for an archive member.
	Name string
	// Rel is what its output is named after: the path inside the directory
	// argument it was found in, the base name of a file argument,
	// "archive.zip/member/path" for an archive member, "stdin" for stdin.
	Rel string
	// Path is where it comes from, for mirroring the layout of inputs whose
	// Rel collide: the file's path, or the archive's path plus the member's.
	Path string
	// Found reports an input found by a walk or inside an archive rather
	// than named: content that no format reads is skipped, not an error.
	Found bool
	// Read returns the input's bytes, at most the size limit. They are
	// valid until Done: a regular file's are read into a buffer that Done
	// lends to the next input (internal/bufpool), and a large one is
	// memory-mapped rather than read, and can then fault if the file is
	// truncated meanwhile (read them under mmap.Guard).
	Read func() ([]byte, error)
	// Done releases what Read returned; nil when there is nothing to release.
	Done func()
	// Size is the size of a plain file on disk when it was found; 0 for
	// stdin, archive members and gzip files.
	Size int64
}

// Options control Collect.
type Options struct {
	// MaxSize is the largest input read, in bytes (after decompression).
	MaxSize int64
	// Stdin is what "-" reads.
	Stdin io.Reader
	// Warn receives problems met while walking (an unreadable directory or
	// file, a damaged archive); the walk goes on.
	Warn func(path string, err error)
}

// ReportExts are the file name endings a directory walk takes (besides .gz
// and .zip archives of them).
var ReportExts = []string{".ips", ".ips.synced", ".crash", ".txt", ".json", ".hang", ".spin"}

// ErrTooLarge is wrapped by the error of an input over the size limit.
var ErrTooLarge = errors.New("input is over the size limit")

// Collect expands args into inputs, in a stable order: each argument in turn;
// within a directory, paths sorted. A pattern that is not valid is an error;
// everything else that goes wrong is an input whose Read fails.
func Collect(args []string, opts Options) ([]Input, error) {
	c := &collector{opts: opts, seen: map[string]bool{}}
	for _, arg := range args {
		if err := c.arg(arg); err != nil {
			return nil, err
		}
	}
	return c.out, nil
}

type collector struct {
	opts Options
	seen map[string]bool
	out  []Input
}

func (c *collector) warn(path string, err error) {
	if c.opts.Warn != nil {
		c.opts.Warn(path, err)
	}
}

func (c *collector) arg(arg string) error {
	if arg == "-" {
		if !c.seen["-"] {
			c.seen["-"] = true
			c.out = append(c.out, Input{Name: "-", Rel: "stdin", Path: "stdin",
				Read: func() ([]byte, error) { return readLimited(c.opts.Stdin, c.opts.MaxSize, 0) }})
		}
		return nil
	}
	matches := []string{arg}
	if _, err := os.Lstat(arg); err != nil && strings.ContainsAny(arg, "*?[") {
		m, err := filepath.Glob(arg)
		if err != nil {
			return fmt.Errorf("pattern %q: %w", arg, err)
		}
		if len(m) == 0 {
			c.failed(arg, fmt.Errorf("pattern %q matches no files", arg))
			return nil
		}
		matches = m
	}
	for _, p := range matches {
		fi, err := os.Stat(p)
		switch {
		case err != nil:
			c.failed(p, err)
		case fi.IsDir():
			c.walk(p)
		default:
			c.file(p, filepath.Base(p), false)
		}
	}
	return nil
}

// failed adds an input that cannot be read.
func (c *collector) failed(name string, err error) {
	c.out = append(c.out, Input{Name: name, Rel: filepath.Base(name), Path: name,
		Read: func() ([]byte, error) { return nil, err }})
}

// walk adds the report files under dir.
func (c *collector) walk(dir string) {
	var found []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			c.warn(p, err)
			if d != nil && d.IsDir() && p != dir {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || !wanted(d.Name()) {
			return nil
		}
		if !d.Type().IsRegular() {
			// A link is followed when it leads to a regular file; FIFOs,
			// devices and sockets are never opened.
			if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() {
				return nil
			}
		}
		found = append(found, p)
		return nil
	})
	if err != nil {
		c.warn(dir, err)
	}
	sort.Strings(found)
	for _, p := range found {
		rel, _ := filepath.Rel(dir, p)
		c.file(p, rel, true)
	}
}

// wanted reports whether a walk takes a file of this name.
func wanted(name string) bool {
	if strings.Contains(name, ".symbolicated.") {
		return false // our own outputs
	}
	base := strings.TrimSuffix(name, ".gz")
	if strings.HasSuffix(name, ".zip") {
		return true
	}
	for _, e := range ReportExts {
		if strings.HasSuffix(base, e) {
			return true
		}
	}
	return false
}

// file adds the file at path (rel names its output): a zip archive's members,
// a gzip file decompressed, or the file itself.
func (c *collector) file(path, rel string, found bool) {
	if c.seen[path] {
		return
	}
	c.seen[path] = true
	max := c.opts.MaxSize
	switch {
	case strings.HasSuffix(path, ".zip"):
		c.archive(path, rel)
	case strings.HasSuffix(path, ".gz"):
		c.out = append(c.out, Input{Name: path, Rel: strings.TrimSuffix(rel, ".gz"), Path: strings.TrimSuffix(path, ".gz"), Found: found,
			Read: func() ([]byte, error) { return readGzip(path, max) }})
	default:
		var m *mmap.File
		var buf []byte
		var size int64
		if fi, err := os.Stat(path); err == nil {
			size = fi.Size()
		}
		c.out = append(c.out, Input{Name: path, Rel: rel, Path: path, Found: found, Size: size,
			Read: func() ([]byte, error) {
				b, mf, err := readFile(path, max)
				if m = mf; m == nil {
					buf = b
				}
				return b, err
			},
			Done: func() {
				if m != nil {
					m.Close()
					m = nil
				}
				bufpool.Put(buf)
				buf = nil
			}})
	}
}

// archive adds the members of a zip archive that a walk would take.
func (c *collector) archive(path, rel string) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		c.failed(path, fmt.Errorf("reading the zip archive: %w", err))
		return
	}
	var names []string
	for _, f := range zr.File {
		if !f.FileInfo().IsDir() && wanted(pathBase(f.Name)) && !strings.HasPrefix(f.Name, "__MACOSX/") {
			names = append(names, f.Name)
		}
	}
	zr.Close()
	sort.Strings(names)
	max := c.opts.MaxSize
	for _, m := range names {
		member := strings.TrimSuffix(m, ".gz")
		c.out = append(c.out, Input{Name: path + ":" + m, Rel: rel + "/" + member, Path: path + "/" + member, Found: true,
			Read: func() ([]byte, error) { return readMember(path, m, max) }})
	}
}

func pathBase(name string) string {
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// mapAbove is the size from which a regular file is mapped instead of read:
// its bytes then stay out of the Go heap, which a garbage-collected heap
// would otherwise need about twice their size for.
const mapAbove = 4 << 20

// readFile reads a file of at most max bytes, mapping a large regular file
// (returned as m, to be closed when done with the bytes).
func readFile(path string, max int64) (b []byte, m *mmap.File, err error) {
	f, err := plainfile.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	hint := int64(0)
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		hint = fi.Size()
		if fi.Size() > max {
			return nil, nil, tooLarge(fi.Size(), max)
		}
		if fi.Size() >= mapAbove {
			if m, err := mmap.Open(path); err == nil && int64(m.Len()) <= max {
				return m.Data(), m, nil
			} else if err == nil {
				m.Close()
			}
		}
	}
	b, err = readLimited(f, max, hint)
	return b, nil, err
}

// readGzip reads a gzip file, decompressed to at most max bytes (members
// concatenated, as gunzip does).
func readGzip(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("not a gzip file: %w", err)
	}
	return readLimited(zr, max, 0)
}

// readMember reads one member of a zip archive, decompressed to at most max
// bytes.
func readMember(archive, name string, max int64) ([]byte, error) {
	zr, err := zip.OpenReader(archive)
	if err != nil {
		return nil, fmt.Errorf("reading the zip archive: %w", err)
	}
	defer zr.Close()
	f, err := zr.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(name, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("not a gzip file: %w", err)
		}
		r = gz
	}
	return readLimited(r, max, 0)
}

// readLimited reads r to its end, failing past max bytes rather than reading
// on. hint is the size r should have (a regular file's, which may still
// change), 0 when unknown: the buffer starts at that size, so that a file
// is read in one go rather than into a doubling buffer.
func readLimited(r io.Reader, max, hint int64) ([]byte, error) {
	if hint <= 0 || hint > max {
		hint = 511
	}
	r = io.LimitReader(r, max+1)
	b := bufpool.Get(int(hint) + 1) // +1: the read that sees the end needs room
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if int64(len(b)) > max {
			return nil, tooLarge(-1, max)
		}
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func tooLarge(size, max int64) error {
	if size < 0 {
		return fmt.Errorf("%w: more than %s (raise --max-input-size to read it)", ErrTooLarge, Bytes(max))
	}
	return fmt.Errorf("%w: %s, more than %s (raise --max-input-size to read it)", ErrTooLarge, Bytes(size), Bytes(max))
}

// Bytes formats a size for people: "64 MiB", "1.5 GiB", "800 B".
func Bytes(n int64) string {
	switch {
	case n >= 1<<30:
		return trim(float64(n)/(1<<30)) + " GiB"
	case n >= 1<<20:
		return trim(float64(n)/(1<<20)) + " MiB"
	case n >= 1<<10:
		return trim(float64(n)/(1<<10)) + " KiB"
	}
	return fmt.Sprintf("%d B", n)
}

func trim(f float64) string {
	s := fmt.Sprintf("%.1f", f)
	return strings.TrimSuffix(s, ".0")
}
