//go:build !linux

package supervise

import "syscall"

func procAttr() *syscall.SysProcAttr { return nil }
