package output

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPlan(t *testing.T) {
	dir := t.TempDir()
	one := []Input{{Name: "/in/a.ips", Rel: "a.ips"}}
	two := append(one, Input{Name: "/in/sub/b.crash", Rel: "sub/b.crash"})
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
		p, err := New(c.flag, c.inputs, ".symbolicated")
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Path(c.name, ".txt"); got != c.want || p.Stdout() != (c.want == "") {
			t.Errorf("-o %q, %d inputs: %q, want %q", c.flag, len(c.inputs), got, c.want)
		}
	}
}

func TestPlanCollision(t *testing.T) {
	_, err := New(t.TempDir(), []Input{{Name: "x/a.ips", Rel: "a.ips"}, {Name: "y/a.ips", Rel: "a.ips"}}, "")
	if err == nil || !strings.Contains(err.Error(), "x/a.ips and y/a.ips") {
		t.Fatalf("err = %v, want a collision naming both inputs", err)
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
