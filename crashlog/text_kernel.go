package crashlog

import (
	"strconv"
	"strings"
)

// Text rendering of kernel-style reports (210, 151, 288). Apple has no text
// form of these payloads, so the layout is ours (docs/output.md): a header,
// the panic string, then every thread that has frames, grouped by process,
// with kernel frames before user frames, and the binary images.

func (t *textWriter) renderKernel() {
	r, kp := t.r, t.r.kp
	const w = 21
	t.kvIf(w, "Incident Identifier", r.Incident)
	t.kvIf(w, "CrashReporter Key", string(kp.CrashReporterKey))
	t.kvIf(w, "Hardware Model", string(kp.Product))
	t.kvIf(w, "Date/Time", r.CaptureTime)
	t.kvIf(w, "OS Version", r.OSVersion)
	t.kvIf(w, "Kernel", string(kp.Kernel))
	bt := r.BugType
	if r.BugTypeName != "" {
		bt += " (" + r.BugTypeName + ")"
	}
	t.kvIf(w, "Bug Type", bt)
	t.blank()
	panicText := string(kp.PanicString)
	if panicText == "" {
		panicText = string(kp.String)
	}
	if panicText != "" {
		t.line("Panic String:")
		t.line(strings.TrimRight(panicText, "\n"))
		t.blank()
	}
	if s := string(kp.MacOSPanicString); s != "" {
		t.line("macOS Panic String:")
		t.line(strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), "\n"))
		t.blank()
	}
	if len(kp.Notes) > 0 {
		t.line("Notes:")
		for _, n := range kp.Notes {
			t.line(n)
		}
		t.blank()
	}
	lastPID := int64(-2)
	for i := range r.Threads {
		th := &r.Threads[i]
		if len(th.Frames) == 0 && len(th.KernelFrames) == 0 {
			continue
		}
		if th.PID != lastPID {
			lastPID = th.PID
			t.line("Process " + strconv.FormatInt(th.PID, 10) + ": " + orUnknown(th.Process))
			t.blank()
		}
		h := "Thread " + strconv.FormatUint(th.ID, 10)
		if th.Name != "" {
			h += " name: " + th.Name
		}
		if th.Queue != "" {
			h += " Dispatch queue: " + th.Queue
		}
		if len(th.State) > 0 {
			h += " [" + strings.Join(th.State, ", ") + "]"
		}
		t.line(h + ":")
		if len(th.KernelFrames) > 0 {
			t.line("Kernel Frames:")
			t.frames(th.KernelFrames)
		}
		if len(th.Frames) > 0 {
			t.line("User Frames:")
			t.frames(th.Frames)
		}
		t.blank()
	}
	t.line("Binary Images:")
	for i := range r.Images {
		im := &r.Images[i]
		t.printf("%18s %s %s <%s> %s\n", "0x"+strconv.FormatUint(im.Base, 16), kernelImageName(im),
			orUnknown(im.Source), strings.ToLower(im.UUID.String()), orUnknown(im.Path))
	}
	t.blank()
	t.line("EOF")
}

// kernelImageName names a binaryImages tuple, which carries no name: its
// region type and the first UUID group.
func kernelImageName(im *Image) string {
	if im.Name != "" {
		return im.Name
	}
	kind := "image"
	switch im.Source {
	case "K", "T", "U":
		kind = "kernel"
	case "S", "C":
		kind = "sharedcache"
	case "A":
		return "absolute"
	}
	if !im.HasUUID {
		return kind
	}
	return kind + "-" + strings.ToLower(im.UUID.String()[:8])
}
