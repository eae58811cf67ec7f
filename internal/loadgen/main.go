// Command loadgen drives "symbolicate serve" with generated crash reports
// and reports throughput, latency, failures and the server's memory. It
// starts the server itself, on 127.0.0.1 with a random port, against a
// generated cache (full scale by default), and never talks to any other
// address. A run is bounded both in requests and in time.
//
// A share of the requests is bad on purpose: malformed reports (400
// expected) and oversized bodies (413 expected); some clients hang up
// halfway through sending. Only well-formed requests count as failures when
// they do not get a 200.
//
// Usage:
//
//	go run ./internal/loadgen -bin bin/symbolicate [-rate 1000] [-concurrency 32]
//	    [-duration 30s] [-requests 100000] [-bad 0.1] [-disconnect 0.02] [-demo] [-index-dir DIR]
//
// -rate 0 sends as fast as the concurrency allows (throughput); a rate sends
// that many requests a second, open loop (latency at a given load).
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/symbolicate/symbolicate/dsc/dsctest"
	"github.com/symbolicate/symbolicate/internal/crashgen"
	"github.com/symbolicate/symbolicate/process"
)

type config struct {
	bin               string
	rate, concurrency int
	duration          time.Duration
	requests          int
	bad, disconnect   float64
	demo              bool
	indexDir          string
	crashes           int
	realistic         bool
}

func main() {
	var c config
	flag.StringVar(&c.bin, "bin", "bin/symbolicate", "symbolicate binary")
	flag.IntVar(&c.rate, "rate", 0, "requests per second (0: as fast as the concurrency allows)")
	flag.IntVar(&c.concurrency, "concurrency", 32, "requests in flight at most")
	flag.DurationVar(&c.duration, "duration", 30*time.Second, "how long to send (at most 10m)")
	flag.IntVar(&c.requests, "requests", 200000, "how many requests to send at most (at most 10,000,000)")
	flag.Float64Var(&c.bad, "bad", 0.1, "share of malformed or oversized requests")
	flag.Float64Var(&c.disconnect, "disconnect", 0.02, "share of clients that hang up mid-request")
	flag.BoolVar(&c.demo, "demo", false, "use the small demo cache instead of the full-scale one")
	flag.BoolVar(&c.realistic, "realistic", false, "frames spread as in device reports")
	flag.StringVar(&c.indexDir, "index-dir", "", "the server's --index-dir")
	flag.IntVar(&c.crashes, "crashes", 500, "distinct crash reports to cycle through")
	flag.Parse()
	c.duration = min(c.duration, 10*time.Minute)
	c.requests = min(c.requests, 10_000_000)
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

// server is the started "symbolicate serve".
type server struct {
	cmd *exec.Cmd
	url string
}

func startServer(c config, cache *dsctest.Cache) (*server, error) {
	args := []string{"serve", "--listen", "127.0.0.1:0", "--caches", filepath.Dir(cache.MainPath), "--max-body", "1MiB", "--backlog", "256"}
	if c.indexDir != "" {
		args = append(args, "--index-dir", c.indexDir)
	}
	cmd := exec.Command(c.bin, args...)
	// The worker itself, not a supervisor, so that its memory is what is read.
	cmd.Env = append(os.Environ(), "SYMBOLICATE_NO_SUPERVISOR=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(stderr)
	url := ""
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "symbolicate: listening on "); ok {
			url = u
			break
		}
	}
	go io.Copy(io.Discard, stderr)
	if url == "" {
		cmd.Process.Kill()
		return nil, errors.New("the server did not start")
	}
	host, _, _ := net.SplitHostPort(strings.TrimPrefix(url, "http://"))
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		cmd.Process.Kill()
		return nil, fmt.Errorf("the server listens on %s, not on loopback", url)
	}
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			return nil, errors.New("the server never became ready")
		}
	}
	return &server{cmd: cmd, url: url}, nil
}

// memory reads the server's resident and peak memory in MiB.
func (s *server) memory() (rss, peak float64) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(s.cmd.Process.Pid) + "/status")
	if err != nil {
		return -1, -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 {
			v, _ := strconv.ParseFloat(f[1], 64)
			switch f[0] {
			case "VmRSS:":
				rss = v / 1024
			case "VmHWM:":
				peak = v / 1024
			}
		}
	}
	return rss, peak
}

// goroutines reads go_goroutines from /metrics.
func (s *server) goroutines() float64 {
	resp, err := http.Get(s.url + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "go_goroutines "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return -1
}

type kind int

const (
	good kind = iota
	malformed
	oversized
	hangup
)

type stats struct {
	mu        sync.Mutex
	latencies []time.Duration
	sent      [4]int
	failures  []string
	unexpect  int
}

func run(c config) error {
	cfg := dsctest.FullScale(1)
	if c.demo {
		cfg = dsctest.Demo(1)
	}
	cache, err := dsctest.Cached(cfg)
	if err != nil {
		return err
	}
	var bodies [][]byte
	for i := range c.crashes {
		rep, err := crashgen.Generate(cache, crashgen.Config{Seed: uint64(i), Slide: uint64(i%512+1) << 14, Threads: 4, Frames: 15,
			Boundary: 0.1, AppUUID: process.UUID{0xBE, 0xAC}, Realistic: c.realistic})
		if err != nil {
			return err
		}
		bodies = append(bodies, rep.Data)
	}
	srv, err := startServer(c, cache)
	if err != nil {
		return err
	}
	defer func() {
		srv.cmd.Process.Signal(os.Interrupt)
		srv.cmd.Wait()
	}()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c.concurrency, MaxConnsPerHost: c.concurrency * 2}, Timeout: time.Minute}

	// Warm up: every body once, so that tables are built before measuring.
	for _, b := range bodies {
		if resp, err := client.Post(srv.url+"/v1/symbolicate", "application/octet-stream", bytes.NewReader(b)); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	g0 := srv.goroutines()
	rss0, _ := srv.memory()

	var st stats
	ctx, cancel := context.WithTimeout(context.Background(), c.duration)
	defer cancel()
	var sent atomic.Int64
	rng := rand.New(rand.NewPCG(1, 2))
	var rngMu sync.Mutex
	pick := func() (kind, []byte) {
		rngMu.Lock()
		defer rngMu.Unlock()
		b := bodies[rng.IntN(len(bodies))]
		r := rng.Float64()
		switch {
		case r < c.bad/2:
			return malformed, b[:len(b)/3]
		case r < c.bad:
			return oversized, bytes.Repeat(b, (2<<20)/len(b)+1)
		case r < c.bad+c.disconnect:
			return hangup, b
		}
		return good, b
	}
	one := func() {
		k, body := pick()
		st.mu.Lock()
		st.sent[k]++
		st.mu.Unlock()
		if k == hangup {
			hangUp(srv.url, body)
			return
		}
		t0 := time.Now()
		resp, err := client.Post(srv.url+"/v1/symbolicate", "application/octet-stream", bytes.NewReader(body))
		lat := time.Since(t0)
		code := -1
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			code = resp.StatusCode
		}
		st.mu.Lock()
		defer st.mu.Unlock()
		switch k {
		case good:
			st.latencies = append(st.latencies, lat)
			if code != 200 {
				st.failures = append(st.failures, fmt.Sprintf("%d %v", code, err))
			}
		case malformed:
			if code != 400 {
				st.unexpect++
			}
		case oversized:
			if code != 413 && code != -1 { // the server may close the connection on an oversized body
				st.unexpect++
			}
		}
	}
	start := time.Now()
	var wg sync.WaitGroup
	slots := make(chan struct{}, c.concurrency)
	var tick <-chan time.Time
	if c.rate > 0 {
		t := time.NewTicker(time.Second / time.Duration(c.rate))
		defer t.Stop()
		tick = t.C
	}
	var samples []string
	sampler := time.NewTicker(30 * time.Second)
	defer sampler.Stop()
loop:
	for sent.Load() < int64(c.requests) {
		if tick != nil {
			select {
			case <-tick:
			case <-ctx.Done():
				break loop
			}
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			break loop
		}
		select {
		case <-sampler.C:
			rss, _ := srv.memory()
			samples = append(samples, fmt.Sprintf("t=%v rss=%.0fMiB goroutines=%.0f", time.Since(start).Round(time.Second), rss, srv.goroutines()))
		default:
		}
		sent.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			one()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	time.Sleep(2 * time.Second) // let hung-up connections and idle goroutines settle
	client.CloseIdleConnections()
	time.Sleep(time.Second)
	g1 := srv.goroutines()
	rss1, peak := srv.memory()

	slices.Sort(st.latencies)
	q := func(p float64) time.Duration {
		if len(st.latencies) == 0 {
			return 0
		}
		return st.latencies[min(len(st.latencies)-1, int(p*float64(len(st.latencies))))]
	}
	total := st.sent[0] + st.sent[1] + st.sent[2] + st.sent[3]
	fmt.Printf("cache: %s (%d images); %d distinct crashes\n", cache.MainPath, len(cache.Images), len(bodies))
	fmt.Printf("sent %d requests in %v: %.0f requests/s (%d good, %d malformed, %d oversized, %d hung up), concurrency %d, rate %d\n",
		total, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds(), st.sent[0], st.sent[1], st.sent[2], st.sent[3], c.concurrency, c.rate)
	fmt.Printf("well-formed: %.0f reports/s; latency p50 %v, p90 %v, p99 %v, max %v\n",
		float64(st.sent[0])/elapsed.Seconds(), q(0.5), q(0.9), q(0.99), q(1))
	fmt.Printf("failures of well-formed requests: %d; bad requests answered otherwise than 400/413: %d\n", len(st.failures), st.unexpect)
	for i, f := range st.failures {
		if i == 5 {
			break
		}
		fmt.Printf("  %s\n", f)
	}
	fmt.Printf("server memory: RSS %.0f MiB after warm-up, %.0f MiB at the end, peak %.0f MiB; goroutines %.0f → %.0f\n", rss0, rss1, peak, g0, g1)
	for _, s := range samples {
		fmt.Println("  " + s)
	}
	if len(st.failures) > 0 {
		return fmt.Errorf("%d well-formed requests failed", len(st.failures))
	}
	return nil
}

// hangUp sends half a request and closes the connection.
func hangUp(url string, body []byte) {
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(url, "http://"), 5*time.Second)
	if err != nil {
		return
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v1/symbolicate HTTP/1.1\r\nHost: loadgen\r\nContent-Length: %d\r\n\r\n", len(body))
	conn.Write(body[:len(body)/2])
}
