package objfile

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/symbolicate/symbolicate/process"
)

// genWith returns a generated image with a given UUID, CPU and file type.
func genWith(u process.UUID, cpu, sub, filetype uint32) []byte {
	g := &genImage{cpu: cpu, subcpu: sub, filetype: filetype, uuid: u, textAddr: 0x100000000, textSize: 0x2000,
		sections: append([]genSection{{seg: "__TEXT", name: "__text", addr: 0x100000f00, size: 0x300, flags: 0x80000400}},
			genDWARF(4, 0x100000000, true)...),
		symbols: []genSymbol{{name: "__Z5outerv", addr: 0x100001000, ext: true}}}
	return g.build()
}

func uuidN(n byte) process.UUID { return process.UUID{0xAA, 0xBB, n, 3: n, 15: n} }

func writeFile(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// buildTree lays out a symbols directory with an app and its dSYM, a fat
// framework, an Xcode DeviceSupport-style dylib, a shared cache, files that
// are not Mach-O, damaged files, and symbolic links (one looping).
func buildTree(t *testing.T) string {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Build/App.app/App"), genWith(uuidN(1), cpuARM64, 0, TypeExecute))
	writeFile(t, filepath.Join(dir, "Build/App.app.dSYM/Contents/Resources/DWARF/App"), genWith(uuidN(1), cpuARM64, 0, TypeDSYM))
	writeFile(t, filepath.Join(dir, "Build/App.app.dSYM/Contents/Info.plist"), []byte("<plist/>"))
	writeFile(t, filepath.Join(dir, "Frameworks/Multi.framework/Multi"), fatWrap(true, [][2]uint32{{cpuX86_64, 3}, {cpuARM64, 2}},
		genWith(uuidN(2), cpuX86_64, 3, TypeDylib), genWith(uuidN(3), cpuARM64, 2, TypeDylib)))
	writeFile(t, filepath.Join(dir, "DeviceSupport/18.0/Symbols/usr/lib/libfoo.dylib"), genWith(uuidN(4), cpuARM64, 2, TypeDylib))
	writeFile(t, filepath.Join(dir, "DeviceSupport/18.0/Symbols/System/Library/Caches/com.apple.dyld/dyld_shared_cache_arm64e"),
		append([]byte("dyld_v1  arm64e\x00"), make([]byte, 512)...))
	writeFile(t, filepath.Join(dir, "notes.txt"), []byte("not a binary at all"))
	writeFile(t, filepath.Join(dir, "Old.class"), []byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0x34, 1, 2, 3, 4})
	writeFile(t, filepath.Join(dir, "tiny"), []byte{0xcf})
	damaged := genWith(uuidN(5), cpuARM64, 0, TypeExecute)
	binary.LittleEndian.PutUint32(damaged[20:], 1<<30) // sizeofcmds
	writeFile(t, filepath.Join(dir, "damaged"), damaged)
	badSlice := genWith(uuidN(7), cpuARM64, 0, TypeDylib)
	binary.LittleEndian.PutUint32(badSlice[16:], 1000) // ncmds
	writeFile(t, filepath.Join(dir, "halfbad"), fatWrap(false, [][2]uint32{{cpuX86_64, 3}, {cpuARM64, 0}},
		genWith(uuidN(6), cpuX86_64, 3, TypeDylib), badSlice))
	for _, l := range [][2]string{
		{"Build/App.app/App", "link-to-app"},
		{".", "Frameworks/loop"},
		{"/nonexistent/target", "dangling"},
		{"Build", "Build-alias"},
	} {
		if err := os.Symlink(l[0], filepath.Join(dir, l[1])); err != nil {
			t.Skipf("symlinks unavailable: %v", err)
		}
	}
	return dir
}

func TestScanTree(t *testing.T) {
	dir := buildTree(t)
	ix, err := Scan(context.Background(), []string{dir, filepath.Join(dir, "missing-root")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ix.Entries() {
		rel, _ := filepath.Rel(dir, e.Path)
		got = append(got, rel+" "+e.Arch+" "+e.Kind.String())
	}
	want := []string{
		"Build/App.app/App arm64 binary",
		"Build/App.app.dSYM/Contents/Resources/DWARF/App arm64 dSYM",
		"DeviceSupport/18.0/Symbols/usr/lib/libfoo.dylib arm64e binary",
		"Frameworks/Multi.framework/Multi x86_64 binary",
		"Frameworks/Multi.framework/Multi arm64e binary",
		"halfbad x86_64 binary",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(ix.SharedCaches) != 1 || !strings.HasSuffix(ix.SharedCaches[0], "dyld_shared_cache_arm64e") {
		t.Errorf("shared caches %v", ix.SharedCaches)
	}
	var warned []string
	for _, w := range ix.Warnings {
		rel, _ := filepath.Rel(dir, w.Path)
		warned = append(warned, rel)
	}
	wantWarn := []string{"damaged", "halfbad", "missing-root"}
	if strings.Join(warned, ",") != strings.Join(wantWarn, ",") {
		t.Errorf("warnings on %v, want %v: %v", warned, wantWarn, ix.Warnings)
	}
	for _, w := range ix.Warnings {
		if strings.HasSuffix(w.Path, "halfbad") && !strings.Contains(w.Error(), "slice 1 (arm64)") {
			t.Errorf("halfbad warning does not name the slice: %v", w)
		}
	}

	// Lookups.
	m, err := ix.Find(uuidN(1), "arm64", "/private/var/containers/App.app/App")
	if err != nil || m.Binary == nil || m.DSYM == nil || m.Binary.Kind != KindBinary || m.DSYM.Kind != KindDSYM {
		t.Fatalf("Find app: %+v, %v", m, err)
	}
	if _, err := ix.Find(uuidN(1), "ARM64", ""); err != nil {
		t.Errorf("arch compare is case-sensitive: %v", err)
	}
	_, err = ix.Find(uuidN(1), "x86_64", "App")
	var me *MismatchError
	if !errors.As(err, &me) || !me.WrongArch || !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), "is in arm64, not x86_64") {
		t.Errorf("wrong arch: %v", err)
	}
	_, err = ix.Find(uuidN(9), "arm64", "/x/App")
	if !errors.As(err, &me) || me.WrongArch || len(me.Found) != 2 ||
		!strings.Contains(err.Error(), "found a binary and a dSYM named App but the image App has UUID "+uuidN(9).String()) ||
		!strings.Contains(err.Error(), uuidN(1).String()) {
		t.Errorf("wrong UUID: %v", err)
	}
	_, err = ix.Find(uuidN(9), "", "Nothing")
	var nf *NotFoundError
	if !errors.As(err, &nf) || !errors.Is(err, ErrNotFound) || errors.Is(err, ErrMismatch) {
		t.Errorf("not found: %v", err)
	}
	if es := ix.ByName("libfoo.dylib"); len(es) != 1 || es[0].UUID != uuidN(4) {
		t.Errorf("ByName: %v", es)
	}

	// A batch opens the files and answers.
	b := NewBatch(ix)
	im, err := b.Load(uuidN(1), "arm64", "App")
	if err != nil {
		t.Fatal(err)
	}
	if im.Binary == nil || im.DSYM == nil {
		t.Fatalf("image lacks binary or dSYM")
	}
	if got := formatFrames(im.Lookup(0x1024).Frames); len(got) != 3 || got[0] != "inner_fn 0x1020 /src/inc/h.h:3:5 inlined" {
		t.Errorf("lookup through batch: %q", got)
	}
	if _, err := b.Load(uuidN(1), "x86_64", "App"); !errors.Is(err, ErrMismatch) {
		t.Errorf("batch wrong arch: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Load(uuidN(3), "", ""); !errors.Is(err, ErrClosed) {
		t.Errorf("after close: %v", err)
	}
}

// TestBatchConcurrent asks for the same and different images from many
// goroutines: each file is opened once and each image built once.
func TestBatchConcurrent(t *testing.T) {
	dir := buildTree(t)
	ix, err := Scan(context.Background(), []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	b := NewBatch(ix)
	defer b.Close()
	var wg sync.WaitGroup
	ims := make([]*Image, 32)
	for i := range ims {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := uuidN(1)
			if i%2 == 1 {
				u = uuidN(3)
			}
			im, err := b.Load(u, "", "")
			if err != nil {
				t.Error(err)
				return
			}
			ims[i] = im
			for off := uint64(0xf00); off < 0x1200; off += 8 {
				im.Lookup(off)
			}
		}()
	}
	wg.Wait()
	for i := 2; i < len(ims); i++ {
		if ims[i] != ims[i%2] {
			t.Fatalf("image %d built twice", i)
		}
	}
	if len(b.files) != 3 {
		t.Errorf("%d files opened, want 3", len(b.files))
	}
}

func TestScanCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Scan(ctx, []string{t.TempDir()}); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v", err)
	}
}

func TestScanUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("permissions do not apply to root")
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "locked/App"), genWith(uuidN(1), cpuARM64, 0, TypeExecute))
	writeFile(t, filepath.Join(dir, "secret"), genWith(uuidN(2), cpuARM64, 0, TypeExecute))
	os.Chmod(filepath.Join(dir, "locked"), 0)
	os.Chmod(filepath.Join(dir, "secret"), 0)
	defer os.Chmod(filepath.Join(dir, "locked"), 0o755)
	ix, err := Scan(context.Background(), []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if ix.Len() != 0 || len(ix.Warnings) != 2 {
		t.Errorf("%d entries, warnings %v", ix.Len(), ix.Warnings)
	}
}

// TestScanCorpus indexes the whole Mach-O corpus: every UUID that
// SOURCES.md lists (from llvm-dwarfdump --uuid) is found with its arch.
func TestScanCorpus(t *testing.T) {
	ix := scanCorpus(t, "macho")
	want := map[string]string{
		"9A36CF20-3655-3DF2-B1E9-466C5CB0C9CC": "x86_64", "9C4F6A16-2C09-3562-BB25-16540BF8D6F6": "arm64",
		"D7CC0747-B895-340B-B98B-EA4D30BDC429": "x86_64", "9DDA3C1A-CAED-39D6-9575-9B2201640088": "arm64",
		"01D2A9D5-1F8A-35C8-9228-7C7CCA13C5FC": "x86_64", "562DB6C8-8D3C-3B67-9511-F3C108BDEAB2": "arm64",
		"82D13D98-219E-3040-B62A-07A297007A7C": "arm64", "67E9247C-814E-392B-A027-DBDE6748FCBF": "x86_64",
		"3F58BC3D-EABE-3361-B5FB-52A676298598": "x86_64", "EEA7FBFF-D8F1-3FD0-B455-779FE301D47E": "x86_64",
		"8F0FB349-EA1A-3AEE-AA7A-194B81E41A7D": "arm64e", "25114AE1-4AE9-3DBC-B3DE-7F9F9A5B45D2": "arm64",
		"DBF251B8-AC22-3AB3-9661-5AA438D48524": "x86_64", "E41329BD-E09A-37A5-9E92-F27B8C8E1F35": "arm64e",
		"8D4EAA5B-4166-331E-AFE0-693ADB829513": "armv7", "15B1CBBD-7321-3C5A-ABE6-9B4163F8275B": "arm64",
		"1247C03A-0CF0-3CDE-B127-26012A9D7372": "arm64", "C18E38BD-6C2E-3C64-8862-931F6710112E": "arm64",
		"9BE15724-9696-3002-82BF-A5A836624C6C": "arm64e", "8F44BF95-7EA1-3791-9349-49EF9CEF8135": "arm64",
		"D9910DB2-8771-3C88-845F-5FADD9D7A7D4": "arm64", "108C1083-EBE6-344C-82B1-B2CAA3C9D999": "arm64e",
		"D64D5DEC-2769-3B82-AD34-F38ABC9BF024": "arm64", "FC4AD1B9-1FD4-3FB7-AC3E-0239C3A7D115": "arm64",
		"18ABF908-C607-32F8-BE39-B5FC706D495B": "arm64", "3CD3E3CC-281E-3AF3-84EB-CDE6D56F0559": "arm64",
	}
	for s, arch := range want {
		if _, err := ix.Find(mustUUID(t, s), arch, ""); err != nil {
			t.Errorf("%s %s: %v", s, arch, err)
		}
	}
	if len(ix.SharedCaches) != 4 {
		t.Errorf("%d shared caches skipped, want 4", len(ix.SharedCaches))
	}
	// A dSYM with only accelerator tables indexes fine but has no DWARF.
	b := NewBatch(ix)
	defer b.Close()
	im, err := b.Load(mustUUID(t, "18ABF908-C607-32F8-BE39-B5FC706D495B"), "arm64", "")
	if err != nil {
		t.Fatal(err)
	}
	if im.HasDWARF() || im.DWARFErr() != nil {
		t.Errorf("libswiftCoreImage: HasDWARF %v, err %v", im.HasDWARF(), im.DWARFErr())
	}
}
