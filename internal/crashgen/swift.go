package crashgen

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/symbolicate/symbolicate/dsc/dsctest"
)

// SwiftOptions shapes a Swift runtime backtrace.
type SwiftOptions struct {
	// Text writes the backtracer's text form instead of its JSON.
	Text bool
	// Async is the share of caller frames written as async resume points
	// (looked up at their own address, never at address − 1).
	Async float64
	// Foreign adds an image with an ELF-style 20-byte build ID and a frame
	// in it at the end of thread 0: no source can have it.
	Foreign bool
}

// foreignBase is where the Foreign image is loaded.
const foreignBase = 0x7f0000000000

// SwiftBacktrace writes a backtrace of the Swift runtime's backtracer
// against cache c, with the answer for every frame in document order (the
// order of the document's Frames). Frame 0 of each thread is the program
// counter, the others return addresses or async resume points; each thread
// ends with a truncation marker.
func SwiftBacktrace(c *dsctest.Cache, cfg Config, opts SwiftOptions) (*Report, error) {
	cfg.OSSymbolicated, cfg.Redacted = 0, 0
	g := newGen(c, cfg)
	threads, err := g.stacks()
	if err != nil {
		return nil, err
	}
	kinds := make([][]string, len(threads))
	for t := range threads {
		for k := range threads[t] {
			kind := "returnAddress"
			switch {
			case k == 0:
				kind = "programCounter"
			case !g.truthOf(t, k).Boundary && g.rng.Float64() < opts.Async:
				kind = "asyncResumePoint"
			}
			kinds[t] = append(kinds[t], kind)
		}
	}
	if opts.Foreign {
		// Its truth goes after thread 0's frames, before thread 1's.
		i := len(threads[0])
		g.truth = append(g.truth[:i], append([]Frame{{Thread: 0, Index: i, Image: "libforeign.so"}}, g.truth[i:]...)...)
	}
	var b bytes.Buffer
	if opts.Text {
		g.writeSwiftText(&b, threads, kinds, opts.Foreign)
	} else {
		g.writeSwiftJSON(&b, threads, kinds, opts.Foreign)
	}
	return &Report{Data: b.Bytes(), Frames: g.truth}, nil
}

// truthOf returns the truth of thread t's frame k (before any insertion).
func (g *gen) truthOf(t, k int) Frame { return g.truth[t*g.cfg.Frames+k] }

func (g *gen) writeSwiftJSON(b *bytes.Buffer, threads [][]frame, kinds [][]string, foreign bool) {
	b.WriteString(`{"timestamp": "2026-11-23T08:00:00.000000Z", "kind": "crashReport", "description": "Bad pointer dereference", "faultAddress": "0x0000000000000008", "platform": "macOS 14.0 (23A344)", "architecture": "arm64", "threads": [`)
	for t, fr := range threads {
		if t > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(b, `{"crashed": %v, "registers": {"pc": "0x%016x", "lr": "0x%016x"}, "frames": [`, t == 0, g.base(fr[0].image)+fr[0].offset, 0)
		for k, f := range fr {
			fmt.Fprintf(b, `{"kind": %q, "address": "0x%016x"}, `, kinds[t][k], g.base(f.image)+f.offset)
		}
		if t == 0 && foreign {
			fmt.Fprintf(b, `{"kind": "returnAddress", "address": "0x%016x"}, `, uint64(foreignBase+0x1234))
		}
		b.WriteString(`{"kind": "truncated"}]}`)
	}
	b.WriteString(`], "capturedMemory": {}, "omittedImages": 12, "images": [`)
	for ui := range g.order {
		if ui > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(b, `{"name": %q, "buildId": %q, "path": %q, "baseAddress": "0x%016x", "endOfText": "0x%016x"}`,
			g.imageName(ui), g.buildID(ui), g.imagePath(ui), g.base(ui), g.base(ui)+g.textSize(ui))
	}
	if foreign {
		fmt.Fprintf(b, `, {"name": "libforeign.so", "buildId": "00112233445566778899aabbccddeeff00112233", "path": "/usr/lib/libforeign.so", "baseAddress": "0x%016x", "endOfText": "0x%016x"}`,
			uint64(foreignBase), uint64(foreignBase+0x10000))
	}
	b.WriteString(`], "backtraceTime": 0.25}`)
}

func (g *gen) writeSwiftText(b *bytes.Buffer, threads [][]frame, kinds [][]string, foreign bool) {
	b.WriteString("\n*** Program crashed: Bad pointer dereference at 0x0000000000000008 ***\n\nPlatform: arm64 macOS 14.0 (23A344)\n\n")
	for t, fr := range threads {
		if t == 0 {
			b.WriteString("Thread 0 crashed:\n\n")
		} else {
			fmt.Fprintf(b, "Thread %d:\n\n", t)
		}
		n := 0
		for k, f := range fr {
			tag := "     "
			switch kinds[t][k] {
			case "returnAddress":
				tag = " [ra]"
			case "asyncResumePoint":
				tag = " [async]"
			}
			fmt.Fprintf(b, "%d%s 0x%016x\n", n, tag, g.base(f.image)+f.offset)
			n++
		}
		if t == 0 && foreign {
			fmt.Fprintf(b, "%d [ra] 0x%016x\n", n, uint64(foreignBase+0x1234))
		}
		b.WriteString("...\n\n")
	}
	b.WriteString("\nImages (12 omitted):\n\n")
	for ui := range g.order {
		fmt.Fprintf(b, "0x%016x–0x%016x %s %s %s\n", g.base(ui), g.base(ui)+g.textSize(ui), g.buildID(ui), g.imageName(ui), g.imagePath(ui))
	}
	if foreign {
		fmt.Fprintf(b, "0x%016x–0x%016x 00112233445566778899aabbccddeeff00112233 libforeign.so /usr/lib/libforeign.so\n", uint64(foreignBase), uint64(foreignBase+0x10000))
	}
	b.WriteString("\nBacktrace took 0.25s\n")
}

// buildID is the image's UUID as 32 lower-case hex digits.
func (g *gen) buildID(ui int) string {
	u := g.cfg.AppUUID
	if ci := g.order[ui]; ci >= 0 {
		u = g.c.Images[ci].UUID
	}
	return strings.ToLower(strings.ReplaceAll(u.String(), "-", ""))
}

func (g *gen) imagePath(ui int) string {
	if ci := g.order[ui]; ci >= 0 {
		return g.c.Images[ci].Path
	}
	return "/private/var/containers/Bundle/Application/SampleApp.app/SampleApp"
}

func (g *gen) textSize(ui int) uint64 {
	if ci := g.order[ui]; ci >= 0 {
		return g.c.Images[ci].TextSize
	}
	return 0x10000
}
