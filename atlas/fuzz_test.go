package atlas

import (
	"errors"
	"reflect"
	"testing"

	"github.com/symbolicate/symbolicate/diag"
)

// badInputs are inputs that once mattered (or are easy to get wrong); each
// fuzz target is seeded with them as well as with testdata/.
var badInputs = [][]byte{
	nil,
	[]byte("\x66\x51\x1a\xa7"),
	[]byte("AA01\x06\x00"),
	[]byte("AA01\x0e\x00DATC\x00\x00\x00\x00"),
	[]byte("bplist00"),
	[]byte("pbzz\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x01x"),
}

func formatError(err error, format string) bool {
	var fe *diag.FormatError
	return errors.As(err, &fe) && fe.Format == format
}

// typedError reports whether err is one of the error types and sentinels
// this package documents.
func typedError(err error) bool {
	var fe *diag.FormatError
	var pe *PlistError
	var me *CacheMismatchError
	return errors.As(err, &fe) || errors.As(err, &pe) || errors.As(err, &me) ||
		errors.Is(err, ErrNoEntry) || errors.Is(err, ErrBadLink) || errors.Is(err, ErrUnknownFormat) ||
		errors.Is(err, ErrUnsupportedCompression) || errors.Is(err, ErrCacheImageRange)
}

func noPanicRecovered(t *testing.T, err error) {
	t.Helper()
	if errors.Is(err, errPlistPanic) {
		t.Fatalf("the plist decoder panicked past the structural check: %v", err)
	}
}

// FuzzDecodeCompactInfo decodes arbitrary bytes as compact info; anything it
// accepts must re-encode and decode to the same snapshot.
func FuzzDecodeCompactInfo(f *testing.F) {
	for _, b := range append(seedsIn(f, "compact"), badInputs...) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeCompactInfo(b)
		if err != nil {
			if !formatError(err, "compact info") {
				t.Fatalf("error %v (%T) is not a compact-info *diag.FormatError", err, err)
			}
			return
		}
		if _, err := s.Process(nil); err != nil {
			t.Fatalf("ImageMap(nil): %v", err)
		}
		enc, err := EncodeCompactInfo(s)
		if err != nil {
			t.Fatalf("decoded snapshot does not re-encode: %v", err)
		}
		s2, err := DecodeCompactInfo(enc)
		if err != nil {
			t.Fatalf("re-encoded snapshot does not decode: %v", err)
		}
		// The tables are rebuilt canonically and the checksum recomputed.
		for _, x := range []*Snapshot{s, s2} {
			x.CRC, x.Warnings, x.VolumeUUIDs, x.StringTable = 0, nil, nil, nil
		}
		if !reflect.DeepEqual(s, s2) {
			t.Fatalf("decode(encode(decode(b))) != decode(b)\n got %s\nwant %s", dump(s2), dump(s))
		}
	})
}

// FuzzExtractAAR parses arbitrary bytes as an Apple Archive, opens every
// entry, and runs the snapshot and cache-atlas decoders on the archive.
func FuzzExtractAAR(f *testing.F) {
	for _, b := range append(seedsIn(f, "aar"), badInputs...) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseAAR(b)
		if err != nil {
			if !formatError(err, "apple archive") {
				t.Fatalf("error %v (%T) is not an apple-archive *diag.FormatError", err, err)
			}
		} else {
			for _, e := range a.Entries {
				if _, err := a.File(e.Path); err != nil && !errors.Is(err, ErrNoEntry) && !errors.Is(err, ErrBadLink) {
					t.Fatalf("File(%q): untyped error %v", e.Path, err)
				}
			}
		}
		if s, err := Decode(b); err != nil {
			noPanicRecovered(t, err)
			if !typedError(err) {
				t.Fatalf("Decode: untyped error %v (%T)", err, err)
			}
		} else if _, err := s.Process(nil); err != nil {
			t.Fatalf("ImageMap(nil): %v", err)
		}
		if _, err := DecodeCacheAtlasFile(b, 1<<20); err != nil {
			noPanicRecovered(t, err)
			if !typedError(err) {
				t.Fatalf("DecodeCacheAtlasFile: untyped error %v (%T)", err, err)
			}
		}
	})
}

// FuzzDecodePlist decodes arbitrary bytes as a process.plist and as a cache
// atlas plist, and expands what decodes.
func FuzzDecodePlist(f *testing.F) {
	for _, b := range append(seedsIn(f, "plist"), badInputs...) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeProcessPlist(b)
		var pe *PlistError
		if err != nil {
			noPanicRecovered(t, err)
			if !errors.As(err, &pe) {
				t.Fatalf("DecodeProcessPlist: error %v (%T) is not a *PlistError", err, err)
			}
		} else if _, err := s.Process(nil); err != nil {
			t.Fatalf("ImageMap(nil): %v", err)
		}
		set, err := DecodeCacheAtlasPlist(b)
		if err != nil {
			noPanicRecovered(t, err)
			if !errors.As(err, &pe) {
				t.Fatalf("DecodeCacheAtlasPlist: error %v (%T) is not a *PlistError", err, err)
			}
			return
		}
		for _, c := range set.ByUUID {
			for i := range c.ImageCount() {
				c.ImageAt(i)
			}
			if s != nil && s.Cache != nil {
				if _, err := s.Process(c); err != nil && !typedError(err) {
					t.Fatalf("ImageMap(atlas): untyped error %v", err)
				}
			}
		}
	})
}
