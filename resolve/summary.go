package resolve

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/process"
)

// Summary adds up a batch.
type Summary struct {
	Crashes      int // documents symbolicated (parsed and resolved)
	Skipped      int // recognised inputs with nothing to symbolicate
	Failed       int // inputs that could not be read or parsed
	Unwritten    int // outputs that could not be written
	Frames       int
	Resolved     int
	Already      int
	Unresolved   int
	Unresolvable int
	// Missing are the images whose build ID matched no source, sorted by
	// frame count (then build ID).
	Missing []MissingSummary
	// MissingCaches are shared-cache UUIDs named by documents and not found.
	MissingCaches []process.UUID
	// Failures are the inputs that could not be read or parsed, and
	// WriteFailures the outputs that could not be written, in input order.
	Failures, WriteFailures []Failure
	// Notes are diagnostics from the documents, in input order.
	Notes []Note

	missing map[process.BuildID]*MissingSummary
	caches  map[process.UUID]bool
}

// Failure is one input, or its output, that failed.
type Failure struct {
	Input string
	Err   error
}

// Note is a diagnostic about one input.
type Note struct {
	Input string
	diag.Diagnostic
}

// MissingSummary is one missing image across the batch.
type MissingSummary struct {
	ID      process.BuildID
	Name    string
	Frames  int
	Reports int
}

func newSummary() *Summary {
	return &Summary{missing: map[process.BuildID]*MissingSummary{}, caches: map[process.UUID]bool{}}
}

func (s *Summary) add(r *Result) {
	switch {
	case r.Err != nil:
		s.Failed++
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
	for id, m := range o.Missing {
		ms := s.missing[id]
		if ms == nil {
			ms = &MissingSummary{ID: id, Name: m.Name}
			s.missing[id] = ms
		}
		ms.Frames += m.Frames
		ms.Reports++
	}
	for _, u := range o.MissingCaches {
		s.caches[u] = true
	}
	for _, n := range o.Notes {
		s.Notes = append(s.Notes, Note{r.Name, n})
	}
}

func (s *Summary) unwritten(name string, err error) {
	s.Unwritten++
	s.WriteFailures = append(s.WriteFailures, Failure{name, err})
}

func (s *Summary) finish() {
	for _, m := range s.missing {
		s.Missing = append(s.Missing, *m)
	}
	sort.Slice(s.Missing, func(i, j int) bool {
		a, b := s.Missing[i], s.Missing[j]
		if a.Frames != b.Frames {
			return a.Frames > b.Frames
		}
		return a.ID.String() < b.ID.String()
	})
	for u := range s.caches {
		s.MissingCaches = append(s.MissingCaches, u)
	}
	sort.Slice(s.MissingCaches, func(i, j int) bool { return s.MissingCaches[i].String() < s.MissingCaches[j].String() })
}

// HasMissing reports whether some image or cache had no match.
func (s *Summary) HasMissing() bool { return len(s.Missing) > 0 || len(s.MissingCaches) > 0 }

// Write prints the summary for people (stderr). It is deterministic.
func (s *Summary) Write(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s, %s: %d newly symbolicated, %d already symbolicated, %d unresolved",
		plural(s.Crashes, "crash", "crashes"), plural(s.Frames, "frame", "frames"), s.Resolved, s.Already, s.Unresolved)
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
	b.WriteString("\n")
	for _, u := range s.MissingCaches {
		fmt.Fprintf(&b, "  missing shared cache %s\n", u)
	}
	for _, m := range s.Missing {
		fmt.Fprintf(&b, "  missing image %s <%s>: %s in %s\n", m.Name, m.ID, plural(m.Frames, "frame", "frames"), plural(m.Reports, "report", "reports"))
	}
	for _, n := range s.Notes {
		fmt.Fprintf(&b, "  note: %s: %s\n", n.Input, n.Diagnostic)
	}
	for _, f := range s.Failures {
		fmt.Fprintf(&b, "  failed: %s: %v\n", f.Input, f.Err)
	}
	for _, f := range s.WriteFailures {
		fmt.Fprintf(&b, "  not written: %s: %v\n", f.Input, f.Err)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
