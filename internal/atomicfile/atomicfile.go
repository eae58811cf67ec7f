// Package atomicfile writes output files so that readers never see a partial
// file: data goes to a temporary file in the same directory, which is then
// renamed over the destination.
//
// Files are not fsync'ed: the rename already makes every reader see the old
// file or the whole new one, and fsync would only add durability across a
// power loss, which regenerable batch output does not need while it costs
// about a millisecond per file (more than half the wall time of a 1,000-crash
// batch; docs/performance.md).
//
// A process killed while writing (SIGKILL, a power loss) leaves its
// temporary file behind. Temporary names say which host and process made
// them, ".<name>.<host>.<pid>.<random>.symbolicate-tmp", so that RemoveStale
// can remove those whose process is gone.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/symbolicate/symbolicate/internal/plainfile"
)

// writers holds the buffers of finished Pendings for the next: a batch
// writes thousands of files, each of a few KB.
var writers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 64<<10) }}

// procTag is "<host>.<pid>" of the temporary names, worked out once.
var procTag = sync.OnceValue(func() string { return hostTag() + "." + strconv.Itoa(os.Getpid()) })

// tempSuffix ends every temporary file's name.
const tempSuffix = ".symbolicate-tmp"

// maxBase is how much of the destination's name a temporary name keeps, so
// that it stays within NAME_MAX (255 bytes).
const maxBase = 120

// Write creates or replaces path with the bytes that write produces, with
// mode perm less the umask. On any error the destination is left untouched
// and the temporary file removed.
func Write(path string, perm os.FileMode, write func(io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := createTemp(dir, base, perm)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = write(tmp); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = plainfile.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// Pending is an output being written to its temporary file; Commit makes it
// the destination, Abort discards it. Writes are buffered.
type Pending struct {
	path string
	f    *os.File
	w    *bufio.Writer
	err  error // the first write error
	done bool
}

// Create starts writing path (mode perm less the umask): bytes written to
// the Pending go to a temporary file beside it, which Commit renames over
// path.
func Create(path string, perm os.FileMode) (*Pending, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := createTemp(dir, base, perm)
	if err != nil {
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	w := writers.Get().(*bufio.Writer)
	w.Reset(f)
	return &Pending{path: path, f: f, w: w}, nil
}

// Write buffers p for the temporary file. After a failure every later
// Write fails the same way.
func (p *Pending) Write(b []byte) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	if p.done {
		return 0, fmt.Errorf("writing %s: %w", p.path, os.ErrClosed)
	}
	n, err := p.w.Write(b)
	if err != nil {
		p.err = fmt.Errorf("writing %s: %w", p.path, err)
	}
	return n, p.err
}

// Commit flushes the temporary file and renames it over the destination.
// On failure the destination is untouched and the temporary file removed.
func (p *Pending) Commit() (err error) {
	if p.done {
		return p.err
	}
	p.done = true
	defer func() {
		if err != nil {
			p.f.Close()
			os.Remove(p.f.Name())
		}
		p.release()
	}()
	if p.err != nil {
		return p.err
	}
	for _, step := range []func() error{p.w.Flush, p.f.Close,
		func() error { return plainfile.Rename(p.f.Name(), p.path) }} {
		if err := step(); err != nil {
			return fmt.Errorf("writing %s: %w", p.path, err)
		}
	}
	return nil
}

// Abort discards the temporary file. It does nothing after Commit.
func (p *Pending) Abort() {
	if p.done {
		return
	}
	p.done = true
	p.f.Close()
	os.Remove(p.f.Name())
	p.release()
}

// release hands the buffer back for another file.
func (p *Pending) release() {
	p.w.Reset(nil)
	writers.Put(p.w)
	p.w = nil
}

// createTemp creates a new temporary file for base in dir, named
// ".<base>.<host>.<pid>.<random>.symbolicate-tmp", as os.CreateTemp would
// but with the destination's mode perm (less the umask, as for any new
// file), and without the runtime poller (internal/plainfile).
func createTemp(dir, base string, perm os.FileMode) (*os.File, error) {
	if len(base) > maxBase {
		base = base[:maxBase]
	}
	prefix := filepath.Join(dir, "."+base+"."+procTag()+".")
	for try := 0; ; try++ {
		p := prefix + strconv.FormatUint(uint64(rand.Uint32()), 10) + tempSuffix
		f, err := plainfile.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) && try < 10000 {
			continue
		}
		return f, err
	}
}

// hostTag is the host name reduced to letters, digits and '-'.
func hostTag() string {
	h, _ := os.Hostname()
	var b strings.Builder
	for _, r := range h {
		if r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			b.WriteRune(r)
		}
		if b.Len() == 32 {
			break
		}
	}
	if b.Len() == 0 {
		return "host"
	}
	return b.String()
}

// StaleAge is the age past which a temporary file of our naming is removed
// even when its process cannot be checked (another host shares the folder,
// or its process ID was reused): no write takes that long.
const StaleAge = time.Hour

// RemoveStale removes, under root and its subfolders, the temporary files
// of writes that died: ones made on this host by a process that no longer
// runs, and any older than StaleAge (including the ".<name>.tmpNNN" files of
// earlier versions). It returns how many it removed; a folder that cannot
// be read is skipped.
func RemoveStale(root string) (int, error) {
	host := hostTag()
	now := time.Now()
	removed := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == root {
				return err
			}
			return fs.SkipDir
		}
		if d.IsDir() || !d.Type().IsRegular() || !strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		tmpHost, pid, ours := parseTemp(d.Name())
		if !ours {
			return nil
		}
		stale := tmpHost == host && pid > 0 && !processAlive(pid)
		if !stale {
			fi, err := d.Info()
			stale = err == nil && now.Sub(fi.ModTime()) > StaleAge
		}
		if stale && os.Remove(path) == nil {
			removed++
		}
		return nil
	})
	return removed, err
}

// parseTemp reads a temporary file's name: its host and process ID, or
// only ours == true for the names of earlier versions (".x.ips.tmp123").
func parseTemp(name string) (host string, pid int, ours bool) {
	if rest, ok := strings.CutSuffix(name, tempSuffix); ok {
		parts := strings.Split(rest, ".")
		if len(parts) < 5 { // "", base…, host, pid, random
			return "", 0, false
		}
		n := len(parts)
		pid, err := strconv.Atoi(parts[n-2])
		if err != nil {
			return "", 0, false
		}
		return parts[n-3], pid, true
	}
	i := strings.LastIndex(name, ".tmp")
	if i <= 1 || len(name) == i+4 {
		return "", 0, false
	}
	for _, r := range name[i+4:] {
		if r < '0' || r > '9' {
			return "", 0, false
		}
	}
	return "", 0, true
}
