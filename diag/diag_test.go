package diag

import (
	"errors"
	"io"
	"testing"
)

func TestFormatError(t *testing.T) {
	e := Errorf("cif", 0x10, "image 2 path", "str needs %d bytes", 4)
	if got := e.Error(); got != "not a valid Compact ImageMap (CIF): byte 0x10, in image 2 path: str needs 4 bytes" {
		t.Errorf("Error() = %q", got)
	}
	e = Errorf("ips", 0x38, "", "cannot decode").Wrap(io.ErrUnexpectedEOF)
	e.Line = 2
	if got := e.Error(); got != "not a valid .ips report: line 2, byte 0x38: cannot decode: unexpected EOF" || !errors.Is(e, io.ErrUnexpectedEOF) {
		t.Errorf("wrapped: %q", got)
	}
	var fe *FormatError
	if !errors.As(error(e), &fe) || fe.Format != "ips" {
		t.Error("errors.As")
	}
}

func TestDiagnosticString(t *testing.T) {
	for _, c := range []struct {
		d    Diagnostic
		want string
	}{
		{Diagnostic{Code: SkippedFile, Path: "/x", Err: io.EOF}, "skipping /x: EOF"},
		{Diagnostic{Code: UnusableCache, Path: "/c", Err: io.EOF}, "shared cache /c: EOF"},
		{Diagnostic{Code: Mismatch, Image: "App", Err: errors.New("other UUID")}, "App: other UUID"},
		{Diagnostic{Code: SlideMismatch, Err: errors.New("slide 0x4000 of a disagrees")}, "slide 0x4000 of a disagrees"},
		{Diagnostic{Code: InputWarning}, "input-warning"},
	} {
		if got := c.d.String(); got != c.want {
			t.Errorf("%s: %q, want %q", c.d.Code, got, c.want)
		}
	}
}
