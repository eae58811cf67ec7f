package atlas

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/diag"
)

// sampleArchive mimics what dyld publishes (symlinks first, then
// process.cinfo and process.plist), with fields a reader must skip.
func sampleArchive() []byte {
	return concat(
		aarLink("caches/names/dyld_shared_cache_arm64e.plist", "../uuids/ABCD.plist"),
		aarLink("loop/a", "b"),
		aarLink("loop/b", "a"),
		aarLink("abs", "/etc/passwd"),
		aarLink("escape", "../../x"),
		writeAARRecord(aarU("TYP1", 'D'), aarStr("PATP", "caches")),
		aarFile("process.cinfo", []byte("CINFO"),
			aarU("UID1", 0), aarU("GID2", 20), aarU("MOD2", 0o644), aarU("FLG4", 0),
			aarField{key: "MTMT", value: make([]byte, 12)}, aarField{key: "CTMS", value: make([]byte, 8)},
			aarField{key: "SH2H", value: bytes.Repeat([]byte{0xEE}, 32)}, aarField{key: "CKSF", value: []byte{1, 2, 3, 4}},
			aarField{key: "HLCG", value: make([]byte, 20)}, aarField{key: "SH3I", value: make([]byte, 48)},
			aarField{key: "SH5J", value: make([]byte, 64)}, aarField{key: "NOD*"}, aarU("IDX8", 1<<40),
			aarStr("LBLP", "label"), aarBlobField("YECA", []byte("skipped blob"))),
		aarFileWithCRC("process.plist", []byte("PLIST")),
		writeAARRecordMagic("YAA1", aarU("TYP1", 'F'), aarStr("PATP", "caches/uuids/ABCD.plist"),
			aarBlobField("DATC", []byte("CACHE"))),
	)
}

func TestParseAARListing(t *testing.T) {
	a, err := ParseAAR(sampleArchive())
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		typ        byte
		path, link string
		data       string
	}
	want := []row{
		{'L', "caches/names/dyld_shared_cache_arm64e.plist", "../uuids/ABCD.plist", ""},
		{'L', "loop/a", "b", ""},
		{'L', "loop/b", "a", ""},
		{'L', "abs", "/etc/passwd", ""},
		{'L', "escape", "../../x", ""},
		{'D', "caches", "", ""},
		{'F', "process.cinfo", "", "CINFO"},
		{'F', "process.plist", "", "PLIST"},
		{'F', "caches/uuids/ABCD.plist", "", "CACHE"},
	}
	if len(a.Entries) != len(want) {
		t.Fatalf("%d entries, want %d", len(a.Entries), len(want))
	}
	var off int64
	for i, e := range a.Entries {
		w := want[i]
		if e.Type != w.typ || e.Path != w.path || e.Link != w.link || string(e.Data) != w.data {
			t.Errorf("entry %d = %c %q -> %q data %q; want %c %q -> %q data %q", i, e.Type, e.Path, e.Link, e.Data, w.typ, w.path, w.link, w.data)
		}
		if e.Offset != off {
			t.Errorf("entry %d at offset %d, want %d", i, e.Offset, off)
		}
		off += e.Size
	}
	if x := a.Entries[7].XAttrs; len(x) != 1 || x[0].Name != dyldCRCXattr || len(x[0].Value) != 8 {
		t.Errorf("process.plist xattrs = %+v", x)
	}
}

func TestAARFile(t *testing.T) {
	a, err := ParseAAR(sampleArchive())
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"process.cinfo":   "CINFO",
		"./process.plist": "PLIST",
		"caches/names/dyld_shared_cache_arm64e.plist": "CACHE", // via the symlink
		"caches/uuids/ABCD.plist":                     "CACHE",
	} {
		got, err := a.File(name)
		if err != nil || string(got) != want {
			t.Errorf("File(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
	if _, err := a.File("missing"); !errors.Is(err, ErrNoEntry) {
		t.Errorf("missing entry: %v, want ErrNoEntry", err)
	}
	for name, frag := range map[string]string{
		"loop/a": "symbolic links",
		"abs":    "absolute",
		"escape": "leaves the archive",
		"caches": "not a regular file",
	} {
		if _, err := a.File(name); err == nil || !strings.Contains(err.Error(), frag) {
			t.Errorf("File(%q): error %v, want one containing %q", name, err, frag)
		}
	}
	got, err := extractAAR(sampleArchive(), "process.cinfo")
	if err != nil || string(got) != "CINFO" {
		t.Errorf("extractAAR = %q, %v", got, err)
	}
}

func wantAARError(t *testing.T, err error, field, msgPart string) {
	t.Helper()
	var fe *diag.FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *diag.FormatError", err, err)
	}
	if fe.Format != "apple archive" || fe.Field != field || !strings.Contains(fe.Msg, msgPart) {
		t.Fatalf("error %q: want field %q and a message containing %q", err, field, msgPart)
	}
}

func TestAARChecksum(t *testing.T) {
	good := aarFileWithCRC("process.cinfo", []byte("some compact info"))
	if _, err := ParseAAR(good); err != nil {
		t.Fatalf("stamped record rejected: %v", err)
	}
	// Residue property: CRC-32C through the CRC field is the magic residue.
	i := bytes.LastIndex(good, []byte(dyldCRCXattr)) + len(dyldCRCXattr) + 1
	if CRC32C(good[:i+8]) != crc32cResidue {
		t.Error("stamped record does not have the CRC-32C residue")
	}

	bad := bytes.Clone(good)
	bad[bytes.Index(bad, []byte("some"))] ^= 1 // flip a data bit
	_, err := ParseAAR(bad)
	wantAARError(t, err, dyldCRCXattr, `record "process.cinfo": CRC-32C mismatch`)

	bad = bytes.Clone(good)
	bad[i]++ // length field
	_, err = ParseAAR(bad)
	wantAARError(t, err, dyldCRCXattr, "length field")

	short := writeAARRecord(aarU("TYP1", 'F'), aarStr("PATP", "x"),
		aarBlobField("XATA", xattrBlob(XAttr{Name: dyldCRCXattr, Value: make([]byte, 4)})))
	_, err = ParseAAR(short)
	wantAARError(t, err, dyldCRCXattr, "want 8")
}

func TestAARMalformed(t *testing.T) {
	good := aarFile("a", []byte("data"))
	cases := []struct {
		name, field, msg string
		b                []byte
	}{
		{"bad magic", "magic", "neither", []byte("AB01\x06\x00")},
		{"short", "header", "needs 6", []byte("AA01\x06")},
		{"header size below 6", "header size", "minimum 6", []byte("AA01\x05\x00")},
		{"header size past end", "header size", "remain", []byte("AA01\xff\x00TYP1F")},
		{"unknown subtype", "TYPZ", "unknown field subtype", writeAARRecord(aarField{key: "TYPZ"})},
		{"value past header", "UID8", "value needs 8", writeAARRecord(aarField{key: "UID8", value: []byte{1}})},
		{"string past header", "PATP", "runs past", writeAARRecord(aarField{key: "PATP", value: []byte{9, 0, 'a'}})},
		{"key truncated", "field", "key needs 4", writeAARRecord(aarField{key: "TYP1", value: []byte{'F', 'P', 'A'}})},
		{"blob past end", "DAT", "runs past the end", good[:len(good)-1]},
		{"huge blob", "DAT", "runs past the end", []byte("AA01\x12\x00DATC\x00\x00\x00\x00\x00\x00\x00\x80")},
		{"duplicate path", "PATP", "duplicate", writeAARRecord(aarStr("PATP", "a"), aarStr("PATP", "b"))},
		{"wide type", "TYP2", "does not fit", writeAARRecord(aarU("TYP2", 0x146))},
		{"xattr size", "XAT", "minimum 5", writeAARRecord(aarBlobField("XATA", []byte{4, 0, 0, 0}))},
		{"xattr no NUL", "XAT", "no NUL", writeAARRecord(aarBlobField("XATA", []byte{6, 0, 0, 0, 'a', 'b'}))},
		{"xattr truncated", "XAT", "needs 4", writeAARRecord(aarBlobField("XATA", []byte{6, 0}))},
		{"garbage after", "magic", "neither", concat(good, []byte{0, 1, 2, 3, 4, 5})},
		{"short garbage after", "header", "needs 6", concat(good, []byte{0, 1})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseAAR(tc.b)
			wantAARError(t, err, tc.field, tc.msg)
		})
	}
	// Zero padding after the last record is allowed.
	a, err := ParseAAR(concat(good, make([]byte, 7)))
	if err != nil || len(a.Entries) != 1 {
		t.Errorf("zero padding: %v, %d entries", err, len(a.Entries))
	}
}

// TestAARTruncations cuts a valid archive at every length: each prefix either
// parses (when cut at a record boundary) or fails with a FormatError.
func TestAARTruncations(t *testing.T) {
	full := sampleArchive()
	a, err := ParseAAR(full)
	if err != nil {
		t.Fatal(err)
	}
	bounds := map[int]bool{}
	for _, e := range a.Entries {
		bounds[int(e.Offset)] = true
	}
	for n := 0; n < len(full); n++ {
		_, err := ParseAAR(full[:n])
		if bounds[n] {
			if err != nil {
				t.Fatalf("prefix of %d bytes ends at a record boundary but fails: %v", n, err)
			}
			continue
		}
		var fe *diag.FormatError
		if !errors.As(err, &fe) {
			t.Fatalf("prefix of %d bytes: error %v, want *diag.FormatError", n, err)
		}
	}
}

// extractAAR parses archive b and returns the data of the regular file name.
func extractAAR(b []byte, name string) ([]byte, error) {
	a, err := ParseAAR(b)
	if err != nil {
		return nil, err
	}
	return a.File(name)
}
