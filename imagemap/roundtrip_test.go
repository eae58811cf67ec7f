package imagemap

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/goccy/go-json"

	"github.com/symbolicate/symbolicate/internal/corpus"
	"github.com/symbolicate/symbolicate/process"
)

// roundTrip checks Decode(Encode(m)) == m and returns the encoding.
func roundTrip(t *testing.T, name string, m *process.Process) []byte {
	t.Helper()
	b, err := Encode(m)
	if err != nil {
		t.Fatalf("%s: Encode: %v", name, err)
	}
	back, err := Decode(b)
	if err != nil {
		t.Fatalf("%s: Decode(Encode(m)): %v", name, err)
	}
	if d := diffMaps(back, m); d != "" {
		t.Fatalf("%s: %s", name, d)
	}
	// Encoding is deterministic and stable under a second round.
	again, err := Encode(back)
	if err != nil || !bytes.Equal(again, b) {
		t.Fatalf("%s: Encode(Decode(Encode(m))) differs: %v", name, err)
	}
	return b
}

// macOSMap returns a realistic n-image macOS image list: the app and its
// embedded frameworks, system frameworks (some with sub-frameworks),
// private frameworks, /usr/lib dylibs and Swift libraries, each with a
// 16-byte UUID, sorted by base. The same seed gives the same map.
func macOSMap(n int, seed uint64) *process.Process {
	r := rand.New(rand.NewPCG(seed, 1))
	words := []string{"Core", "Foundation", "Audio", "Kit", "Graphics", "Services", "Metal", "Video",
		"Image", "Network", "Security", "Text", "Data", "Media", "Quartz", "Web", "Cloud", "Sync",
		"Contacts", "Photos", "Speech", "Vision", "ML", "Intents", "Accounts", "Sharing", "UI"}
	name := func() string {
		var b strings.Builder
		for range 1 + r.IntN(3) {
			b.WriteString(words[r.IntN(len(words))])
		}
		fmt.Fprintf(&b, "%d", r.IntN(100))
		return b.String()
	}
	app := "/Applications/" + name() + ".app/Contents"
	m := &process.Process{Platform: "macOS 15.3 (24D60)", WordSize: 64}
	base := uint64(0x1_0000_0000)
	for i := range n {
		var p string
		switch k := r.IntN(20); {
		case i == 0:
			p = app + "/MacOS/" + name()
		case k < 2:
			fw := name()
			p = app + "/Frameworks/" + fw + ".framework/Versions/A/" + fw
		case k < 9:
			fw := name()
			p = "/System/Library/Frameworks/" + fw + ".framework/Versions/" + string(rune('A'+r.IntN(3))) + "/" + fw
		case k < 11:
			umb, sub := name(), name()
			p = "/System/Library/Frameworks/" + umb + ".framework/Versions/A/Frameworks/" + sub + ".framework/Versions/A/" + sub
		case k < 14:
			fw := name()
			p = "/System/Library/PrivateFrameworks/" + fw + ".framework/Versions/A/" + fw
		case k < 17:
			p = "/usr/lib/lib" + strings.ToLower(name()) + ".dylib"
		case k < 18:
			p = "/usr/lib/swift/libswift" + name() + ".dylib"
		default:
			p = "/usr/lib/system/libsystem_" + strings.ToLower(name()) + ".dylib"
		}
		uuid := make([]byte, 16)
		for j := range uuid {
			uuid[j] = byte(r.Uint32())
		}
		size := 0x1000 * uint64(1+r.IntN(2000))
		m.Images = append(m.Images, process.Image{Path: p, Name: process.NameOf(p), ID: process.BuildID(uuid), Base: base, End: base + size})
		base += size + 0x1000*uint64(r.IntN(64))
		if i == n/2 {
			base = 0x1_8000_0000 + 0x4000*uint64(r.IntN(1000)) // the shared cache region
		}
	}
	return m
}

func TestRoundTripMacOS(t *testing.T) {
	for _, n := range []int{0, 1, 63, 64, 100, 127, 128, 1000} {
		m := macOSMap(n, uint64(n))
		b := roundTrip(t, fmt.Sprintf("%d images", n), m)
		if n == 1000 {
			paths := 0
			for _, im := range m.Images {
				paths += len(im.Path) + len(im.ID) + 16
			}
			// Prefix compression must at least beat the raw bytes clearly
			// (the UUIDs alone are 16 kB of the raw total).
			if len(b) > paths*6/10 {
				t.Errorf("1000 images encode to %d bytes, over 60%% of the %d raw bytes", len(b), paths)
			}
		}
	}
}

// TestRoundTripVaried covers word sizes, unsorted bases (negative deltas),
// Windows and mixed paths, frameworks, nil paths and build IDs of 0, 16 and
// 20 bytes.
func TestRoundTripVaried(t *testing.T) {
	bid := func(n int) []byte {
		if n == 0 {
			return nil
		}
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*37 + n)
		}
		return b
	}
	paths := []string{
		"", "/", "/usr/lib", "/usr/lib/", "/lib", "C:", `C:\`, `C:\Program Files`,
		`C:\Program Files\App\app.exe`, `C:\Program Files\App\plugin.dll`, `C:\Windows\System32\ntdll.dll`,
		`D:\mixed/sep\path/x.dll`, `\\server\share\lib.dll`, "relative/path/lib.so", "noslash",
		"/System/Library/Frameworks/AppKit.framework/Versions/C/AppKit",
		"/System/Library/Frameworks/UIKit.framework/UIKit",
		"/System/iOSSupport/System/Library/Frameworks/UIKit.framework/Versions/A/UIKit",
		"/Library/Frameworks/" + strings.Repeat("L", 64) + ".framework/Versions/A/" + strings.Repeat("L", 64),
		"/Library/Frameworks/" + strings.Repeat("M", 65) + ".framework/Versions/A/" + strings.Repeat("M", 65),
		"/private/var/containers/Bundle/Application/8F0E/App.app/Frameworks/Kit.framework/Kit",
		"/private/var/containers/Bundle/Application/8F0E/App.app/App",
		"/home/ünïcödé/日本語/lib.so", "/usr/local/lib/libfoo.so.1", "/opt/lib/x", "/usr/libexec/xpcproxy",
		"/Foo.framework/Versions/A/Foo", "/a.framework/Versions/B/a", "/x/" + strings.Repeat("y/", 40) + "z",
	}
	for _, ws := range []int{16, 32, 64} {
		mask := wordMask(ws)
		r := rand.New(rand.NewPCG(uint64(ws), 2))
		m := &process.Process{Platform: fmt.Sprintf("test %d", ws), WordSize: ws}
		for i, p := range paths {
			base := r.Uint64() & mask & ^uint64(0xff)
			if i%3 == 0 {
				base = uint64(i) * 0x100 // small, so the next delta is large and mixed in sign
			}
			end := base + 1 + r.Uint64N(0xff)
			if i%7 == 0 {
				end = 0 // unknown: Encode writes base+4096 (checked in TestEncodeUnknownEnd)
				base &= mask >> 1
			}
			im := process.Image{Path: p, Name: process.NameOf(p), ID: process.BuildID(bid([]int{0, 16, 20}[i%3])), Base: base, End: end}
			m.Images = append(m.Images, im)
		}
		b, err := Encode(m)
		if err != nil {
			t.Fatalf("%d-bit: %v", ws, err)
		}
		for i := range m.Images {
			if m.Images[i].End == 0 {
				m.Images[i].End = m.Images[i].Base + UnknownTextSize
			}
		}
		if d := diffMaps(mustDecode(t, b), m); d != "" {
			t.Errorf("%d-bit: %s", ws, d)
		}
		roundTrip(t, fmt.Sprintf("%d-bit", ws), m)
	}
}

func mustDecode(t *testing.T, b []byte) *process.Process {
	t.Helper()
	m, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRoundTripManyPrefixes defines more than 70,000 dynamic prefixes, so
// that 1-, 2- and 3-byte e=1 codes are all written, including the ranges
// Swift's encoder truncates (Q2).
func TestRoundTripManyPrefixes(t *testing.T) {
	m := &process.Process{WordSize: 64}
	// Image k is "/iKK/c000/…/c999/f" and defines 1001 prefixes: code
	// 32+1001k+j is "/iKK" followed by the first j components.
	comp := deepPath(1000)
	comp = strings.ReplaceAll(comp, "/d", "/c")
	base := uint64(0x1000)
	add := func(p string) {
		m.Images = append(m.Images, img(p, base, base+0x800, ""))
		base += 0x1000
	}
	for k := range 70 {
		add(fmt.Sprintf("/i%02d%s/f", k, comp))
	}
	prefix := func(k, j int) string { return fmt.Sprintf("/i%02d", k) + comp[:5*j] }
	add(prefix(0, 5) + "/a")    // code 37: e=0
	add(prefix(0, 200) + "/b")  // code 232: 1-byte e=1
	add(prefix(0, 300) + "/c")  // code 332: Swift would write c0 0c (code 76)
	add(prefix(40, 10) + "/d")  // code 40082: 2-byte e=1, Swift truncates
	add(prefix(69, 500) + "/x") // code 69601: 3-byte e=1
	b := roundTrip(t, "many prefixes", m)
	for _, want := range []string{`a5 02 "/a" 00`, `c0 a8 02 "/b" 00`, `c1 01 0c 02 "/c" 00`,
		`c1 9c 52 02 "/d" 00`, `c2 01 0f a1 02 "/x" 00`} {
		if !bytes.Contains(b, hx(want)) {
			t.Errorf("encoding lacks %s", want)
		}
	}
}

// TestRoundTripCorpus encodes the image lists of the real crash reports in
// the corpus (usedImages of .ips files, images of the Swift backtracer JSON)
// and decodes them back. Sizes of 0 are unknown ends.
func TestRoundTripCorpus(t *testing.T) {
	dir := corpus.Path(t, "ips")
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := corpusMap(t, f, data)
		if m == nil || len(m.Images) == 0 {
			continue
		}
		total += len(m.Images)
		b, err := Encode(m)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(f), err)
		}
		for i := range m.Images {
			if m.Images[i].End == 0 {
				m.Images[i].End = m.Images[i].Base + UnknownTextSize
			}
		}
		if d := diffMaps(mustDecode(t, b), m); d != "" {
			t.Errorf("%s: %s", filepath.Base(f), d)
		}
	}
	if total < 100 {
		t.Errorf("only %d corpus images found; the corpus layout changed?", total)
	}
}

// corpusMap builds a Map from a .ips file (JSON header line + JSON body with
// usedImages) or a Swift backtracer JSON log; nil for other files.
func corpusMap(t *testing.T, file string, data []byte) *process.Process {
	var body struct {
		UsedImages []struct {
			Base uint64 `json:"base"`
			Size uint64 `json:"size"`
			UUID string `json:"uuid"`
			Path string `json:"path"`
		} `json:"usedImages"`
		Images []struct {
			BuildID   string `json:"buildId"`
			Path      string `json:"path"`
			Base      string `json:"baseAddress"`
			EndOfText string `json:"endOfText"`
		} `json:"images"`
		Platform string `json:"platform"`
	}
	if strings.HasSuffix(file, ".ips") {
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		}
	} else if !strings.HasSuffix(file, ".json") {
		return nil
	}
	if json.Unmarshal(data, &body) != nil {
		return nil // legacy text body
	}
	m := &process.Process{Platform: body.Platform, WordSize: 64}
	for _, u := range body.UsedImages {
		im := process.Image{Path: u.Path, Name: process.NameOf(u.Path), Base: u.Base}
		if u.Size != 0 {
			im.End = u.Base + u.Size
		}
		if id, err := process.ParseUUID(u.UUID); err == nil && !id.IsZero() {
			im.ID = process.BuildID(id[:])
		}
		m.Images = append(m.Images, im)
	}
	for _, u := range body.Images {
		base, err1 := strconv.ParseUint(strings.TrimPrefix(u.Base, "0x"), 16, 64)
		end, err2 := strconv.ParseUint(strings.TrimPrefix(u.EndOfText, "0x"), 16, 64)
		id, err3 := process.ParseUUID(u.BuildID)
		if err1 != nil || err2 != nil || err3 != nil {
			t.Fatalf("%s: image %+v", file, u)
		}
		m.Images = append(m.Images, process.Image{Path: u.Path, Name: process.NameOf(u.Path), Base: base, End: end, ID: process.BuildID(id[:])})
	}
	return m
}
