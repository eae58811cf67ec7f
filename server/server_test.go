package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goccy/go-json"

	"github.com/symbolicate/symbolicate"
	"github.com/symbolicate/symbolicate/dsc/dsctest"
	"github.com/symbolicate/symbolicate/internal/crashgen"
	"github.com/symbolicate/symbolicate/process"
	"github.com/symbolicate/symbolicate/server"
)

// testServer is a real server on 127.0.0.1 with a random port.
type testServer struct {
	t     *testing.T
	srv   *server.Server
	url   string
	cache *dsctest.Cache
	spec  *spec
	token string
}

func start(t *testing.T, opts server.Options) *testServer {
	t.Helper()
	c, err := dsctest.Cached(dsctest.Demo(11))
	if err != nil {
		t.Fatal(err)
	}
	if opts.Config.Caches == nil {
		opts.Config = symbolicate.Config{Caches: []string{c.Dir}}
	}
	opts.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	srv, err := server.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(ln)
	t.Cleanup(func() {
		hs.Shutdown(context.Background())
		srv.Close()
	})
	ts := &testServer{t: t, srv: srv, url: "http://" + ln.Addr().String(), cache: c, spec: loadSpec(t)}
	return ts
}

// open scans the sources.
func (ts *testServer) open() *testServer {
	if err := ts.srv.Open(context.Background()); err != nil {
		ts.t.Fatal(err)
	}
	return ts
}

// do sends a request and checks the response against the OpenAPI
// description: the status and content type are documented for the
// operation, and so are the headers it requires.
func (ts *testServer) do(method, path string, body []byte, hdr map[string]string) (*http.Response, []byte) {
	ts.t.Helper()
	req, err := http.NewRequest(method, ts.url+path, bytes.NewReader(body))
	if err != nil {
		ts.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if ts.token != "" && req.Header.Get("Authorization") == "" {
		req.Header.Set("Authorization", "Bearer "+ts.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	p, _, _ := strings.Cut(path, "?")
	ts.spec.check(ts.t, method, p, resp)
	if resp.Header.Get("X-Request-Id") == "" {
		ts.t.Errorf("%s %s: no X-Request-Id", method, path)
	}
	return resp, b
}

// spec is the part of the OpenAPI description the tests check.
type spec struct {
	Paths map[string]map[string]struct {
		Responses map[string]struct {
			Ref     string `json:"$ref"`
			Headers map[string]struct {
				Required bool `json:"required"`
			} `json:"headers"`
			Content map[string]any `json:"content"`
		} `json:"responses"`
	} `json:"paths"`
	Components struct {
		Responses map[string]struct {
			Content map[string]any `json:"content"`
		} `json:"responses"`
	} `json:"components"`
}

func loadSpec(t *testing.T) *spec {
	var s spec
	if err := json.Unmarshal(server.OpenAPI(), &s); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return &s
}

func (s *spec) check(t *testing.T, method, path string, resp *http.Response) {
	t.Helper()
	op, ok := s.Paths[path][strings.ToLower(method)]
	if !ok {
		// A path with parameters: /v1/jobs/{id}.
		for p, ops := range s.Paths {
			if i := strings.Index(p, "{"); i > 0 && strings.HasPrefix(path, p[:i]) && !strings.Contains(path[i:], "/") {
				op, ok = ops[strings.ToLower(method)]
			}
		}
	}
	if !ok {
		t.Errorf("%s %s is not in the OpenAPI description", method, path)
		return
	}
	r, ok := op.Responses[strconv.Itoa(resp.StatusCode)]
	if !ok {
		t.Errorf("%s %s answered %d, which the OpenAPI description does not document", method, path, resp.StatusCode)
		return
	}
	content := r.Content
	if r.Ref != "" {
		content = s.Components.Responses[strings.TrimPrefix(r.Ref, "#/components/responses/")].Content
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if _, ok := content[mt]; !ok && len(content) > 0 {
		t.Errorf("%s %s %d: content type %q is not documented", method, path, resp.StatusCode, mt)
	}
	for h, d := range r.Headers {
		if d.Required && resp.Header.Get(h) == "" {
			t.Errorf("%s %s %d: required header %s missing", method, path, resp.StatusCode, h)
		}
	}
}

// TestEveryRouteIsDocumented: the handlers and the OpenAPI description
// name the same endpoints.
func TestEveryRouteIsDocumented(t *testing.T) {
	ts := start(t, server.Options{})
	documented := map[string]bool{}
	for p, ops := range ts.spec.Paths {
		for m := range ops {
			documented[strings.ToUpper(m)+" "+p] = true
		}
	}
	for _, r := range ts.srv.Routes() {
		if !documented[r] {
			t.Errorf("route %s is not documented", r)
		}
		delete(documented, r)
	}
	for r := range documented {
		t.Errorf("documented %s is not served", r)
	}
}

// crash writes a generated crash against the demo cache.
func crash(t *testing.T, c *dsctest.Cache, seed uint64) *crashgen.Report {
	t.Helper()
	rep, err := crashgen.Generate(c, crashgen.Config{Seed: seed, Slide: (seed + 1) << 14, Threads: 2, Frames: 8, AppUUID: process.UUID{0xA1, byte(seed)}})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestSymbolicateEndpoint posts every input format, in text, JSON and the
// envelope, gzip-compressed too, and checks answers, headers and errors.
func TestSymbolicateEndpoint(t *testing.T) {
	ts := start(t, server.Options{MaxBody: 1 << 20}).open()
	rep := crash(t, ts.cache, 1)
	resp, out := ts.do("POST", "/v1/symbolicate", rep.Data, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(out), "Thread 0 Crashed") {
		t.Fatalf("text: %d %s", resp.StatusCode, out)
	}
	if resp.Header.Get("X-Symbolicate-Resolved") == "0" || !strings.Contains(resp.Header.Get("X-Symbolicate-Missing-Images"), "SampleApp <A1010000") {
		t.Errorf("headers: %v", resp.Header)
	}
	for _, f := range rep.Frames {
		if f.Symbol != "" && !f.OSWritten && !strings.Contains(string(out), strings.TrimPrefix(f.Symbol, "_")) && !strings.HasPrefix(f.Symbol, "_$s") && !strings.HasPrefix(f.Symbol, "__Z") {
			t.Errorf("text output lacks %s", f.Symbol)
		}
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(rep.Data)
	zw.Close()
	resp, js := ts.do("POST", "/v1/symbolicate?format=json&demangle=false", gz.Bytes(), map[string]string{"Content-Encoding": "gzip"})
	if resp.StatusCode != 200 || !bytes.Contains(js, []byte(`"symbolLocation"`)) {
		t.Fatalf("gzip JSON: %d %.200s", resp.StatusCode, js)
	}
	resp, env := ts.do("POST", "/v1/symbolicate", rep.Data, map[string]string{"Accept": server.EnvelopeType})
	var e server.Envelope
	if err := json.Unmarshal(env, &e); err != nil || resp.StatusCode != 200 || e.Summary.Resolved == 0 || len(e.Summary.MissingImages) != 1 || e.Output != string(out) {
		t.Fatalf("envelope: %d %v %+v", resp.StatusCode, err, e.Summary)
	}
	for name, gen := range map[string]func() (*crashgen.Report, error){
		"swift": func() (*crashgen.Report, error) {
			return crashgen.SwiftBacktrace(ts.cache, crashgen.Config{Seed: 2, Frames: 5}, crashgen.SwiftOptions{})
		},
		"metrickit": func() (*crashgen.Report, error) {
			return crashgen.MetricKit(ts.cache, crashgen.Config{Seed: 3, Frames: 5}, crashgen.MetricKitOptions{})
		},
		"sample": func() (*crashgen.Report, error) {
			return crashgen.Sample(ts.cache, crashgen.Config{Seed: 4, Frames: 5}, crashgen.SampleOptions{})
		},
	} {
		r, err := gen()
		if err != nil {
			t.Fatal(err)
		}
		resp, _ := ts.do("POST", "/v1/symbolicate", r.Data, nil)
		if resp.StatusCode != 200 || resp.Header.Get("X-Symbolicate-Resolved") == "0" {
			t.Errorf("%s: %d, resolved %s", name, resp.StatusCode, resp.Header.Get("X-Symbolicate-Resolved"))
		}
	}
	// Errors, each with a message a person can act on.
	for name, tc := range map[string]struct {
		path, want string
		body       []byte
		hdr        map[string]string
		code       int
	}{
		"malformed":   {"/v1/symbolicate", "not a valid", []byte("{\"bug_type\":\"309\"}\n{\"threads\": [tru"), nil, 400},
		"unknown":     {"/v1/symbolicate", "", []byte("hello, world"), nil, 400},
		"oversized":   {"/v1/symbolicate", "limit is 1048576 bytes", bytes.Repeat([]byte(" "), 2<<20), nil, 413},
		"gzip bomb":   {"/v1/symbolicate", "limit is", bomb(t), map[string]string{"Content-Encoding": "gzip"}, 413},
		"bad gzip":    {"/v1/symbolicate", "not gzip", []byte("nope"), map[string]string{"Content-Encoding": "gzip"}, 400},
		"brotli":      {"/v1/symbolicate", "not supported", rep.Data, map[string]string{"Content-Encoding": "br"}, 415},
		"bad format":  {"/v1/symbolicate?format=xml", "want text or json", rep.Data, nil, 400},
		"bad boolean": {"/v1/symbolicate?demangle=maybe", "want true or false", rep.Data, nil, 400},
	} {
		resp, msg := ts.do("POST", tc.path, tc.body, tc.hdr)
		if resp.StatusCode != tc.code || !strings.Contains(string(msg), tc.want) {
			t.Errorf("%s: %d %q, want %d with %q", name, resp.StatusCode, msg, tc.code, tc.want)
		}
	}
	// An inert report comes back unchanged, with the reason.
	inert := []byte(`{"bug_type":"298","os_version":"iPhone OS 17.0 (21A329)"}` + "\n{}\n")
	resp, back := ts.do("POST", "/v1/symbolicate", inert, nil)
	if resp.StatusCode != 200 || resp.Header.Get("X-Symbolicate-Skipped") == "" || !bytes.Equal(back, inert[bytes.IndexByte(inert, '{'):]) && !bytes.Equal(back, inert) {
		t.Errorf("inert: %d %q %v", resp.StatusCode, back, resp.Header)
	}
}

// bomb is a gzip stream that inflates far past any limit.
func bomb(t *testing.T) []byte {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	zw.Write(make([]byte, 64<<20))
	zw.Close()
	return b.Bytes()
}

// TestTeckenV5 speaks the Firefox Profiler's protocol: two modules, one in
// the cache and one nobody has.
func TestTeckenV5(t *testing.T) {
	ts := start(t, server.Options{}).open()
	im := ts.cache.Images[0]
	fns := im.Functions
	debugID := strings.ToUpper(strings.ReplaceAll(im.UUID.String(), "-", "")) + "0"
	req := fmt.Sprintf(`{"jobs":[{"memoryMap":[[%q,%q],["nobody.dylib","00112233445566778899AABBCCDDEEFF0"]],"stacks":[[[0,%d],[0,%d],[1,4660],[-1,16]]]}]}`,
		filepath.Base(im.Path), debugID, fns[1].Address-im.Address+4, fns[2].Address-im.Address)
	resp, b := ts.do("POST", "/symbolicate/v5", []byte(req), nil)
	var out struct {
		Results []struct {
			Stacks [][]struct {
				Frame          int
				Module         string
				ModuleOffset   string `json:"module_offset"`
				Function       string
				FunctionOffset string `json:"function_offset"`
			}
			FoundModules map[string]bool `json:"found_modules"`
		}
	}
	if err := json.Unmarshal(b, &out); err != nil || resp.StatusCode != 200 || len(out.Results) != 1 {
		t.Fatalf("%d %v %s", resp.StatusCode, err, b)
	}
	st := out.Results[0].Stacks[0]
	want1 := strings.TrimPrefix(ts.cache.SymbolName(fns[1]), "_")
	if len(st) != 4 || st[0].Function == "" || st[0].FunctionOffset != "0x4" || st[2].Function != "" || st[3].Module != "" || st[1].Frame != 1 {
		t.Errorf("frames: %+v (want %s + 0x4 first)", st, want1)
	}
	found := out.Results[0].FoundModules
	if !found[filepath.Base(im.Path)+"/"+debugID] || found["nobody.dylib/00112233445566778899AABBCCDDEEFF0"] {
		t.Errorf("found_modules: %v", found)
	}
	resp, _ = ts.do("POST", "/symbolicate/v5", []byte(`{"memoryMap": 3}`), nil)
	if resp.StatusCode != 400 {
		t.Errorf("bad request: %d", resp.StatusCode)
	}
}

// TestAddressesAndCaches resolves addresses against a crash's image list
// and lists the caches.
func TestAddressesAndCaches(t *testing.T) {
	ts := start(t, server.Options{}).open()
	rep := crash(t, ts.cache, 5)
	im := ts.cache.Images[1]
	addr := im.Address + (6 << 14) + (im.Functions[1].Address - im.Address) + 2 // the crash's slide is 6 << 14
	body, _ := json.Marshal(map[string]any{"images": base64.StdEncoding.EncodeToString(rep.Data), "addresses": []string{fmt.Sprintf("0x%x", addr), "12"}})
	resp, b := ts.do("POST", "/v1/addresses?demangle=false", body, nil)
	var out struct {
		Results []server.AddressJSON
	}
	if err := json.Unmarshal(b, &out); err != nil || resp.StatusCode != 200 || len(out.Results) != 2 {
		t.Fatalf("%d %v %s", resp.StatusCode, err, b)
	}
	if out.Results[0].Symbol != strings.TrimPrefix(ts.cache.SymbolName(im.Functions[1]), "_") || out.Results[0].SymbolLocation != 2 || out.Results[1].Error == "" {
		t.Errorf("results: %+v", out.Results)
	}
	resp, b = ts.do("POST", "/v1/addresses", []byte(`{"images": "!!", "addresses": []}`), nil)
	if resp.StatusCode != 400 {
		t.Errorf("bad images: %d %s", resp.StatusCode, b)
	}
	resp, b = ts.do("GET", "/v1/caches", nil, nil)
	if resp.StatusCode != 200 || !bytes.Contains(b, []byte(ts.cache.UUID.String())) {
		t.Errorf("caches: %d %s", resp.StatusCode, b)
	}
	resp, b = ts.do("GET", "/metrics", nil, nil)
	if resp.StatusCode != 200 || !bytes.Contains(b, []byte(`symbolicate_requests_total{code="200",endpoint="/v1/addresses"} 1`)) || !bytes.Contains(b, []byte("go_goroutines")) {
		t.Errorf("metrics: %d\n%s", resp.StatusCode, b)
	}
	resp, _ = ts.do("GET", "/v1/openapi.json", nil, nil)
	if resp.StatusCode != 200 {
		t.Errorf("openapi: %d", resp.StatusCode)
	}
}

// TestReadinessAndAuth: /readyz says 503 until the sources are open; with
// tokens, every endpoint but the probes needs one, and a reload changes them.
func TestReadinessAndAuth(t *testing.T) {
	tok := filepath.Join(t.TempDir(), "tokens")
	os.WriteFile(tok, []byte("# ops\ns3cret\n"), 0o600)
	ts := start(t, server.Options{TokenFile: tok})
	if resp, _ := ts.do("GET", "/readyz", nil, nil); resp.StatusCode != 503 {
		t.Errorf("readyz before Open: %d", resp.StatusCode)
	}
	if resp, _ := ts.do("POST", "/v1/symbolicate", []byte("x"), map[string]string{"Authorization": "Bearer s3cret"}); resp.StatusCode != 503 {
		t.Errorf("symbolicate before Open: %d", resp.StatusCode)
	}
	ts.open()
	rep := crash(t, ts.cache, 6)
	for hdr, want := range map[string]int{"": 401, "Bearer nope": 401, "Basic czNjcmV0": 401, "Bearer s3cret": 200} {
		h := map[string]string{}
		if hdr != "" {
			h["Authorization"] = hdr
		}
		if resp, _ := ts.do("POST", "/v1/symbolicate", rep.Data, h); resp.StatusCode != want {
			t.Errorf("Authorization %q: %d, want %d", hdr, resp.StatusCode, want)
		}
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		if resp, _ := ts.do("GET", p, nil, nil); resp.StatusCode != 200 {
			t.Errorf("%s without a token: %d", p, resp.StatusCode)
		}
	}
	if resp, _ := ts.do("GET", "/metrics", nil, nil); resp.StatusCode != 401 {
		t.Errorf("metrics without a token: %d", resp.StatusCode)
	}
	os.WriteFile(tok, []byte("n3w\n"), 0o600)
	if err := ts.srv.ReloadTokens(); err != nil {
		t.Fatal(err)
	}
	if resp, _ := ts.do("GET", "/v1/caches", nil, map[string]string{"Authorization": "Bearer s3cret"}); resp.StatusCode != 401 {
		t.Errorf("old token after reload: %d", resp.StatusCode)
	}
	if resp, _ := ts.do("GET", "/v1/caches", nil, map[string]string{"Authorization": "Bearer n3w"}); resp.StatusCode != 200 {
		t.Errorf("new token after reload: %d", resp.StatusCode)
	}
}

// TestSaturationAndDeadline: with one worker and one queue place, a request
// held up by a slow body occupies the worker, the next waits, and the third
// is turned away with 503 and Retry-After; a deadline that passes fails the
// request with 503 and the server goes on.
func TestSaturationAndDeadline(t *testing.T) {
	ts := start(t, server.Options{MaxConcurrent: 1, MaxQueue: 1}).open()
	rep := crash(t, ts.cache, 7)
	pr, pw := io.Pipe()
	slow := make(chan int, 1)
	go func() {
		resp, err := http.Post(ts.url+"/v1/symbolicate", "application/octet-stream", pr)
		if err != nil {
			slow <- -1
			return
		}
		resp.Body.Close()
		slow <- resp.StatusCode
	}()
	pw.Write(rep.Data[:10])
	waitFor(t, func() bool { return metric(ts, "symbolicate_in_flight") == 1 })
	queued := make(chan int, 1)
	go func() {
		resp, err := http.Post(ts.url+"/v1/symbolicate", "application/octet-stream", bytes.NewReader(rep.Data))
		if err != nil {
			queued <- -1
			return
		}
		resp.Body.Close()
		queued <- resp.StatusCode
	}()
	time.Sleep(50 * time.Millisecond) // let it take the queue place
	resp, msg := ts.do("POST", "/v1/symbolicate", rep.Data, nil)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(msg), "busy") {
		t.Errorf("third request: %d %q", resp.StatusCode, msg)
	}
	pw.Write(rep.Data[10:])
	pw.Close()
	if c := <-slow; c != 200 {
		t.Errorf("slow request: %d", c)
	}
	if c := <-queued; c != 200 {
		t.Errorf("queued request: %d", c)
	}

	ts2 := start(t, server.Options{Timeout: time.Nanosecond}).open()
	resp, msg = ts2.do("POST", "/v1/symbolicate", rep.Data, nil)
	if resp.StatusCode != 503 || !strings.Contains(string(msg), "longer than the server allows") {
		t.Errorf("deadline: %d %q", resp.StatusCode, msg)
	}
}

// TestRescanUnderLoad rescans the sources while requests run: none fails.
func TestRescanUnderLoad(t *testing.T) {
	ts := start(t, server.Options{}).open()
	rep := crash(t, ts.cache, 8)
	var wg sync.WaitGroup
	var done atomic.Int64
	errs := make(chan string, 100)
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := http.Post(ts.url+"/v1/symbolicate", "application/octet-stream", bytes.NewReader(rep.Data))
				if err != nil {
					errs <- err.Error()
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					errs <- resp.Status
					return
				}
				done.Add(1)
			}
		}()
	}
	rescans := 0
	for done.Load() < 60 || rescans < 5 {
		if err := ts.srv.Rescan(context.Background()); err != nil {
			t.Fatal(err)
		}
		rescans++
		time.Sleep(2 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("a request failed during rescans: %s", e)
	}
	if ts.srv.Rescans() != rescans+1 {
		t.Errorf("%d scans", ts.srv.Rescans())
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatal("condition never met")
}

// metric reads one unlabelled metric's value.
func metric(ts *testServer, name string) float64 {
	req, _ := http.NewRequest("GET", ts.url+"/metrics", nil)
	if ts.token != "" {
		req.Header.Set("Authorization", "Bearer "+ts.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, name+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return -1
}
