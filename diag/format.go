package diag

import "fmt"

// FormatError reports malformed input: which format, the byte offset, the
// field being decoded and what was wrong with it, and the decoder's own error
// when there is one.
type FormatError struct {
	Format string // "cif", "compact info", "dsc", "ips", …
	Off    int64  // byte offset of the problem from the start of the input
	Field  string // field being decoded, e.g. "image count"; "" when none
	Msg    string // what was wrong
	Err    error  // the underlying cause (a decoder's error, a sentinel); may be nil
}

// Error formats the error as "format: offset 0x…: field: msg: cause".
func (e *FormatError) Error() string {
	s := fmt.Sprintf("%s: offset %#x: ", e.Format, e.Off)
	if e.Field != "" {
		s += e.Field + ": "
	}
	s += e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
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
