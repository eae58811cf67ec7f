// Package supervise runs a command as a child of itself, so that a failure
// the Go runtime cannot recover from (a fatal error, an unrecovered panic,
// running out of stack) ends with a status of the command's choosing and a
// message saying what happened, instead of the runtime's status 2, which the
// command uses for something else.
//
// The parent does nothing but wait: the child inherits standard input,
// output and error, its status is passed through, and SIGINT, SIGTERM and
// SIGHUP sent to the parent are forwarded to it. The runtime writes a crash
// report to a pipe the parent holds (runtime/debug.SetCrashOutput) as well
// as to standard error; a child that wrote one, or that was killed by a
// signal, is reported.
package supervise

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
)

// childEnv marks the supervised child.
const childEnv = "SYMBOLICATE_SUPERVISED_CHILD"

// DisableEnv, set to any value, runs the command in one process.
const DisableEnv = "SYMBOLICATE_NO_SUPERVISOR"

// Run is called first in main. In the supervised child it directs crash
// reports to the parent and returns done == false: the command runs. In the
// parent it starts the child, waits for it and returns its status (done ==
// true): internal when the runtime stopped the child, 128+n when a signal n
// killed it. If the child cannot be started, the command runs in this
// process (done == false).
func Run(name string, internal int) (code int, done bool) {
	if os.Getenv(childEnv) != "" {
		os.Unsetenv(childEnv)
		if f := os.NewFile(3, "crash-output"); f != nil {
			debug.SetCrashOutput(f, debug.CrashOptions{})
			f.Close() // SetCrashOutput keeps its own descriptor
		}
		return 0, false
	}
	if os.Getenv(DisableEnv) != "" || !supported {
		return 0, false
	}
	exe, err := os.Executable()
	if err != nil {
		return 0, false
	}
	return supervise(exe, name, internal)
}

func supervise(exe, name string, internal int) (int, bool) {
	r, w, err := os.Pipe()
	if err != nil {
		return 0, false
	}
	defer r.Close()
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Args[0] = os.Args[0]
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.ExtraFiles = []*os.File{w}
	cmd.SysProcAttr = procAttr()
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	// The parent-death signal is tied to the thread that started the child.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := cmd.Start(); err != nil {
		w.Close()
		return 0, false
	}
	w.Close()
	crashed := make(chan bool, 1)
	go func() {
		n, _ := io.Copy(io.Discard, r)
		crashed <- n > 0
	}()
	stopForwarding := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				cmd.Process.Signal(s)
			case <-stopForwarding:
				return
			}
		}
	}()
	err = cmd.Wait()
	close(stopForwarding)
	if <-crashed {
		fmt.Fprintf(os.Stderr, "%s: internal error: the Go runtime stopped the process (its report is above); please report it\n", name)
		return internal, true
	}
	if err == nil {
		return 0, true
	}
	if sig, ok := signalled(cmd.ProcessState); ok {
		// A reader that went away (symbolicate … | head) ends the
		// command as it ends any filter: quietly.
		if sig != syscall.SIGPIPE {
			fmt.Fprintf(os.Stderr, "%s: killed by signal %v\n", name, sig)
		}
		return 128 + int(sig), true
	}
	if code := cmd.ProcessState.ExitCode(); code >= 0 {
		return code, true
	}
	fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
	return internal, true
}
