package atomicfile

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestWriteReplaces(t *testing.T) {
	p := filepath.Join(t.TempDir(), "out.txt")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(p, 0o644, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "new" {
		t.Fatalf("content = %q", b)
	}
}

func TestFailedWriteLeavesDestinationAndNoTemp(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.txt")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(p, 0o644, func(w io.Writer) error { io.WriteString(w, "partial"); return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want wrapped boom", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "old" {
		t.Fatalf("destination changed to %q", b)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("temporary file left behind: %v", ents)
	}
}

// deadPID returns the ID of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func TestTempNamesAreParsed(t *testing.T) {
	dir := t.TempDir()
	long := strings.Repeat("x", 250) + ".ips"
	var name string
	err := Write(filepath.Join(dir, long), 0o644, func(w io.Writer) error {
		ents, _ := os.ReadDir(dir)
		name = ents[0].Name()
		return nil
	})
	if err != nil {
		t.Fatalf("a 254-byte name: %v", err)
	}
	host, pid, ours := parseTemp(name)
	if !ours || host != hostTag() || pid != os.Getpid() || len(name) > 255 {
		t.Errorf("temporary %q parsed as %q %d %v", name, host, pid, ours)
	}
}

// TestRemoveStale plants what killed writers leave (and what they must not
// touch) and checks exactly the stale ones go.
func TestRemoveStale(t *testing.T) {
	root := t.TempDir()
	host := hostTag()
	dead := strconv.Itoa(deadPID(t))
	live := strconv.Itoa(os.Getpid())
	old := time.Now().Add(-2 * StaleAge)
	files := []struct {
		name  string
		old   bool
		stale bool
	}{
		{".a.ips." + host + "." + dead + ".123" + tempSuffix, false, true},
		{"sub/deeper/.b.txt." + host + "." + dead + ".9" + tempSuffix, false, true},
		{".c.ips." + host + "." + live + ".5" + tempSuffix, false, false},
		{".d.ips.otherhost." + dead + ".5" + tempSuffix, false, false},
		{".e.ips.otherhost." + dead + ".5" + tempSuffix, true, true},
		{".f.ips.tmp4711", true, true},
		{".g.ips.tmp4711", false, false},
		{".h.ips", true, false},
		{"i.ips", true, false},
		{".j.tmp", true, false},
	}
	for _, f := range files {
		p := filepath.Join(root, f.name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if f.old {
			os.Chtimes(p, old, old)
		}
	}
	n, err := RemoveStale(root)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, f := range files {
		_, err := os.Stat(filepath.Join(root, f.name))
		if gone := err != nil; gone != f.stale {
			t.Errorf("%s: removed %v, want %v", f.name, gone, f.stale)
		}
		if f.stale {
			want++
		}
	}
	if n != want {
		t.Errorf("RemoveStale says %d removed, want %d", n, want)
	}
	if _, err := RemoveStale(filepath.Join(root, "nope")); err == nil {
		t.Error("a missing root: no error")
	}
}

// TestPendingsShareBuffers: Pendings committed and aborted in turn, some at
// once, reuse write buffers without mixing their bytes; a Pending written
// after it is done fails.
func TestPendingsShareBuffers(t *testing.T) {
	dir := t.TempDir()
	var open []*Pending
	for i := range 20 {
		p, err := Create(filepath.Join(dir, "f"+strconv.Itoa(i)), 0o644)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(p, strings.Repeat(strconv.Itoa(i)+",", 1000*(i%3+1)))
		open = append(open, p)
		if i%4 == 3 { // finish a few while others are still open
			for j, q := range open {
				if (i+j)%5 == 0 {
					q.Abort()
				} else if err := q.Commit(); err != nil {
					t.Fatal(err)
				}
			}
			open = open[:0]
		}
	}
	for i := range 20 {
		b, err := os.ReadFile(filepath.Join(dir, "f"+strconv.Itoa(i)))
		if errors.Is(err, os.ErrNotExist) {
			continue // aborted
		}
		if want := strings.Repeat(strconv.Itoa(i)+",", 1000*(i%3+1)); err != nil || string(b) != want {
			t.Errorf("f%d: %d bytes, %v; want %d", i, len(b), err, len(want))
		}
	}
	p, err := Create(filepath.Join(dir, "late"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	p.Commit()
	if _, err := p.Write([]byte("x")); err == nil {
		t.Error("a write after Commit succeeded")
	}
}

// TestMode: outputs get the mode asked for, less what the umask removes.
func TestMode(t *testing.T) {
	umask, ok := processUmask()
	if !ok {
		t.Skip("no umask in /proc/self/status on this system")
	}
	dir := t.TempDir()
	for _, perm := range []os.FileMode{0o640, 0o664} {
		a := filepath.Join(dir, "a"+perm.String())
		if err := Write(a, perm, func(w io.Writer) error { return nil }); err != nil {
			t.Fatal(err)
		}
		b := filepath.Join(dir, "b"+perm.String())
		p, err := Create(b, perm)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Commit(); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{a, b} {
			fi, err := os.Stat(f)
			if err != nil {
				t.Fatal(err)
			}
			if m, want := fi.Mode().Perm(), perm&^umask; m != want {
				t.Errorf("%s: mode %v, want %v (%v less the umask %v)", filepath.Base(f), m, want, perm, umask)
			}
		}
	}
}

// processUmask reads the process's umask from /proc (Linux), without
// changing it as syscall.Umask would.
func processUmask() (os.FileMode, bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "Umask:"); ok {
			u, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32)
			return os.FileMode(u), err == nil
		}
	}
	return 0, false
}
