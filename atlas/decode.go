package atlas

import (
	"errors"
	"fmt"
)

// Member names of the Apple Archive dyld publishes (spec §4.1).
const (
	MemberCompactInfo  = "process.cinfo"
	MemberProcessPlist = "process.plist"
)

// ErrUnknownFormat is returned (wrapped) by [Decode] for input that is
// neither compact info, an Apple Archive, nor a binary plist.
var ErrUnknownFormat = errors.New("unrecognised input format")

// Kind is what [Sniff] recognises at the start of a buffer.
type Kind int

// Kinds of input.
const (
	KindUnknown      Kind = iota
	KindCompactInfo       // compact-info magic 66 51 1A A7
	KindAppleArchive      // "AA01" or "YAA1"
	KindBinaryPlist       // "bplist00"
	KindPBZ               // parallel-compression wrapper (pbzz, pbz-, …)
)

// String names the kind.
func (k Kind) String() string {
	switch k {
	case KindCompactInfo:
		return "compact info"
	case KindAppleArchive:
		return "apple archive"
	case KindBinaryPlist:
		return "binary plist"
	case KindPBZ:
		return "parallel compression"
	}
	return "unknown"
}

// Sniff recognises the formats this package reads from their first bytes,
// for format detection in the CLI. It validates nothing else.
func Sniff(b []byte) Kind {
	switch {
	case IsCompactInfo(b):
		return KindCompactInfo
	case IsAAR(b):
		return KindAppleArchive
	case IsBinaryPlist(b):
		return KindBinaryPlist
	case IsPBZ(b):
		return KindPBZ
	}
	return KindUnknown
}

// Decode decodes a dyld process snapshot in any of the forms dyld publishes:
// raw compact info (dyld-1042…1245), or an Apple Archive (dyld-1284 and
// later) holding process.cinfo and/or process.plist. The archive's
// process.cinfo is preferred, as dyld's C++ reader prefers it; if it is
// missing, or fails to decode while a process.plist is present, the plist is
// decoded instead and the compact-info error is kept in the warnings. A bare
// process.plist is accepted too.
func Decode(b []byte) (*Snapshot, error) {
	switch Sniff(b) {
	case KindCompactInfo:
		return DecodeCompactInfo(b)
	case KindBinaryPlist:
		return DecodeProcessPlist(b)
	case KindAppleArchive:
		return decodeArchive(b)
	}
	return nil, fmt.Errorf("%w (starts % x)", ErrUnknownFormat, b[:min(len(b), 8)])
}

func decodeArchive(b []byte) (*Snapshot, error) {
	a, err := ParseAAR(b)
	if err != nil {
		return nil, err
	}
	cinfo, cerr := a.File(MemberCompactInfo)
	if cerr == nil {
		s, err := DecodeCompactInfo(cinfo)
		if err == nil {
			return s, nil
		}
		cerr = fmt.Errorf("%s: %w", MemberCompactInfo, err)
	}
	cinfoFailed := !errors.Is(cerr, ErrNoEntry) // present but unusable

	pl, perr := a.File(MemberProcessPlist)
	if perr == nil {
		var s *Snapshot
		if s, perr = DecodeProcessPlist(pl); perr == nil {
			if cinfoFailed {
				s.Warnings = append(s.Warnings, fmt.Sprintf("used %s because %v", MemberProcessPlist, cerr))
			}
			return s, nil
		}
	}
	switch {
	case cinfoFailed && !errors.Is(perr, ErrNoEntry):
		return nil, errors.Join(cerr, perr)
	case cinfoFailed:
		return nil, cerr
	case errors.Is(perr, ErrNoEntry):
		return nil, fmt.Errorf("archive has neither %s nor %s: %w", MemberCompactInfo, MemberProcessPlist, ErrNoEntry)
	}
	return nil, perr
}
