package crashlog

import (
	"strconv"
	"strings"
)

// Header blocks of the two text layouts (ips.md §10). Field widths and the
// order of lines follow Apple's renderings in the corpus (01b, 07b, 06b:
// "Report Version: 104"; 25b and the macsymbolicator .crash files: "Report
// Version: 12"). Lines whose source field is absent are left out.

// embeddedHeaderBlock writes the "Report Version: 104" header used by Xcode
// for device reports and by Console for iOS-family processes on a Mac.
func (t *textWriter) embeddedHeaderBlock() {
	p := t.p
	const w = 21
	t.kvIf(w, "Incident Identifier", t.r.Incident)
	t.kvIf(w, "CrashReporter Key", string(p.CrashReporterKey))
	t.kvIf(w, "Hardware Model", string(p.ModelCode))
	t.kv(w, "Process", t.r.ProcessName+" ["+pidText(p.PID)+"]")
	t.kvIf(w, "Path", t.r.ProcessPath)
	t.kv(w, "Identifier", t.identifier())
	t.kv(w, "Version", t.version())
	t.kvIf(w, "AppStoreTools", string(p.BundleInfo.AppStoreTools))
	t.kvIf(w, "AppVariant", string(p.StoreInfo.ApplicationVariant))
	t.kv(w, "Code Type", t.codeType())
	t.kvIf(w, "Role", string(p.ProcRole))
	if p.ParentProc != "" {
		t.kv(w, "Parent Process", string(p.ParentProc)+" ["+pidText(p.ParentPID)+"]")
	}
	if p.CoalitionName != "" {
		t.kv(w, "Coalition", string(p.CoalitionName)+" ["+p.CoalitionID.String()+"]")
	}
	if p.ResponsibleProc != "" {
		t.kv(w, "Responsible Process", string(p.ResponsibleProc)+" ["+pidText(p.ResponsiblePID)+"]")
	}
	t.blank()
	t.kvIf(w, "Date/Time", string(p.CaptureTime))
	t.kvIf(w, "Launch Time", string(p.ProcLaunch))
	t.kvIf(w, "OS Version", t.osVersion())
	t.kvIf(w, "Release Type", string(p.OSVersion.ReleaseType))
	t.kvIf(w, "Baseband Version", string(p.BasebandVersion))
	t.kv(w, "Report Version", "104")
	t.blank()

	const ew = 17
	t.kv(ew, "Exception Type", t.exceptionType())
	t.kvIf(ew, "Exception Subtype", string(p.Exception.Subtype))
	t.kvIf(ew, "Exception Message", string(p.Exception.Message))
	t.kvIf(ew, "Exception Codes", string(p.Exception.Codes))
	for _, n := range t.exceptionNotes() {
		t.kv(ew, "Exception Note", n)
	}
	if tm := p.Termination; tm != nil {
		t.line("Termination Reason: " + string(tm.Namespace) + " " + tm.Code.String() + " " + string(tm.Indicator))
		for _, d := range tm.Details {
			t.line(d)
		}
		if tm.ByProc != "" {
			t.line("Terminating Process: " + string(tm.ByProc) + " [" + pidText(tm.ByPID) + "]")
		}
	}
	t.blank()
	if t.r.FaultingThread >= 0 {
		t.line("Triggered by Thread:  " + strconv.Itoa(t.r.FaultingThread))
		t.blank()
	}
	t.kernelTriage()
	t.appSpecific()
}

// macHeaderBlock writes the "Report Version: 12" header of Console's
// rendering of a macOS process.
func (t *textWriter) macHeaderBlock() {
	p := t.p
	const w = 23
	t.kv(w, "Process", t.r.ProcessName+" ["+pidText(p.PID)+"]")
	t.kvIf(w, "Path", t.r.ProcessPath)
	t.kv(w, "Identifier", t.identifier())
	t.kv(w, "Version", t.version())
	t.kvIf(w, "App Item ID", string(p.StoreInfo.ItemID))
	t.kv(w, "Code Type", t.codeType())
	if p.ParentProc != "" {
		t.kv(w, "Parent Process", string(p.ParentProc)+" ["+pidText(p.ParentPID)+"]")
	}
	if p.ResponsibleProc != "" {
		t.kv(w, "Responsible", string(p.ResponsibleProc)+" ["+pidText(p.ResponsiblePID)+"]")
	}
	if p.UserID.set {
		t.kv(w, "User ID", p.UserID.String())
	}
	t.blank()
	t.kvIf(w, "Date/Time", string(p.CaptureTime))
	t.kvIf(w, "OS Version", t.osVersion())
	t.kv(w, "Report Version", "12")
	t.kvIf(w, "Anonymous UUID", string(p.CrashReporterKey))
	t.blank()
	t.kvIf(w, "Sleep/Wake UUID", string(p.SleepWakeUUID))
	t.blank()
	if p.Uptime.set {
		t.kv(w, "Time Awake Since Boot", p.Uptime.String()+" seconds")
	}
	if p.WakeTime.set {
		t.kv(w, "Time Since Wake", p.WakeTime.String()+" seconds")
	}
	t.blank()
	if p.SIP != "" {
		t.line("System Integrity Protection: " + string(p.SIP))
		t.blank()
	}
	if t.r.FaultingThread >= 0 {
		th := &t.r.Threads[t.r.FaultingThread]
		v := strconv.Itoa(t.r.FaultingThread)
		switch {
		case th.Queue != "":
			v += "  Dispatch queue: " + th.Queue
		case th.Name != "":
			v += "  " + th.Name
		}
		t.kv(w, "Crashed Thread", v)
		t.blank()
	}
	t.kv(w, "Exception Type", t.exceptionType())
	t.kvIf(w, "Exception Codes", string(p.Exception.Subtype))
	t.kvIf(w, "Exception Codes", string(p.Exception.Codes))
	t.kvIf(w, "Exception Message", string(p.Exception.Message))
	for _, n := range t.exceptionNotes() {
		t.kv(w, "Exception Note", n)
	}
	t.blank()
	if tm := p.Termination; tm != nil {
		t.kv(w, "Termination Reason", "Namespace "+string(tm.Namespace)+", Code "+tm.Code.String()+" "+string(tm.Indicator))
		for _, d := range tm.Details {
			t.line(d)
		}
		if tm.ByProc != "" {
			t.kv(w, "Terminating Process", string(tm.ByProc)+" ["+pidText(tm.ByPID)+"]")
		}
		t.blank()
	}
	vm := p.VMRegionInfo
	if vm == "" {
		vm = p.VMRegionInfoLC
	}
	if vm != "" {
		t.line("VM Region Info: " + string(vm))
		t.blank()
	}
	t.kernelTriage()
	t.appSpecific()
}

// kernelTriage writes ktriageinfo, which ends with its own newline.
func (t *textWriter) kernelTriage() {
	if kt := string(t.p.KTriageInfo); kt != "" {
		t.line("Kernel Triage:")
		t.buf.WriteString(kt)
		if !strings.HasSuffix(kt, "\n") {
			t.blank()
		}
		t.blank()
		t.blank()
	}
}

// appSpecific writes the Application Specific Information messages, in the
// order of the "asi" object, and the preformatted asiBacktraces.
func (t *textWriter) appSpecific() {
	p := t.p
	if p.ExceptionReason != nil && p.ExceptionReason.ComposedMessage != "" {
		t.line("Exception Reason: " + string(p.ExceptionReason.ComposedMessage))
		t.blank()
	}
	if len(p.asi) > 0 {
		t.line("Application Specific Information:")
		for _, e := range p.asi {
			for _, m := range e.msgs {
				t.line(m)
			}
		}
		t.blank()
	}
	for i, bt := range p.ASIBacktraces {
		t.line("Application Specific Backtrace " + strconv.Itoa(i) + ":")
		t.buf.WriteString(bt)
		if !strings.HasSuffix(bt, "\n") {
			t.blank()
		}
		t.blank()
	}
	if len(p.ReportNotes) > 0 {
		t.line("Error Formulating Crash Report:")
		for _, n := range p.ReportNotes {
			t.line(n)
		}
		t.blank()
	}
}

// macSummaries writes the External Modification and VM Region summaries
// that end the "Report Version: 12" layout.
func (t *textWriter) macSummaries() {
	p := t.p
	t.blank()
	if em := p.ExtMods; em != nil {
		t.line("External Modification Summary:")
		for _, g := range []struct {
			title string
			c     extCounts
		}{
			{"Calls made by other processes targeting this process:", em.Targeted},
			{"Calls made by this process:", em.Caller},
			{"Calls made by all processes on this machine:", em.System},
		} {
			t.line("  " + g.title)
			t.line("    task_for_pid: " + numOr0(g.c.TaskForPID))
			t.line("    thread_create: " + numOr0(g.c.ThreadCreate))
			t.line("    thread_set_state: " + numOr0(g.c.ThreadSetState))
		}
		t.blank()
	}
	if vs := string(p.VMSummary); vs != "" {
		t.line("VM Region Summary:")
		t.buf.WriteString(vs)
		if !strings.HasSuffix(vs, "\n") {
			t.blank()
		}
	}
}

func numOr0(n jnum) string {
	if !n.set {
		return "0"
	}
	return n.String()
}

// kvIf writes the line only when val is not empty.
func (t *textWriter) kvIf(width int, key, val string) {
	if val != "" {
		t.kv(width, key, val)
	}
}

func pidText(n jnum) string {
	if !n.set {
		return "???"
	}
	return n.String()
}

func (t *textWriter) identifier() string {
	if id := string(t.p.BundleInfo.ID); id != "" {
		return id
	}
	return t.r.ProcessName
}

func (t *textWriter) version() string {
	bi := t.p.BundleInfo
	if bi.ShortVersion == "" && bi.Version == "" {
		return "???"
	}
	return string(bi.ShortVersion) + " (" + string(bi.Version) + ")"
}

func (t *textWriter) codeType() string {
	ct := t.r.CPUType
	if ct == "" {
		ct = "???"
	}
	if t.r.Translated {
		return ct + " (Translated)"
	}
	return ct + " (Native)"
}

func (t *textWriter) osVersion() string {
	if t.p.OSVersion.Train != "" {
		return osText(t.p.OSVersion)
	}
	return t.r.OSVersion
}

func (t *textWriter) exceptionType() string {
	e := t.p.Exception
	if e.Signal == "" {
		return string(e.Type)
	}
	return string(e.Type) + " (" + string(e.Signal) + ")"
}

func (t *textWriter) exceptionNotes() []string {
	var out []string
	if t.p.IsCorpse.v {
		out = append(out, "EXC_CORPSE_NOTIFY")
	}
	if t.p.IsNonFatal.v {
		out = append(out, "NON-FATAL CONDITION (this is NOT a crash)")
	}
	if t.p.IsSimulated.v {
		out = append(out, "SIMULATED (this is NOT a crash)")
	}
	return out
}
