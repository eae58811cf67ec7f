package demangle

import "testing"

// mix is a symbol-table sample: plain C, Objective-C, C++ and Swift names in
// roughly the proportions of an app's frames.
var mix = []string{
	"_objc_msgSend", "__dispatch_client_callout", "_pthread_kill", "___pthread_start",
	"-[UIApplication _run]", "___27-[XCTestSuite performTest:]_block_invoke",
	"__ZNK5dyld46Loader25findAndRunAllInitializersERNS_12RuntimeStateE",
	"__ZNSt3__118condition_variable4waitERNS_11unique_lockINS_5mutexEEE",
	"__ZN12_GLOBAL__N_110NameSource13advanceOffsetEm",
	"_$s15iOSCrashingTest14ViewControllerC11viewDidLoadyyFTo",
	"_$s15iOSCrashingTest10CrashClassC06pleaseC0yyFZTf4d_n",
	"_$ss17_assertionFailure__4file4line5flagss5NeverOs12StaticStringV_A2HSus6UInt32VtF",
	"_$s4main3fooyyFyycfU_TA", "_$sIeg_ytIegr_TR", "__TFC3foo3bar3basfT3zimCS_3zim_T_",
	"_main",
}

// BenchmarkName measures the front door on the mix, one call at a time.
func BenchmarkName(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		for _, n := range mix {
			Name(n, Options{})
		}
	}
	b.ReportMetric(float64(b.N*len(mix))/b.Elapsed().Seconds(), "names/s")
}

// BenchmarkDemanglerName measures a reused Demangler on the mix.
func BenchmarkDemanglerName(b *testing.B) {
	var d Demangler
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		for _, n := range mix {
			d.Name(n, Options{})
		}
	}
	b.ReportMetric(float64(b.N*len(mix))/b.Elapsed().Seconds(), "names/s")
}

// BenchmarkText measures the filter on a crash-report-like line.
func BenchmarkText(b *testing.B) {
	line := []byte("3   iOSCrashingTest   0x1007da1cc $s15iOSCrashingTest14ViewControllerC11viewDidLoadyyFTo + 28 (ViewController.swift:20)")
	var out []byte
	var d Demangler
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	for i := 0; i < b.N; i++ {
		out = d.AppendText(out[:0], line, Options{})
	}
}
