package crashgen

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/symbolicate/symbolicate/dsc/dsctest"
)

// MetricKitOptions shapes a MetricKit payload.
type MetricKitOptions struct {
	// Sampled writes a hang diagnostic: a tree whose root is the outermost
	// frame, with callers' offsets already return address − 1 and a
	// branching node. Otherwise a crash diagnostic: one chain per thread,
	// root = frame 0.
	Sampled bool
	// LoadAddress writes, as iOS 15 and earlier did, each image's load
	// address in offsetIntoBinaryTextSegment and the pc in address.
	LoadAddress bool
	// Bare writes only the callStackTree, without payload or metadata.
	Bare bool
}

// MetricKit writes a MetricKit diagnostic payload against cache c, with the
// answer for every frame in document order (depth first).
func MetricKit(c *dsctest.Cache, cfg Config, opts MetricKitOptions) (*Report, error) {
	cfg.OSSymbolicated, cfg.Redacted = 0, 0
	if opts.Sampled {
		cfg.Boundary = 0 // sampled callers are written as return address − 1, inside the caller
	}
	g := newGen(c, cfg)
	threads, err := g.stacks()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	var truth []Frame
	tree := g.metricKitTree(threads, opts, &truth)
	switch {
	case opts.Bare:
		b.WriteString(tree)
	default:
		kind, meta := "crashDiagnostics", `"exceptionType" : 1, "signal" : 11, "exceptionCode" : 0, "terminationReason" : "Namespace SIGNAL, Code 0xb"`
		if opts.Sampled {
			kind, meta = "hangDiagnostics", `"hangDuration" : "5 sec"`
		}
		fmt.Fprintf(&b, `{
  "timeStampBegin" : "2026-11-22 08:00:00",
  "timeStampEnd" : "2026-11-23 08:00:00",
  %q : [
    {
      "version" : "1.0.0",
      "callStackTree" : %s,
      "diagnosticMetaData" : {
        "appVersion" : "1.0", "appBuildVersion" : "1", "osVersion" : "iPhone OS 17.0 (21A329)",
        "deviceType" : "iPhone15,2", "platformArchitecture" : "arm64e", "regionFormat" : "US", %s
      }
    }
  ]
}`, kind, tree, meta)
	}
	return &Report{Data: b.Bytes(), Frames: truth}, nil
}

// metricKitTree renders the callStackTree and appends the truth in
// document order.
func (g *gen) metricKitTree(threads [][]frame, opts MetricKitOptions, truth *[]Frame) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{\n  \"callStackPerThread\" : %v,\n  \"callStacks\" : [", !opts.Sampled)
	for t, fr := range threads {
		if t > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "\n    {\n      \"threadAttributed\" : %v,\n      \"callStackRootFrames\" : [\n", t == 0)
		order := make([]int, len(fr))
		for k := range order {
			order[k] = k
			if opts.Sampled {
				order[k] = len(fr) - 1 - k // root = outermost frame
			}
		}
		depth := 0
		for i, k := range order {
			f, tr := fr[k], g.truth[t*g.cfg.Frames+k]
			value := f.offset
			if opts.Sampled && k > 0 {
				value-- // a caller's sampled offset is return address − 1 already
				if tr.Symbol != "" {
					tr.Location--
				}
			}
			pc := g.base(f.image) + value
			name := fmt.Sprintf(", \"binaryName\" : %q", g.imageName(f.image))
			if g.rng.IntN(8) == 0 {
				name = "" // binaryName is sometimes missing
			}
			addr := fmt.Sprintf(", \"address\" : %d", pc)
			if opts.LoadAddress {
				value = g.base(f.image)
			} else if g.rng.IntN(8) == 0 {
				addr = "" // so is address
			}
			ind := strings.Repeat("  ", 4+2*depth)
			fmt.Fprintf(&b, "%s{\n%s  \"binaryUUID\" : %q, \"offsetIntoBinaryTextSegment\" : %d, \"sampleCount\" : %d%s%s",
				ind, ind, g.uuidOf(f.image), value, 10, name, addr)
			*truth = append(*truth, tr)
			if i == len(order)-1 {
				if opts.Sampled && t == 0 {
					// A second leaf beside the last one: a branching node.
					sib := fr[0]
					str := g.truth[t*g.cfg.Frames]
					b.WriteString(",\n" + ind + "  \"subFrames\" : []\n" + ind + "},\n")
					sv := sib.offset
					if opts.LoadAddress {
						sv = g.base(sib.image)
					}
					fmt.Fprintf(&b, "%s{\n%s  \"binaryUUID\" : %q, \"offsetIntoBinaryTextSegment\" : %d, \"sampleCount\" : 3, \"address\" : %d\n%s}",
						ind, ind, g.uuidOf(sib.image), sv, g.base(sib.image)+sib.offset, ind)
					*truth = append(*truth, str)
					continue
				}
				b.WriteString("\n" + ind + "}")
				continue
			}
			b.WriteString(",\n" + ind + "  \"subFrames\" : [\n")
			depth++
		}
		for depth > 0 {
			depth--
			ind := strings.Repeat("  ", 4+2*depth)
			b.WriteString("\n" + ind + "  ]\n" + ind + "}")
		}
		b.WriteString("\n      ]\n    }")
	}
	b.WriteString("\n  ]\n}")
	return b.String()
}

// uuidOf is the image's UUID, upper case as MetricKit writes it.
func (g *gen) uuidOf(ui int) string {
	if ci := g.order[ui]; ci >= 0 {
		return strings.ToUpper(g.c.Images[ci].UUID.String())
	}
	return strings.ToUpper(g.cfg.AppUUID.String())
}
