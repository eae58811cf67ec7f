package symbolicate_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"iter"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate"
	"github.com/symbolicate/symbolicate/dsc/dsctest"
	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/formats"
	"github.com/symbolicate/symbolicate/process"
	"github.com/symbolicate/symbolicate/resolve"
)

// The toy format, written against the public API only: a header line "toy",
// then "image UUID BASE END NAME" and "frame IMAGE OFFSET" lines. This is all
// a new format needs: a Format value, and a document with its process, its
// frames and two writers.
var toy = format.Format{
	Name:  "toy",
	Sniff: func(b []byte) bool { return bytes.HasPrefix(b, []byte("toy\n")) },
	Parse: func(b []byte, _ format.Options) (format.Document, error) {
		d := &toyDoc{p: &process.Process{WordSize: 64}}
		sc := bufio.NewScanner(bytes.NewReader(b[4:]))
		for n := 2; sc.Scan(); n++ {
			var im process.Image
			var f process.Frame
			var u string
			var err error
			switch line := sc.Text(); {
			case strings.HasPrefix(line, "image "):
				if _, err = fmt.Sscanf(line, "image %s %x %x %s", &u, &im.Base, &im.End, &im.Name); err == nil {
					var id process.UUID
					id, err = process.ParseUUID(u)
					im.ID = process.UUIDBuildID(id)
				}
				d.p.Images = append(d.p.Images, im)
			case strings.HasPrefix(line, "frame "):
				_, err = fmt.Sscanf(line, "frame %d %x", &f.Image, &f.Offset)
				f.Return = len(d.frames) > 0
				d.frames = append(d.frames, f)
			default:
				err = fmt.Errorf("unknown line %q", line)
			}
			if err != nil {
				return nil, fmt.Errorf("toy: line %d: %w", n, err)
			}
		}
		return d, nil
	},
}

type toyDoc struct {
	p      *process.Process
	frames []process.Frame
}

func (d *toyDoc) Process() *process.Process { return d.p }

func (d *toyDoc) Frames() iter.Seq[*process.Frame] {
	return func(yield func(*process.Frame) bool) {
		for i := range d.frames {
			if !yield(&d.frames[i]) {
				return
			}
		}
	}
}

func (d *toyDoc) WriteText(w io.Writer, _ format.WriteOptions) error {
	for i, f := range d.frames {
		if r := f.Resolved; r != nil {
			fmt.Fprintf(w, "%d %s + %d\n", i, r.Symbol, r.SymbolLocation)
		} else {
			fmt.Fprintf(w, "%d ???\n", i)
		}
	}
	return nil
}

func (d *toyDoc) WriteJSON(io.Writer, format.WriteOptions) error { return format.ErrNoJSON }

// TestToyFormat adds the toy format to the list and symbolicates a toy
// document against a generated cache: every frame must name the function the
// generator put there, callers looked up at pc−1.
func TestToyFormat(t *testing.T) {
	c, err := dsctest.Generate(t.TempDir(), dsctest.Demo(3))
	if err != nil {
		t.Fatal(err)
	}
	const slide = 0x8000
	doc := "toy\n"
	var want []string
	for i, im := range c.Images[:3] {
		var fn dsctest.Function
		for _, f := range im.Functions[len(im.Functions)/2:] {
			if f.Name != "" && f.Size > 8 {
				fn = f
				break
			}
		}
		doc += fmt.Sprintf("image %s %x %x %s\n", im.UUID, im.RuntimeAddress(slide), im.RuntimeAddress(slide)+im.TextSize, im.Path)
		doc += fmt.Sprintf("frame %d %x\n", i, fn.Address+4-im.Address)
		want = append(want, fmt.Sprintf("%d %s + 4", i, c.SymbolName(fn)))
	}
	eng, err := symbolicate.Open(context.Background(), symbolicate.Config{
		Caches: []string{c.Dir}, Resolve: resolve.Options{NoDemangle: true}, Formats: append(formats.All(), toy)})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	var out strings.Builder
	sum, err := eng.Batch(1, false).Run(context.Background(), []resolve.Item{{Name: "x.toy", Read: func() ([]byte, error) { return []byte(doc), nil }}},
		func(r *resolve.Result) error { out.Write(r.Output); return r.Err })
	if err != nil || sum.Resolved != 3 || sum.Failed != 0 {
		t.Fatalf("summary %+v, %v", sum, err)
	}
	for _, w := range want {
		if !strings.Contains(out.String(), strings.Replace(w, " _", " ", 1)) {
			t.Errorf("output lacks %q:\n%s", w, out.String())
		}
	}
}
