//go:build unix

package imagemap

import (
	"syscall"
	"time"
)

// cpuTime is the process's user+system CPU time, reported per operation by
// the benchmarks ("cpu-ns/op") because wall-clock time is inflated when the
// shared machine is busy. It includes the GC's background workers.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
