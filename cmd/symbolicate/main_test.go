package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// runCLI runs the command in-process and returns its exit status and output.
func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &ioStreams{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb})
	return code, out.String(), errb.String()
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI(t, "", "--version")
	if code != exitOK || !strings.HasPrefix(out, "symbolicate ") {
		t.Fatalf("--version: code %d, out %q", code, out)
	}
}

func TestHelpMentionsExitStatus(t *testing.T) {
	code, out, _ := runCLI(t, "", "--help")
	if code != exitOK || !strings.Contains(out, "Exit status") {
		t.Fatalf("--help: code %d, out %q", code, out)
	}
}

func TestUnknownFlagIsUsageError(t *testing.T) {
	code, _, errOut := runCLI(t, "", "--no-such-flag")
	if code != exitUsage || !strings.Contains(errOut, "no-such-flag") {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
}
