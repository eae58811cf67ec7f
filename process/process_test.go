package process

import (
	"reflect"
	"testing"
)

func TestUUIDAndBuildID(t *testing.T) {
	u, err := ParseUUID("82d13d98219e3040b62a07a297007a7c")
	if err != nil || u.String() != "82D13D98-219E-3040-B62A-07A297007A7C" {
		t.Fatalf("ParseUUID: %v %v", u, err)
	}
	if d, err := ParseUUID("82D13D98-219E-3040-B62A-07A297007A7C"); err != nil || d != u {
		t.Errorf("ParseUUID with dashes, upper case: %v %v", d, err)
	}
	for _, bad := range []string{"", "82d13d98", "zz" + "d13d98219e3040b62a07a297007a7c", "82d13d98219e3040b62a07a297007a7c00", "82d13d98219e3040b62a07a297007a7 ", "82D13D98-219E-3040-B62A-07A297007A7G", "82D13D98-219E-3040-B62A-07A297007A7-"} {
		if _, err := ParseUUID(bad); err == nil {
			t.Errorf("ParseUUID(%q) accepted", bad)
		}
	}
	id := UUIDBuildID(u)
	if back, ok := id.UUID(); !ok || back != u || id.String() != u.String() {
		t.Errorf("UUID round trip: %v %v %q", back, ok, id)
	}
	if UUIDBuildID(UUID{}) != "" {
		t.Error("the zero UUID is a build ID")
	}
	elf := BuildID([]byte{0xde, 0xad, 0xbe, 0xef, 1})
	if _, ok := elf.UUID(); ok || elf.String() != "deadbeef01" {
		t.Errorf("ELF build ID: %q", elf.String())
	}
}

func TestListedDropsAbsoluteAndSorts(t *testing.T) {
	p := &Process{Images: []Image{{Name: "b", Base: 0x2000}, {Name: "A", Kind: Absolute}, {Name: "a", Base: 0x1000}}}
	got := p.Listed()
	if names(got) != "a b" || len(p.Images) != 3 {
		t.Errorf("listed %q; the original has %d images", names(got), len(p.Images))
	}
	// Already in order, with unplaced cache images where the cache is: kept.
	p = &Process{Images: []Image{{Name: "x", Base: 0x1000}, {Name: "c#0", Kind: Unplaced}, {Name: "y", Base: 0x3000}}}
	if got := p.Listed(); !reflect.DeepEqual(got.Images, p.Images) {
		t.Errorf("an ordered list was reordered: %q", names(got))
	}
}

func names(p *Process) string {
	s := ""
	for i, im := range p.Images {
		if i > 0 {
			s += " "
		}
		s += im.Name
	}
	return s
}

func TestImageLabelAndSourceName(t *testing.T) {
	for _, c := range []struct {
		im   Image
		want string
	}{{Image{Name: "n", Path: "/p/q"}, "n"}, {Image{Path: `C:\x\y.dll`}, "y.dll"}, {Image{}, "???"}} {
		if got := c.im.Label(); got != c.want {
			t.Errorf("Label(%+v) = %q, want %q", c.im, got, c.want)
		}
	}
	for in, want := range map[string]string{"/src/a/File.swift": "File.swift", "/<compiler-generated>": "<compiler-generated>",
		`C:\src\x.c`: "x.c", "plain.c": "plain.c", "dir/": "dir/"} {
		if got := SourceName(in, false); got != want || SourceName(in, true) != in {
			t.Errorf("SourceName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCacheRefContains(t *testing.T) {
	var none *CacheRef
	c := &CacheRef{Base: 0x1000, Size: 0x100}
	open := &CacheRef{Base: 0x1000}
	if none.Contains(0x1000) || !c.Contains(0x1000) || !c.Contains(0x10ff) || c.Contains(0x1100) || c.Contains(0xfff) ||
		!open.Contains(1<<40) || open.Contains(0xfff) {
		t.Error("Contains")
	}
}
