package crashgen

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/symbolicate/symbolicate/dsc/dsctest"
)

// SampleOptions shapes a profiler report.
type SampleOptions struct {
	// Spindump writes spindump's per-process layout (frames as
	// "N  ??? (Image + off) [0x…]", a kernel frame, an indented Binary
	// Images list); otherwise /usr/bin/sample's (frames as
	// "N ???  (in Image)  load address 0x… + 0x…  [0x…]").
	Spindump bool
}

// Sample writes a call-tree report against cache c: each thread's stack,
// outermost frame first, one level deeper per call, the sampled pc last.
// The answers are in document order.
func Sample(c *dsctest.Cache, cfg Config, opts SampleOptions) (*Report, error) {
	cfg.OSSymbolicated, cfg.Redacted = 0, 0
	g := newGen(c, cfg)
	threads, err := g.stacks()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	var truth []Frame
	if opts.Spindump {
		b.WriteString("Process:          SampleApp [4242]\nUUID:             " + strings.ToUpper(g.cfg.AppUUID.String()) +
			"\nPath:             /Applications/SampleApp.app/Contents/MacOS/SampleApp\nArchitecture:     arm64\nNum samples:      100 (1-100)\n\n")
	} else {
		b.WriteString("Analysis of sampling SampleApp (pid 4242) every 1 millisecond\nProcess:         SampleApp [4242]\n" +
			"Code Type:       ARM64\nOS Version:      macOS 14.0 (23A344)\nReport Version:  7\nAnalysis Tool:   /usr/bin/sample\n----\n\nCall graph:\n")
	}
	for t, fr := range threads {
		if opts.Spindump {
			fmt.Fprintf(&b, "  Thread 0x%x    100 samples (1-100)    priority 31 (base 31)\n", 1000+t)
		} else {
			fmt.Fprintf(&b, "    100 Thread_%d   DispatchQueue_1: com.apple.main-thread  (serial)\n", 1000+t)
		}
		for depth := range fr {
			k := len(fr) - 1 - depth
			f := fr[k]
			pc := g.base(f.image) + f.offset
			if opts.Spindump {
				fmt.Fprintf(&b, "%s100  ??? (%s + %d) [0x%x]\n", strings.Repeat("  ", depth+1), g.imageName(f.image), f.offset, pc)
			} else {
				fmt.Fprintf(&b, "    %s%s100 ???  (in %s)  load address 0x%x + 0x%x  [0x%x]\n", "+ ", strings.Repeat("  ", depth),
					g.imageName(f.image), g.base(f.image), f.offset, pc)
			}
			truth = append(truth, g.truth[t*g.cfg.Frames+k])
		}
		b.WriteString("\n")
	}
	if opts.Spindump {
		// A thread blocked in the kernel: its frame is counted, never looked up.
		b.WriteString("  Thread 0x9999    100 samples (1-100)    priority 4 (base 4)\n   *100  ??? (kernel + 4096) [0xfffffe0007001000]\n\n")
		truth = append(truth, Frame{Thread: len(threads), Image: "kernel"})
	}
	if opts.Spindump {
		b.WriteString("  Binary Images:\n")
	} else {
		b.WriteString("Total number in stack (recursive counted multiple, when >=5):\n\nBinary Images:\n")
	}
	for ui := range g.order {
		fmt.Fprintf(&b, "       0x%x -        0x%x  %s (1.0) <%s> %s\n", g.base(ui), g.base(ui)+g.textSize(ui)-1, g.imageName(ui),
			strings.ToUpper(g.uuidOfID(ui)), g.imagePath(ui))
	}
	if opts.Spindump {
		b.WriteString("   *0xfffffe0007000000 - 0xfffffe0007ffffff  kernel (10002.1.1) <3C587984-4004-3C76-8ADF-997822977184>  /System/Library/Kernels/kernel\n")
	}
	return &Report{Data: b.Bytes(), Frames: truth}, nil
}

// uuidOfID is the image's UUID text.
func (g *gen) uuidOfID(ui int) string {
	if ci := g.order[ui]; ci >= 0 {
		return g.c.Images[ci].UUID.String()
	}
	return g.cfg.AppUUID.String()
}
