package atlas

import (
	"fmt"
	"strconv"

	"github.com/symbolicate/symbolicate/process"
)

// PlistError reports a property list that is malformed or does not follow
// the atlas schema: which document, the key path of the offending value
// (e.g. "imgs[3].uuid"; empty for the document as a whole) and what was wrong.
type PlistError struct {
	Format string // "process.plist", "cache atlas"
	Key    string // key path, "" for the whole document
	Msg    string
	Err    error // underlying decoder error, if any
}

func (e *PlistError) Error() string {
	s := e.Format
	if e.Key != "" {
		s += ": " + e.Key
	}
	s += ": " + e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying decoder error.
func (e *PlistError) Unwrap() error { return e.Err }

// plistTypeName names the plist type of a value decoded by howett.net/plist.
func plistTypeName(v any) string {
	switch v.(type) {
	case map[string]any:
		return "dictionary"
	case []any:
		return "array"
	case string:
		return "string"
	case uint64, int64:
		return "integer"
	case []byte:
		return "data"
	case bool:
		return "boolean"
	case float32, float64:
		return "real"
	case nil:
		return "nothing"
	}
	return fmt.Sprintf("%T", v)
}

// pdict is a plist dictionary with its key path, for error messages.
type pdict struct {
	m      map[string]any
	path   string
	format string
}

func (d pdict) key(k string) string {
	if d.path == "" {
		return k
	}
	return d.path + "." + k
}

func (d pdict) errorf(k, msg string, args ...any) error {
	return &PlistError{Format: d.format, Key: d.key(k), Msg: fmt.Sprintf(msg, args...)}
}

// value returns the value of key k as a T, reporting whether it is present;
// a missing required key or a value of another type is an error. want names
// the plist type of T for messages.
func value[T any](d pdict, k, want string, required bool) (T, bool, error) {
	var zero T
	v, ok := d.m[k]
	if !ok {
		if required {
			return zero, false, d.errorf(k, "required key is missing")
		}
		return zero, false, nil
	}
	t, ok := v.(T)
	if !ok {
		return zero, false, d.errorf(k, "want %s, got %s", want, plistTypeName(v))
	}
	return t, true, nil
}

// uint returns an integer value; negative values (8-byte integers with the
// top bit set) keep their bit pattern, as dyld's Swift reader does when it
// reads addresses through Int64.
func (d pdict) uint(k string, required bool) (uint64, bool, error) {
	if v, ok := d.m[k].(int64); ok {
		return uint64(v), true, nil
	}
	return value[uint64](d, k, "integer", required)
}

func (d pdict) str(k string, required bool) (string, bool, error) {
	return value[string](d, k, "string", required)
}

func (d pdict) data(k string, required bool) ([]byte, bool, error) {
	return value[[]byte](d, k, "data", required)
}

func (d pdict) uuid(k string, required bool) (process.UUID, bool, error) {
	var u process.UUID
	b, ok, err := d.data(k, required)
	if err != nil || !ok {
		return u, false, err
	}
	if len(b) != len(u) {
		return u, false, d.errorf(k, "want 16 bytes of UUID data, got %d", len(b))
	}
	copy(u[:], b)
	return u, true, nil
}

func (d pdict) array(k string, required bool) ([]any, bool, error) {
	return value[[]any](d, k, "array", required)
}

func (d pdict) dict(k string, required bool) (pdict, bool, error) {
	m, ok, err := value[map[string]any](d, k, "dictionary", required)
	if err != nil || !ok {
		return pdict{}, false, err
	}
	return pdict{m: m, path: d.key(k), format: d.format}, true, nil
}

// elemDict returns element i of array a (found under key k of d) as a dictionary.
func (d pdict) elemDict(k string, a []any, i int) (pdict, error) {
	path := d.key(k) + "[" + strconv.Itoa(i) + "]"
	m, ok := a[i].(map[string]any)
	if !ok {
		return pdict{}, &PlistError{Format: d.format, Key: path, Msg: "want dictionary, got " + plistTypeName(a[i])}
	}
	return pdict{m: m, path: path, format: d.format}, nil
}

// rootDict decodes a binary plist whose root must be a dictionary.
func rootDict(b []byte, format string) (pdict, error) {
	v, err := decodeBinaryPlist(b, format)
	if err != nil {
		return pdict{}, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return pdict{}, &PlistError{Format: format, Msg: "root is " + plistTypeName(v) + ", want dictionary"}
	}
	return pdict{m: m, format: format}, nil
}

// segments decodes an atlas "segs" array (spec §4.4): name, padr, size,
// fsze and perm are required, foff is optional.
func (d pdict) segments(k string) ([]Segment, error) {
	arr, ok, err := d.array(k, false)
	if err != nil || !ok {
		return nil, err
	}
	segs := make([]Segment, len(arr))
	for i := range arr {
		sd, err := d.elemDict(k, arr, i)
		if err != nil {
			return nil, err
		}
		s := &segs[i]
		var e [6]error
		s.Name, _, e[0] = sd.str("name", true)
		s.PreferredAddress, _, e[1] = sd.uint("padr", true)
		s.Size, _, e[2] = sd.uint("size", true)
		s.FileSize, _, e[3] = sd.uint("fsze", true)
		s.Perm, _, e[4] = sd.uint("perm", true)
		s.FileOffset, _, e[5] = sd.uint("foff", false)
		if err := firstErr(e[:]...); err != nil {
			return nil, err
		}
	}
	return segs, nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
