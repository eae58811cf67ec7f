package crashlog

import (
	"errors"
	"strconv"

	"github.com/symbolicate/symbolicate/internal/jsontape"
)

// Tolerant value types for go-json decoding. Apple's writers have changed
// types between OS releases (booleans that became numbers, numbers that
// became strings), so the typed model accepts any scalar where a scalar is
// expected and keeps integers exact: numbers are parsed from their literal
// text, never through float64.

// jnum is a JSON number kept exactly. A string holding a number is accepted
// too; booleans count as 0/1; objects and arrays count as absent. Fractions
// and out-of-range integers keep their text in txt.
type jnum struct {
	u   uint64 // value when it is a non-negative integer that fits
	i   int64  // value when it is an integer that fits in int64
	set bool   // the member was present and not null
	uok bool   // u is valid
	iok bool   // i is valid
	txt string // literal text for fractional or out-of-range numbers
}

var errNotNumber = errors.New("expected a number")

func (n *jnum) UnmarshalJSON(b []byte) error {
	*n = jnum{}
	if len(b) == 0 {
		return errNotNumber
	}
	switch b[0] {
	case 'n':
		return nil
	case 't', 'f':
		n.set = true
		if b[0] == 't' {
			n.u, n.i, n.uok, n.iok = 1, 1, true, true
		} else {
			n.uok, n.iok = true, true
		}
		return nil
	case '"':
		s, ok := jsontape.Unquote(b)
		if !ok {
			return errNotNumber
		}
		n.setText([]byte(s))
		return nil
	case '{', '[':
		return nil // wrong type: treated as absent
	}
	n.setText(b)
	return nil
}

func (n *jnum) setText(b []byte) {
	n.set = true
	neg := len(b) > 0 && b[0] == '-'
	digits := b
	if neg {
		digits = b[1:]
	}
	if u, ok := jsontape.ParseUint(digits); ok {
		if !neg {
			n.u, n.uok = u, true
			if u <= 1<<63-1 {
				n.i, n.iok = int64(u), true
			}
		} else if u <= 1<<63 {
			n.i, n.iok = int64(-u), true
		}
		return
	}
	n.txt = string(b)
}

// int returns the value as an int, or def when it is not a small integer.
func (n jnum) int(def int) int {
	if n.iok && n.i >= -1<<31 && n.i <= 1<<31-1 {
		return int(n.i)
	}
	return def
}

// String formats the number as written (integers canonically).
func (n jnum) String() string {
	switch {
	case n.iok:
		return strconv.FormatInt(n.i, 10)
	case n.uok:
		return strconv.FormatUint(n.u, 10)
	}
	return n.txt
}

// jstr is a JSON value kept as text: strings are unescaped, other values keep
// their JSON text, null is "".
type jstr string

var errNotScalar = errors.New("expected a string")

func (s *jstr) UnmarshalJSON(b []byte) error {
	if len(b) == 0 {
		return errNotScalar
	}
	switch b[0] {
	case '"':
		v, ok := jsontape.Unquote(b)
		if !ok {
			return errNotScalar
		}
		*s = jstr(v)
	case 'n':
		*s = ""
	default:
		// Numbers and booleans keep their literal; an object or array where
		// text was expected keeps its JSON text rather than failing the parse.
		*s = jstr(b)
	}
	return nil
}

// jbool is a JSON boolean that also accepts numbers (0/1), as older reports
// write flags.
type jbool struct{ v, set bool }

func (j *jbool) UnmarshalJSON(b []byte) error {
	*j = jbool{}
	if len(b) == 0 {
		return errNotScalar
	}
	switch b[0] {
	case 't':
		*j = jbool{true, true}
	case 'f':
		*j = jbool{false, true}
	case 'n', '{', '[':
		// absent, or the wrong type: treated as absent
	default:
		var n jnum
		if err := n.UnmarshalJSON(b); err != nil {
			return err
		}
		*j = jbool{n.set && (n.u != 0 || n.i != 0 || n.txt != ""), n.set}
	}
	return nil
}

// jstrs is a list of strings that also accepts a single string.
type jstrs []string

func (l *jstrs) UnmarshalJSON(b []byte) error {
	*l = nil
	if len(b) == 0 {
		return errNotScalar
	}
	switch b[0] {
	case 'n':
		return nil
	case '[':
		elems, err := jsontape.ArrayElems(b, 0)
		if err != nil {
			return err
		}
		for _, e := range elems {
			var s jstr
			if err := s.UnmarshalJSON(b[e.Start:e.End]); err != nil {
				return err
			}
			*l = append(*l, string(s))
		}
		return nil
	}
	var s jstr
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	*l = jstrs{string(s)}
	return nil
}

// tnum decodes tape node n as a tolerant number (see jnum).
func tnum(t *jsontape.Tape, n int32) jnum {
	var v jnum
	_ = v.UnmarshalJSON(t.Raw(n))
	return v
}

// tbool decodes tape node n as a tolerant boolean (see jbool).
func tbool(t *jsontape.Tape, n int32) bool {
	var v jbool
	_ = v.UnmarshalJSON(t.Raw(n))
	return v.v
}
