//go:build unix

package objfile

import (
	"syscall"
	"time"
)

// cpuTime returns the user+system CPU time of this process so far (every
// thread, the garbage collector included), so that benchmarks can report
// CPU cost on a machine shared with other work.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
