// Package crashgen writes synthetic bug_type 309 .ips crash reports whose
// frames lie in a cache made by dsc/dsctest, together with the answer a
// symbolicator must give for every frame. Tests, benchmarks and the demo use it;
// the reports are shaped like the real ones in ../shared/corpus/ips (header
// line, two-space indented payload, " : " separators, escaped slashes).
package crashgen

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-json"

	"github.com/symbolicate/symbolicate/dsc/dsctest"
	"github.com/symbolicate/symbolicate/process"
)

// Config shapes a generated report.
type Config struct {
	Seed    uint64
	Slide   uint64 // runtime slide of the shared cache (page-aligned)
	Threads int    // default 4
	Frames  int    // frames per thread (default 15)
	// OSSymbolicated is the share of cache frames written with a symbol as
	// the OS would (kept unless resymbolicating); Redacted the share written
	// with "<redacted>" (counts as missing).
	OSSymbolicated, Redacted float64
	// AppUUID, when not zero, adds an app image with this UUID (no binary
	// exists for it) and puts some frames in it.
	AppUUID process.UUID
	// Boundary is the share of caller frames whose return address is exactly
	// the start of the next function: looked up at pc−1 they belong to the
	// previous function.
	Boundary float64
	// NoSharedCache leaves out the report's sharedCache record, so images must
	// be matched by their own UUIDs.
	NoSharedCache bool
	// Realistic picks frames the way device reports spread them: four in
	// five in the cache's first 40 images (libsystem_*, CoreFoundation,
	// Foundation, UIKitCore, libswiftCore, SwiftUI…, which every generated
	// cache starts with), the rest from a long tail over all images (a Zipf
	// law: a few hundred images see most of it); otherwise uniformly.
	Realistic bool
}

// hotImages is how many of a cache's first images Realistic favours.
const hotImages = 40

// Frame is the expected answer for one generated frame.
type Frame struct {
	Thread, Index int
	Image         string // image name
	Symbol        string // expected linkage name; "" for frames a symbolicator cannot resolve (app image)
	Location      uint64 // expected symbolLocation (pc − symbol start)
	Boundary      bool   // return address at the start of the next function: only pc−1 finds Symbol
	OSWritten     bool   // the report already carries a symbol for it
	Redacted      bool   // the report carries "<redacted>"
}

// Report is a generated report and its answers.
type Report struct {
	Data   []byte
	Frames []Frame
}

const appBase = 0x100a3c000

// Generate writes a report against cache c. It uses every image of c that
// has at least two named functions, and regenerates per-image truth when c
// was generated with DiscardTruth.
func Generate(c *dsctest.Cache, cfg Config) (*Report, error) {
	g := newGen(c, cfg)
	threads, err := g.stacks()
	if err != nil {
		return nil, err
	}
	return &Report{Data: g.write(threads), Frames: g.truth}, nil
}

// newGen fills in cfg's defaults.
func newGen(c *dsctest.Cache, cfg Config) *gen {
	if cfg.Threads <= 0 {
		cfg.Threads = 4
	}
	if cfg.Frames <= 0 {
		cfg.Frames = 15
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5eed))
	return &gen{c: c, cfg: cfg, rng: rng, used: map[int]int{}, funcs: map[int][]dsctest.Function{}}
}

// stacks picks every thread's frames, innermost first, recording the truth.
func (g *gen) stacks() ([][]frame, error) {
	var threads [][]frame
	for t := 0; t < g.cfg.Threads; t++ {
		var fr []frame
		for k := 0; k < g.cfg.Frames; k++ {
			f, err := g.frame(t, k)
			if err != nil {
				return nil, err
			}
			fr = append(fr, f)
		}
		threads = append(threads, fr)
	}
	return threads, nil
}

// base is the runtime load address of usedImages entry ui.
func (g *gen) base(ui int) uint64 {
	if ci := g.order[ui]; ci >= 0 {
		return g.c.Images[ci].Address + g.cfg.Slide
	}
	return appBase
}

// imageName is the name of usedImages entry ui.
func (g *gen) imageName(ui int) string {
	if ci := g.order[ui]; ci >= 0 {
		return process.NameOf(g.c.Images[ci].Path)
	}
	return "SampleApp"
}

type gen struct {
	c     *dsctest.Cache
	cfg   Config
	rng   *rand.Rand
	used  map[int]int // cache image index → usedImages index
	order []int       // cache image indexes in usedImages order
	funcs map[int][]dsctest.Function
	truth []Frame
	app   int // usedImages index of the app image, or -1
	zipf  *rand.Zipf
}

type frame struct {
	image  int // usedImages index
	offset uint64
	symbol string
	loc    uint64
}

func (g *gen) functions(i int) ([]dsctest.Function, error) {
	if fs, ok := g.funcs[i]; ok {
		return fs, nil
	}
	fs, err := g.c.Functions(i)
	if err != nil {
		return nil, err
	}
	g.funcs[i] = fs
	return fs, nil
}

func (g *gen) frame(t, k int) (frame, error) {
	if !g.cfg.AppUUID.IsZero() && g.rng.IntN(6) == 0 {
		off := uint64(0x4000 + 4*g.rng.IntN(0x1000))
		g.truth = append(g.truth, Frame{Thread: t, Index: k, Image: "SampleApp"})
		return frame{image: g.appIndex(), offset: off}, nil
	}
	for {
		ci := g.rng.IntN(len(g.c.Images))
		if g.cfg.Realistic {
			ci = g.realisticImage()
		}
		fs, err := g.functions(ci)
		if err != nil {
			return frame{}, err
		}
		if len(fs) < 3 {
			continue
		}
		j := 1 + g.rng.IntN(len(fs)-2)
		fn := fs[j]
		im := &g.c.Images[ci]
		var pc uint64
		want := fn
		boundary := false
		switch {
		case k > 0 && g.rng.Float64() < g.cfg.Boundary:
			boundary = true
			// Return address at the very start of fs[j]: the call was the
			// last instruction of fs[j-1].
			pc, want = fn.Address, fs[j-1]
		case k == 0:
			pc = fn.Address + uint64(g.rng.IntN(int(fn.Size)))
		default:
			pc = fn.Address + 1 + uint64(g.rng.IntN(int(fn.Size-1)))
		}
		name := g.c.SymbolName(want)
		if name == "" || name == "<redacted>" {
			continue // a symbolicator could not name it: pick another frame
		}
		ui := g.imageIndex(ci)
		f := frame{image: ui, offset: pc - im.Address}
		tr := Frame{Thread: t, Index: k, Image: process.NameOf(im.Path), Symbol: name, Location: pc - want.Address, Boundary: boundary}
		switch r := g.rng.Float64(); {
		case r < g.cfg.OSSymbolicated:
			f.symbol, f.loc = strings.TrimPrefix(name, "_"), pc-want.Address
			tr.OSWritten = true
		case r < g.cfg.OSSymbolicated+g.cfg.Redacted:
			f.symbol, f.loc = "<redacted>", pc-want.Address
			tr.Redacted = true
		}
		g.truth = append(g.truth, tr)
		return f, nil
	}
}

// realisticImage picks a cache image for Realistic.
func (g *gen) realisticImage() int {
	n := len(g.c.Images)
	if g.rng.IntN(5) > 0 {
		return g.rng.IntN(min(hotImages, n))
	}
	if g.zipf == nil {
		g.zipf = rand.NewZipf(g.rng, 1.1, 8, uint64(n-1))
	}
	return int(g.zipf.Uint64())
}

func (g *gen) imageIndex(ci int) int {
	if ui, ok := g.used[ci]; ok {
		return ui
	}
	ui := len(g.order)
	g.used[ci] = ui
	g.order = append(g.order, ci)
	return ui
}

func (g *gen) appIndex() int {
	if g.app == 0 {
		g.app = len(g.order) + 1 // stored +1 so the zero value means "none yet"
		g.order = append(g.order, -1)
	}
	return g.app - 1
}

// write renders the report in Apple's layout.
func (g *gen) write(threads [][]frame) []byte {
	var b bytes.Buffer
	incident := fmt.Sprintf("%08X-0000-4000-8000-%012X", g.rng.Uint32(), g.rng.Uint64()&0xffffffffffff)
	fmt.Fprintf(&b, `{"app_name":"SampleApp","timestamp":"2026-11-23 08:00:00.00 +0000","app_version":"1.0","slice_uuid":"%s","build_version":"1","platform":2,"bundleID":"com.example.SampleApp","share_with_app_devs":0,"is_first_party":0,"bug_type":"309","os_version":"iPhone OS 17.0 (21A329)","roots_installed":0,"name":"SampleApp","incident_id":"%s"}`+"\n",
		strings.ToLower(g.cfg.AppUUID.String()), incident)
	b.WriteString("{\n")
	field := func(k, v string) { fmt.Fprintf(&b, "  %q : %s,\n", k, v) }
	field("uptime", "1000")
	field("procRole", `"Foreground"`)
	field("version", "2")
	field("userID", "501")
	field("modelCode", `"iPhone15,2"`)
	field("osVersion", "{\n    \"isEmbedded\" : true,\n    \"train\" : \"iPhone OS 17.0\",\n    \"releaseType\" : \"User\",\n    \"build\" : \"21A329\"\n  }")
	field("captureTime", `"2026-11-23 08:00:00.0000 +0000"`)
	field("incident", strconv.Quote(incident))
	field("pid", "4242")
	field("cpuType", `"ARM-64"`)
	field("bug_type", `"309"`)
	field("procName", `"SampleApp"`)
	field("procPath", `"\/private\/var\/containers\/Bundle\/Application\/SampleApp.app\/SampleApp"`)
	field("bundleInfo", `{"CFBundleShortVersionString":"1.0","CFBundleVersion":"1","CFBundleIdentifier":"com.example.SampleApp"}`)
	field("parentProc", `"launchd"`)
	field("parentPid", "1")
	field("exception", `{"codes":"0x0000000000000001, 0x0000000000000000","rawCodes":[1,0],"type":"EXC_BAD_ACCESS","signal":"SIGSEGV","subtype":"KERN_INVALID_ADDRESS at 0x0000000000000000"}`)
	field("termination", `{"flags":0,"code":11,"namespace":"SIGNAL","indicator":"Segmentation fault: 11","byProc":"exc handler","byPid":4242}`)
	field("faultingThread", "0")
	b.WriteString(`  "threads" : [`)
	for t, fr := range threads {
		if t > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('{')
		if t == 0 {
			b.WriteString(`"triggered":true,`)
		}
		fmt.Fprintf(&b, `"id":%d,`, 1000+t)
		if t == 0 {
			b.WriteString(`"queue":"com.apple.main-thread",`)
		}
		b.WriteString(`"frames":[`)
		for k, f := range fr {
			if k > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"imageOffset":%d,`, f.offset)
			if f.symbol != "" {
				fmt.Fprintf(&b, `"symbol":%s,"symbolLocation":%d,`, jsonString(f.symbol), f.loc)
			}
			fmt.Fprintf(&b, `"imageIndex":%d}`, f.image)
		}
		b.WriteString("]}")
	}
	b.WriteString("],\n")
	b.WriteString("  \"usedImages\" : [\n")
	for ui, ci := range g.order {
		if ui > 0 {
			b.WriteString(",\n")
		}
		if ci < 0 {
			fmt.Fprintf(&b, "  {\n    \"source\" : \"P\",\n    \"arch\" : \"arm64\",\n    \"base\" : %d,\n    \"size\" : 65536,\n    \"uuid\" : %q,\n    \"path\" : \"\\/private\\/var\\/containers\\/Bundle\\/Application\\/SampleApp.app\\/SampleApp\",\n    \"name\" : \"SampleApp\"\n  }",
				uint64(appBase), strings.ToLower(g.cfg.AppUUID.String()))
			continue
		}
		im := &g.c.Images[ci]
		fmt.Fprintf(&b, "  {\n    \"source\" : \"P\",\n    \"arch\" : \"arm64e\",\n    \"base\" : %d,\n    \"size\" : %d,\n    \"uuid\" : %q,\n    \"path\" : %s,\n    \"name\" : %q\n  }",
			im.Address+g.cfg.Slide, im.TextSize, strings.ToLower(im.UUID.String()), jsonString(im.Path), process.NameOf(im.Path))
	}
	b.WriteString("\n  ],\n")
	if !g.cfg.NoSharedCache {
		fmt.Fprintf(&b, "  \"sharedCache\" : {\n  \"base\" : %d,\n  \"size\" : %d,\n  \"uuid\" : %q\n},\n",
			g.c.Base+g.cfg.Slide, cacheSize(g.c), strings.ToLower(g.c.UUID.String()))
	}
	b.WriteString("  \"legacyInfo\" : {\n  \"threadTriggered\" : {\n    \"queue\" : \"com.apple.main-thread\"\n  }\n}\n}")
	return b.Bytes()
}

// cacheSize is the extent of the cache's images, enough for a report's
// sharedCache size field.
func cacheSize(c *dsctest.Cache) uint64 {
	var end uint64
	for _, im := range c.Images {
		for _, s := range im.Segments {
			if e := s.Addr + s.Size; e > end && s.Name != "__LINKEDIT" {
				end = e
			}
		}
	}
	return end - c.Base
}

// jsonString quotes s as Apple writes JSON strings (slashes escaped).
func jsonString(s string) string {
	q, err := json.Marshal(s)
	if err != nil { // cannot happen for a string
		panic(err)
	}
	return strings.ReplaceAll(string(q), "/", `\/`)
}

// Names returns the distinct expected symbol names, sorted (handy in tests).
func (r *Report) Names() []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range r.Frames {
		if f.Symbol != "" && !seen[f.Symbol] {
			seen[f.Symbol] = true
			out = append(out, f.Symbol)
		}
	}
	sort.Strings(out)
	return out
}
