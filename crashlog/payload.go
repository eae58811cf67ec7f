package crashlog

import (
	json "github.com/goccy/go-json"
	"github.com/symbolicate/symbolicate/internal/jsontape"
)

// Typed view of the bug_type 309 payload (ips.md §4–§7). The payload is
// validated and indexed once (tape.go); then each top-level member the model
// or the renderer uses is decoded on its own: small objects with go-json,
// scalars with the tolerant types of jsontypes.go, and the frame lists, the
// images, registers and "asi" straight from the tape (they need byte
// spans or document order). Every other member stays available, unmodified,
// in Report.Fields, and the JSON writer copies the original bytes.

type header struct {
	BugType      jstr `json:"bug_type"`
	Timestamp    jstr `json:"timestamp"`
	OSVersion    jstr `json:"os_version"`
	IncidentID   jstr `json:"incident_id"`
	Name         jstr `json:"name"`
	AppName      jstr `json:"app_name"`
	AppVersion   jstr `json:"app_version"`
	BuildVersion jstr `json:"build_version"`
	BundleID     jstr `json:"bundleID"`
	SliceUUID    jstr `json:"slice_uuid"`
	Platform     jnum `json:"platform"`
}

type payload struct {
	hdr header

	Version          jnum             `json:"version"`
	Incident         jstr             `json:"incident"`
	CrashReporterKey jstr             `json:"crashReporterKey"`
	ModelCode        jstr             `json:"modelCode"`
	ProcName         jstr             `json:"procName"`
	ProcPath         jstr             `json:"procPath"`
	PID              jnum             `json:"pid"`
	BundleInfo       bundleInfo       `json:"bundleInfo"`
	StoreInfo        storeInfo        `json:"storeInfo"`
	CPUType          jstr             `json:"cpuType"`
	Translated       jbool            `json:"translated"`
	ProcRole         jstr             `json:"procRole"`
	ParentProc       jstr             `json:"parentProc"`
	ParentPID        jnum             `json:"parentPid"`
	ResponsibleProc  jstr             `json:"responsibleProc"`
	ResponsiblePID   jnum             `json:"responsiblePid"`
	CoalitionName    jstr             `json:"coalitionName"`
	CoalitionID      jnum             `json:"coalitionID"`
	UserID           jnum             `json:"userID"`
	CaptureTime      jstr             `json:"captureTime"`
	ProcLaunch       jstr             `json:"procLaunch"`
	OSVersion        osVersion        `json:"osVersion"`
	BasebandVersion  jstr             `json:"basebandVersion"`
	Uptime           jnum             `json:"uptime"`
	WakeTime         jnum             `json:"wakeTime"`
	SleepWakeUUID    jstr             `json:"sleepWakeUUID"`
	SIP              jstr             `json:"sip"`
	IsCorpse         jbool            `json:"isCorpse"`
	IsNonFatal       jbool            `json:"isNonFatal"`
	IsSimulated      jbool            `json:"isSimulated"`
	Exception        exception        `json:"exception"`
	Termination      *termination     `json:"termination"`
	ExceptionReason  *excReason       `json:"exceptionReason"`
	ASIBacktraces    jstrs            `json:"asiBacktraces"`
	KTriageInfo      jstr             `json:"ktriageinfo"`
	VMRegionInfo     jstr             `json:"vmRegionInfo"`
	VMRegionInfoLC   jstr             `json:"vmregioninfo"`
	VMSummary        jstr             `json:"vmSummary"`
	ExtMods          *extMods         `json:"extMods"`
	LegacyInfo       legacyInfo       `json:"legacyInfo"`
	FaultingThread   jnum             `json:"faultingThread"`
	ReportNotes      jstrs            `json:"reportNotes"`
	SharedCache      *sharedCacheJSON `json:"sharedCache"`

	asi   []asiEntry    // "asi" in document order
	instr []*instrState // per thread: instructionState, nil when absent
}

type asiEntry struct {
	image string
	msgs  []string
}

type bundleInfo struct {
	ID            jstr `json:"CFBundleIdentifier"`
	ShortVersion  jstr `json:"CFBundleShortVersionString"`
	Version       jstr `json:"CFBundleVersion"`
	AppStoreTools jstr `json:"DTAppStoreToolsBuild"`
}

type storeInfo struct {
	ApplicationVariant jstr `json:"applicationVariant"`
	ItemID             jstr `json:"itemID"`
}

type osVersion struct {
	Train       jstr  `json:"train"`
	Build       jstr  `json:"build"`
	ReleaseType jstr  `json:"releaseType"`
	IsEmbedded  jbool `json:"isEmbedded"`
}

type exception struct {
	Type    jstr `json:"type"`
	Signal  jstr `json:"signal"`
	Codes   jstr `json:"codes"`
	Subtype jstr `json:"subtype"`
	Message jstr `json:"message"`
}

type termination struct {
	Namespace jstr  `json:"namespace"`
	Code      jnum  `json:"code"`
	Indicator jstr  `json:"indicator"`
	ByProc    jstr  `json:"byProc"`
	ByPID     jnum  `json:"byPid"`
	Details   jstrs `json:"details"`
	Reasons   jstrs `json:"reasons"`
}

type excReason struct {
	ComposedMessage jstr `json:"composed_message"`
}

type extMods struct {
	Caller   extCounts `json:"caller"`
	Targeted extCounts `json:"targeted"`
	System   extCounts `json:"system"`
}

type extCounts struct {
	TaskForPID     jnum `json:"task_for_pid"`
	ThreadCreate   jnum `json:"thread_create"`
	ThreadSetState jnum `json:"thread_set_state"`
}

type legacyInfo struct {
	ThreadTriggered struct {
		Queue jstr `json:"queue"`
		Name  jstr `json:"name"`
	} `json:"threadTriggered"`
}

type instrState struct {
	Stream struct {
		Bytes  []jnum `json:"bytes"`
		Offset jnum   `json:"offset"`
	} `json:"instructionStream"`
}

// imageJSON is one usedImages (or kernel binaryImages) object, decoded from
// the tape by fromTape.
type imageJSON struct {
	Source        jstr
	Arch          jstr
	Base          jnum
	Size          jnum
	Path          jstr
	BundleID      jstr // CFBundleIdentifier
	ShortVersion  jstr // CFBundleShortVersionString
	BundleVersion jstr // CFBundleVersion
	// The uuid and name as read, aliasing the input when they have no
	// escapes: imageFromJSON parses the one and compares the other with the
	// path's last element, copying neither.
	UUID, Name []byte
}

type sharedCacheJSON struct {
	Base jnum `json:"base"`
	Size jnum `json:"size"`
	UUID jstr `json:"uuid"`
}

// set decodes one header member.
func (h *header) set(t *jsontape.Tape, k, v int32) {
	raw := t.Raw(v)
	switch string(t.KeyBytes(k)) {
	case "bug_type":
		_ = h.BugType.UnmarshalJSON(raw)
	case "timestamp":
		_ = h.Timestamp.UnmarshalJSON(raw)
	case "os_version":
		_ = h.OSVersion.UnmarshalJSON(raw)
	case "incident_id":
		_ = h.IncidentID.UnmarshalJSON(raw)
	case "name":
		_ = h.Name.UnmarshalJSON(raw)
	case "app_name":
		_ = h.AppName.UnmarshalJSON(raw)
	case "app_version":
		_ = h.AppVersion.UnmarshalJSON(raw)
	case "build_version":
		_ = h.BuildVersion.UnmarshalJSON(raw)
	case "bundleID":
		_ = h.BundleID.UnmarshalJSON(raw)
	case "slice_uuid":
		_ = h.SliceUUID.UnmarshalJSON(raw)
	case "platform":
		_ = h.Platform.UnmarshalJSON(raw)
	}
}

// set decodes one top-level payload member that is not decoded from the
// tape. Only go-json can fail here (a member of the wrong shape, such as
// "usedImages" that is not an array of objects).
func (p *payload) set(t *jsontape.Tape, k, v int32) error {
	raw := t.Raw(v)
	var u interface{ UnmarshalJSON([]byte) error }
	var obj any
	switch string(t.KeyBytes(k)) {
	case "version":
		u = &p.Version
	case "incident":
		u = &p.Incident
	case "crashReporterKey":
		u = &p.CrashReporterKey
	case "modelCode":
		u = &p.ModelCode
	case "procName":
		u = &p.ProcName
	case "procPath":
		u = &p.ProcPath
	case "pid":
		u = &p.PID
	case "cpuType":
		u = &p.CPUType
	case "translated":
		u = &p.Translated
	case "procRole":
		u = &p.ProcRole
	case "parentProc":
		u = &p.ParentProc
	case "parentPid":
		u = &p.ParentPID
	case "responsibleProc":
		u = &p.ResponsibleProc
	case "responsiblePid":
		u = &p.ResponsiblePID
	case "coalitionName":
		u = &p.CoalitionName
	case "coalitionID":
		u = &p.CoalitionID
	case "userID":
		u = &p.UserID
	case "captureTime":
		u = &p.CaptureTime
	case "procLaunch":
		u = &p.ProcLaunch
	case "basebandVersion":
		u = &p.BasebandVersion
	case "uptime":
		u = &p.Uptime
	case "wakeTime":
		u = &p.WakeTime
	case "sleepWakeUUID":
		u = &p.SleepWakeUUID
	case "sip":
		u = &p.SIP
	case "isCorpse":
		u = &p.IsCorpse
	case "isNonFatal":
		u = &p.IsNonFatal
	case "isSimulated":
		u = &p.IsSimulated
	case "asiBacktraces":
		u = &p.ASIBacktraces
	case "ktriageinfo":
		u = &p.KTriageInfo
	case "vmRegionInfo":
		u = &p.VMRegionInfo
	case "vmregioninfo":
		u = &p.VMRegionInfoLC
	case "vmSummary":
		u = &p.VMSummary
	case "faultingThread":
		u = &p.FaultingThread
	case "reportNotes":
		u = &p.ReportNotes
	case "bundleInfo":
		obj = &p.BundleInfo
	case "storeInfo":
		obj = &p.StoreInfo
	case "osVersion":
		obj = &p.OSVersion
	case "exception":
		obj = &p.Exception
	case "termination":
		obj = &p.Termination
	case "exceptionReason":
		obj = &p.ExceptionReason
	case "extMods":
		obj = &p.ExtMods
	case "legacyInfo":
		obj = &p.LegacyInfo
	case "sharedCache":
		obj = &p.SharedCache
	default:
		return nil
	}
	if u != nil {
		return u.UnmarshalJSON(raw)
	}
	if t.Nodes[v].Kind == 'n' {
		return nil
	}
	return json.Unmarshal(raw, obj)
}
