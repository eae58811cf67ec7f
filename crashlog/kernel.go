package crashlog

import (
	"fmt"
	"strconv"

	json "github.com/goccy/go-json"

	"github.com/symbolicate/symbolicate/imagemap"
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

// decodeKernel decodes a kernel-style payload.
func (r *Report) decodeKernel(b []byte, ps span, pm []member) error {
	var kp kernelPayload
	if err := json.Unmarshal(b[ps.start:ps.end], &kp); err != nil {
		return memberDecodeFail[kernelPayload](r, b, pm, ps, "payload", err)
	}
	r.p = &payload{}
	r.kp = &kp
	if r.Incident == "" {
		r.Incident = string(kp.Incident)
	}
	if r.OSVersion == "" {
		r.OSVersion = string(kp.Build)
	}
	r.CaptureTime = string(kp.Date)

	if bs, ok := findMember(pm, "binaryImages"); ok && b[bs.start] == '[' {
		elems, err := arrayElems(b, bs.start)
		if err != nil {
			return r.scanFail("binaryImages", err)
		}
		r.Images = make([]Image, 0, len(elems))
		for i, e := range elems {
			im, err := r.kernelImage(b, e, i)
			if err != nil {
				return err
			}
			r.Images = append(r.Images, im)
		}
	}

	pbp, ok := findMember(pm, "processByPid")
	if !ok || b[pbp.start] != '{' {
		return nil
	}
	procs, err := objectMembers(b, pbp.start)
	if err != nil {
		return r.scanFail("processByPid", err)
	}
	for _, pr := range procs {
		if b[pr.val.start] != '{' {
			continue
		}
		pms, err := objectMembers(b, pr.val.start)
		if err != nil {
			return r.scanFail("processByPid", err)
		}
		var name jstr
		pid := int64(-1)
		if v, ok := findMember(pms, "procname"); ok {
			_ = name.UnmarshalJSON(b[v.start:v.end])
		}
		if v, ok := findMember(pms, "pid"); ok {
			var n jnum
			if n.UnmarshalJSON(b[v.start:v.end]) == nil && n.iok {
				pid = n.i
			}
		} else if n, err := strconv.ParseInt(pr.key, 10, 64); err == nil {
			pid = n
		}
		tb, ok := findMember(pms, "threadById")
		if !ok || b[tb.start] != '{' {
			continue
		}
		tms, err := objectMembers(b, tb.start)
		if err != nil {
			return r.scanFail("threadById", err)
		}
		for _, tm := range tms {
			if b[tm.val.start] != '{' {
				continue
			}
			if err := r.kernelThread(b, tm, pid, string(name)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *Report) kernelThread(b []byte, tm member, pid int64, proc string) error {
	ms, err := objectMembers(b, tm.val.start)
	if err != nil {
		return r.scanFail("threadById", err)
	}
	th := Thread{PID: pid, Process: proc}
	if n, err := strconv.ParseUint(tm.key, 10, 64); err == nil {
		th.ID = n
	}
	ti := len(r.Threads)
	field := fmt.Sprintf("processByPid[%d].threadById[%s]", pid, tm.key)
	for _, m := range ms {
		v := b[m.val.start:m.val.end]
		switch m.key {
		case "id":
			var n jnum
			if n.UnmarshalJSON(v) == nil && n.uok {
				th.ID = n.u
			}
		case "name":
			var s jstr
			if s.UnmarshalJSON(v) == nil {
				th.Name = string(s)
			}
		case "dispatch_queue_label":
			var s jstr
			if s.UnmarshalJSON(v) == nil {
				th.Queue = string(s)
			}
		case "state":
			var l jstrs
			if l.UnmarshalJSON(v) == nil {
				th.State = l
			}
		case "userFrames", "kernelFrames":
			if v[0] != '[' {
				continue
			}
			which := listFrames
			if m.key == "kernelFrames" {
				which = listKernelFrames
			}
			frames, err := r.tupleFrames(b, m.val, which, ti, field+"."+m.key)
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
func (r *Report) tupleFrames(b []byte, arr span, which listKind, thread int, field string) ([]Frame, error) {
	elems, err := arrayElems(b, arr.start)
	if err != nil {
		return nil, r.scanFail(field, err)
	}
	frames := make([]Frame, len(elems))
	for i, e := range elems {
		f := &frames[i]
		f.src = e
		switch b[e.start] {
		case '[':
			f.tuple = true
			parts, err := arrayElems(b, e.start)
			if err != nil {
				return nil, r.scanFail(field, err)
			}
			if len(parts) < 2 {
				return nil, r.errAt(formatIPS, e.start, field, "frame %d: want [imageIndex, imageOffset]", i)
			}
			var idx, off jnum
			if idx.UnmarshalJSON(b[parts[0].start:parts[0].end]) != nil || off.UnmarshalJSON(b[parts[1].start:parts[1].end]) != nil {
				return nil, r.errAt(formatIPS, e.start, field, "frame %d: want [imageIndex, imageOffset] numbers", i)
			}
			f.ImageIndex = -1
			if idx.iok && idx.i >= 0 && idx.i < int64(len(r.Images)) {
				f.ImageIndex = int(idx.i)
			} else {
				r.warnf("%s[%d]: imageIndex %s is not an image of this report", field, i, idx)
			}
			f.ImageOffset = off.u
		case '{':
			var fj frameJSON
			if err := json.Unmarshal(b[e.start:e.end], &fj); err != nil {
				return nil, r.decodeFail(e.start, field, err)
			}
			r.frameFromJSON(f, &fj, field, i)
		default:
			return nil, r.errAt(formatIPS, e.start, field, "frame %d is neither a tuple nor an object", i)
		}
	}
	r.lists = append(r.lists, frameList{which: which, thread: thread, arr: arr, sep: separator(b, elems)})
	return frames, nil
}

// kernelImage reads one binaryImages entry: [uuid, base, source] (a fourth
// element, when present, is taken as a size) or an object like usedImages.
func (r *Report) kernelImage(b []byte, e span, i int) (Image, error) {
	field := fmt.Sprintf("binaryImages[%d]", i)
	switch b[e.start] {
	case '{':
		var ij imageJSON
		if err := json.Unmarshal(b[e.start:e.end], &ij); err != nil {
			return Image{}, r.decodeFail(e.start, field, err)
		}
		return r.imageFromJSON(&ij, i), nil
	case '[':
	default:
		return Image{}, r.errAt(formatIPS, e.start, field, "want a [uuid, base, source] tuple")
	}
	parts, err := arrayElems(b, e.start)
	if err != nil {
		return Image{}, r.scanFail(field, err)
	}
	var im Image
	for pi, p := range parts {
		v := b[p.start:p.end]
		switch pi {
		case 0:
			var s jstr
			if s.UnmarshalJSON(v) != nil {
				return im, r.errAt(formatIPS, p.start, field, "uuid is not a string")
			}
			if u, err := imagemap.ParseUUID(string(s)); err != nil {
				r.warnf("%s: %v", field, err)
			} else if !u.IsZero() {
				im.UUID, im.HasUUID = u, true
			}
		case 1:
			var n jnum
			if n.UnmarshalJSON(v) != nil {
				return im, r.errAt(formatIPS, p.start, field, "base is not a number")
			}
			im.Base = n.u
		case 2:
			var s jstr
			if s.UnmarshalJSON(v) == nil {
				im.Source = string(s)
			}
		case 3:
			var n jnum
			if n.UnmarshalJSON(v) == nil {
				im.Size = n.u
			}
		}
	}
	return im, nil
}
