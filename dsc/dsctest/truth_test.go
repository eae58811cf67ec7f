package dsctest_test

import (
	"encoding/binary"
	"testing"

	"github.com/symbolicate/symbolicate/dsc/dsctest"
)

// TestTruthMatchesFiles reads every generated cache back with the
// independent reader and checks that what a symbolicator can find in the
// files (symtab, local symbols, export trie, function starts, code bytes) is
// exactly the ground truth the generator returned.
func TestTruthMatchesFiles(t *testing.T) {
	for _, cfg := range generatedConfigs {
		t.Run(configName(cfg), func(t *testing.T) {
			gc, err := dsctest.Generate(t.TempDir(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			c, err := scan(gc.MainPath)
			if err != nil {
				t.Fatal(err)
			}
			checkTruth(t, c, gc)
		})
	}
}

func checkTruth(t *testing.T, c *scanCache, gc *dsctest.Cache) {
	t.Helper()
	locals, _, err := c.localSymbols()
	if err != nil {
		t.Fatal(err)
	}
	var total, named int
	for i, im := range c.images {
		truth := gc.Images[i]
		if im.path != truth.Path || im.addr != truth.Address || im.textSize != truth.TextSize || im.lcUUID != truth.UUID {
			t.Fatalf("image %d: scanned %s %#x %#x %x, truth %+v", i, im.path, im.addr, im.textSize, im.lcUUID, truth)
		}
		if im.file.path != truth.TextFile {
			t.Errorf("image %d: __TEXT in %s, truth %s", i, im.file.path, truth.TextFile)
		}
		if len(im.segs) != len(truth.Segments) {
			t.Fatalf("image %d: %d segments, truth %d", i, len(im.segs), len(truth.Segments))
		}
		for k, s := range im.segs {
			if ts := truth.Segments[k]; s.name != ts.Name || s.addr != ts.Addr || s.size != ts.Size {
				t.Errorf("image %d segment %d: %s %#x+%#x, truth %+v", i, k, s.name, s.addr, s.size, ts)
			}
		}
		fs, err := gc.Functions(i)
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != gc.Config.SymbolsPerImage {
			t.Fatalf("image %d: %d functions", i, len(fs))
		}
		total += len(fs)

		// __text is exactly the functions, back to back, each ending in a return.
		text := im.segs[0].sects[0]
		var sum uint64
		for k, f := range fs {
			if f.Address != text.addr+sum {
				t.Fatalf("image %d function %d at %#x, want %#x", i, k, f.Address, text.addr+sum)
			}
			sum += f.Size
			end := uint64(text.off) + f.Address + f.Size - text.addr
			code := im.file.data[end-f.Size : end]
			if !endsInReturn(c.arch, code) {
				t.Fatalf("image %d function %s does not end in a return: % x", i, f.Name, code[len(code)-4:])
			}
		}
		if sum != text.size {
			t.Errorf("image %d: functions cover %#x bytes of a %#x __text", i, sum, text.size)
		}

		starts, err := c.functionStarts(im)
		if err != nil {
			t.Fatal(err)
		}
		if len(starts) != len(fs) {
			t.Fatalf("image %d: %d function starts, %d functions", i, len(starts), len(fs))
		}
		for k := range fs {
			if starts[k] != fs[k].Address {
				t.Fatalf("image %d: start %d %#x, function at %#x", i, k, starts[k], fs[k].Address)
			}
		}

		// What the LINKEDIT symtab, the trie and the local symbols say.
		redacted := map[uint64]bool{}
		extdefs := map[string]uint64{}
		for k, n := range im.nlist {
			switch {
			case uint32(k) < im.dysym[1]:
				if n.name != "<redacted>" || n.sect != 1 {
					t.Errorf("image %d: local symbol %+v", i, n)
				}
				redacted[n.value] = true
			case uint32(k) < im.dysym[2]+im.dysym[3]:
				extdefs[n.name] = n.value
			}
		}
		trie, err := c.exports(im)
		if err != nil {
			t.Fatal(err)
		}
		locByAddr := map[uint64]string{}
		if l, ok := locals[im.addr-c.base]; ok {
			for _, n := range l {
				if n.typ != 0x0e || n.sect != 1 {
					t.Errorf("image %d: .symbols entry %+v", i, n)
				}
				locByAddr[n.value] = n.name
			}
		}
		names := map[string]bool{}
		nExt, nTrie, nLocal := 0, 0, 0
		for _, f := range fs {
			if f.Name != "" {
				named++
				if names[f.Name] {
					t.Errorf("image %d: name %q repeated", i, f.Name)
				}
				names[f.Name] = true
			}
			a, inSym := extdefs[f.Name]
			e, inTrie := trie[f.Name]
			switch {
			case f.Local:
				nLocal++
				if f.Name == "" || f.Exported || inTrie || inSym || !redacted[f.Address] {
					t.Errorf("image %d: local %+v: trie %v symtab %v redacted %v", i, f, inTrie, inSym, redacted[f.Address])
				}
				if want := f.Name; gc.Config.NoSymbolsFile {
					if _, ok := locByAddr[f.Address]; ok {
						t.Errorf("image %d: local %s present without local symbols", i, f.Name)
					}
				} else if locByAddr[f.Address] != want {
					t.Errorf("image %d: local at %#x named %q, truth %q", i, f.Address, locByAddr[f.Address], want)
				}
			case f.Exported:
				nTrie++
				if f.Name == "" || !inTrie || im.addr+e.off != f.Address || e.flags != 0 {
					t.Errorf("image %d: export %+v: trie %v %+v", i, f, inTrie, e)
				}
				if f.TrieOnly == inSym {
					t.Errorf("image %d: export %+v in symtab: %v", i, f, inSym)
				}
				if inSym {
					nExt++
					if a != f.Address {
						t.Errorf("image %d: %s at %#x in the symtab, truth %#x", i, f.Name, a, f.Address)
					}
				}
			default:
				if f.Name != "" || redacted[f.Address] || locByAddr[f.Address] != "" {
					t.Errorf("image %d: unnamed function %+v has a symbol", i, f)
				}
			}
		}
		for _, d := range truth.Data {
			e, ok := trie[d.Name]
			if extdefs[d.Name] != d.Address || !ok || im.addr+e.off != d.Address {
				t.Errorf("image %d: data symbol %+v: symtab %#x trie %v", i, d, extdefs[d.Name], e)
			}
		}
		if len(extdefs) != nExt+len(truth.Data) || len(trie) != nTrie+len(truth.Data) || len(redacted) != nLocal {
			t.Errorf("image %d: symtab %d extdefs, trie %d, %d redacted; truth %d, %d, %d (+%d data)",
				i, len(extdefs), len(trie), len(redacted), nExt, nTrie, nLocal, len(truth.Data))
		}

		// Lookup finds each function from any address inside it.
		for _, f := range fs {
			img, got, ok := gc.Lookup(f.Address + f.Size - 1)
			if !ok || img.Index != i || got != f {
				t.Fatalf("Lookup(%#x) = %v %+v %v, want image %d %+v", f.Address+f.Size-1, img, got, ok, i, f)
			}
		}
	}
	if total != len(c.images)*gc.Config.SymbolsPerImage {
		t.Errorf("%d functions", total)
	}
	t.Logf("%d images, %d functions, %d named", len(c.images), total, named)
}

func endsInReturn(arch string, code []byte) bool {
	if arch == "x86_64" || arch == "x86_64h" {
		return code[len(code)-1] == 0xc3
	}
	ins := binary.LittleEndian.Uint32(code[len(code)-4:])
	return ins == 0xd65f03c0 || ins == 0xd65f0fff
}
