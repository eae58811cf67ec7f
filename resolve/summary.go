package resolve

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/symbolicate/symbolicate/imagemap"
)

// Summary adds up a batch.
type Summary struct {
	Crashes      int // reports symbolicated (parsed and resolved)
	Skipped      int // recognised reports with nothing to symbolicate
	Failed       int // inputs that could not be read or parsed
	Frames       int
	Resolved     int
	Already      int
	Unresolved   int
	Unresolvable int
	// Missing are the images whose UUID matched no cache or binary, sorted
	// by frame count (then UUID).
	Missing []MissingSummary
	// MissingCaches are shared-cache UUIDs named by reports and not found.
	MissingCaches []imagemap.UUID
	// Failures are "name: error" lines, in input order.
	Failures []string
	// Notes are diagnostics from the reports, "name: note", in input order.
	Notes []string

	missing map[imagemap.UUID]*MissingSummary
	caches  map[imagemap.UUID]bool
}

// MissingSummary is one missing image across the batch.
type MissingSummary struct {
	UUID    imagemap.UUID
	Name    string
	Frames  int
	Reports int
}

func newSummary() *Summary {
	return &Summary{missing: map[imagemap.UUID]*MissingSummary{}, caches: map[imagemap.UUID]bool{}}
}

func (s *Summary) add(r *Result) {
	switch {
	case r.Err != nil:
		s.Failed++
		s.Failures = append(s.Failures, fmt.Sprintf("%s: %v", r.Name, r.Err))
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
	for u, m := range o.Missing {
		ms := s.missing[u]
		if ms == nil {
			ms = &MissingSummary{UUID: u, Name: m.Name}
			s.missing[u] = ms
		}
		ms.Frames += m.Frames
		ms.Reports++
	}
	for _, u := range o.MissingCaches {
		s.caches[u] = true
	}
	for _, n := range o.Notes {
		s.Notes = append(s.Notes, r.Name+": "+n)
	}
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
		return a.UUID.String() < b.UUID.String()
	})
	for u := range s.caches {
		s.MissingCaches = append(s.MissingCaches, u)
	}
	sort.Slice(s.MissingCaches, func(i, j int) bool { return s.MissingCaches[i].String() < s.MissingCaches[j].String() })
}

// HasMissing reports whether some image or cache had no match on disk.
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
	b.WriteString("\n")
	for _, u := range s.MissingCaches {
		fmt.Fprintf(&b, "  missing shared cache %s\n", u)
	}
	for _, m := range s.Missing {
		fmt.Fprintf(&b, "  missing image %s <%s>: %s in %s\n", m.Name, m.UUID, plural(m.Frames, "frame", "frames"), plural(m.Reports, "report", "reports"))
	}
	for _, n := range s.Notes {
		fmt.Fprintf(&b, "  note: %s\n", n)
	}
	for _, f := range s.Failures {
		fmt.Fprintf(&b, "  failed: %s\n", f)
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
