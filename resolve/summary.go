package resolve

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/goccy/go-json"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/process"
	"github.com/symbolicate/symbolicate/symbol"
)

// Summary adds up a batch.
type Summary struct {
	Crashes      int // documents symbolicated (parsed and resolved)
	Skipped      int // recognised inputs with nothing to symbolicate, and unsupported files found by a walk
	Failed       int // inputs that could not be read or parsed
	Unwritten    int // outputs that could not be written
	Frames       int
	Resolved     int
	Already      int
	Unresolved   int
	Unresolvable int
	Degraded     int // unresolved frames whose names are in a missing file (MissingSymbols)
	// MissingCaches, Missing and MissingSymbols are the shared caches, the
	// images and the .symbols files that frames needed and no source had,
	// each sorted by frame count (then identity).
	MissingCaches  []MissingCacheSummary
	Missing        []MissingSummary
	MissingSymbols []MissingSymbolsSummary
	// Failures are the inputs that could not be read or parsed, and
	// WriteFailures the outputs that could not be written, in input order.
	Failures, WriteFailures []Failure
	// Notes are the documents' diagnostics, each once, in the order first met.
	Notes []Note
	// Changed lists the sources a file of which changed on disk while the
	// batch used it (truncated, replaced or rewritten), sorted by source.
	// Outputs of the reports it names may be wrong.
	Changed []ChangedSummary
	// Internal counts the inputs whose processing failed on an internal
	// error (a bug); they are among Failures too.
	Internal int

	missing  map[process.BuildID]*MissingSummary
	caches   map[process.UUID]*MissingCacheSummary
	symfiles map[string]*MissingSymbolsSummary
	notes    map[string]int // note text -> index in Notes
	// reportsBy lists, by source, the reports that used it or failed
	// because it changed; changedFrames counts the latter's frames.
	reportsBy     map[string][]string
	changedFrames map[string]int
}

// ChangedSummary is a source that changed on disk during the batch.
type ChangedSummary struct {
	Err *symbol.ChangedError
	// Frames counts the frames that failed because of the change.
	Frames int
	// Reports names, in input order, every report that used the source or
	// failed because of it: their outputs may be wrong.
	Reports []string
}

// Failure is one input, or its output, that failed.
type Failure struct {
	Input string
	Err   error
}

// Note is a diagnostic met in one or more documents.
type Note struct {
	diag.Diagnostic
	Input   string // the first input it was met in
	Reports int    // how many inputs it was met in
}

// MissingSummary is one missing image across the batch.
type MissingSummary struct {
	ID       process.BuildID
	Name     string
	Arch, OS string // OS: as the first report naming the image gives it
	Frames   int
	Reports  int
}

// MissingCacheSummary is one missing shared cache across the batch.
type MissingCacheSummary struct {
	UUID     process.UUID
	OS, Arch string
	Frames   int
	Reports  int
}

// MissingSymbolsSummary is one missing .symbols file across the batch.
type MissingSymbolsSummary struct {
	Path        string
	UUID, Cache process.UUID
	Frames      int
	Reports     int
}

func newSummary() *Summary {
	return &Summary{missing: map[process.BuildID]*MissingSummary{}, caches: map[process.UUID]*MissingCacheSummary{},
		symfiles: map[string]*MissingSymbolsSummary{}, notes: map[string]int{},
		reportsBy: map[string][]string{}, changedFrames: map[string]int{}}
}

func (s *Summary) add(r *Result) {
	s.note(r.Name, r.Notes)
	switch {
	case r.Err != nil:
		s.Failed++
		if _, ok := errors.AsType[*InternalError](r.Err); ok {
			s.Internal++
		}
		s.Failures = append(s.Failures, Failure{r.Name, r.Err})
		return
	case r.Skip != "":
		s.Skipped++
		return
	case r.Outcome == nil:
		return
	}
	o := r.Outcome
	s.Crashes++
	s.Frames += o.Frames
	s.Resolved += o.Resolved
	s.Already += o.Already
	s.Unresolved += o.Unresolved
	s.Unresolvable += o.Unresolvable
	s.Degraded += o.Degraded
	for id, m := range o.Missing {
		ms := s.missing[id]
		if ms == nil {
			ms = &MissingSummary{ID: id, Name: m.Name, Arch: m.Arch, OS: r.OS}
			s.missing[id] = ms
		}
		ms.Frames += m.Frames
		ms.Reports++
	}
	for u, m := range o.MissingCaches {
		ms := s.caches[u]
		if ms == nil {
			ms = &MissingCacheSummary{UUID: u, OS: m.OS, Arch: m.Arch}
			s.caches[u] = ms
		}
		ms.Frames += m.Frames
		ms.Reports++
	}
	for path, m := range o.MissingSymbols {
		ms := s.symfiles[path]
		if ms == nil {
			ms = &MissingSymbolsSummary{Path: path, UUID: m.UUID, Cache: m.Cache}
			s.symfiles[path] = ms
		}
		ms.Frames += m.Frames
		ms.Reports++
	}
	s.note(r.Name, o.Notes)
	for _, src := range o.Used {
		s.reportsBy[src] = append(s.reportsBy[src], r.Name)
	}
	for src, n := range o.Changed {
		s.changedFrames[src] += n
		if !slices.Contains(o.Used, src) {
			s.reportsBy[src] = append(s.reportsBy[src], r.Name)
		}
	}
}

// changed records the sources found changed at the end of the batch, and
// those that failed frames during it.
func (s *Summary) changed(found []*symbol.ChangedError) {
	bySource := map[string]*symbol.ChangedError{}
	for _, ce := range found {
		bySource[ce.Source] = ce
	}
	for src := range s.changedFrames {
		if bySource[src] == nil {
			bySource[src] = &symbol.ChangedError{Source: src, Err: errors.New("lookups in it failed")}
		}
	}
	for src, ce := range bySource {
		s.Changed = append(s.Changed, ChangedSummary{Err: ce, Frames: s.changedFrames[src], Reports: s.reportsBy[src]})
	}
	slices.SortFunc(s.Changed, func(a, b ChangedSummary) int { return cmp.Compare(a.Err.Source, b.Err.Source) })
	s.reportsBy = nil
}

// note adds an input's diagnostics, each once per batch.
func (s *Summary) note(input string, notes []diag.Diagnostic) {
	seen := map[string]bool{}
	for _, n := range notes {
		key := n.String()
		if seen[key] {
			continue
		}
		seen[key] = true
		if i, ok := s.notes[key]; ok {
			s.Notes[i].Reports++
			continue
		}
		s.notes[key] = len(s.Notes)
		s.Notes = append(s.Notes, Note{Diagnostic: n, Input: input, Reports: 1})
	}
}

func (s *Summary) unwritten(name string, err error) {
	s.Unwritten++
	s.WriteFailures = append(s.WriteFailures, Failure{name, err})
}

func (s *Summary) finish() {
	s.Missing = sortedByFrames(s.missing, func(a, b *MissingSummary) int {
		return cmp.Or(b.Frames-a.Frames, cmp.Compare(a.ID.String(), b.ID.String()))
	})
	s.MissingCaches = sortedByFrames(s.caches, func(a, b *MissingCacheSummary) int {
		return cmp.Or(b.Frames-a.Frames, cmp.Compare(a.UUID.String(), b.UUID.String()))
	})
	s.MissingSymbols = sortedByFrames(s.symfiles, func(a, b *MissingSymbolsSummary) int {
		return cmp.Or(b.Frames-a.Frames, cmp.Compare(a.Path, b.Path))
	})
}

func sortedByFrames[K comparable, V any](m map[K]*V, order func(a, b *V) int) []V {
	list := make([]*V, 0, len(m))
	for _, v := range m {
		list = append(list, v)
	}
	slices.SortFunc(list, order)
	out := make([]V, len(list))
	for i, v := range list {
		out[i] = *v
	}
	return out
}

// HasMissing reports whether some image or cache had no match, or some frame
// lacked its name because a file is missing.
func (s *Summary) HasMissing() bool {
	return len(s.Missing) > 0 || len(s.MissingCaches) > 0 || s.Degraded > 0
}

// MaxListed is how many entries of each list Write shows; WriteMissingJSON
// has them all.
const MaxListed = 20

// Write prints the summary for people (stderr). It is deterministic. Each
// list shows its MaxListed largest entries and says how many more there are;
// every failed input is listed.
func (s *Summary) Write(w io.Writer) error { return s.write(w, true) }

// WriteBrief is Write without the lines of failed inputs and outputs, for a
// caller that printed each failure as it came.
func (s *Summary) WriteBrief(w io.Writer) error { return s.write(w, false) }

func (s *Summary) write(w io.Writer, failures bool) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s, %s: %d newly symbolicated, %d already symbolicated, %d unresolved",
		plural(s.Crashes, "crash", "crashes"), plural(s.Frames, "frame", "frames"), s.Resolved, s.Already, s.Unresolved)
	if s.Degraded > 0 {
		fmt.Fprintf(&b, " (%d of them degraded: their names are in a missing .symbols file)", s.Degraded)
	}
	if s.Unresolvable > 0 {
		fmt.Fprintf(&b, ", %d not resolvable (no image or no UUID)", s.Unresolvable)
	}
	if s.Skipped > 0 {
		fmt.Fprintf(&b, "; %d skipped (nothing to symbolicate)", s.Skipped)
	}
	if s.Failed > 0 {
		fmt.Fprintf(&b, "; %d failed", s.Failed)
	}
	if s.Unwritten > 0 {
		fmt.Fprintf(&b, "; %d not written", s.Unwritten)
	}
	if len(s.Changed) > 0 {
		fmt.Fprintf(&b, "; %s changed on disk during the run", plural(len(s.Changed), "source", "sources"))
	}
	b.WriteString("\n")
	listed(&b, s.Changed, "changed sources", func(c ChangedSummary) string {
		line := c.Err.Error()
		if c.Frames > 0 {
			line += "; " + plural(c.Frames, "frame", "frames") + " not resolved because of it"
		}
		if n := len(c.Reports); n > 0 {
			line += fmt.Sprintf("; the outputs of %s that used it may be wrong (first %s): run them again", plural(n, "report", "reports"), c.Reports[0])
		}
		return line
	})
	listed(&b, s.MissingCaches, "missing shared caches", func(m MissingCacheSummary) string {
		return fmt.Sprintf("missing shared cache %s (%s): %s in %s", m.UUID, orUnknown(m.OS, m.Arch),
			plural(m.Frames, "frame", "frames"), plural(m.Reports, "report", "reports"))
	})
	listed(&b, s.Missing, "missing images", func(m MissingSummary) string {
		arch := ""
		if m.Arch != "" {
			arch = " " + m.Arch
		}
		return fmt.Sprintf("missing image %s <%s>%s: %s in %s", m.Name, m.ID, arch,
			plural(m.Frames, "frame", "frames"), plural(m.Reports, "report", "reports"))
	})
	listed(&b, s.MissingSymbols, "missing .symbols files", func(m MissingSymbolsSummary) string {
		return fmt.Sprintf("missing symbols file %s <%s> of shared cache %s: %s degraded in %s", m.Path, m.UUID, m.Cache,
			plural(m.Frames, "frame", "frames"), plural(m.Reports, "report", "reports"))
	})
	listed(&b, s.Notes, "notes", func(n Note) string {
		if n.Reports == 1 {
			return fmt.Sprintf("note: %s: %s", n.Input, n.Diagnostic)
		}
		return fmt.Sprintf("note: %s (in %d reports, first %s)", n.Diagnostic, n.Reports, n.Input)
	})
	if failures {
		for _, f := range s.Failures {
			fmt.Fprintf(&b, "  failed: %s: %v\n", f.Input, f.Err)
		}
		for _, f := range s.WriteFailures {
			fmt.Fprintf(&b, "  not written: %s: %v\n", f.Input, f.Err)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// listed writes the first MaxListed entries of list, then how many more.
func listed[T any](b *strings.Builder, list []T, what string, line func(T) string) {
	for i, v := range list {
		if i == MaxListed {
			fmt.Fprintf(b, "  … and %d more %s\n", len(list)-MaxListed, what)
			return
		}
		b.WriteString("  ")
		b.WriteString(line(v))
		b.WriteByte('\n')
	}
}

func orUnknown(os, arch string) string {
	if os == "" {
		os = "unknown OS"
	}
	if arch == "" {
		return os
	}
	return os + ", " + arch
}

// WriteMissingJSON writes every missing cache, image and .symbols file as one
// JSON object, for CI jobs that fetch exactly what is missing (and rerun what
// a changed source may have spoiled):
//
//	{"caches": [{"uuid", "os", "arch", "frames", "reports"}],
//	 "images": [{"uuid", "name", "arch", "os", "frames", "reports"}],
//	 "symbolsFiles": [{"path", "uuid", "cache", "frames", "reports"}],
//	 "changed": [{"source", "file", "error", "frames", "reports": [names]}]}
//
// "changed" lists the sources that changed on disk during the run, with
// every report whose output may be wrong because of it.
func (s *Summary) WriteMissingJSON(w io.Writer) error {
	type cache struct {
		UUID    string `json:"uuid"`
		OS      string `json:"os,omitempty"`
		Arch    string `json:"arch,omitempty"`
		Frames  int    `json:"frames"`
		Reports int    `json:"reports"`
	}
	type image struct {
		UUID    string `json:"uuid"`
		Name    string `json:"name"`
		Arch    string `json:"arch,omitempty"`
		OS      string `json:"os,omitempty"`
		Frames  int    `json:"frames"`
		Reports int    `json:"reports"`
	}
	type symfile struct {
		Path    string `json:"path"`
		UUID    string `json:"uuid"`
		Cache   string `json:"cache"`
		Frames  int    `json:"frames"`
		Reports int    `json:"reports"`
	}
	type changed struct {
		Source  string   `json:"source"`
		File    string   `json:"file,omitempty"`
		Error   string   `json:"error"`
		Frames  int      `json:"frames"`
		Reports []string `json:"reports"`
	}
	out := struct {
		Caches       []cache   `json:"caches"`
		Images       []image   `json:"images"`
		SymbolsFiles []symfile `json:"symbolsFiles"`
		Changed      []changed `json:"changed"`
	}{Caches: []cache{}, Images: []image{}, SymbolsFiles: []symfile{}, Changed: []changed{}}
	for _, c := range s.Changed {
		reports := c.Reports
		if reports == nil {
			reports = []string{}
		}
		out.Changed = append(out.Changed, changed{c.Err.Source, c.Err.File, c.Err.Err.Error(), c.Frames, reports})
	}
	for _, m := range s.MissingCaches {
		out.Caches = append(out.Caches, cache{m.UUID.String(), m.OS, m.Arch, m.Frames, m.Reports})
	}
	for _, m := range s.Missing {
		out.Images = append(out.Images, image{m.ID.String(), m.Name, m.Arch, m.OS, m.Frames, m.Reports})
	}
	for _, m := range s.MissingSymbols {
		out.SymbolsFiles = append(out.SymbolsFiles, symfile{m.Path, m.UUID.String(), m.Cache.String(), m.Frames, m.Reports})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// NewSummary returns an empty summary, for a front that gathers results
// itself (a queue client) instead of running a Batch.
func NewSummary() *Summary { return newSummary() }

// Add counts one result; results are added in input order.
func (s *Summary) Add(r *Result) { s.add(r) }

// NotWritten records an output that could not be written.
func (s *Summary) NotWritten(name string, err error) { s.unwritten(name, err) }

// Finish sorts the lists; call it once, after the last Add.
func (s *Summary) Finish() {
	s.finish()
	s.changed(nil)
}
