package crashlog

import (
	"strconv"

	"github.com/symbolicate/symbolicate/internal/jsontape"
	"github.com/symbolicate/symbolicate/process"
)

// Kernel-style payloads (bug_type 210 panic, 151 force reset, 288 stackshot;
// ips.md §8): binaryImages is a list of [uuid, base, source] tuples and every
// thread under processByPid has userFrames/kernelFrames lists of
// [imageIndex, imageOffset] tuples.

type kernelPayload struct {
	Build            jstr  `json:"build"`
	Product          jstr  `json:"product"`
	Kernel           jstr  `json:"kernel"`
	Incident         jstr  `json:"incident"`
	CrashReporterKey jstr  `json:"crashReporterKey"`
	Date             jstr  `json:"date"`
	PanicString      jstr  `json:"panicString"`
	String           jstr  `json:"string"`
	MacOSPanicString jstr  `json:"macOSPanicString"`
	OtherString      jstr  `json:"otherString"`
	Notes            jstrs `json:"notes"`
}

// decodeKernel decodes a kernel-style payload from its tape.
func (r *Report) decodeKernel(t *jsontape.Tape) error {
	kp := &kernelPayload{}
	r.p = &payload{}
	r.kp = kp
	var imagesNode, procsNode int32 = -1, -1
	for k := int32(1); k < t.Nodes[0].Next; k = t.Nodes[k+1].Next {
		v := k + 1
		raw := t.Raw(v)
		switch string(t.KeyBytes(k)) {
		case "build":
			_ = kp.Build.UnmarshalJSON(raw)
		case "product":
			_ = kp.Product.UnmarshalJSON(raw)
		case "kernel":
			_ = kp.Kernel.UnmarshalJSON(raw)
		case "incident":
			_ = kp.Incident.UnmarshalJSON(raw)
		case "crashReporterKey":
			_ = kp.CrashReporterKey.UnmarshalJSON(raw)
		case "date":
			_ = kp.Date.UnmarshalJSON(raw)
		case "panicString":
			_ = kp.PanicString.UnmarshalJSON(raw)
		case "string":
			_ = kp.String.UnmarshalJSON(raw)
		case "macOSPanicString":
			_ = kp.MacOSPanicString.UnmarshalJSON(raw)
		case "otherString":
			_ = kp.OtherString.UnmarshalJSON(raw)
		case "notes":
			_ = kp.Notes.UnmarshalJSON(raw)
		case "binaryImages":
			imagesNode = v
		case "processByPid":
			procsNode = v
		}
	}
	if r.Incident == "" {
		r.Incident = string(kp.Incident)
	}
	if r.OSVersion == "" {
		r.OSVersion = string(kp.Build)
	}
	r.CaptureTime = string(kp.Date)

	if err := r.kernelImages(t, imagesNode); err != nil {
		return err
	}
	return r.kernelProcesses(t, procsNode)
}

// kernelImages decodes binaryImages (node n, -1 when absent).
func (r *Report) kernelImages(t *jsontape.Tape, n int32) error {
	if n < 0 || t.Nodes[n].Kind != '[' {
		return nil
	}
	elems := t.Elems(n)
	r.Images = make([]Image, 0, len(elems))
	for i, e := range elems {
		im, err := r.kernelImage(t, e, i)
		if err != nil {
			return err
		}
		r.Images = append(r.Images, im)
	}
	return nil
}

// kernelProcesses decodes processByPid (node n, -1 when absent): one Thread
// per thread of every process.
func (r *Report) kernelProcesses(t *jsontape.Tape, n int32) error {
	if n < 0 || t.Nodes[n].Kind != '{' {
		return nil
	}
	for pk := n + 1; pk < t.Nodes[n].Next; pk = t.Nodes[pk+1].Next {
		pv := pk + 1
		if t.Nodes[pv].Kind != '{' {
			continue
		}
		name := ""
		pid := int64(-1)
		if n, err := strconv.ParseInt(t.Key(pk), 10, 64); err == nil {
			pid = n
		}
		if v, ok := t.Member(pv, "procname"); ok {
			name = t.Str(v)
		}
		if v, ok := t.Member(pv, "pid"); ok {
			if n := tnum(t, v); n.iok {
				pid = n.i
			}
		}
		tb, ok := t.Member(pv, "threadById")
		if !ok || t.Nodes[tb].Kind != '{' {
			continue
		}
		for tk := tb + 1; tk < t.Nodes[tb].Next; tk = t.Nodes[tk+1].Next {
			if t.Nodes[tk+1].Kind != '{' {
				continue
			}
			if err := r.kernelThread(t, tk, pid, name); err != nil {
				return err
			}
		}
	}
	return nil
}

// kernelThread decodes one threadById member (key node tk).
func (r *Report) kernelThread(t *jsontape.Tape, tk int32, pid int64, proc string) error {
	tv := tk + 1
	th := Thread{PID: pid, Process: proc}
	key := t.Key(tk)
	if n, err := strconv.ParseUint(key, 10, 64); err == nil {
		th.ID = n
	}
	ti := len(r.Threads)
	for k := tv + 1; k < t.Nodes[tv].Next; k = t.Nodes[k+1].Next {
		v := k + 1
		switch m := string(t.KeyBytes(k)); m {
		case "id":
			if n := tnum(t, v); n.uok {
				th.ID = n.u
			}
		case "name":
			th.Name = t.Str(v)
		case "dispatch_queue_label":
			th.Queue = t.Str(v)
		case "state":
			var l jstrs
			if l.UnmarshalJSON(t.Raw(v)) == nil {
				th.State = l
			}
		case "userFrames", "kernelFrames":
			if !isArray(t.Nodes[v].Kind) {
				continue
			}
			which := listFrames
			if m == "kernelFrames" {
				which = listKernelFrames
			}
			frames, err := r.tupleFrames(t, v, which, ti, func() string {
				return "processByPid[" + strconv.FormatInt(pid, 10) + "].threadById[" + key + "]." + m
			})
			if err != nil {
				return err
			}
			if which == listFrames {
				th.Frames = frames
			} else {
				th.KernelFrames = frames
			}
		}
	}
	r.Threads = append(r.Threads, th)
	return nil
}

// tupleFrames reads a list of [imageIndex, imageOffset] tuples. Frame objects
// (written by WriteJSON for resolved tuples) are accepted as well.
func (r *Report) tupleFrames(t *jsontape.Tape, arr int32, which listKind, thread int, fieldOf func() string) ([]Frame, error) {
	frames := make([]Frame, countElems(t, arr))
	sep, err := r.eachElem(t, arr, len(frames), func(t *jsontape.Tape, e int32, i int) error {
		f := &frames[i]
		switch t.Nodes[e].Kind {
		case '[':
			f.src = spanOf(t.Span(e))
			f.tuple = true
			parts := t.Elems(e)
			if len(parts) < 2 || t.Nodes[parts[0]].Kind != '0' || t.Nodes[parts[1]].Kind != '0' {
				return r.errAt(formatIPS, int(t.Nodes[e].Start), fieldOf(), "frame %d: want [imageIndex, imageOffset]", i)
			}
			idx, off := tnum(t, parts[0]), tnum(t, parts[1])
			f.Image = -1
			if idx.iok && idx.i >= 0 && idx.i < int64(len(r.Images)) {
				f.Image = int(idx.i)
			} else {
				r.warnf("%s[%d]: imageIndex %s is not an image of this report", fieldOf(), i, idx)
			}
			f.Offset = off.u
		case '{':
			r.frameFromTape(t, e, f, fieldOf, i)
		default:
			return r.errAt(formatIPS, int(t.Nodes[e].Start), fieldOf(), "frame %d is neither a tuple nor an object", i)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	r.lists = append(r.lists, frameList{which: which, thread: thread, arr: t.Span(arr), sep: sep})
	return frames, nil
}

// kernelImage reads one binaryImages entry: [uuid, base, source] (a fourth
// element, when present, is taken as a size) or an object like usedImages.
func (r *Report) kernelImage(t *jsontape.Tape, e int32, i int) (Image, error) {
	field := "binaryImages[" + strconv.Itoa(i) + "]"
	switch t.Nodes[e].Kind {
	case '{':
		var ij imageJSON
		ij.fromTape(t, e)
		return r.imageFromJSON(&ij, i), nil
	case '[':
	default:
		return Image{}, r.errAt(formatIPS, int(t.Nodes[e].Start), field, "want a [uuid, base, source] tuple")
	}
	var im Image
	for pi, p := range t.Elems(e) {
		switch pi {
		case 0:
			if t.Nodes[p].Kind != '"' {
				return im, r.errAt(formatIPS, int(t.Nodes[p].Start), field, "uuid is not a string")
			}
			if u, err := process.ParseUUID(t.Str(p)); err != nil {
				r.warnf("%s: %v", field, err)
			} else if !u.IsZero() {
				im.UUID, im.HasUUID = u, true
			}
		case 1:
			if t.Nodes[p].Kind != '0' {
				return im, r.errAt(formatIPS, int(t.Nodes[p].Start), field, "base is not a number")
			}
			im.Base = tnum(t, p).u
		case 2:
			im.Source = t.Str(p)
		case 3:
			im.Size = tnum(t, p).u
		}
	}
	return im, nil
}
