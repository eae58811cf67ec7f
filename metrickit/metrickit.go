// Package metrickit reads and writes MetricKit diagnostic payloads: a full
// MXDiagnosticPayload (crash, hang, CPU exception, disk write exception and
// app launch diagnostics), a bare diagnostic (callStackTree and
// diagnosticMetaData), or a bare callStackTree.
//
// A frame names its image by UUID and gives its offset into the image's
// text (offsetIntoBinaryTextSegment); the absolute address and the image
// name may be missing. iOS 15 and earlier wrote the image's load address in
// offsetIntoBinaryTextSegment (the same value for every frame of an image)
// and the absolute pc in address: this is detected per image and true
// offsets are computed, with a note saying so.
//
// Crash diagnostics (callStackPerThread true) hold one chain per thread,
// whose root is frame 0, the faulting pc; its callers are looked up at
// address − 1 as in .ips reports. Sampled diagnostics (hangs, CPU and disk
// writes; callStackPerThread false) hold a tree whose root is the outermost
// frame and whose leaves are sampled pcs; callers' offsets are already
// return address − 1 there, so nothing is subtracted again.
//
// There is no shared-cache UUID: system frames are found by their own image
// UUID in every cache given.
package metrickit

import (
	"bytes"
	"fmt"
	"iter"
	"strconv"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/internal/jsontape"
	"github.com/symbolicate/symbolicate/process"
)

const formatName = "metrickit"

// Format is the MetricKit payload for the format list.
var Format = format.Format{
	Name:  formatName,
	Sniff: sniff,
	Parse: func(b []byte, _ format.Options) (format.Document, error) { return Parse(b) },
}

// sniff claims a JSON object with MetricKit's call-stack keys near its
// start and no .ips header.
func sniff(b []byte) bool {
	head := bytes.TrimLeft(b[:min(len(b), 64<<10)], " \t\r\n")
	if len(head) == 0 || head[0] != '{' || bytes.Contains(head, []byte(`"bug_type"`)) {
		return false
	}
	return bytes.Contains(head, []byte(`"callStackTree"`)) || bytes.Contains(head, []byte(`"callStackRootFrames"`))
}

// Diagnostic kinds, by the payload key that holds them.
var diagnosticKeys = []string{"crashDiagnostics", "hangDiagnostics", "cpuExceptionDiagnostics",
	"diskWriteExceptionDiagnostics", "appLaunchDiagnostics"}

// Document is a parsed payload.
type Document struct {
	raw      []byte
	p        *process.Process
	diags    []diagnostic
	nodes    []node // every frame, in document order
	warnings []diag.Diagnostic
	deferred func(*process.Frame) *process.Resolution
}

// diagnostic is one diagnostic of the payload.
type diagnostic struct {
	kind      string // the payload key ("crashDiagnostics"), "" for a bare diagnostic or tree
	meta      map[string]string
	perThread bool
	stacks    []stack
}

type stack struct {
	attributed bool
	roots      []int // node indexes
}

// node is one frame of a call-stack tree.
type node struct {
	process.Frame
	uuid     process.UUID
	value    uint64 // offsetIntoBinaryTextSegment as written
	addr     uint64
	hasAddr  bool
	name     string
	count    int
	children []int
	diag     int           // the diagnostic it belongs to (images are per diagnostic: one process each)
	obj      jsontape.Span // the frame object
	lastEnd  int           // end of its last member
	owned    map[string]jsontape.Span
}

// Process returns the process: one image per UUID.
func (d *Document) Process() *process.Process { return d.p }

// Frames yields every frame in document order (depth first).
func (d *Document) Frames() iter.Seq[*process.Frame] {
	return func(yield func(*process.Frame) bool) {
		for i := range d.nodes {
			if !yield(&d.nodes[i].Frame) {
				return
			}
		}
	}
}

// Defer takes the function that resolves deferred frames (process.Deferrer).
func (d *Document) Defer(resolve func(*process.Frame) *process.Resolution) { d.deferred = resolve }

func (d *Document) resolution(n *node) *process.Resolution {
	if n.Resolved != nil || !n.Deferred || d.deferred == nil {
		return n.Resolved
	}
	return d.deferred(&n.Frame)
}

// Diagnostics returns the notes of parsing (the offset convention found).
func (d *Document) Diagnostics() []diag.Diagnostic { return d.warnings }

func (d *Document) warnf(format string, args ...any) {
	d.warnings = append(d.warnings, diag.Diagnostic{Code: diag.InputWarning, Err: fmt.Errorf(format, args...)})
}

// Parse reads a payload, a diagnostic or a call-stack tree.
func Parse(b []byte) (*Document, error) {
	t, _, se := jsontape.Build(b, 0)
	if se != nil {
		return nil, &diag.FormatError{Format: formatName, Off: int64(se.Off), Msg: se.Msg}
	}
	if t.Nodes[0].Kind != '{' {
		return nil, &diag.FormatError{Format: formatName, Msg: "not a JSON object"}
	}
	d := &Document{raw: b}
	found := false
	for _, key := range diagnosticKeys {
		if arr, ok := t.Member(0, key); ok && t.Nodes[arr].Kind == '[' {
			found = true
			for i, e := range t.Elems(arr) {
				if err := d.diagnostic(t, e, key, key+"["+strconv.Itoa(i)+"]"); err != nil {
					return nil, err
				}
			}
		}
	}
	if !found {
		if _, ok := t.Member(0, "callStackTree"); ok {
			if err := d.diagnostic(t, 0, "", ""); err != nil {
				return nil, err
			}
		} else if _, ok := t.Member(0, "callStacks"); ok {
			dg := diagnostic{}
			if err := d.tree(t, 0, &dg, "callStacks"); err != nil {
				return nil, err
			}
			d.diags = append(d.diags, dg)
		} else {
			return nil, &diag.FormatError{Format: formatName, Msg: "no diagnostics, callStackTree or callStacks"}
		}
	}
	d.buildProcess()
	return d, nil
}

func ferr(t *jsontape.Tape, n int32, field, msg string) error {
	return &diag.FormatError{Format: formatName, Off: int64(t.Nodes[n].Start), Field: field, Msg: msg}
}

// diagnostic reads one diagnostic object o.
func (d *Document) diagnostic(t *jsontape.Tape, o int32, kind, field string) error {
	if t.Nodes[o].Kind != '{' {
		return ferr(t, o, field, "not an object")
	}
	dg := diagnostic{kind: kind, meta: map[string]string{}}
	if m, ok := t.Member(o, "diagnosticMetaData"); ok && t.Nodes[m].Kind == '{' {
		for k := m + 1; k < t.Nodes[m].Next; k = t.Nodes[k+1].Next {
			v := k + 1
			val := string(t.Raw(v))
			if t.Nodes[v].Kind == '"' {
				val = t.Str(v)
			}
			dg.meta[t.Key(k)] = val
		}
	}
	if tr, ok := t.Member(o, "callStackTree"); ok {
		if err := d.tree(t, tr, &dg, join(field, "callStackTree")); err != nil {
			return err
		}
	}
	d.diags = append(d.diags, dg)
	return nil
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

// tree reads a callStackTree object.
func (d *Document) tree(t *jsontape.Tape, o int32, dg *diagnostic, field string) error {
	if t.Nodes[o].Kind != '{' {
		return ferr(t, o, field, "not an object")
	}
	if v, ok := t.Member(o, "callStackPerThread"); ok {
		dg.perThread = string(t.Raw(v)) == "true"
	}
	cs, ok := t.Member(o, "callStacks")
	if !ok {
		return nil
	}
	if t.Nodes[cs].Kind != '[' {
		return ferr(t, cs, join(field, "callStacks"), "not an array")
	}
	for i, s := range t.Elems(cs) {
		sf := join(field, "callStacks["+strconv.Itoa(i)+"]")
		if t.Nodes[s].Kind != '{' {
			return ferr(t, s, sf, "not an object")
		}
		st := stack{}
		if v, ok := t.Member(s, "threadAttributed"); ok {
			st.attributed = string(t.Raw(v)) == "true"
		}
		if roots, ok := t.Member(s, "callStackRootFrames"); ok && t.Nodes[roots].Kind == '[' {
			for j, r := range t.Elems(roots) {
				n, err := d.frame(t, r, sf+".callStackRootFrames["+strconv.Itoa(j)+"]", 0, dg.perThread)
				if err != nil {
					return err
				}
				st.roots = append(st.roots, n)
			}
		}
		dg.stacks = append(dg.stacks, st)
	}
	return nil
}

// ownedKeys are the members this package writes into a frame object.
var ownedKeys = []string{"symbol", "symbolLocation", "rawSymbol", "sourceFile", "sourceLine"}

// frame reads frame object o and its subFrames, depth first; it returns the
// node's index. The tape's nesting limit bounds the depth.
func (d *Document) frame(t *jsontape.Tape, o int32, field string, depth int, perThread bool) (int, error) {
	if t.Nodes[o].Kind != '{' {
		return 0, ferr(t, o, field, "not an object")
	}
	i := len(d.nodes)
	d.nodes = append(d.nodes, node{})
	n := node{obj: t.Span(o), diag: len(d.diags)}
	n.Image = -1
	var subs int32 = -1
	for k := o + 1; k < t.Nodes[o].Next; k = t.Nodes[k+1].Next {
		v := k + 1
		n.lastEnd = int(t.Nodes[v].End)
		switch key := t.Key(k); key {
		case "binaryUUID":
			u, err := process.ParseUUID(t.Str(v))
			if err != nil {
				return 0, ferr(t, v, field+".binaryUUID", err.Error())
			}
			n.uuid = u
		case "offsetIntoBinaryTextSegment":
			val, err := strconv.ParseUint(string(t.Raw(v)), 10, 64)
			if err != nil {
				return 0, ferr(t, v, field+".offsetIntoBinaryTextSegment", "not an unsigned integer")
			}
			n.value = val
		case "address":
			if a, err := strconv.ParseUint(string(t.Raw(v)), 10, 64); err == nil {
				n.addr, n.hasAddr = a, true
			}
		case "binaryName":
			n.name = t.Str(v)
		case "sampleCount":
			n.count, _ = strconv.Atoi(string(t.Raw(v)))
		case "subFrames":
			subs = v
		case "symbol":
			if t.Nodes[v].Kind == '"' {
				n.Symbol, n.HasSymbol = t.Str(v), true
			}
			fallthrough
		default:
			for _, ok := range ownedKeys {
				if key == ok {
					if n.owned == nil {
						n.owned = map[string]jsontape.Span{}
					}
					n.owned[key] = t.Span(v)
				}
			}
		}
	}
	// Crash chains: callers (below the root) hold return addresses.
	n.Return = perThread && depth > 0
	if subs >= 0 && t.Nodes[subs].Kind == '[' {
		for j, s := range t.Elems(subs) {
			c, err := d.frame(t, s, field+".subFrames["+strconv.Itoa(j)+"]", depth+1, perThread)
			if err != nil {
				return 0, err
			}
			n.children = append(n.children, c)
		}
	}
	d.nodes[i] = n
	return i, nil
}

// buildProcess makes one image per UUID, detects each image's offset
// convention and places every frame.
func (d *Document) buildProcess() {
	d.p = &process.Process{WordSize: 64}
	for _, dg := range d.diags {
		if v := dg.meta["osVersion"]; v != "" && d.p.Platform == "" {
			d.p.Platform = v
		}
	}
	// One image per UUID and diagnostic: two diagnostics are two runs, and
	// may have loaded an image at two addresses.
	type key struct {
		diag int
		uuid process.UUID
	}
	byUUID := map[key]int{}
	var members [][]int
	for i := range d.nodes {
		n := &d.nodes[i]
		if n.uuid.IsZero() {
			continue
		}
		k, ok := byUUID[key{n.diag, n.uuid}]
		if !ok {
			k = len(d.p.Images)
			byUUID[key{n.diag, n.uuid}] = k
			d.p.Images = append(d.p.Images, process.Image{ID: process.UUIDBuildID(n.uuid), Name: n.name})
			members = append(members, nil)
		}
		if d.p.Images[k].Name == "" {
			d.p.Images[k].Name = n.name
		}
		members[k] = append(members[k], i)
	}
	loadAddr := 0
	for k, ms := range members {
		im := &d.p.Images[k]
		if im.Name == "" {
			im.Name = im.ID.String()
		}
		if isLoadAddress(d.nodes, ms) {
			loadAddr++
			base := d.nodes[ms[0]].value
			im.Base = base
			for _, i := range ms {
				n := &d.nodes[i]
				if n.hasAddr {
					n.Image, n.Offset = k, n.addr-base
				}
			}
			continue
		}
		for _, i := range ms {
			n := &d.nodes[i]
			n.Image, n.Offset = k, n.value
			if n.hasAddr && im.Base == 0 && n.addr >= n.value {
				im.Base = n.addr - n.value
			}
		}
	}
	for k := range d.p.Images {
		if d.p.Images[k].Base == 0 {
			d.p.Images[k].Kind = process.Unplaced
		}
	}
	if loadAddr > 0 {
		d.warnf("offsetIntoBinaryTextSegment holds the load address of %d of %d images (as iOS 15 and earlier wrote it): their offsets are computed from the frames' addresses", loadAddr, len(d.p.Images))
	}
}

// isLoadAddress reports whether an image's frames carry its load address
// instead of an offset: the same page-aligned value in every frame, every
// address at most 4 GiB past it, and either several addresses or a value
// no offset into a text segment reaches.
func isLoadAddress(nodes []node, ms []int) bool {
	v := nodes[ms[0]].value
	if v == 0 || v&0xfff != 0 {
		return false
	}
	addrs := map[uint64]bool{}
	for _, i := range ms {
		n := &nodes[i]
		if n.value != v {
			return false
		}
		if n.hasAddr {
			if n.addr < v || n.addr-v >= 1<<32 {
				return false
			}
			addrs[n.addr] = true
		}
	}
	return len(addrs) >= 2 || len(addrs) == 1 && v >= 1<<32
}
