package output

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPlan(t *testing.T) {
	dir := t.TempDir()
	one := []Input{{Name: "/in/a.ips", Rel: "a.ips", Path: "/in/a.ips"}}
	two := append(one, Input{Name: "/in/sub/b.crash", Rel: "sub/b.crash", Path: "/in/sub/b.crash"})
	for _, c := range []struct {
		flag   string
		inputs []Input
		name   string
		want   string
	}{
		{"", one, "/in/a.ips", ""},
		{filepath.Join(dir, "out.ips"), one, "/in/a.ips", filepath.Join(dir, "out.ips")},
		{dir, one, "/in/a.ips", filepath.Join(dir, "a.symbolicated.txt")},
		{filepath.Join(dir, "new") + "/", one, "/in/a.ips", filepath.Join(dir, "new", "a.symbolicated.txt")},
		{filepath.Join(dir, "o"), two, "/in/sub/b.crash", filepath.Join(dir, "o", "sub", "b.symbolicated.txt")},
	} {
		p, err := New(c.flag, c.inputs, ".symbolicated", len(c.inputs) == 1)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Path(c.name, ".txt"); got != c.want || p.Stdout() != (c.want == "") {
			t.Errorf("-o %q, %d inputs: %q, want %q", c.flag, len(c.inputs), got, c.want)
		}
	}
}

// TestPlanMirrorsCollidingNames: two inputs with the same base name from
// different folders mirror their paths under -o instead of refusing.
func TestPlanMirrorsCollidingNames(t *testing.T) {
	out := t.TempDir()
	in := []Input{{Name: "/r/x/a.ips", Rel: "a.ips", Path: "/r/x/a.ips"}, {Name: "/r/y/z/a.ips", Rel: "a.ips", Path: "/r/y/z/a.ips"},
		{Name: "/r/y/b.ips", Rel: "b.ips", Path: "/r/y/b.ips"}}
	p, err := New(out, in, ".symbolicated", false)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"/r/x/a.ips": "x/a.symbolicated.txt", "/r/y/z/a.ips": "y/z/a.symbolicated.txt", "/r/y/b.ips": "y/b.symbolicated.txt"} {
		if got := p.Path(name, ".txt"); got != filepath.Join(out, want) {
			t.Errorf("%s -> %s, want %s", name, got, want)
		}
	}
	// The same input path twice still cannot be written twice.
	if _, err := New(out, []Input{{Name: "1", Rel: "a.ips", Path: "/r/a.ips"}, {Name: "2", Rel: "a.ips", Path: "/r/a.ips"}}, "", false); err == nil ||
		!strings.Contains(err.Error(), "1 and 2") {
		t.Errorf("err = %v, want a collision naming both inputs", err)
	}
}

// TestPlanDirectoryWhenNotOneFile: a directory argument, a glob or several
// inputs make -o a directory even when one input was found.
func TestPlanDirectoryWhenNotOneFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "new")
	p, err := New(out, []Input{{Name: "/d/a.ips", Rel: "a.ips", Path: "/d/a.ips"}}, ".symbolicated", false)
	if err != nil || p.Path("/d/a.ips", ".ips") != filepath.Join(out, "a.symbolicated.ips") {
		t.Fatalf("%v, %q", err, p.Path("/d/a.ips", ".ips"))
	}
}

func TestWriteCreatesDirectory(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a", "b", "c.txt")
	if err := Write(p, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "hi" {
		t.Errorf("wrote %q", b)
	}
}

// TestPlanKeepsExtensionsThatDiffer: x.ips beside x.crash keep their
// extensions rather than collide.
func TestPlanKeepsExtensionsThatDiffer(t *testing.T) {
	out := t.TempDir()
	p, err := New(out, []Input{{Name: "/d/x.ips", Rel: "x.ips", Path: "/d/x.ips"}, {Name: "/d/x.crash", Rel: "x.crash", Path: "/d/x.crash"}}, ".symbolicated", false)
	if err != nil || p.Path("/d/x.crash", ".txt") != filepath.Join(out, "x.crash.symbolicated.txt") {
		t.Fatalf("%v %q", err, p.Path("/d/x.crash", ".txt"))
	}
}

// TestPlanCreateRemakesVanishedDirectory: directories are made once per
// plan, and made again when one is removed while the batch runs.
func TestPlanCreateRemakesVanishedDirectory(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	var ins []Input
	for _, n := range []string{"a", "b", "c"} {
		ins = append(ins, Input{Name: "/d/sub/" + n + ".ips", Rel: "sub/" + n + ".ips", Path: "/d/sub/" + n + ".ips"})
	}
	p, err := New(out, ins, "", false)
	if err != nil {
		t.Fatal(err)
	}
	write := func(in Input) {
		t.Helper()
		s, err := p.Create(in.Name, ".txt")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Write([]byte(in.Rel)); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	write(ins[0])
	write(ins[1])
	if err := os.RemoveAll(filepath.Join(out, "sub")); err != nil {
		t.Fatal(err)
	}
	write(ins[2])
	if b, err := os.ReadFile(filepath.Join(out, "sub", "c.txt")); err != nil || string(b) != "sub/c.ips" {
		t.Fatalf("c.txt: %q, %v", b, err)
	}
}
