package main

import (
	"strings"
	"testing"
)

func TestDemangleArgs(t *testing.T) {
	code, out, errOut := runCLI(t, "", "demangle", "$s4main3fooyyF", "__ZN3foo3barEv", "not_mangled", "_$s4main3foo")
	want := "main.foo() -> ()\nfoo::bar()\nnot_mangled\n_$s4main3foo\n"
	if code != exitOK || out != want {
		t.Fatalf("code %d, out %q (stderr %q), want %q", code, out, errOut, want)
	}
	code, out, _ = runCLI(t, "", "demangle", "--simplified", "_$s15iOSCrashingTest10CrashClassC06pleaseC0yyFZTf4d_n")
	if code != exitOK || out != "specialized static CrashClass.pleaseCrash()\n" {
		t.Fatalf("--simplified: code %d, out %q", code, out)
	}
}

func TestDemangleFilter(t *testing.T) {
	in := "0   iOSCrashingTest  0x1007da1cc $s15iOSCrashingTest14ViewControllerC11viewDidLoadyyFTo + 28\n" +
		"\n" +
		"1   libc++.1.dylib   0x1 __ZNSt3__118condition_variable4waitERNS_11unique_lockINS_5mutexEEE + 8\n" +
		"unknown line _$s4broken\n" +
		"last line without newline $s4main3fooyyF."
	want := "0   iOSCrashingTest  0x1007da1cc @objc ViewController.viewDidLoad() + 28\n" +
		"\n" +
		"1   libc++.1.dylib   0x1 std::__1::condition_variable::wait(std::__1::unique_lock<std::__1::mutex>&) + 8\n" +
		"unknown line _$s4broken\n" +
		"last line without newline foo()."
	code, out, errOut := runCLI(t, in, "demangle", "--simplified")
	if code != exitOK || out != want {
		t.Fatalf("code %d, stderr %q\n got %q\nwant %q", code, errOut, out, want)
	}
}

// TestDemangleLongLines feeds lines far longer than the read buffer, with
// names placed across buffer boundaries, and an over-long name-like run.
func TestDemangleLongLines(t *testing.T) {
	var in, want strings.Builder
	for i := 0; i < 3; i++ {
		pad := strings.Repeat("x ", 20000+i*7919) // ~40 KB, shifts names across reads
		in.WriteString(pad + "$s4main3fooyyF " + pad + "__ZN3foo3barEv\n")
		want.WriteString(pad + "main.foo() -> () " + pad + "foo::bar()\n")
	}
	run := strings.Repeat("a", 200000) // one name-like run over the hold-back limit
	in.WriteString(run + " $s4main3fooyyF\n")
	want.WriteString(run + " main.foo() -> ()\n")
	code, out, _ := runCLI(t, in.String(), "demangle")
	if code != exitOK {
		t.Fatalf("code %d", code)
	}
	if out != want.String() {
		t.Fatalf("output differs: %d bytes, want %d; lines %d, want %d", len(out), want.Len(),
			strings.Count(out, "\n"), strings.Count(want.String(), "\n"))
	}
}

func TestDemangleHelp(t *testing.T) {
	code, out, _ := runCLI(t, "", "demangle", "--help")
	if code != exitOK || !strings.Contains(out, "Examples:") || !strings.Contains(out, "--simplified") {
		t.Fatalf("code %d, help %q", code, out)
	}
}
