package objfile

import (
	"strings"
	"testing"
)

// TestGoldenPairsAndBinaries checks answers for the dSYM pairs and the
// symbol-table-only binaries that do not depend on llvm-symbolizer being
// installed. The expected values were produced with llvm-symbolizer 19.1.7
// (--output-style=JSON on the file address; frames, file, line, column),
// llvm-nm -n and llvm-objdump --macho --function-starts / --exports-trie;
// TestLLVMSymbolizerAgreement and TestLLVMSymbolizerBinaries repeat the
// comparison on hundreds of addresses when the tool is present.
func TestGoldenPairsAndBinaries(t *testing.T) {
	ix := scanCorpus(t, "macho/testbins")
	b := NewBatch(ix)
	defer b.Close()
	for _, c := range []struct {
		uuid, arch string
		pair       bool   // binary and dSYM both expected
		offset     uint64 // from the load address
		want       string // innermost first, "function start file:line:col"
	}{
		// twocall: binary + twocall.dSYM (llvm-symbolizer 0x100003f64, 0x100003f80, 0x100003f90).
		{"1247C03A-0CF0-3CDE-B127-26012A9D7372", "arm64", true, 0x3f64, "main 0x3f64 /Users/pancake/prg/radare2/test/bins/mach0/twocall.c:2:0"},
		{"1247C03A-0CF0-3CDE-B127-26012A9D7372", "arm64", true, 0x3f80, "main 0x3f64 /Users/pancake/prg/radare2/test/bins/mach0/twocall.c:3:2"},
		{"1247C03A-0CF0-3CDE-B127-26012A9D7372", "arm64", true, 0x3f90, "main 0x3f64 /Users/pancake/prg/radare2/test/bins/mach0/twocall.c:5:1"},
		// dwarf-aout: a line-0 row at 0x100003f7c.
		{"15B1CBBD-7321-3C5A-ABE6-9B4163F8275B", "arm64", true, 0x3f64, "main 0x3f64 /Users/pancake/hello.c:2:0"},
		{"15B1CBBD-7321-3C5A-ABE6-9B4163F8275B", "arm64", true, 0x3f7c, "main 0x3f64 /Users/pancake/hello.c:0:0"},
		// TestRTTI-armv7: 32-bit ARM, __TEXT at 0x4000, loose dSYM file.
		{"8D4EAA5B-4166-331E-AFE0-693ADB829513", "armv7", true, 0xa0bc - 0x4000, "-[ViewController viewDidLoad] 0x60bc /Users/ftamagni/src/TestRTTI/TestRTTI/ViewController.m:17:0"},
		{"8D4EAA5B-4166-331E-AFE0-693ADB829513", "armv7", true, 0xa0d0 - 0x4000, "-[ViewController viewDidLoad] 0x60bc /Users/ftamagni/src/TestRTTI/TestRTTI/ViewController.m:17:0"},
		{"8D4EAA5B-4166-331E-AFE0-693ADB829513", "armv7", true, 0xa150 - 0x4000, "-[AppDelegate application:configurationForConnectingSceneSession:options:] 0x6134 /Users/ftamagni/src/TestRTTI/TestRTTI/AppDelegate.m:27:0"},
		// mangled: symbol table only (llvm-nm: __Z3fooi at 0x100003edc, __Z3fooii at ...ef4, _main at ...f2c).
		{"D9910DB2-8771-3C88-845F-5FADD9D7A7D4", "arm64", false, 0x3edc, "_Z3fooi 0x3edc :0:0"},
		{"D9910DB2-8771-3C88-845F-5FADD9D7A7D4", "arm64", false, 0x3ef8, "_Z3fooii 0x3ef4 :0:0"},
		{"D9910DB2-8771-3C88-845F-5FADD9D7A7D4", "arm64", false, 0x3f30, "main 0x3f2c :0:0"},
		// swift-main3: a local symbol (llvm-nm "t ___swift_instantiateConcreteTypeFromMangledName").
		{"D64D5DEC-2769-3B82-AD34-F38ABC9BF024", "arm64", false, 0x3f30, "__swift_instantiateConcreteTypeFromMangledName 0x3f24 :0:0"},
		// ls (stripped, arm64e): LC_FUNCTION_STARTS gives 0x1000037f8, 0x100003804, …
		{"E41329BD-E09A-37A5-9E92-F27B8C8E1F35", "arm64e", false, 0x37f8, "func_1000037f8 0x37f8 :0:0"},
		{"E41329BD-E09A-37A5-9E92-F27B8C8E1F35", "arm64e", false, 0x3810, "func_100003804 0x3804 :0:0"},
		{"E41329BD-E09A-37A5-9E92-F27B8C8E1F35", "arm64e", false, 0x37f0, "_mh_execute_header 0x0 :0:0"}, // the header area, before __text
		// libswiftCoreFoundation: __TEXT at 0 (export trie and symbol table agree).
		{"25114AE1-4AE9-3DBC-B3DE-7F9F9A5B45D2", "arm64", false, 0x7bac, "$s14CoreFoundation9_CFObjectPAAE9hashValueSivg 0x7bac :0:0"},
	} {
		im, err := b.Load(mustUUID(t, c.uuid), c.arch, "")
		if err != nil {
			t.Fatalf("%s: %v", c.uuid, err)
		}
		if c.pair != (im.Binary != nil && im.DSYM != nil) {
			t.Errorf("%s: binary %v dSYM %v", c.uuid, im.Binary != nil, im.DSYM != nil)
		}
		fs := im.Lookup(c.offset).Frames
		got := formatFrames(fs)
		if strings.Join(got, "; ") != c.want {
			t.Errorf("%s+%#x: %q, want %q", c.uuid, c.offset, strings.Join(got, "; "), c.want)
		}
		if len(fs) == 1 && strings.HasPrefix(c.want, "func_") != fs[0].Synthetic {
			t.Errorf("%s+%#x: Synthetic %v", c.uuid, c.offset, fs[0].Synthetic)
		}
	}
}
