//go:build linux || darwin

package resolve

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/crashlog"
	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/internal/mmap"
)

// TestMappedInputTruncated maps an input (as large inputs are) and
// truncates it before it is parsed: that item fails with ErrChanged, the
// next one is processed, and the process lives.
func TestMappedInputTruncated(t *testing.T) {
	_, caches := setup(t)
	items := batchItems(t, 3)
	p := filepath.Join(t.TempDir(), "big.ips")
	good, _ := items[0].Read()
	if err := os.WriteFile(p, append(bytes.Clone(good), bytes.Repeat([]byte{' '}, 8<<20)...), 0o644); err != nil {
		t.Fatal(err)
	}
	var m *mmap.File
	mapped := Item{Name: "big.ips",
		Read: func() ([]byte, error) {
			var err error
			if m, err = mmap.Open(p); err != nil {
				return nil, err
			}
			return m.Data(), os.Truncate(p, 0)
		},
		Done: func() { m.Close() }}
	b := &Batch{Resolver: over(caches, Options{}), Formats: format.List{crashlog.Format}, Jobs: 1}
	var results []*Result
	_, err := b.Run(context.Background(), []Item{mapped, items[0]}, func(r *Result) error {
		results = append(results, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 2 || !errors.Is(results[0].Err, mmap.ErrChanged) || !strings.Contains(results[0].Err.Error(), "truncated") {
		t.Fatalf("mapped input: %+v", results[0])
	}
	if results[1].Err != nil || results[1].Outcome == nil || results[1].Outcome.Resolved == 0 {
		t.Errorf("the input after it: %+v", results[1])
	}
}
