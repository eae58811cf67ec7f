package crashlog

// Typed view of the bug_type 309 payload (ips.md §4–§7), decoded with
// go-json. Only what the model and the text renderer use is typed; every
// other member stays available, unmodified, in Report.Fields, and the JSON
// writer copies the original bytes.

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
	Threads          []threadJSON     `json:"threads"`
	UsedImages       []imageJSON      `json:"usedImages"`
	SharedCache      *sharedCacheJSON `json:"sharedCache"`
	LastException    []frameJSON      `json:"lastExceptionBacktrace"`

	asi []asiEntry // ordered, from the scanner
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

type threadJSON struct {
	ID               jnum        `json:"id"`
	Name             jstr        `json:"name"`
	Queue            jstr        `json:"queue"`
	Triggered        jbool       `json:"triggered"`
	Frames           []frameJSON `json:"frames"`
	InstructionState *instrState `json:"instructionState"`

	regs *Registers // decoded from threadState by the scanner
}

type instrState struct {
	Stream struct {
		Bytes  []jnum `json:"bytes"`
		Offset jnum   `json:"offset"`
	} `json:"instructionStream"`
}

type frameJSON struct {
	ImageIndex     jnum  `json:"imageIndex"`
	ImageOffset    jnum  `json:"imageOffset"`
	Symbol         *jstr `json:"symbol"`
	SymbolLocation jnum  `json:"symbolLocation"`
	SourceFile     jstr  `json:"sourceFile"`
	SourceLine     jnum  `json:"sourceLine"`
	Inline         jbool `json:"inline"`
}

type imageJSON struct {
	Source        jstr `json:"source"`
	Arch          jstr `json:"arch"`
	Base          jnum `json:"base"`
	Size          jnum `json:"size"`
	UUID          jstr `json:"uuid"`
	Path          jstr `json:"path"`
	Name          jstr `json:"name"`
	BundleID      jstr `json:"CFBundleIdentifier"`
	ShortVersion  jstr `json:"CFBundleShortVersionString"`
	BundleVersion jstr `json:"CFBundleVersion"`
}

type sharedCacheJSON struct {
	Base jnum `json:"base"`
	Size jnum `json:"size"`
	UUID jstr `json:"uuid"`
}

type regJSON struct {
	Value             jnum  `json:"value"`
	Symbol            *jstr `json:"symbol"`
	SymbolLocation    jnum  `json:"symbolLocation"`
	Description       jstr  `json:"description"`
	SourceFile        jstr  `json:"sourceFile"`
	SourceLine        jnum  `json:"sourceLine"`
	MatchesCrashFrame jbool `json:"matchesCrashFrame"`
}
