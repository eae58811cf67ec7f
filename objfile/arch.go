package objfile

import (
	"strconv"
	"strings"
)

// CPU types from <mach/machine.h>.
const (
	cpuArch64   = 0x01000000 // CPU_ARCH_ABI64
	cpuArch6432 = 0x02000000 // CPU_ARCH_ABI64_32

	cpuX86     = 7
	cpuX86_64  = cpuX86 | cpuArch64
	cpuARM     = 12
	cpuARM64   = cpuARM | cpuArch64
	cpuARM6432 = cpuARM | cpuArch6432
	cpuPPC     = 18
	cpuPPC64   = cpuPPC | cpuArch64

	subtypeMask = 0x00ffffff // CPU_SUBTYPE_MASK clears the capability bits
)

// armSubtypes names CPU_SUBTYPE_ARM_* values.
var armSubtypes = map[uint32]string{
	0: "arm", 5: "armv4t", 6: "armv6", 7: "armv5", 8: "xscale", 9: "armv7",
	10: "armv7f", 11: "armv7s", 12: "armv7k", 13: "armv8", 14: "armv6m",
	15: "armv7m", 16: "armv7em", 17: "armv8m",
}

// ArchName returns the conventional name of a Mach-O CPU type and subtype:
// "arm64", "arm64e", "arm64_32", "x86_64", "x86_64h", "armv7", "armv7s",
// "armv7k", "i386", "ppc", …. Unknown combinations are spelled
// "cpu<type>/<subtype>" in decimal so that they still compare exactly.
func ArchName(cpu, subcpu uint32) string {
	sub := subcpu & subtypeMask
	switch cpu {
	case cpuARM64:
		switch sub {
		case 0:
			return "arm64"
		case 1:
			return "arm64v8"
		case 2:
			return "arm64e"
		}
	case cpuARM6432:
		if sub <= 1 {
			return "arm64_32"
		}
	case cpuARM:
		if n, ok := armSubtypes[sub]; ok {
			return n
		}
	case cpuX86_64:
		switch sub {
		case 3:
			return "x86_64"
		case 8:
			return "x86_64h"
		}
	case cpuX86:
		return "i386"
	case cpuPPC:
		return "ppc"
	case cpuPPC64:
		return "ppc64"
	}
	return "cpu" + strconv.FormatUint(uint64(cpu), 10) + "/" + strconv.FormatUint(uint64(sub), 10)
}

// ArchMatches reports whether a slice whose arch name is have serves a
// request for want (an [ArchName] spelling, as .ips reports give it). An
// empty want matches anything; otherwise the names must be equal, ignoring
// case. Different subtypes (arm64 and arm64e) never match: slices have
// their own UUIDs, so a UUID found under another arch means the wrong file
// was picked up.
func ArchMatches(have, want string) bool {
	return want == "" || strings.EqualFold(have, want)
}
