package atlas

import (
	"bytes"
	"encoding/binary"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite the generated files in testdata/")

// seedFiles generates every file under testdata/ from this package's own
// encoder and the test writers (AAR, parallel compression, howett.net/plist).
// testdata/README.md describes each one.
func seedFiles(t testing.TB) map[string][]byte {
	files := map[string][]byte{}
	cinfo := exampleBytes(t)
	files["compact/example.cinfo"] = cinfo
	legacy := bytes.Clone(cinfo)
	binary.LittleEndian.PutUint32(legacy[crcOffset:], legacyWriterCRC(legacy))
	files["compact/example-legacy-crc.cinfo"] = legacy

	r := rand.New(rand.NewPCG(2026, 1))
	var kinds []string
	for try := 0; len(kinds) < 4 && try < 10000; try++ {
		s := randomSnapshot(r)
		kind := "4k"
		if s.Flags&ProcessHas16KPages != 0 {
			kind = "16k"
		}
		if s.Cache == nil {
			kind += "-nocache"
		}
		if slices.Contains(kinds, kind) || len(s.Images) > 12 || s.Cache != nil && s.Cache.Bitmap.Len > 64 {
			continue
		}
		kinds = append(kinds, kind)
		b, err := EncodeCompactInfo(s)
		if err != nil {
			t.Fatal(err)
		}
		files["compact/random-"+kind+".cinfo"] = b
	}
	if len(kinds) < 4 {
		t.Fatalf("random seeds cover only %v", kinds) // the four page-size × cache combinations
	}

	pl := bplist(t, sampleProcessPlist())
	atlasPl := bplist(t, sampleCacheAtlas())
	files["plist/process.plist"] = pl
	files["plist/cache-atlas.plist"] = atlasPl

	files["aar/process.aar"] = concat(aarFileWithCRC(MemberCompactInfo, cinfo), aarFileWithCRC(MemberProcessPlist, pl))
	files["aar/plist-only.aar"] = aarFile(MemberProcessPlist, pl)
	files["aar/fields-and-links.aar"] = sampleArchive()
	cacheAAR := concat(
		aarLink("caches/names/dyld_shared_cache_arm64e.plist", "../uuids/"+exampleCacheUUID.String()+".plist"),
		aarFile("caches/uuids/"+exampleCacheUUID.String()+".plist", atlasPl),
	)
	files["aar/cache.atlas"] = cacheAAR
	files["aar/cache-pbzz.atlas"] = writePBZ("pbzz", cacheAAR, 2048, zlibBlock)
	return files
}

// TestSeedFiles checks that testdata/ holds exactly what the generators
// produce (run with -update-seeds to rewrite it).
func TestSeedFiles(t *testing.T) {
	for name, want := range seedFiles(t) {
		p := filepath.Join("testdata", filepath.FromSlash(name))
		if *updateSeeds {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%v (run go test -run TestSeedFiles -update-seeds)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from its generator (run go test -run TestSeedFiles -update-seeds)", p)
		}
	}
}

// seedsIn returns the contents of every file in testdata/dir.
func seedsIn(t testing.TB, dir string) [][]byte {
	paths, err := filepath.Glob(filepath.Join("testdata", dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatalf("no seed files in testdata/%s", dir)
	}
	var out [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}
