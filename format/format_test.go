package format_test

import (
	"errors"
	"io"
	"iter"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/process"
)

type doc struct {
	name  string
	warn  []diag.Diagnostic
	inert string
}

func (d *doc) Process() *process.Process                      { return &process.Process{} }
func (d *doc) Frames() iter.Seq[*process.Frame]               { return func(func(*process.Frame) bool) {} }
func (d *doc) WriteText(io.Writer, format.WriteOptions) error { return nil }
func (d *doc) WriteJSON(io.Writer, format.WriteOptions) error { return format.ErrNoJSON }
func (d *doc) FormatName() string                             { return d.name }
func (d *doc) Diagnostics() []diag.Diagnostic                 { return d.warn }
func (d *doc) NothingToSymbolicate() string                   { return d.inert }
func prefix(p string) func([]byte) bool {
	return func(b []byte) bool { return strings.HasPrefix(string(b), p) }
}
func parser(d *doc, err error) func([]byte, format.Options) (format.Document, error) {
	return func([]byte, format.Options) (format.Document, error) {
		if err != nil {
			return nil, err
		}
		return d, nil
	}
}

func TestListParse(t *testing.T) {
	bad := errors.New("corrupt")
	l := format.List{
		{Name: "a", Sniff: prefix("a"), Parse: parser(&doc{name: "a-variant", warn: []diag.Diagnostic{{Code: diag.InputWarning}}}, nil)},
		{Name: "ab", Sniff: prefix("ab"), Parse: parser(&doc{name: "never"}, nil)},
		{Name: "b", Sniff: prefix("b"), Parse: parser(nil, bad)},
		{Name: "c", Sniff: prefix("c"), Parse: parser(&doc{name: "c", inert: "a picture"}, nil)},
	}
	p, err := l.Parse([]byte("abc"), format.Options{})
	if err != nil || p.Format != "a-variant" || len(p.Warnings) != 1 || p.NothingToSymbolicate() != "" {
		t.Fatalf("first sniffer should win: %+v, %v", p, err)
	}
	if _, err := l.Parse([]byte("b"), format.Options{}); !errors.Is(err, bad) {
		t.Errorf("a claimed input that fails to parse is that format's error, not another's: %v", err)
	}
	if p, err := l.Parse([]byte("c"), format.Options{}); err != nil || p.NothingToSymbolicate() != "a picture" {
		t.Errorf("inert document: %v", err)
	}
	_, err = l.Parse([]byte("zzz"), format.Options{})
	if !errors.Is(err, format.ErrUnknown) || !strings.Contains(err.Error(), "not a, ab, b, c") {
		t.Errorf("unknown input: %v", err)
	}
}
