package atlas

import "github.com/symbolicate/symbolicate/process"

// Source says which encoding a [Snapshot] was decoded from.
type Source int

// Snapshot sources.
const (
	SourceCompactInfo  Source = iota + 1 // dyld compact info (spec §1)
	SourceProcessPlist                   // process.plist binary property list (spec §4.4)
)

// String names the source.
func (s Source) String() string {
	switch s {
	case SourceCompactInfo:
		return "compact info"
	case SourceProcessPlist:
		return "process.plist"
	}
	return "unknown source"
}

// Snapshot is one dyld process snapshot: the process's non-cache images, and
// which images of its shared cache are loaded. Fields a source does not carry
// stay zero (the compact-info header fields for a process.plist; PID, Segments
// and install names for compact info).
type Snapshot struct {
	Source Source

	// Compact-info header (spec §1.2). Version is always 0 in a decoded snapshot.
	Version           uint32
	SystemInfoAddress uint64
	SystemInfoSize    uint32
	GenCount          uint32
	Timestamp         uint64 // mach_absolute_time ticks (process.plist: "time")
	CRC               uint32 // checksum as stored; ignored by the encoder, which computes it

	Flags             ProcessFlags // process.plist: derived from "flag(s)" and "dsc1"
	Platform          Platform
	InitialImageCount uint64
	DyldState         DyldState

	// VolumeUUIDs and StringTable are the compact-info tables as stored. The
	// encoder ignores them and rebuilds both from the records (spec §1.6).
	VolumeUUIDs []process.UUID
	StringTable []byte

	// Cache is the shared-cache record, nil when the process has no cache.
	Cache *SharedCacheRecord
	// Images are the images outside the shared cache: in compact info sorted
	// by address as stored, in a process.plist in the order written.
	Images []MappedFile

	// process.plist only.
	PID         int64
	AtlasFlags  uint64 // raw SnapshotFlags value ("flags", else "flag")
	PointerSize int    // 4 or 8; 0 for compact info, which does not record it

	// Warnings are problems that did not stop decoding, such as a legacy
	// dyld-1042…1340 checksum. Nothing is printed.
	Warnings []string
}

// SharedCacheRecord is the snapshot's record of the process's shared cache:
// where the main cache header is mapped, the cache UUID as recorded (dyld's
// own reader discards it; this package keeps it), its path, and which cache
// images are loaded.
type SharedCacheRecord struct {
	MappedFile
	Bitmap Bitmap
}

// MappedFile is one MappedFileInfo record (spec §1.5), or one image of a
// process.plist (spec §4.4).
type MappedFile struct {
	// Flags say which of UUID, Volume+ObjectID and Path are present. They are
	// kept as stored, unknown bits included, and written back by the encoder.
	Flags MappedFileFlags
	// Address is the runtime (slid) address of the Mach-O header, or of the
	// cache header for a cache record. 0 when a process.plist image has no "addr".
	Address uint64
	UUID    process.UUID // when Flags&FileHasUUID
	Volume  process.UUID // when Flags&FileHasFileID
	// ObjectID is the file-system object ID (inode) on Volume, when Flags&FileHasFileID.
	ObjectID uint64
	Path     string // when Flags&FileHasPath

	// Plist holds what only a process.plist records; nil for compact info.
	Plist *PlistImageInfo
}

// PlistImageInfo is what a process.plist records about an image beyond the
// compact-info fields.
type PlistImageInfo struct {
	InstallName      string    // "name"
	PreferredAddress uint64    // "padr": unslid load address, 0 when absent
	Segments         []Segment // "segs"
}

// Segment is one segment of an image or cache image in an atlas plist.
type Segment struct {
	Name             string
	PreferredAddress uint64 // unslid vmaddr
	Size             uint64 // vmsize
	FileOffset       uint64
	FileSize         uint64
	Perm             uint64 // initial protection (VM_PROT_* bits)
}
