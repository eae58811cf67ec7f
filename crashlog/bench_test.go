package crashlog

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/internal/corpus"
	"github.com/symbolicate/symbolicate/process"
)

// synthetic309 builds a bug_type 309 report in Apple's formatting with
// threads×frames frames over images images, half of them symbolicated by the
// OS, and a full ARM thread state on the crashed thread.
func synthetic309(threads, frames, images int) []byte {
	var b strings.Builder
	b.WriteString(`{"app_name":"Bench","timestamp":"2024-01-01 00:00:00.00 +0000","app_version":"1.0","slice_uuid":"00000000-0000-0000-0000-000000000001","build_version":"1","platform":2,"bundleID":"org.example.bench","share_with_app_devs":1,"is_first_party":0,"bug_type":"309","os_version":"iPhone OS 17.0 (21A329)","roots_installed":0,"name":"Bench","incident_id":"00000000-0000-0000-0000-0000000000AA"}` + "\n")
	b.WriteString("{\n  \"uptime\" : 100,\n  \"procRole\" : \"Foreground\",\n  \"version\" : 2,\n  \"modelCode\" : \"iPhone15,2\",\n")
	b.WriteString("  \"osVersion\" : {\n    \"isEmbedded\" : true,\n    \"train\" : \"iPhone OS 17.0\",\n    \"releaseType\" : \"User\",\n    \"build\" : \"21A329\"\n  },\n")
	b.WriteString("  \"captureTime\" : \"2024-01-01 00:00:00.0000 +0000\",\n  \"incident\" : \"00000000-0000-0000-0000-0000000000AA\",\n  \"pid\" : 100,\n  \"cpuType\" : \"ARM-64\",\n")
	b.WriteString("  \"procName\" : \"Bench\",\n  \"procPath\" : \"\\/private\\/var\\/containers\\/Bundle\\/Application\\/X\\/Bench.app\\/Bench\",\n")
	b.WriteString("  \"bundleInfo\" : {\"CFBundleShortVersionString\":\"1.0\",\"CFBundleVersion\":\"1\",\"CFBundleIdentifier\":\"org.example.bench\"},\n")
	b.WriteString("  \"parentProc\" : \"launchd\",\n  \"parentPid\" : 1,\n  \"coalitionName\" : \"org.example.bench\",\n  \"coalitionID\" : 5,\n  \"crashReporterKey\" : \"0000000000000000000000000000000000000000\",\n")
	b.WriteString("  \"exception\" : {\"codes\":\"0x0000000000000001, 0x0000000000000000\",\"rawCodes\":[1,0],\"type\":\"EXC_BAD_ACCESS\",\"signal\":\"SIGSEGV\",\"subtype\":\"KERN_INVALID_ADDRESS at 0x0000000000000000\"},\n")
	b.WriteString("  \"termination\" : {\"flags\":0,\"code\":11,\"namespace\":\"SIGNAL\",\"indicator\":\"Segmentation fault: 11\",\"byProc\":\"exc handler\",\"byPid\":100},\n")
	b.WriteString("  \"faultingThread\" : 0,\n  \"threads\" : [")
	for t := 0; t < threads; t++ {
		if t > 0 {
			b.WriteByte(',')
		}
		b.WriteString("{")
		if t == 0 {
			b.WriteString(`"triggered":true,"threadState":{"x":[`)
			for x := 0; x < 29; x++ {
				if x > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, `{"value":%d}`, uint64(x)*0x9e3779b97f4a7c15)
			}
			b.WriteString(`],"flavor":"ARM_THREAD_STATE64","lr":{"value":4295000000},"cpsr":{"value":1610616832},"fp":{"value":6134459904},"sp":{"value":6134459840},"esr":{"value":2449473606,"description":"(Data Abort) byte read Translation fault"},"pc":{"value":4295000000,"matchesCrashFrame":1},"far":{"value":0}},"queue":"com.apple.main-thread",`)
		}
		fmt.Fprintf(&b, `"id":%d,"frames":[`, 1000+t)
		for f := 0; f < frames; f++ {
			if f > 0 {
				b.WriteByte(',')
			}
			img := (t*frames + f) % images
			if f%2 == 0 {
				fmt.Fprintf(&b, `{"imageOffset":%d,"imageIndex":%d}`, 4096+f*64, img)
			} else {
				fmt.Fprintf(&b, `{"imageOffset":%d,"symbol":"-[Class%d method%d:]","symbolLocation":%d,"imageIndex":%d}`, 4096+f*64, img, f, f*4, img)
			}
		}
		b.WriteString("]}")
	}
	b.WriteString("],\n  \"usedImages\" : [\n")
	for i := 0; i < images; i++ {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "  {\n    \"source\" : \"P\",\n    \"arch\" : \"arm64e\",\n    \"base\" : %d,\n    \"size\" : 1048576,\n    \"uuid\" : \"%08x-0000-0000-0000-000000000000\",\n    \"path\" : \"\\/usr\\/lib\\/lib%d.dylib\",\n    \"name\" : \"lib%d.dylib\"\n  }", 0x180000000+uint64(i)*0x100000, i, i, i)
	}
	b.WriteString("\n],\n  \"sharedCache\" : {\n  \"base\" : 6442450944,\n  \"size\" : 3221225472,\n  \"uuid\" : \"00000000-0000-0000-0000-0000000000CC\"\n},\n")
	b.WriteString("  \"vmSummary\" : \"ReadOnly portion of Libraries: Total=1.0G\\n\"\n}\n")
	return []byte(b.String())
}

// resolveAll gives every concrete frame a resolution (what the resolver
// does for a fully symbolicated report).
func resolveAll(r *Report) {
	for i := range r.Threads {
		for j := range r.Threads[i].Frames {
			f := &r.Threads[i].Frames[j]
			f.Resolved = &process.Resolution{Symbol: "MyApp.doWork(with:)", RawSymbol: "$s5MyApp6doWork4withyS_tF", SymbolLocation: 24, SourceFile: "Work.swift", SourceLine: 42}
		}
	}
}

// measure runs op b.N times and reports CPU time per operation next to the
// wall-clock figure.
func measure(b *testing.B, op func()) {
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		op()
	}
	if start != 0 {
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
	}
}

func TestSynthetic309Shape(t *testing.T) {
	r, err := Parse(synthetic309(4, 15, 20))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Threads) != 4 || countFrames(r) != 60 || len(r.Images) != 20 {
		t.Fatalf("threads %d frames %d images %d", len(r.Threads), countFrames(r), len(r.Images))
	}
}

// BenchmarkReport309 measures one report end to end as the CLI handles it:
// parse, resolve every frame, write JSON and text.
func BenchmarkReport309(b *testing.B) {
	data := synthetic309(4, 15, 20)
	b.Run("parse", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		measure(b, func() {
			if _, err := Parse(data); err != nil {
				b.Fatal(err)
			}
		})
	})
	r, _ := Parse(data)
	resolveAll(r)
	b.Run("writejson", func(b *testing.B) {
		measure(b, func() {
			if err := r.WriteJSON(io.Discard, format.WriteOptions{FullPaths: true}); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("writetext", func(b *testing.B) {
		measure(b, func() {
			if err := r.WriteTextWith(io.Discard, TextOptions{}); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("all", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		measure(b, func() {
			r, err := Parse(data)
			if err != nil {
				b.Fatal(err)
			}
			resolveAll(r)
			if err := r.WriteJSON(io.Discard, format.WriteOptions{FullPaths: true}); err != nil {
				b.Fatal(err)
			}
			if err := r.WriteTextWith(io.Discard, TextOptions{}); err != nil {
				b.Fatal(err)
			}
		})
	})
}

// BenchmarkCorpus: parse, resolve every frame, write JSON and text, for real
// reports of several sizes and kinds.
func BenchmarkCorpus(b *testing.B) {
	for _, p := range []string{
		"ips/01-ios16-swift-assert-sigtrap.ips",                 // 25 KB, 129 frames
		"ips/06-macos15-ios-simulator-app-sigtrap-thread13.ips", // 137 KB, 332 frames
		"ips/02-ios16-bug151-forcereset-panic.ips",              // 88 KB kernel-style
		"ips/21-macos11-ios-app-on-mac-legacy.crash",            // 125 KB legacy text
	} {
		b.Run(p[4:6], func(b *testing.B) {
			data := corpus.Read(b, p)
			b.SetBytes(int64(len(data)))
			var buf bytes.Buffer
			measure(b, func() {
				r, err := Parse(data)
				if err != nil {
					b.Fatal(err)
				}
				resolveAll(r)
				buf.Reset()
				_ = r.WriteJSON(&buf, format.WriteOptions{FullPaths: true})
				buf.Reset()
				if err := r.WriteTextWith(&buf, TextOptions{}); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}
