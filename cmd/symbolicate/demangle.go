package main

import (
	"bufio"
	"context"
	"errors"
	"io"

	"github.com/symbolicate/symbolicate/demangle"
)

// demangleCmd is `symbolicate demangle`.
type demangleCmd struct {
	Simplified bool     `help:"Print Swift names in the simplified form of Apple's crash reports (\"closure #1 in foo()\") instead of swift-demangle's full form. Example: --simplified"`
	Names      []string `arg:"" optional:"" name:"name" help:"Mangled names; when none are given, standard input is filtered. Example: '$s4main3fooyyF' _ZN3foo3barEv"`
}

// Help explains the filter mode.
func (c *demangleCmd) Help() string {
	return `Demangles Swift ($s…, $S…, _T0…, Swift 3 _T…) and C++ (_Z…, __Z…) names,
in either Mach-O symbol-table spelling ("_$s…", "__Z…") or display spelling.
With names as arguments, prints one line per name; a name that cannot be
demangled is printed unchanged. C++ is printed as Apple's tools print it.

With no names, reads standard input and writes exactly one line per input line,
replacing every mangled name inside a line and copying everything else, like
swift-demangle and c++filt. It works as a filter over whole logs and crash
reports. The exit status is 0 unless output cannot be written.

Examples:
  symbolicate demangle '$s4main3fooyyF'                 # main.foo() -> ()
  symbolicate demangle --simplified '_$s4main3fooyyF'   # foo()
  symbolicate demangle __ZNSt3__118condition_variable4waitERNS_11unique_lockINS_5mutexEEE
  symbolicate demangle --simplified < unsymbolicated.crash > readable.crash
  nm -m MyApp | symbolicate demangle`
}

// maxPendingToken bounds how much of a name run split across reads is held
// back; longer runs cannot be mangled names and are copied through.
const maxPendingToken = 64 << 10

// Run demangles the arguments or filters standard input.
func (c *demangleCmd) Run(ctx context.Context, streams *ioStreams) error {
	opts := demangle.Options{Form: demangle.Display, SwiftFull: !c.Simplified}
	w := bufio.NewWriterSize(streams.Stdout, 64<<10)
	var d demangle.Demangler
	if len(c.Names) > 0 {
		var out []byte
		for _, n := range c.Names {
			out = d.AppendText(out[:0], []byte(n), opts)
			out = append(out, '\n')
			if _, err := w.Write(out); err != nil {
				return err
			}
		}
		return w.Flush()
	}
	return filterText(ctx, &d, streams.Stdin, w, opts)
}

// filterText copies r to w line by line with mangled names replaced. Lines
// of any length are handled: a line longer than the read buffer is processed
// in pieces cut before a name, so names are never split.
func filterText(ctx context.Context, d *demangle.Demangler, r io.Reader, w *bufio.Writer, opts demangle.Options) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var pending, out []byte
	skipping := false // inside an over-long name run that is copied as is
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		chunk, rerr := br.ReadSlice('\n')
		data := chunk
		if len(pending) > 0 {
			pending = append(pending, chunk...)
			data = pending
		}
		if skipping {
			// Copy the rest of the over-long name run as it is.
			i := 0
			for i < len(data) && isNameByte(data[i]) {
				i++
			}
			if _, err := w.Write(data[:i]); err != nil {
				return err
			}
			data = data[i:]
			if len(data) == 0 && rerr == bufio.ErrBufferFull {
				continue // the run goes on
			}
			skipping = false
		}
		if rerr == bufio.ErrBufferFull {
			// Keep the trailing name run for the next read.
			cut := len(data)
			for cut > 0 && isNameByte(data[cut-1]) {
				cut--
			}
			if len(data)-cut > maxPendingToken {
				cut, skipping = len(data), true
			}
			out = d.AppendText(out[:0], data[:cut], opts)
			if _, err := w.Write(out); err != nil {
				return err
			}
			pending = append(pending[:0], data[cut:]...)
			continue
		}
		out = d.AppendText(out[:0], data, opts)
		pending = pending[:0]
		if _, err := w.Write(out); err != nil {
			return err
		}
		if br.Buffered() == 0 {
			// Flush when the input has no more data ready, so an
			// interactive pipe sees each line at once.
			if err := w.Flush(); err != nil {
				return err
			}
		}
		switch {
		case rerr == io.EOF:
			return w.Flush()
		case rerr != nil:
			if errors.Is(rerr, context.Canceled) {
				return rerr
			}
			return withExit(exitBadInput, rerr)
		}
	}
}

// isNameByte matches the characters demangle.AppendText treats as part of
// a name.
func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '$' || c == '.' || c == '@'
}
