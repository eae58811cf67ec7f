//go:build !unix

package objfile

import "time"

// cpuTime is unavailable here; CPU metrics then read 0.
func cpuTime() time.Duration { return 0 }
