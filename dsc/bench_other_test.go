//go:build !linux && !darwin

package dsc_test

// cpuTime is unavailable here; rates per CPU-second are not reported.
func cpuTime() int64 { return 0 }
