package atlas

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/diag"
)

func TestDecodeEntryPoint(t *testing.T) {
	cinfo := exampleBytes(t)
	pl := bplist(t, sampleProcessPlist())
	corrupt := append([]byte(nil), cinfo...)
	corrupt[100] ^= 1

	check := func(name string, b []byte, want *Snapshot, warn string) {
		t.Helper()
		s, err := Decode(b)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			return
		}
		got := *s
		got.Warnings = nil
		if !reflect.DeepEqual(&got, want) {
			t.Errorf("%s: got %s\nwant %s", name, dump(&got), dump(want))
		}
		if (warn == "") != (len(s.Warnings) == 0) || warn != "" && !strings.Contains(s.Warnings[0], warn) {
			t.Errorf("%s: warnings %q, want %q", name, s.Warnings, warn)
		}
	}
	check("raw compact info", cinfo, exampleDecoded(), "")
	check("bare plist", pl, sampleProcessSnapshot(), "")
	check("archive with both", concat(aarFile(MemberCompactInfo, cinfo), aarFile(MemberProcessPlist, pl)), exampleDecoded(), "")
	check("archive with CRC xattrs", concat(aarFileWithCRC(MemberCompactInfo, cinfo), aarFileWithCRC(MemberProcessPlist, pl)), exampleDecoded(), "")
	check("archive with plist only", aarFile(MemberProcessPlist, pl), sampleProcessSnapshot(), "")
	check("archive with corrupt cinfo", concat(aarFile(MemberCompactInfo, corrupt), aarFile(MemberProcessPlist, pl)), sampleProcessSnapshot(), "crc32c")

	var fe *diag.FormatError
	if _, err := Decode(aarFile(MemberCompactInfo, corrupt)); !errors.As(err, &fe) || fe.Field != "crc32c" {
		t.Errorf("corrupt cinfo alone: %v", err)
	}
	if _, err := Decode(aarFile("other", nil)); !errors.Is(err, ErrNoEntry) {
		t.Errorf("archive without members: %v", err)
	}
	if _, err := Decode([]byte("hello, world")); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("unknown input: %v", err)
	}
	if _, err := Decode(nil); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("empty input: %v", err)
	}
	var pe *PlistError
	if _, err := Decode(concat(aarFile(MemberCompactInfo, corrupt), aarFile(MemberProcessPlist, pl[:50]))); !errors.As(err, &fe) || !errors.As(err, &pe) {
		t.Errorf("both members corrupt: %v, want both errors joined", err)
	}
}

func TestSniff(t *testing.T) {
	for b, want := range map[string]Kind{
		"\x66\x51\x1a\xa7rest": KindCompactInfo,
		"AA01\x06\x00":         KindAppleArchive,
		"YAA1":                 KindAppleArchive,
		"bplist00":             KindBinaryPlist,
		"pbzz":                 KindPBZ,
		"pbz-":                 KindPBZ,
		"\xa7\x1a\x51\x66":     KindUnknown,
		"":                     KindUnknown,
		"AA0":                  KindUnknown,
	} {
		if got := Sniff([]byte(b)); got != want {
			t.Errorf("Sniff(%q) = %v, want %v", b, got, want)
		}
	}
}
