// Package output names the files a command writes and writes them. It is the
// one place that decides whether -o is a file or a directory, how an input's
// output is named, and that two inputs never write the same file.
package output

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/symbolicate/symbolicate/internal/atomicfile"
)

// Input is one input a command writes an output for.
type Input struct {
	// Name is how the input is known: its path, or "-" for stdin.
	Name string
	// Rel is its path relative to the directory argument it was found in,
	// or its base name; outputs mirror it under a directory -o.
	Rel string
	// Path is where it comes from; when two inputs' Rel collide, outputs
	// mirror the layout of every input's Path instead.
	Path string
}

// Plan is where each input's output goes.
type Plan struct {
	dir   string            // -o is this directory
	file  string            // -o is this one file
	stems map[string]string // input name -> output path without its extension
	made  sync.Map          // directories Create has made or found
}

// ReportExts are the file name endings of reports, stripped from an input's
// name to make its output's.
var ReportExts = []string{".ips", ".ips.synced", ".crash", ".txt", ".json", ".hang", ".spin"}

// New plans the outputs of inputs for the -o value flag ("" for stdout).
// When single (the inputs are one file named on the command line) and -o is
// not an existing directory and does not end in a separator, -o is the file
// itself; otherwise -o is a directory (created when missing) holding, for
// each input, its Rel without a report extension plus suffix and the
// extension of what is written. When two inputs' Rel would collide, every
// output mirrors its input's path relative to the inputs' common directory;
// inputs that differ only in their extension keep it.
func New(flag string, inputs []Input, suffix string, single bool) (*Plan, error) {
	p := &Plan{stems: map[string]string{}}
	if flag == "" {
		return p, nil
	}
	isDir := strings.HasSuffix(flag, string(filepath.Separator)) || strings.HasSuffix(flag, "/")
	if fi, err := os.Stat(flag); err == nil && fi.IsDir() {
		isDir = true
	}
	if single && len(inputs) == 1 && !isDir {
		p.file = flag
		return p, nil
	}
	p.dir = flag
	rels := make([]string, len(inputs))
	for i, in := range inputs {
		rels[i] = in.Rel
	}
	if collide(rels) {
		rels = mirrored(inputs)
	}
	// Inputs that differ only in their extension (x.ips beside x.crash)
	// keep it in their output's name.
	stems := map[string]int{}
	for _, r := range rels {
		stems[filepath.Clean(Stem(r))]++
	}
	taken := map[string]string{}
	for i, in := range inputs {
		name := Stem(rels[i])
		if stems[filepath.Clean(name)] > 1 {
			name = rels[i]
		}
		dest := filepath.Join(flag, name+suffix)
		if other, dup := taken[dest]; dup {
			return nil, fmt.Errorf("inputs %s and %s would both be written to %s", other, in.Name, dest)
		}
		taken[dest] = in.Name
		p.stems[in.Name] = dest
	}
	return p, nil
}

// RemoveStale removes the temporary files that killed runs left in the
// output directory (atomicfile.RemoveStale), and returns how many. It does
// nothing when -o is a file, stdout, or a directory not made yet.
func (p *Plan) RemoveStale() (int, error) {
	if p.dir == "" {
		return 0, nil
	}
	if _, err := os.Stat(p.dir); err != nil {
		return 0, nil
	}
	return atomicfile.RemoveStale(p.dir)
}

// collide reports whether two outputs named after rels would be the same.
func collide(rels []string) bool {
	seen := map[string]bool{}
	for _, r := range rels {
		k := filepath.Clean(Stem(r))
		if seen[k] {
			return true
		}
		seen[k] = true
	}
	return false
}

// mirrored returns each input's path relative to the directory all inputs'
// paths have in common.
func mirrored(inputs []Input) []string {
	abs := make([]string, len(inputs))
	for i, in := range inputs {
		a, err := filepath.Abs(in.Path)
		if err != nil || in.Path == "" {
			a = in.Rel
		}
		abs[i] = a
	}
	common := filepath.Dir(abs[0])
	for _, a := range abs[1:] {
		for !within(common, a) {
			parent := filepath.Dir(common)
			if parent == common {
				break
			}
			common = parent
		}
	}
	out := make([]string, len(inputs))
	for i, a := range abs {
		rel, err := filepath.Rel(common, a)
		if err != nil {
			rel = inputs[i].Rel
		}
		out[i] = rel
	}
	return out
}

// within reports whether path lies in dir.
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// Stdout reports that outputs go to standard output.
func (p *Plan) Stdout() bool { return p.file == "" && len(p.stems) == 0 }

// Path returns the file input name's output goes to, given the extension of
// what is written (".ips", ".txt", ".cif"); "" for stdout.
func (p *Plan) Path(name, ext string) string {
	if p.file != "" {
		return p.file
	}
	if s, ok := p.stems[name]; ok {
		return s + ext
	}
	return ""
}

// Stem strips a report extension from name.
func Stem(name string) string {
	for _, e := range ReportExts {
		if strings.HasSuffix(name, e) {
			return strings.TrimSuffix(name, e)
		}
	}
	return name
}

// Sink is an output being written: Commit makes it visible (atomically,
// for a regular file), Abort drops it.
type Sink interface {
	io.Writer
	Commit() error
	Abort()
}

// Create starts the output of input name with extension ext, as the
// function Create does. A directory made (or found) for one output is not
// looked at again for the next, unless it has gone meanwhile.
func (p *Plan) Create(name, ext string) (Sink, error) {
	path := p.Path(name, ext)
	dir := filepath.Dir(path)
	if _, ok := p.made.Load(dir); ok {
		s, err := create(path, false)
		if !errors.Is(err, fs.ErrNotExist) {
			return s, err
		}
	}
	s, err := create(path, true)
	if err == nil {
		p.made.Store(dir, true)
	}
	return s, err
}

// Create starts writing path, creating its directory: readers see the old
// file or the whole new one, never a part. A destination that exists and is
// not a regular file (/dev/stdout, a FIFO, /dev/full) is written in place:
// it cannot be replaced, and must not be.
func Create(path string) (Sink, error) { return create(path, true) }

// create is Create, making path's directory only when mkdir is set.
func create(path string, mkdir bool) (Sink, error) {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() && !fi.IsDir() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return nil, err
		}
		return &inPlace{f: f, path: path}, nil
	}
	if mkdir {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
	}
	return atomicfile.Create(path, 0o644)
}

// Write writes data to path as Create does.
func Write(path string, data []byte) error {
	s, err := Create(path)
	if err != nil {
		return err
	}
	if _, err := s.Write(data); err != nil {
		s.Abort()
		return err
	}
	return s.Commit()
}

// inPlace writes an existing device or FIFO.
type inPlace struct {
	f    *os.File
	path string
	err  error
}

func (w *inPlace) Write(b []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n, err := w.f.Write(b)
	if err != nil {
		w.err = fmt.Errorf("writing %s: %w", w.path, err)
	}
	return n, w.err
}

func (w *inPlace) Commit() error {
	if err := w.f.Close(); err != nil && w.err == nil {
		w.err = fmt.Errorf("writing %s: %w", w.path, err)
	}
	return w.err
}

func (w *inPlace) Abort() { w.f.Close() }
