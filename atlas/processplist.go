package atlas

import (
	"bytes"
	"fmt"
)

const fmtProcessPlist = "process.plist"

// SnapshotFlags bits of a process.plist "flag"/"flags" value (spec §4.4).
const (
	AtlasPageSize4K          = 1 << 0 // pages are 4 KiB (clear: 16 KiB)
	AtlasPointerSize4Bytes   = 1 << 1 // pointers are 4 bytes (clear: 8)
	AtlasPrivateSharedRegion = 1 << 2 // the shared region is private
)

// DecodeProcessPlist decodes the binary property list dyld-1284 and later
// publish as process.plist (spec §4.4) into a Snapshot with Source
// SourceProcessPlist. "proc", "plat", "time", "stat" and "imgs" are
// required; every image needs "addr" or "padr"; "dsc1", when present, needs
// "bitm", "file", "addr" and "uuid". The flags are read from "flags" (the
// key dyld's reader uses) or else "flag" (the key its writer uses, Q4).
// Errors are *PlistError values naming the key path.
func DecodeProcessPlist(b []byte) (*Snapshot, error) {
	root, err := rootDict(b, fmtProcessPlist)
	if err != nil {
		return nil, err
	}
	s := &Snapshot{Source: SourceProcessPlist}
	var e [5]error
	var pid, plat, state uint64
	pid, _, e[0] = root.uint("proc", true)
	plat, _, e[1] = root.uint("plat", true)
	s.Timestamp, _, e[2] = root.uint("time", true)
	state, _, e[3] = root.uint("stat", true)
	s.InitialImageCount, _, e[4] = root.uint("init", false)
	if err := firstErr(e[:]...); err != nil {
		return nil, err
	}
	s.PID, s.Platform, s.DyldState = int64(pid), Platform(plat), DyldState(state)
	for _, part := range []func(*Snapshot, pdict) error{plistFlags, plistImages, plistCache} {
		if err := part(s, root); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// plistFlags reads "flags" (or the older "flag") and derives the process
// flags and pointer size from it.
func plistFlags(s *Snapshot, root pdict) error {
	flags, hasFlags, err := root.uint("flags", false)
	if err != nil {
		return err
	}
	flag, hasFlag, err := root.uint("flag", false)
	if err != nil {
		return err
	}
	switch {
	case hasFlags:
		s.AtlasFlags = flags
		if hasFlag && flag != flags {
			s.Warnings = append(s.Warnings, fmt.Sprintf(
				"process.plist: \"flags\" (%#x) and \"flag\" (%#x) differ; used \"flags\"", flags, flag))
		}
	case hasFlag:
		s.AtlasFlags = flag
	}
	if s.AtlasFlags&AtlasPageSize4K == 0 {
		s.Flags |= ProcessHas16KPages
	}
	if s.AtlasFlags&AtlasPrivateSharedRegion != 0 {
		s.Flags |= ProcessHasPrivateCache
	}
	s.PointerSize = 8
	if s.AtlasFlags&AtlasPointerSize4Bytes != 0 {
		s.PointerSize = 4
	}
	return nil
}

// plistImages reads "imgs".
func plistImages(s *Snapshot, root pdict) error {
	imgs, _, err := root.array("imgs", true)
	if err != nil {
		return err
	}
	if len(imgs) > 0 {
		s.Images = make([]MappedFile, len(imgs))
	}
	for i := range imgs {
		d, err := root.elemDict("imgs", imgs, i)
		if err != nil {
			return err
		}
		if err := decodePlistImage(d, &s.Images[i]); err != nil {
			return err
		}
	}
	return nil
}

// plistCache reads the shared-cache record "dsc1", when there is one.
func plistCache(s *Snapshot, root pdict) error {
	dsc, ok, err := root.dict("dsc1", false)
	if err != nil || !ok {
		return err
	}
	c := &SharedCacheRecord{}
	c.Flags = FileHasPath | FileHasUUID
	var bitm []byte
	var e [4]error
	bitm, _, e[0] = dsc.data("bitm", true)
	c.Path, _, e[1] = dsc.str("file", true)
	c.Address, _, e[2] = dsc.uint("addr", true)
	c.UUID, _, e[3] = dsc.uuid("uuid", true)
	if err := firstErr(e[:]...); err != nil {
		return err
	}
	// The plist carries no bit count: every bit of every byte counts.
	c.Bitmap = Bitmap{Len: 8 * len(bitm), Bytes: bytes.Clone(bitm)}
	s.Cache = c
	s.Flags |= ProcessHasSharedCache
	return nil
}

// decodePlistImage decodes one "imgs" entry: file, addr, padr, name, uuid, segs.
func decodePlistImage(d pdict, m *MappedFile) error {
	var e [6]error
	var hasFile, hasAddr, hasPadr, hasUUID bool
	p := &PlistImageInfo{}
	m.Plist = p
	m.Path, hasFile, e[0] = d.str("file", false)
	m.Address, hasAddr, e[1] = d.uint("addr", false)
	p.PreferredAddress, hasPadr, e[2] = d.uint("padr", false)
	p.InstallName, _, e[3] = d.str("name", false)
	m.UUID, hasUUID, e[4] = d.uuid("uuid", false)
	p.Segments, e[5] = d.segments("segs")
	if err := firstErr(e[:]...); err != nil {
		return err
	}
	if !hasAddr && !hasPadr {
		return &PlistError{Format: d.format, Key: d.path, Msg: `image has neither "addr" nor "padr"`}
	}
	if hasFile {
		m.Flags |= FileHasPath
	}
	if hasUUID {
		m.Flags |= FileHasUUID
	}
	return nil
}
