//go:build !linux && !darwin

package supervise

import (
	"os"
	"syscall"
)

const supported = false

func signalled(*os.ProcessState) (syscall.Signal, bool) { return 0, false }
