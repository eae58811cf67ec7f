package supervise

import "syscall"

// procAttr asks Linux to send the child SIGTERM if the parent dies (kill -9
// of the parent), so the child still stops cleanly.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
