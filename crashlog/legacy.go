package crashlog

import (
	"bytes"
	"sort"
	"strconv"
	"strings"

	"github.com/symbolicate/symbolicate/internal/jsontape"
	"github.com/symbolicate/symbolicate/process"
)

// Legacy text crash reports: the pre-JSON ".crash" layout of iOS ("Report
// Version: 104") and macOS ("Report Version: 11/12"), the text body of a
// bug_type 109 .ips, and Console/Xcode renderings of JSON reports. The parser
// is line based and lenient: lines it does not understand are kept verbatim
// by the text writer, which only rewrites the symbol part of frame lines.

// legacyDoc keeps what the legacy text writer needs.
type legacyDoc struct {
	props []prop // "Key: Value" lines before the first thread
}

type prop struct{ key, val string }

// textLine is one line of the input without its line break ("\n" or "\r\n").
type textLine struct {
	Start, End int // content
	next       int // start of the following line
}

func splitLines(b []byte, from int) []textLine {
	var out []textLine
	for i := from; i < len(b); {
		j := bytes.IndexByte(b[i:], '\n')
		var l textLine
		if j < 0 {
			l = textLine{i, len(b), len(b)}
		} else {
			l = textLine{i, i + j, i + j + 1}
		}
		if l.End > l.Start && b[l.End-1] == '\r' {
			l.End--
		}
		out = append(out, l)
		i = l.next
	}
	return out
}

// parseLegacy parses a text report starting at offset start of b.
func (r *Report) parseLegacy(b []byte, start int) error {
	r.Kind = KindLegacyText
	doc := &legacyDoc{}
	r.legacy = doc
	lines := splitLines(b, start)
	r.legacyImages(b, lines) // first, so that frames can be matched to images
	w := legacyWalk{r: r, b: b, idx: newImageIndex(r.Images), crashedNum: -1, inHeader: true,
		pendingName: map[int]string{}, threadNum: map[int]int{}}
	for _, l := range lines {
		w.line(l)
	}
	r.fillLegacyProps(w.crashedNum)
	w.markFaulting()
	if len(r.Threads) == 0 && len(r.Images) == 0 && r.LastExceptionBacktrace == nil {
		// Nothing with frames: a kernel panic log or an unrelated text.
		if r.BugType == "" && bytes.HasPrefix(bytes.TrimSpace(b[start:]), []byte("panic(")) {
			r.BugTypeName = "Panic"
		}
		if r.BugType == "" && r.BugTypeName == "" && !hasCrashProps(doc.props) {
			return r.errAt(formatText, start, "", "no crash report found: no Process/Incident/Exception lines, threads or Binary Images").Wrap(ErrUnsupported)
		}
		r.Kind = KindOther
	}
	return nil
}

// legacyImages reads the Binary Images section.
func (r *Report) legacyImages(b []byte, lines []textLine) {
	for li, l := range lines {
		if strings.TrimSpace(string(b[l.Start:l.End])) != "Binary Images:" {
			continue
		}
		for _, il := range lines[li+1:] {
			im, ok := parseImageLine(string(b[il.Start:il.End]))
			if !ok {
				if len(bytes.TrimSpace(b[il.Start:il.End])) == 0 && len(r.Images) == 0 {
					continue
				}
				break
			}
			r.Images = append(r.Images, im)
		}
		return
	}
}

// legacyWalk is the state of one pass over a text report's lines.
type legacyWalk struct {
	r           *Report
	b           []byte
	idx         *imageIndex
	crashedNum  int      // the crashed thread's number; -1 when unknown
	inHeader    bool     // before the first thread: "Key: Value" lines are properties
	cur         *[]Frame // the list receiving frame lines
	pendingName map[int]string
	threadNum   map[int]int // thread number → index in r.Threads
	sawLEB      bool
}

// line handles one line: a frame of the current list, a thread or backtrace
// header, or a header property.
func (w *legacyWalk) line(l textLine) {
	r, line := w.r, w.b[l.Start:l.End]
	if f, ok := r.parseFrameLine(w.b, l, w.idx); ok {
		if w.cur != nil {
			*w.cur = append(*w.cur, f)
		}
		return
	}
	w.cur = nil
	trim := bytes.TrimSpace(line)
	switch {
	case len(trim) == 0:
	case bytes.HasPrefix(line, []byte("Thread ")):
		w.thread(string(line))
	case string(trim) == "Last Exception Backtrace:":
		w.inHeader, w.sawLEB = false, true
		r.LastExceptionBacktrace = nil
		w.cur = &r.LastExceptionBacktrace
	case bytes.HasPrefix(trim, []byte("Application Specific Backtrace ")) && bytes.HasSuffix(trim, []byte(":")):
		// The text ancestor of lastExceptionBacktrace: keep the first one
		// when the report has no Last Exception Backtrace.
		if !w.sawLEB && r.LastExceptionBacktrace == nil {
			w.cur = &r.LastExceptionBacktrace
		}
	case string(trim) == "Binary Images:":
		w.inHeader = false
	case w.inHeader:
		w.property(string(line))
	}
}

// thread handles a "Thread N …" line: a name line, or the header of a
// backtrace, whose frames follow.
func (w *legacyWalk) thread(line string) {
	num, rest, ok := threadHeader(line)
	if !ok {
		return
	}
	w.inHeader = false
	if strings.HasPrefix(rest, " name:") {
		w.pendingName[num] = strings.TrimSpace(rest[len(" name:"):])
		return
	}
	crashed := false
	if strings.HasPrefix(rest, " Crashed:") {
		crashed = true
		rest = rest[len(" Crashed"):]
	}
	if !strings.HasPrefix(rest, ":") {
		return // "Thread 0 crashed with ARM Thread State", "Thread 0 instruction stream:"
	}
	label := strings.TrimSpace(strings.TrimPrefix(rest[1:], ":"))
	if label == "" {
		label = w.pendingName[num]
	}
	th := Thread{Triggered: crashed || num == w.crashedNum}
	th.Name, th.Queue = splitThreadLabel(label)
	th.ID = uint64(num)
	if crashed {
		w.crashedNum = num
	}
	r := w.r
	w.threadNum[num] = len(r.Threads)
	r.Threads = append(r.Threads, th)
	w.cur = &r.Threads[len(r.Threads)-1].Frames
}

// property records a "Key: Value" line of the header block.
func (w *legacyWalk) property(line string) {
	k, v, ok := strings.Cut(line, ":")
	if !ok || strings.Contains(k, "  ") {
		return
	}
	k, v = strings.TrimSpace(k), strings.TrimSpace(v)
	w.r.legacy.props = append(w.r.legacy.props, prop{k, v})
	if k == "Triggered by Thread" || k == "Crashed Thread" {
		d := 0
		for d < len(v) && isDigit(v[d]) {
			d++
		}
		if n, err := strconv.Atoi(v[:d]); err == nil {
			w.crashedNum = n
		}
	}
}

// markFaulting sets the report's faulting thread: the first triggered one,
// else the one the header names.
func (w *legacyWalk) markFaulting() {
	r := w.r
	for i := range r.Threads {
		if r.Threads[i].Triggered && r.FaultingThread < 0 {
			r.FaultingThread = i
		}
	}
	if r.FaultingThread < 0 && w.crashedNum >= 0 {
		if i, ok := w.threadNum[w.crashedNum]; ok {
			r.FaultingThread = i
			r.Threads[i].Triggered = true
		}
	}
}

// hasCrashProps reports whether the header block has a field every crash
// report layout carries.
func hasCrashProps(ps []prop) bool {
	for _, p := range ps {
		switch p.key {
		case "Process", "Incident Identifier", "Exception Type", "Crashed Thread", "Triggered by Thread":
			return true
		}
	}
	return false
}

// threadHeader splits "Thread 12 Crashed:: …" into 12 and " Crashed:: …".
func threadHeader(text string) (int, string, bool) {
	rest := text[len("Thread "):]
	n := 0
	for n < len(rest) && isDigit(rest[n]) {
		n++
	}
	if n == 0 || n > 6 {
		return 0, "", false
	}
	num, _ := strconv.Atoi(rest[:n])
	return num, rest[n:], true
}

// splitThreadLabel splits a thread label into name and dispatch queue.
func splitThreadLabel(label string) (name, queue string) {
	const dq = "Dispatch queue:"
	if i := strings.Index(label, dq); i >= 0 {
		return strings.TrimSpace(label[:i]), strings.TrimSpace(label[i+len(dq):])
	}
	return label, ""
}

func (r *Report) fillLegacyProps(crashedNum int) {
	for _, p := range r.legacy.props {
		switch p.key {
		case "Incident Identifier":
			if r.Incident == "" {
				r.Incident = p.val
			}
		case "Process":
			name, pid := p.val, ""
			if i := strings.LastIndexByte(p.val, '['); i >= 0 && strings.HasSuffix(p.val, "]") {
				name, pid = strings.TrimSpace(p.val[:i]), p.val[i+1:len(p.val)-1]
			}
			r.ProcessName = name
			if n, err := strconv.ParseInt(pid, 10, 64); err == nil {
				r.PID = n
			}
		case "Path":
			r.ProcessPath = p.val
		case "Code Type":
			ct := p.val
			if i := strings.IndexByte(ct, '('); i >= 0 {
				r.Translated = strings.Contains(ct[i:], "Translated")
				ct = strings.TrimSpace(ct[:i])
			}
			r.CPUType = ct
		case "OS Version":
			if r.OSVersion == "" {
				r.OSVersion = p.val
			}
		case "Date/Time":
			r.CaptureTime = p.val
		case "Exception Type":
			t := p.val
			if i := strings.IndexByte(t, '('); i >= 0 && strings.HasSuffix(t, ")") {
				r.Exception.Signal = t[i+1 : len(t)-1]
				t = strings.TrimSpace(t[:i])
			}
			r.Exception.Type = t
		case "Exception Codes":
			if strings.HasPrefix(p.val, "0x") {
				r.Exception.Codes = p.val
			} else {
				r.Exception.Subtype = p.val
			}
		case "Exception Subtype":
			r.Exception.Subtype = p.val
		case "Exception Message":
			r.Exception.Message = p.val
		}
	}
}

// imageIndex finds images by address.
type imageIndex struct {
	images []Image
	order  []int            // image indices sorted by base
	byName map[string][]int // name and bundle id → image indices
}

func newImageIndex(images []Image) *imageIndex {
	ix := &imageIndex{images: images, order: make([]int, len(images)), byName: map[string][]int{}}
	for i := range ix.order {
		ix.order[i] = i
		if n := images[i].Name; n != "" {
			ix.byName[n] = append(ix.byName[n], i)
		}
		if id := images[i].BundleID; id != "" && id != images[i].Name {
			ix.byName[id] = append(ix.byName[id], i)
		}
	}
	sort.SliceStable(ix.order, func(a, b int) bool { return images[ix.order[a]].Base < images[ix.order[b]].Base })
	return ix
}

// lookup returns the image containing addr, preferring one whose name or
// bundle id is name, then any image named name that starts at or below addr.
func (ix *imageIndex) lookup(addr uint64, name string) int {
	n := sort.Search(len(ix.order), func(i int) bool { return ix.images[ix.order[i]].Base > addr })
	best := -1
	for k := n - 1; k >= 0 && k >= n-8; k-- {
		im := &ix.images[ix.order[k]]
		if im.Source == "A" || im.Size == 0 || addr-im.Base >= im.Size {
			continue
		}
		if im.Name == name || im.BundleID == name {
			return ix.order[k]
		}
		if best < 0 {
			best = ix.order[k]
		}
	}
	if best >= 0 {
		return best
	}
	for _, i := range ix.byName[name] {
		if im := &ix.images[i]; im.Base <= addr && im.Source != "A" {
			return i
		}
	}
	return -1
}

// parseFrameLine parses "N   image   \t0xADDR rest" and records the spans of
// the line and of its symbol part.
func (r *Report) parseFrameLine(b []byte, l textLine, ix *imageIndex) (Frame, bool) {
	var f Frame
	s := b[l.Start:l.End]
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	if n == 0 || n > 6 || n >= len(s) || (s[n] != ' ' && s[n] != '\t') {
		return f, false
	}
	// Image column, then the address: after a TAB when there is one (names
	// may contain spaces), else the first " 0x" token.
	var image []byte
	var addrAt int
	if t := bytes.IndexByte(s[n:], '\t'); t >= 0 {
		image = bytes.TrimSpace(s[n : n+t])
		addrAt = n + t + 1
		for addrAt < len(s) && s[addrAt] == ' ' {
			addrAt++
		}
	} else {
		k := bytes.Index(s[n:], []byte(" 0x"))
		if k < 0 {
			return f, false
		}
		image = bytes.TrimSpace(s[n : n+k])
		addrAt = n + k + 1
	}
	if len(image) == 0 || !bytes.HasPrefix(s[addrAt:], []byte("0x")) {
		return f, false
	}
	ae := addrAt + 2
	for ae < len(s) && isHex(s[ae]) {
		ae++
	}
	if ae == addrAt+2 || ae-addrAt-2 > 16 || (ae < len(s) && s[ae] != ' ') {
		return f, false
	}
	addr, err := strconv.ParseUint(string(s[addrAt+2:ae]), 16, 64)
	if err != nil {
		return f, false
	}
	symStart := ae
	for symStart < len(s) && s[symStart] == ' ' {
		symStart++
	}
	f.line = spanOf(jsontape.Span{Start: l.Start, End: l.End})
	f.src = spanOf(jsontape.Span{Start: l.Start + symStart, End: l.End})
	parseSymbolPart(&f, string(s[symStart:]))

	f.Image = -1
	name := string(image)
	if name != "???" {
		f.Image = ix.lookup(addr, name)
	}
	if f.Image >= 0 {
		f.Offset = addr - r.Images[f.Image].Base
	} else {
		f.Offset = addr
		f.absolute = true
	}
	return f, true
}

// parseSymbolPart reads the text after the address: "0xBASE + OFF",
// "symbol + OFF (File.swift:12) [inlined]", atos's "symbol (in Image) (file:line)",
// or "???".
func parseSymbolPart(f *Frame, s string) {
	s = strings.TrimSpace(s)
	if s == "" || s == "???" {
		return
	}
	if strings.HasPrefix(s, "0x") {
		if base, off, ok := strings.Cut(s, " + "); ok && isHexNumber(base[2:]) && isDecimal(off) {
			return
		}
		if isHexNumber(s[2:]) {
			return
		}
	}
	if strings.HasSuffix(s, " [inlined]") {
		f.Inline = true
		s = strings.TrimSuffix(s, " [inlined]")
	}
	if strings.HasSuffix(s, ")") {
		if lp := strings.LastIndexByte(s, '('); lp > 0 {
			inner := s[lp+1 : len(s)-1]
			if c := strings.LastIndexByte(inner, ':'); c > 0 && isDecimal(inner[c+1:]) {
				n, err := strconv.Atoi(inner[c+1:])
				if line, ok := line32(n, err == nil); ok {
					f.SourceFile, f.SourceLine, f.hasLine = inner[:c], line, true
					s = strings.TrimSpace(s[:lp])
				}
			}
		}
	}
	if i := strings.LastIndex(s, " + "); i >= 0 && isDecimal(s[i+3:]) {
		f.SymbolLocation, _ = strconv.ParseUint(s[i+3:], 10, 64)
		s = s[:i]
	}
	if strings.HasSuffix(s, ")") {
		if i := strings.LastIndex(s, " (in "); i >= 0 {
			s = s[:i]
		}
	}
	f.Symbol, f.HasSymbol = s, s != ""
}

func isHexNumber(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

func isDecimal(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// isArch reports whether s names a Mach-O architecture as Binary Images lines write it.
func isArch(s string) bool {
	switch s {
	case "arm64", "arm64e", "arm64_32", "armv7", "armv7s", "armv7k", "armv6", "x86_64", "x86_64h", "i386", "ppc":
		return true
	}
	return false
}

// parseImageLine parses one Binary Images line:
//
//	0x100be4000 - 0x100d37fff itunescloudd arm64e  <ca63…> /path
//	0xf3000 - 0x129ffb +assetsd (2753.1.27) <3581AEE9-…> /path
//	0x100d1f000 - 0x101d1cfff org.monero-project.monero-wallet-gui (0.17.3.0) <aca24bdb-…> /path
func parseImageLine(line string) (Image, bool) {
	var im Image
	s := strings.TrimSpace(line)
	lo, rest, ok := strings.Cut(s, " - ")
	if !ok {
		lo, rest, ok = strings.Cut(s, "-")
		if !ok {
			return im, false
		}
	}
	lo = strings.TrimSpace(lo)
	rest = strings.TrimSpace(rest)
	if !strings.HasPrefix(lo, "0x") {
		return im, false
	}
	base, err := strconv.ParseUint(lo[2:], 16, 64)
	if err != nil {
		return im, false
	}
	hi, rest, _ := strings.Cut(rest, " ")
	var end uint64
	switch {
	case strings.HasPrefix(hi, "0x"):
		if end, err = strconv.ParseUint(hi[2:], 16, 64); err != nil {
			return im, false
		}
	case hi == "???":
	default:
		return im, false
	}
	im.Base = base
	if end >= base && end != ^uint64(0) {
		im.Size = end - base + 1
	}
	lt := strings.IndexByte(rest, '<')
	gt := strings.IndexByte(rest, '>')
	desc := rest
	if lt >= 0 && gt > lt {
		if u, err := process.ParseUUID(rest[lt+1 : gt]); err == nil && !u.IsZero() {
			im.UUID, im.HasUUID = u, true
		}
		im.Path = strings.TrimSpace(rest[gt+1:])
		desc = rest[:lt]
	}
	desc = strings.TrimSpace(desc)
	desc = strings.TrimPrefix(desc, "+")
	desc = strings.TrimSpace(desc)
	if strings.HasSuffix(desc, ")") {
		if lp := strings.LastIndexByte(desc, '('); lp >= 0 {
			ver := desc[lp+1 : len(desc)-1]
			desc = strings.TrimSpace(desc[:lp])
			if ver != "*" {
				short, build, ok := strings.Cut(ver, " - ")
				im.Version = strings.TrimSpace(short)
				if ok {
					im.BundleVersion = strings.TrimSpace(build)
				}
			}
		}
	}
	if sp := strings.LastIndexByte(desc, ' '); sp >= 0 && isArch(desc[sp+1:]) {
		im.Arch = desc[sp+1:]
		desc = strings.TrimSpace(desc[:sp])
	}
	if im.Path == "???" {
		im.Path = ""
	}
	switch {
	case desc == "???" && base == 0:
		im.Source = "A"
	case im.Path != "":
		im.Name = process.NameOf(im.Path)
		if desc != im.Name && desc != "" {
			im.BundleID = desc
		}
	default:
		im.Name = desc
	}
	return im, true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isHex(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }
