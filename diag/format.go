package diag

import (
	"fmt"
	"strings"
)

// FormatError reports malformed input: which format, the byte offset (and
// line, for text), the field being decoded and what was wrong with it, and
// the decoder's own error when there is one.
type FormatError struct {
	Format string // "cif", "compact info", "dsc", "ips", …
	Off    int64  // byte offset of the problem from the start of the input
	Line   int    // 1-based line of Off in a text format; 0 when not counted
	Field  string // field being decoded, e.g. "image count"; "" when none
	Msg    string // what was wrong
	Err    error  // the underlying cause (a decoder's error, a sentinel); may be nil
}

// Error says what the input is not, where, and what is wrong:
//
//	not a valid .ips report: line 2, byte 0x38, in payload: unexpected end of input
//	not a valid CIF blob: byte 0x2, in image count: 5 images need 25 bytes, 0 remain
func (e *FormatError) Error() string {
	var b strings.Builder
	b.WriteString("not a valid ")
	b.WriteString(FormatName(e.Format))
	b.WriteString(": ")
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d, ", e.Line)
	}
	fmt.Fprintf(&b, "byte %#x", e.Off)
	if e.Field != "" {
		b.WriteString(", in ")
		b.WriteString(e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// FormatName names a format the way people know it (".ips report" for
// "ips"); unknown names are returned as they are.
func FormatName(format string) string {
	switch format {
	case "ips":
		return ".ips report"
	case "crash":
		return ".crash report"
	case "cif":
		return "Compact ImageMap (CIF)"
	case "compact info":
		return "dyld compact-info snapshot"
	case "dsc":
		return "dyld shared cache"
	case "apple archive":
		return "Apple Archive"
	case "mach-o":
		return "Mach-O file"
	case "fat":
		return "universal (fat) Mach-O file"
	case "dwarf", "dwarf line", "dwarf aranges":
		return "DWARF debug information (" + format + ")"
	}
	return format
}

// Unwrap returns the underlying cause.
func (e *FormatError) Unwrap() error { return e.Err }

// Errorf returns a *FormatError for format at off, with Msg formatted from
// msg and args.
func Errorf(format string, off int64, field, msg string, args ...any) *FormatError {
	return &FormatError{Format: format, Off: off, Field: field, Msg: fmt.Sprintf(msg, args...)}
}

// Wrap returns e with cause as its Err, for chaining in a return statement.
func (e *FormatError) Wrap(cause error) *FormatError {
	e.Err = cause
	return e
}
