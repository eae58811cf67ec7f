package objfile

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/symbolicate/symbolicate/diag"
)

// answer is a lookup result in comparable form.
func answer(r Result) string {
	s := strings.Join(formatFrames(r.Frames), "\n")
	if r.Warning != nil {
		s += "\nwarning: " + r.Warning.Error()
	}
	return s
}

// genImageFile writes a generated test image to a file and opens it.
func genImageFile(t *testing.T, version int, withAranges bool) (*Image, string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), fmt.Sprintf("gen-v%d-%v", version, withAranges))
	if err := os.WriteFile(p, genTestImage(version, 0x100000000, TypeDSYM, withAranges), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	im, err := NewImage(nil, f.Slices[0])
	if err != nil {
		t.Fatal(err)
	}
	return im, p
}

// withIndex writes im's DWARF index and returns a fresh Image of the same
// slice that answers from it.
func withIndex(t *testing.T, im *Image) *Image {
	t.Helper()
	dir := t.TempDir()
	if err := im.WriteDWARFIndex(dir); err != nil {
		t.Fatal(err)
	}
	ix := reopen(t, im)
	if err := ix.UseDWARFIndex(dir); err != nil {
		t.Fatal(err)
	}
	return ix
}

// reopen returns a fresh Image of the same slice, with no state.
func reopen(t *testing.T, im *Image) *Image {
	t.Helper()
	fresh, err := NewImage(im.Binary, im.DSYM)
	if err != nil {
		t.Fatal(err)
	}
	return fresh
}

// sameAnswers checks that an indexed image answers every offset as the
// image parsing its DWARF does.
func sameAnswers(t *testing.T, plain, indexed *Image, offsets []uint64) {
	t.Helper()
	if !indexed.HasDWARFIndex() {
		t.Fatal("the index was not used")
	}
	bad := 0
	for _, off := range offsets {
		if a, b := answer(plain.Lookup(off)), answer(indexed.Lookup(off)); a != b {
			if bad++; bad <= 5 {
				t.Errorf("%#x:\n parsed: %s\nindexed: %s", off, a, b)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d offsets differ", bad, len(offsets))
	}
}

// TestDWARFIndexGenerated: every offset of the generated images (DWARF 4
// and 5, with and without aranges, inlined calls, gaps) is answered from
// the index exactly as from the DWARF.
func TestDWARFIndexGenerated(t *testing.T) {
	for _, version := range []int{4, 5} {
		for _, aranges := range []bool{true, false} {
			t.Run(fmt.Sprintf("v%d/aranges=%v", version, aranges), func(t *testing.T) {
				im, _ := genImageFile(t, version, aranges)
				ix := withIndex(t, im)
				var offs []uint64
				for off := uint64(0); off < 0x2000; off += 2 {
					offs = append(offs, off)
				}
				sameAnswers(t, im, ix, offs)
				if ix.dw != nil {
					t.Error("the indexed image parsed its DWARF")
				}
				for off, want := range genExpect {
					if got := formatFrames(ix.Lookup(off).Frames); strings.Join(got, "\n") != strings.Join(want, "\n") {
						t.Errorf("%#x: %q, want %q", off, got, want)
					}
				}
			})
		}
	}
}

// TestDWARFIndexCorpus does the same on the corpus's largest dSYMs, at the
// benchmark's 2,000 addresses each.
func TestDWARFIndexCorpus(t *testing.T) {
	for _, c := range benchCases {
		t.Run(c.name, func(t *testing.T) {
			im, _, addrs := benchImage(t, c.rel, c.uuid)
			ix := withIndex(t, im)
			var offs []uint64
			for _, a := range addrs {
				offs = append(offs, a-im.TextAddr)
			}
			sameAnswers(t, im, ix, offs)
		})
	}
}

// TestDWARFIndexRejected: an index that is damaged, truncated, of another
// slice, or older than its DWARF file is refused with a *DWARFIndexError
// naming why, and the image answers from its DWARF as before.
func TestDWARFIndexRejected(t *testing.T) {
	im, path := genImageFile(t, 5, true)
	dir := t.TempDir()
	if err := im.WriteDWARFIndex(dir); err != nil {
		t.Fatal(err)
	}
	ixPath := filepath.Join(dir, DWARFIndexName(im.UUID, im.Arch))
	good, err := os.ReadFile(ixPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, want string
		damage     func() error
	}{
		{"flipped byte", "checksum", func() error {
			b := append([]byte(nil), good...)
			b[len(b)-3] ^= 0x40
			return os.WriteFile(ixPath, b, 0o644)
		}},
		{"truncated", "payload of", func() error { return os.WriteFile(ixPath, good[:len(good)-9], 0o644) }},
		{"not an index", "not a DWARF index", func() error { return os.WriteFile(ixPath, []byte("hello"), 0o644) }},
		{"another version", "version 99", func() error {
			b := append([]byte(nil), good...)
			b[8] = 99
			return os.WriteFile(ixPath, b, 0o644)
		}},
		{"another UUID", "another UUID", func() error {
			b := append([]byte(nil), good...)
			b[16] ^= 1
			return os.WriteFile(ixPath, b, 0o644)
		}},
		{"DWARF file touched", "changed", func() error {
			if err := os.WriteFile(ixPath, good, 0o644); err != nil {
				return err
			}
			later := time.Now().Add(time.Hour)
			return os.Chtimes(path, later, later)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.damage(); err != nil {
				t.Fatal(err)
			}
			ix := reopen(t, im)
			err := ix.UseDWARFIndex(dir)
			if _, ok := errors.AsType[*DWARFIndexError](err); !ok || !strings.Contains(err.Error(), tc.want) || ix.HasDWARFIndex() {
				t.Fatalf("UseDWARFIndex: %v; want a *DWARFIndexError saying %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), "`symbolicate index --symbols`") {
				t.Errorf("the refusal does not say how to rewrite the index: %v", err)
			}
			for off, want := range genExpect {
				if got := formatFrames(ix.Lookup(off).Frames); strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Errorf("%#x after a refused index: %q, want %q", off, got, want)
				}
			}
		})
	}
	// No index at all is not an error.
	if err := reopen(t, im).UseDWARFIndex(t.TempDir()); err != nil {
		t.Errorf("no index: %v", err)
	}
}

// TestDWARFIndexDamagedUnit: a unit whose records point out of bounds (in
// a file whose checksum is right, so only the unit's own checks can catch
// it) is caught at its first lookup: that lookup warns, naming the unit,
// and the other units answer as from the DWARF.
func TestDWARFIndexDamagedUnit(t *testing.T) {
	c := benchCases[2] // CrashLibiOS: many compile units
	im, _, _ := benchImage(t, c.rel, c.uuid)
	dir := t.TempDir()
	if err := im.WriteDWARFIndex(dir); err != nil {
		t.Fatal(err)
	}
	ixPath := filepath.Join(dir, DWARFIndexName(im.UUID, im.Arch))
	b, err := os.ReadFile(ixPath)
	if err != nil {
		t.Fatal(err)
	}
	k, err := dwarfKeyOf(im.dwarfSlice())
	if err != nil {
		t.Fatal(err)
	}
	tab, err := decodeTables(b, k)
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.us) < 2 {
		t.Fatalf("%s has %d units; the test needs two", c.name, len(tab.us))
	}
	// Function 0 (unit 0's first) gets a parent far out of its unit.
	p := append([]byte(nil), b[dwarfHeaderSize:]...)
	fns := 4 + len(tab.units.r)*rangeRecSize + 4 + len(tab.us)*unitRecSize + 4
	binary.LittleEndian.PutUint32(p[fns+12:], 1<<30)
	if err := os.WriteFile(ixPath, append(dwarfHeader(k, p), p...), 0o644); err != nil {
		t.Fatal(err)
	}
	ix := reopen(t, im)
	if err := ix.UseDWARFIndex(dir); err != nil || !ix.HasDWARFIndex() {
		t.Fatalf("UseDWARFIndex: %v (the damage is in a unit, found at its first use)", err)
	}
	damaged, other := 0, 0
	for _, r := range tab.units.r {
		off := r.lo - im.TextAddr
		got := ix.Lookup(off)
		if r.idx == 0 {
			damaged++
			if got.Warning == nil || !strings.Contains(got.Warning.Error(), "compile unit 0: function out of bounds") {
				t.Errorf("%#x in the damaged unit: warning %v", off, got.Warning)
			}
			continue
		}
		other++
		if a, b := answer(im.Lookup(off)), answer(got); a != b {
			t.Errorf("%#x in unit %d:\n parsed: %s\nindexed: %s", off, r.idx, a, b)
		}
	}
	if damaged == 0 || other == 0 {
		t.Fatalf("%d lookups in the damaged unit, %d in others", damaged, other)
	}
}

// FuzzDWARFIndex feeds damaged index payloads (with a valid header and
// checksum, so that the decoder's own checks are what is tested) and looks
// up addresses in whatever decodes: nothing may panic.
func FuzzDWARFIndex(f *testing.F) {
	f.Add([]byte{})
	for _, v := range []int{4, 5} {
		p := filepath.Join(f.TempDir(), fmt.Sprint(v))
		os.WriteFile(p, genTestImage(v, 0x100000000, TypeDSYM, v == 4), 0o644)
		file, err := Open(p)
		if err != nil {
			f.Fatal(err)
		}
		im, _ := NewImage(nil, file.Slices[0])
		dw, err := im.dwarf()
		if err != nil {
			f.Fatal(err)
		}
		tab, err := dw.tables()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(encodeTables(tab, dwarfKey{})[dwarfHeaderSize:])
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		tables, err := decodeTables(append(dwarfHeader(dwarfKey{}, payload), payload...), dwarfKey{})
		if err != nil {
			return
		}
		for i := range tables.us {
			tables.unit(int32(i)) // every unit decoded and checked
		}
		for addr := uint64(0x100000000); addr < 0x100002000; addr += 7 {
			tables.lookup(addr)
		}
	})
}

// TestBatchTellsOfRefusedIndex: a batch given OnRefusedIndex calls it once
// for an index it cannot use, when the image is opened, and keeps it for
// WriteDWARFIndexes to report; a good index calls nothing.
func TestBatchTellsOfRefusedIndex(t *testing.T) {
	im, path := genImageFile(t, 5, true)
	dir := t.TempDir()
	if err := im.WriteDWARFIndex(dir); err != nil {
		t.Fatal(err)
	}
	load := func() []diag.Diagnostic {
		t.Helper()
		ix, err := Scan(context.Background(), []string{path})
		if err != nil {
			t.Fatal(err)
		}
		b := NewBatch(ix)
		defer b.Close()
		b.UseDWARFIndexes(dir)
		var mu sync.Mutex
		var heard []diag.Diagnostic
		b.OnRefusedIndex(func(d diag.Diagnostic) { mu.Lock(); heard = append(heard, d); mu.Unlock() })
		for range 2 {
			if _, err := b.Load(im.UUID, im.Arch, ""); err != nil {
				t.Fatal(err)
			}
		}
		if kept := b.WriteDWARFIndexes(t.TempDir(), true); len(kept) != len(heard) {
			t.Errorf("%d diagnostics kept, %d heard", len(kept), len(heard))
		}
		return heard
	}
	if heard := load(); len(heard) != 0 {
		t.Fatalf("a good index: heard %v", heard)
	}
	p := filepath.Join(dir, DWARFIndexName(im.UUID, im.Arch))
	b, _ := os.ReadFile(p)
	b[len(b)-3] ^= 0x40
	os.WriteFile(p, b, 0o644)
	heard := load()
	if len(heard) != 1 || heard[0].Code != diag.UnusableIndex || !strings.Contains(heard[0].String(), "checksum") {
		t.Fatalf("a damaged index: heard %v", heard)
	}
}
