//go:build linux || darwin

package dsc_test

import "syscall"

// cpuTime returns the process's user+system CPU time in nanoseconds (all
// threads), so rates can be given per CPU-second on a shared machine.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
