//go:build linux || darwin

package supervise

import (
	"bytes"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as the supervised command: with modeEnv set,
// TestMain runs Run and then does what the mode says.
const modeEnv = "SUPERVISE_TEST_MODE"

func TestMain(m *testing.M) {
	mode := os.Getenv(modeEnv)
	if mode == "" {
		os.Exit(m.Run())
	}
	if code, done := Run("cmd", 5); done {
		os.Exit(code)
	}
	switch mode {
	case "exit":
		os.Stdout.WriteString("child ran\n")
		os.Exit(3)
	case "panic":
		done := make(chan struct{})
		go func() { panic("boom in a goroutine") }()
		<-done
	case "term":
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, syscall.SIGTERM)
		os.Stdout.WriteString("ready\n")
		<-sigs
		os.Stdout.WriteString("terminated cleanly\n")
		os.Exit(7)
	case "kill":
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		time.Sleep(time.Minute)
	case "pipe":
		// Writes to a pipe whose reader is gone, as "… | head" leaves it.
		for {
			if _, err := os.Stdout.WriteString("line\n"); err != nil {
				break
			}
		}
	}
	os.Exit(99)
}

func command(t *testing.T, mode string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), modeEnv+"="+mode)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	return cmd, &out, &errOut
}

func TestStatusPassesThrough(t *testing.T) {
	cmd, out, _ := command(t, "exit")
	err := cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != 3 || out.String() != "child ran\n" {
		t.Fatalf("status %d (%v), stdout %q; want 3 and the child's output", code, err, out)
	}
}

// TestRuntimeCrashIsInternal: an unrecovered panic makes the Go runtime exit
// with status 2; the supervisor must turn it into the internal status and
// say so, after the runtime's own report.
func TestRuntimeCrashIsInternal(t *testing.T) {
	cmd, _, errOut := command(t, "panic")
	cmd.Run()
	code := cmd.ProcessState.ExitCode()
	if code != 5 || !strings.Contains(errOut.String(), "boom in a goroutine") || !strings.Contains(errOut.String(), "cmd: internal error") {
		t.Fatalf("status %d, stderr:\n%s\nwant 5, the panic and the internal-error line", code, errOut)
	}
}

// TestTermIsForwarded sends SIGTERM to the supervisor: the child must get it
// and stop in its own way.
func TestTermIsForwarded(t *testing.T) {
	cmd, out, errOut := command(t, "term")
	pr, pw, _ := os.Pipe()
	cmd.Stdout = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	buf := make([]byte, 6)
	if _, err := pr.Read(buf); err != nil || string(buf) != "ready\n" {
		t.Fatalf("child did not start: %q %v", buf, err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	rest := make([]byte, 100)
	n, _ := pr.Read(rest)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 7 || string(rest[:n]) != "terminated cleanly\n" {
		t.Fatalf("status %d, stdout %q %q, stderr %q; want 7 and a clean stop", code, rest[:n], out, errOut)
	}
}

func TestKilledChild(t *testing.T) {
	cmd, _, errOut := command(t, "kill")
	cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != 128+9 || !strings.Contains(errOut.String(), "killed by signal") {
		t.Fatalf("status %d, stderr %q; want 137 and a message", code, errOut)
	}
}

// TestBrokenPipeIsQuiet: a child that dies of SIGPIPE writing to a closed
// pipe exits 141 like any filter, with no message.
func TestBrokenPipeIsQuiet(t *testing.T) {
	cmd, _, errOut := command(t, "pipe")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close() // no reader at all
	cmd.Stdout = w
	cmd.Run()
	w.Close()
	if code := cmd.ProcessState.ExitCode(); code != 128+13 || errOut.Len() != 0 {
		t.Fatalf("status %d, stderr %q; want 141 and nothing", code, errOut)
	}
}

func TestDisabled(t *testing.T) {
	cmd, _, _ := command(t, "panic")
	cmd.Env = append(cmd.Env, DisableEnv+"=1")
	cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != 2 {
		t.Fatalf("status %d, want the runtime's own 2 without the supervisor", code)
	}
}
