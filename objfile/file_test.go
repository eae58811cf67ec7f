package objfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/symbolicate/symbolicate/internal/corpus"
)

func TestArchName(t *testing.T) {
	for _, c := range []struct {
		cpu, sub uint32
		want     string
	}{
		{cpuARM64, 0, "arm64"},
		{cpuARM64, 1, "arm64v8"},
		{cpuARM64, 2, "arm64e"},
		{cpuARM64, 0x80000002, "arm64e"}, // CPU_SUBTYPE_PTRAUTH_ABI capability bit
		{cpuARM64, 0xc0000002, "arm64e"},
		{cpuARM6432, 1, "arm64_32"},
		{cpuX86_64, 3, "x86_64"},
		{cpuX86_64, 0x80000003, "x86_64"}, // CPU_SUBTYPE_LIB64
		{cpuX86_64, 8, "x86_64h"},
		{cpuX86, 3, "i386"},
		{cpuARM, 9, "armv7"},
		{cpuARM, 11, "armv7s"},
		{cpuARM, 12, "armv7k"},
		{cpuARM, 6, "armv6"},
		{cpuPPC, 0, "ppc"},
		{cpuARM64, 7, "cpu16777228/7"},
		{99, 1, "cpu99/1"},
	} {
		if got := ArchName(c.cpu, c.sub); got != c.want {
			t.Errorf("ArchName(%#x, %#x) = %q, want %q", c.cpu, c.sub, got, c.want)
		}
	}
	if !ArchMatches("arm64e", "") || !ArchMatches("arm64e", "ARM64E") || ArchMatches("arm64", "arm64e") {
		t.Error("ArchMatches")
	}
}

// TestOpenCorpusFat checks slices of real universal files against the
// UUIDs llvm-dwarfdump reports (SOURCES.md).
func TestOpenCorpusFat(t *testing.T) {
	for _, c := range []struct {
		rel   string
		want  []string
		kinds Kind
	}{
		{"macho/macsymbolicator/bin/AnotherTarget.framework/Versions/A/AnotherTarget",
			[]string{"x86_64 9A36CF20-3655-3DF2-B1E9-466C5CB0C9CC", "arm64 9C4F6A16-2C09-3562-BB25-16540BF8D6F6"}, KindBinary},
		{"macho/macsymbolicator/dsym/CrashingTest.dSYM/Contents/Resources/DWARF/CrashingTest",
			[]string{"x86_64 01D2A9D5-1F8A-35C8-9228-7C7CCA13C5FC", "arm64 562DB6C8-8D3C-3B67-9511-F3C108BDEAB2"}, KindDSYM},
		{"macho/testbins/apple/ls-sequoia",
			[]string{"x86_64 DBF251B8-AC22-3AB3-9661-5AA438D48524", "arm64e E41329BD-E09A-37A5-9E92-F27B8C8E1F35"}, KindBinary},
		{"macho/testbins/misc/TrollStore",
			[]string{"arm64 C18E38BD-6C2E-3C64-8862-931F6710112E", "arm64e 9BE15724-9696-3002-82BF-A5A836624C6C"}, KindBinary},
		{"macho/testbins/dsym-pairs/TestRTTI-armv7/TestRTTI-armv7-dSYM", []string{"armv7 8D4EAA5B-4166-331E-AFE0-693ADB829513"}, KindDSYM},
		{"macho/testbins/misc/objc-employee-ios14-arm64e", []string{"arm64e 108C1083-EBE6-344C-82B1-B2CAA3C9D999"}, KindBinary},
	} {
		f, err := Open(corpus.Path(t, c.rel))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range f.Slices {
			got = append(got, s.Arch+" "+s.UUID.String())
			if s.Kind != c.kinds || !s.HasUUID {
				t.Errorf("%s: slice %s kind %v", c.rel, s.Arch, s.Kind)
			}
			if s.File() != f || uint64(len(s.Data())) != s.Size || s.MachO() == nil {
				t.Errorf("%s: slice accessors", c.rel)
			}
		}
		if !slices.Equal(got, c.want) || f.Fat != (len(c.want) > 1) || len(f.Warnings) > 0 {
			t.Errorf("%s: %v (fat %v, warnings %v), want %v", c.rel, got, f.Fat, f.Warnings, c.want)
		}
		if err := f.Close(); err != nil || f.Close() != nil {
			t.Errorf("close: %v", err)
		}
	}
}

func TestOpenFormats(t *testing.T) {
	thinA := genWith(uuidN(1), cpuX86_64, 3, TypeExecute)
	thinB := genWith(uuidN(2), cpuARM64, 2, TypeExecute)
	for _, is64 := range []bool{false, true} {
		data := fatWrap(is64, [][2]uint32{{cpuX86_64, 3}, {cpuARM64, 2}}, thinA, thinB)
		f, err := NewFile("fat", data)
		if err != nil {
			t.Fatalf("fat64=%v: %v", is64, err)
		}
		if !f.Fat || len(f.Slices) != 2 || f.Slices[1].Arch != "arm64e" || f.Slices[1].UUID != uuidN(2) ||
			f.Slice(uuidN(2)) != f.Slices[1] || f.Slice(uuidN(9)) != nil || f.Slices[1].Index != 1 {
			t.Errorf("fat64=%v: %+v", is64, f.Slices)
		}
		if !bytes.Equal(f.Slices[0].Data(), thinA) {
			t.Errorf("fat64=%v: slice 0 bytes differ", is64)
		}
	}
	// Big-endian thin header (PowerPC).
	be := bytes.Clone(genWith(uuidN(3), cpuPPC, 0, TypeExecute)[:32])
	for i := 0; i < 32; i += 4 {
		binary.BigEndian.PutUint32(be[i:], binary.LittleEndian.Uint32(be[i:]))
	}
	binary.BigEndian.PutUint32(be[16:], 0) // no load commands
	binary.BigEndian.PutUint32(be[20:], 0)
	if f, err := NewFile("ppc", be); err != nil || f.Slices[0].Arch != "ppc" || f.Slices[0].HasUUID {
		t.Errorf("big-endian: %v", err)
	}

	for _, c := range []struct {
		name string
		data []byte
		want error
	}{
		{"java class", []byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0x34, 0, 0, 0, 0}, ErrNotMachO},
		{"text", []byte("hello, world"), ErrNotMachO},
		{"empty", nil, ErrNotMachO},
		{"dyld cache", []byte("dyld_v1   arm64\x00"), ErrSharedCache},
	} {
		if _, err := NewFile(c.name, c.data); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}

	// A fat table pointing past the end of the file.
	bad := fatWrap(false, [][2]uint32{{cpuARM64, 0}}, thinB)
	binary.BigEndian.PutUint32(bad[8+12:], uint32(len(bad))) // size
	if _, err := NewFile("bad", bad); err == nil {
		t.Error("slice past end: no error")
	}
	// One good and one damaged slice: the good one is kept with a warning.
	damaged := bytes.Clone(thinB)
	binary.LittleEndian.PutUint32(damaged[16:], 5000)
	f, err := NewFile("half", fatWrap(true, [][2]uint32{{cpuX86_64, 3}, {cpuARM64, 2}}, thinA, damaged))
	if err != nil || len(f.Slices) != 1 || len(f.Warnings) != 1 {
		t.Errorf("half-damaged fat: %v %d slices %v", err, len(f.Slices), f.Warnings)
	}
	// The fat table and the header disagree about the CPU.
	f, err = NewFile("liar", fatWrap(false, [][2]uint32{{cpuX86_64, 3}}, thinB))
	if err != nil || len(f.Warnings) != 1 || f.Slices[0].Arch != "arm64e" {
		t.Errorf("fat table CPU mismatch: %v %v", err, f.Warnings)
	}
}

// TestNewImageMismatch refuses to pair slices of different images.
func TestNewImageMismatch(t *testing.T) {
	a, _ := NewFile("a", genWith(uuidN(1), cpuARM64, 0, TypeExecute))
	b, _ := NewFile("b", genWith(uuidN(2), cpuARM64, 0, TypeDSYM))
	if _, err := NewImage(a.Slices[0], b.Slices[0]); !errors.Is(err, ErrMismatch) {
		t.Errorf("got %v", err)
	}
	if _, err := NewImage(nil, nil); err == nil {
		t.Error("no slices: no error")
	}
}

// TestImageConcurrentLookups looks up addresses across many compile units
// of a real dSYM from several goroutines at once and compares with
// sequential answers (run with -race).
func TestImageConcurrentLookups(t *testing.T) {
	rel := "macho/symbolic/crashprobe/dSYMs/38BD5E0B-A9B8-383D-8C2F-4D87E20F867B.dSYM"
	u := mustUUID(t, "38BD5E0B-A9B8-383D-8C2F-4D87E20F867B")
	seq, err := OpenImage(u, corpus.Path(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	defer seq.Close()
	addrs := sampleAddrs(t, seq, 300)
	want := make([]string, len(addrs))
	for i, a := range addrs {
		want[i] = fmt.Sprint(seq.Lookup(a - seq.TextAddr))
	}
	par, err := OpenImage(u, corpus.Path(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	defer par.Close()
	var wg sync.WaitGroup
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(addrs)*2; i += 3 {
				j := i % len(addrs)
				if got := fmt.Sprint(par.Lookup(addrs[j] - par.TextAddr)); got != want[j] {
					t.Errorf("%#x: %s, sequentially %s", addrs[j], got, want[j])
				}
			}
		}()
	}
	wg.Wait()
}
