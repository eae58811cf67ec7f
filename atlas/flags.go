package atlas

import (
	"fmt"
	"strings"
)

// Platform is a dyld platform number (PLATFORM_* in <mach-o/loader.h>).
type Platform uint64

// Platform numbers dyld records.
const (
	PlatformMacOS            Platform = 1
	PlatformIOS              Platform = 2
	PlatformTvOS             Platform = 3
	PlatformWatchOS          Platform = 4
	PlatformBridgeOS         Platform = 5
	PlatformMacCatalyst      Platform = 6
	PlatformIOSSimulator     Platform = 7
	PlatformTvOSSimulator    Platform = 8
	PlatformWatchOSSimulator Platform = 9
	PlatformDriverKit        Platform = 10
	PlatformVisionOS         Platform = 11
	PlatformVisionOSSim      Platform = 12
)

var platformNames = [...]string{
	PlatformMacOS:            "macOS",
	PlatformIOS:              "iOS",
	PlatformTvOS:             "tvOS",
	PlatformWatchOS:          "watchOS",
	PlatformBridgeOS:         "bridgeOS",
	PlatformMacCatalyst:      "Mac Catalyst",
	PlatformIOSSimulator:     "iOS Simulator",
	PlatformTvOSSimulator:    "tvOS Simulator",
	PlatformWatchOSSimulator: "watchOS Simulator",
	PlatformDriverKit:        "DriverKit",
	PlatformVisionOS:         "visionOS",
	PlatformVisionOSSim:      "visionOS Simulator",
}

// String returns the platform's name, or "platform N" for a number it does not know.
func (p Platform) String() string {
	if p < Platform(len(platformNames)) && platformNames[p] != "" {
		return platformNames[p]
	}
	return fmt.Sprintf("platform %d", uint64(p))
}

// DyldState is a dyld_process_state_* value (<mach-o/dyld_process_info.h>).
type DyldState uint64

// dyld process states.
const (
	StateNotStarted           DyldState = 0x00
	StateDyldInitialized      DyldState = 0x10
	StateTerminatedBeforeInit DyldState = 0x20
	StateLibSystemInitialized DyldState = 0x30
	StateRunningInitializers  DyldState = 0x40
	StateProgramRunning       DyldState = 0x50
	StateDyldTerminated       DyldState = 0x60
)

// String returns the state's name, or "state 0xNN" for an unknown value.
func (s DyldState) String() string {
	switch s {
	case StateNotStarted:
		return "not started"
	case StateDyldInitialized:
		return "dyld initialized"
	case StateTerminatedBeforeInit:
		return "terminated before initializers"
	case StateLibSystemInitialized:
		return "libSystem initialized"
	case StateRunningInitializers:
		return "running initializers"
	case StateProgramRunning:
		return "program running"
	case StateDyldTerminated:
		return "dyld terminated"
	}
	return fmt.Sprintf("state %#x", uint64(s))
}

// ProcessFlags are the compact-info process flags (spec §1.3).
type ProcessFlags uint64

// Process flag bits.
const (
	ProcessHasSharedCache  ProcessFlags = 0x01 // a shared-cache record and bitmap follow the string table
	ProcessHasPrivateCache ProcessFlags = 0x02 // the cache is mapped privately (no writer sets it)
	ProcessHas16KPages     ProcessFlags = 0x04 // addresses are scaled by 16384 instead of 4096
)

// String lists the set flags by name, unknown bits in hex, or "none".
func (f ProcessFlags) String() string {
	return flagString(uint64(f), []string{"shared-cache", "private-cache", "16k-pages"})
}

// PageSize returns the address scaling the flags select: 16384 or 4096.
func (f ProcessFlags) PageSize() uint64 {
	if f&ProcessHas16KPages != 0 {
		return pageSize16K
	}
	return pageSize4K
}

// MappedFileFlags say which fields a MappedFileInfo record carries (spec §1.5).
type MappedFileFlags uint64

// Mapped-file flag bits.
const (
	FileHasFileID MappedFileFlags = 0x01 // volume-UUID index and object ID
	FileHasPath   MappedFileFlags = 0x02 // string-table offset of the path
	FileHasUUID   MappedFileFlags = 0x04 // 16-byte Mach-O or cache UUID
)

// String lists the set flags by name, unknown bits in hex, or "none".
func (f MappedFileFlags) String() string {
	return flagString(uint64(f), []string{"file-id", "path", "uuid"})
}

func flagString(v uint64, names []string) string {
	if v == 0 {
		return "none"
	}
	var parts []string
	for i, n := range names {
		if v&(1<<i) != 0 {
			parts = append(parts, n)
			v &^= 1 << i
		}
	}
	if v != 0 {
		parts = append(parts, fmt.Sprintf("%#x", v))
	}
	return strings.Join(parts, "|")
}
