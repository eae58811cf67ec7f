//go:build linux || darwin

package supervise

import (
	"os"
	"syscall"
)

const supported = true

// signalled returns the signal that killed the process, if one did.
func signalled(ps *os.ProcessState) (syscall.Signal, bool) {
	ws, ok := ps.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() {
		return 0, false
	}
	return ws.Signal(), true
}
