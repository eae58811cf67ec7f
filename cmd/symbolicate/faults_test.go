//go:build linux || darwin

package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/goccy/go-json"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sys/unix"

	"github.com/symbolicate/symbolicate/internal/corpus"
	"github.com/symbolicate/symbolicate/internal/crashgen"
	"github.com/symbolicate/symbolicate/queue"
)

// The tests of this file run the command as a child process (the test
// binary standing in for it, see TestMain), with its supervisor, signal
// handling and exit statuses, and change the world around it mid-batch. A
// batch is held at a known point by a FIFO input: with -j 1 the worker
// blocks opening it after the inputs before it are done, until the test
// writes a report into it.

// childTimeout bounds every wait on a child; a child still running then has
// hung, which is a failure, not a reason to wait longer.
const childTimeout = 60 * time.Second

// lockedBuffer is a buffer the child's output goroutine writes while the
// test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// child prepares the command with args as a child process.
func child(t *testing.T, args ...string) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "SYMBOLICATE_TEST_AS_MAIN=1", "SYMBOLICATE_CACHES=", "SYMBOLICATE_SYMBOLS=", "SYMBOLICATE_INDEX_DIR=")
	errOut := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = &bytes.Buffer{}, errOut
	return cmd, errOut
}

// start starts cmd and kills it when the test ends.
func start(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
}

// wait waits for cmd and returns its exit status; -1 if it had to be killed.
func wait(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
		return cmd.ProcessState.ExitCode()
	case <-time.After(childTimeout):
		cmd.Process.Kill()
		<-done
		t.Errorf("the command hung (killed after %v)", childTimeout)
		return -1
	}
}

// waitForFile polls until path exists.
func waitForFile(t *testing.T, path string, cmd *exec.Cmd, errOut *lockedBuffer) {
	t.Helper()
	for deadline := time.Now().Add(childTimeout); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return
		}
	}
	t.Fatalf("%s never appeared; stderr:\n%s", path, errOut)
}

// mkfifo makes a FIFO, skipping the test where that is not possible.
func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skipf("mkfifo %s: %v", path, err)
	}
}

// feed writes data into the FIFO at path, once the child opens it.
func feed(t *testing.T, path string, data []byte) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err == nil {
			_, err = f.Write(data)
			f.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(childTimeout):
		t.Fatal("the command never opened its FIFO input")
	}
}

// agedCacheCopy copies the demo cache into a new directory with its files an
// hour old, as caches on disk are: a rewrite during the run then changes
// their modification time even on a coarse-clocked filesystem.
func agedCacheCopy(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	copyCache(t, dir, "")
	age(t, dir)
	return dir
}

func age(t *testing.T, dir string) {
	t.Helper()
	old := time.Now().Add(-time.Hour)
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			os.Chtimes(p, old, old)
		}
		return nil
	})
}

// heldBatch starts a batch of crash-a.ips then a FIFO input (later.ips)
// into out with extra flags, and returns once crash-a's output is written:
// the worker is then blocked on the FIFO.
func heldBatch(t *testing.T, out string, flags ...string) (*exec.Cmd, *lockedBuffer, []byte, string) {
	t.Helper()
	crashes := t.TempDir()
	writeCrashes(t, crashes, 1, false)
	first := filepath.Join(crashes, "crash-a.ips")
	data, err := os.ReadFile(first)
	if err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(crashes, "later.ips")
	mkfifo(t, fifo)
	cmd, errOut := child(t, append([]string{"-j", "1", "-o", out, first, fifo}, flags...)...)
	start(t, cmd)
	waitForFile(t, filepath.Join(out, "crash-a.symbolicated.txt"), cmd, errOut)
	return cmd, errOut, data, fifo
}

// noTemporaries fails when dir holds a temporary output file.
func noTemporaries(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), "symbolicate-tmp") {
			t.Errorf("temporary file left: %s", p)
		}
		return nil
	})
}

// TestCacheTruncatedMidBatch truncates every file of the cache while the
// batch runs: lookups fault on the vanished pages. The batch must go on
// (no "fatal error: fault"), finish every output, name the cache as changed
// and exit 6.
func TestCacheTruncatedMidBatch(t *testing.T) {
	caches := agedCacheCopy(t)
	out := t.TempDir()
	cmd, errOut, data, fifo := heldBatch(t, out, "--caches", caches)
	ents, _ := os.ReadDir(caches)
	for _, e := range ents {
		if err := os.Truncate(filepath.Join(caches, e.Name()), 0); err != nil {
			t.Fatal(err)
		}
	}
	feed(t, fifo, data)
	code := wait(t, cmd)
	msg := errOut.String()
	if code != exitChanged || strings.Contains(msg, "fatal error") || !strings.Contains(msg, "changed on disk while in use") {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitChanged, msg)
	}
	if !strings.Contains(msg, "2 crashes") || !strings.Contains(msg, "2 reports") {
		t.Errorf("summary does not count both reports:\n%s", msg)
	}
	if _, err := os.Stat(filepath.Join(out, "later.symbolicated.txt")); err != nil {
		t.Errorf("the report after the change was not written: %v", err)
	}
	noTemporaries(t, out)
}

// TestCacheOverwrittenMidBatch copies other bytes of the same size over a
// subcache while the batch runs: no fault, possibly wrong names. The run
// must notice the file's new identity, say which reports used the cache,
// and exit 6.
func TestCacheOverwrittenMidBatch(t *testing.T) {
	caches := agedCacheCopy(t)
	out := t.TempDir()
	cmd, errOut, data, fifo := heldBatch(t, out, "--caches", caches)
	victim := filepath.Join(caches, "dyld_shared_cache_arm64e.01")
	b, err := os.ReadFile(victim)
	if err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] ^= 0x5a
	}
	f, err := os.OpenFile(victim, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt(b, 0)
	f.Close()
	feed(t, fifo, data)
	code := wait(t, cmd)
	msg := errOut.String()
	if code != exitChanged || !strings.Contains(msg, "changed on disk while in use") || !strings.Contains(msg, "crash-a.ips") {
		t.Fatalf("exit %d, want %d and crash-a.ips named; stderr:\n%s", code, exitChanged, msg)
	}
}

// TestDSYMTruncatedMidBatch truncates the DWARF file of a dSYM (a real one,
// from the corpus) while the batch runs.
func TestDSYMTruncatedMidBatch(t *testing.T) {
	root := corpus.Path(t, "macho/macsymbolicator")
	syms := t.TempDir()
	copyTree(t, filepath.Join(root, "dsym", "CrashingTest.dSYM"), filepath.Join(syms, "CrashingTest.dSYM"))
	age(t, syms)
	dwarf := filepath.Join(syms, "CrashingTest.dSYM", "Contents", "Resources", "DWARF", "CrashingTest")
	data, err := os.ReadFile(filepath.Join(root, "crashes", "single-target-crash.ips"))
	if err != nil {
		t.Fatal(err)
	}
	crashes := t.TempDir()
	first := filepath.Join(crashes, "first.ips")
	os.WriteFile(first, data, 0o644)
	fifo := filepath.Join(crashes, "later.ips")
	mkfifo(t, fifo)
	out := t.TempDir()
	cmd, errOut := child(t, "-j", "1", "-o", out, first, fifo, "--symbols", syms)
	start(t, cmd)
	waitForFile(t, filepath.Join(out, "first.symbolicated.txt"), cmd, errOut)
	if err := os.Truncate(dwarf, 0); err != nil {
		t.Fatal(err)
	}
	feed(t, fifo, data)
	code := wait(t, cmd)
	msg := errOut.String()
	if code != exitChanged || strings.Contains(msg, "fatal error") || !strings.Contains(msg, dwarf) {
		t.Fatalf("exit %d, want %d and %s named; stderr:\n%s", code, exitChanged, dwarf, msg)
	}
}

// copyTree copies the regular files under src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSIGTERMStopsCleanly: SIGTERM (as a pod is stopped) while a worker
// waits on an input: the run stops, prints the summary of what was done,
// leaves no temporary file and exits 130.
func TestSIGTERMStopsCleanly(t *testing.T) {
	c, _ := demoCache()
	out := t.TempDir()
	cmd, errOut, _, _ := heldBatch(t, out, "--caches", c.Dir)
	cmd.Process.Signal(syscall.SIGTERM)
	code := wait(t, cmd)
	msg := errOut.String()
	if code != exitInterrupted || !strings.Contains(msg, "1 crash,") {
		t.Fatalf("exit %d, want %d and the summary; stderr:\n%s", code, exitInterrupted, msg)
	}
	noTemporaries(t, out)
}

// TestStaleTemporariesAreRemoved plants what a run killed with SIGKILL in
// the middle of a write leaves (a temporary file named by a process that is
// gone) in an output directory: the next run removes it and says so, and
// leaves alone a file that only looks similar.
func TestStaleTemporariesAreRemoved(t *testing.T) {
	c, _ := demoCache()
	victim := exec.Command(os.Args[0], "-test.run=^$")
	if err := victim.Start(); err != nil {
		t.Fatal(err)
	}
	victim.Process.Signal(syscall.SIGKILL)
	victim.Wait()
	host, _ := os.Hostname()
	host = strings.Map(func(r rune) rune {
		if r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return -1
	}, host)
	if host == "" {
		host = "host"
	}
	out := t.TempDir()
	os.MkdirAll(filepath.Join(out, "sub"), 0o755)
	stale := filepath.Join(out, "sub", ".crash-a.symbolicated.txt."+host+"."+strconv.Itoa(victim.Process.Pid)+".123456.symbolicate-tmp")
	keep := filepath.Join(out, ".notes.txt")
	os.WriteFile(stale, nil, 0o644)
	os.WriteFile(keep, []byte("mine"), 0o644)
	crashes := t.TempDir()
	writeCrashes(t, crashes, 1, false)
	code, _, errOut := runCLI(t, "", crashes, "--caches", c.Dir, "-o", out)
	if code != exitOK || !strings.Contains(errOut, "removed 1 temporary file") {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Error("the stale temporary file is still there")
	}
	if _, err := os.Stat(keep); err != nil {
		t.Error("a file of the user's was removed")
	}
}

// TestOutputToDevFull: every write fails with ENOSPC. The output is counted
// as not written (exit 4), the summary is printed, and /dev/full is still a
// device (an atomic rename must never replace it).
func TestOutputToDevFull(t *testing.T) {
	if fi, err := os.Stat("/dev/full"); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		t.Skip("/dev/full is not available here")
	}
	c, _ := demoCache()
	crashes := t.TempDir()
	writeCrashes(t, crashes, 1, false)
	code, _, errOut := runCLI(t, "", filepath.Join(crashes, "crash-a.ips"), "--caches", c.Dir, "-o", "/dev/full")
	if code != exitOutput || !strings.Contains(errOut, "no space left on device") || !strings.Contains(errOut, "1 not written") {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitOutput, errOut)
	}
	if fi, err := os.Stat("/dev/full"); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		t.Fatal("/dev/full was replaced")
	}
}

// TestFullFilesystem writes a batch into a tiny tmpfs: the outputs that fit
// are written whole, the others are counted and named, no temporary file is
// left, the summary is printed and the exit status is 4.
func TestFullFilesystem(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs here (needs root or CAP_SYS_ADMIN): %v %s", err, bytes.TrimSpace(out))
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	c, _ := demoCache()
	crashes := t.TempDir()
	writeCrashes(t, crashes, 8, false)
	code, _, errOut := runCLI(t, "", crashes, "--caches", c.Dir, "-o", dir)
	if code != exitOutput || !strings.Contains(errOut, "not written") || !strings.Contains(errOut, "8 crashes") {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitOutput, errOut)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) == 0 || len(ents) == 8 {
		t.Fatalf("%d outputs written: the filesystem was not filled part way", len(ents))
	}
	for _, e := range ents {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		if !bytes.Contains(b, []byte("Binary Images:")) {
			t.Errorf("%s is incomplete", e.Name())
		}
	}
	noTemporaries(t, dir)
}

// TestFIFOsNeverBlock puts FIFOs where files are expected: as the --caches
// root, at a subcache's path, and named like a report in an input folder.
// Each is skipped with a message; nothing waits on it.
func TestFIFOsNeverBlock(t *testing.T) {
	crashes := t.TempDir()
	writeCrashes(t, crashes, 1, false)
	mkfifo(t, filepath.Join(crashes, "x.ips"))
	rootFIFO := filepath.Join(t.TempDir(), "caches")
	mkfifo(t, rootFIFO)
	subDir := t.TempDir()
	copyCache(t, subDir, ".02")
	mkfifo(t, filepath.Join(subDir, "dyld_shared_cache_arm64e.02"))
	for name, caches := range map[string]string{"root": rootFIFO, "subcache": subDir} {
		cmd, errOut := child(t, crashes, "--caches", caches)
		start(t, cmd)
		code := wait(t, cmd)
		if code == exitUsage || code < 0 || !strings.Contains(errOut.String(), "1 crash,") {
			t.Errorf("%s FIFO: exit %d:\n%s", name, code, errOut)
		}
	}
}

// TestDeepUnreadablePathIsSkipped nests folders until the path is too long
// to name: the walk warns about it and symbolicates the rest.
func TestDeepUnreadablePathIsSkipped(t *testing.T) {
	c, _ := demoCache()
	crashes := t.TempDir()
	writeCrashes(t, crashes, 1, false)
	fd, err := unix.Open(crashes, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.Repeat("d", 200)
	for depth := 0; depth < 25; depth++ { // 25 × 201 bytes > PATH_MAX (4096)
		if err := unix.Mkdirat(fd, name, 0o755); err != nil {
			unix.Close(fd)
			t.Skipf("mkdirat: %v", err)
		}
		next, err := unix.Openat(fd, name, unix.O_RDONLY|unix.O_DIRECTORY, 0)
		unix.Close(fd)
		if err != nil {
			t.Skipf("openat: %v", err)
		}
		fd = next
	}
	unix.Close(fd)
	code, _, errOut := runCLI(t, "", crashes, "--caches", c.Dir, "-o", t.TempDir())
	if code != exitOK || !strings.Contains(errOut, "1 crash,") || !strings.Contains(errOut, "warning") {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
}

// TestSymlinkedCacheFindsSubcaches gives --caches a folder holding only a
// symbolic link to the main cache file: the subcaches are beside the target.
func TestSymlinkedCacheFindsSubcaches(t *testing.T) {
	c, _ := demoCache()
	links := t.TempDir()
	if err := os.Symlink(c.MainPath, filepath.Join(links, "dyld_shared_cache_arm64e")); err != nil {
		t.Fatal(err)
	}
	crashes := t.TempDir()
	writeCrashes(t, crashes, 1, false)
	code, _, errOut := runCLI(t, "", crashes, "--caches", links)
	if code != exitOK || strings.Contains(errOut, "warning") {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
}

// TestOversizedAndEndlessInputs: an input over --max-input-size, and an
// endless one (/dev/zero), each fail alone and quickly; the others are
// symbolicated.
func TestOversizedAndEndlessInputs(t *testing.T) {
	c, _ := demoCache()
	crashes := t.TempDir()
	writeCrashes(t, crashes, 2, false)
	big := filepath.Join(crashes, "big.ips")
	os.WriteFile(big, bytes.Repeat([]byte(" "), 2<<20), 0o644)
	args := []string{filepath.Join(crashes, "crash-a.ips"), "/dev/zero", filepath.Join(crashes, "crash-b.ips"), big,
		"--caches", c.Dir, "-o", t.TempDir(), "--max-input-size", "1MiB"}
	code, _, errOut := runCLI(t, "", args...)
	if code != exitBadInput || !strings.Contains(errOut, "2 crashes") || strings.Count(errOut, "over the size limit") != 2 {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
}

// TestInternalErrorStatus: a crash of the Go runtime in the command (an
// unrecovered panic) is exit status 5 with a message, not the runtime's 2.
func TestInternalErrorStatus(t *testing.T) {
	cmd, errOut := child(t, "--version")
	cmd.Env = append(cmd.Env, "SYMBOLICATE_TEST_CRASH=1")
	start(t, cmd)
	code := wait(t, cmd)
	if code != exitInternal || !strings.Contains(errOut.String(), "internal error") || !strings.Contains(errOut.String(), "test crash") {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitInternal, errOut)
	}
}

// startServe runs "symbolicate serve" as a child on a random loopback port
// and returns its base URL once it listens and is ready.
func startServe(t *testing.T, args ...string) (*exec.Cmd, *lockedBuffer, string) {
	t.Helper()
	cmd, errOut := child(t, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	pr, pw := io.Pipe()
	cmd.Stderr = io.MultiWriter(errOut, pw)
	start(t, cmd)
	t.Cleanup(func() { pw.Close() })
	url := ""
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "symbolicate: listening on "); ok {
			url = u
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if url == "" {
		t.Fatalf("serve did not start:\n%s", errOut)
	}
	for deadline := time.Now().Add(childTimeout); ; time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve never became ready:\n%s", errOut)
		}
	}
	return cmd, errOut, url
}

// TestServeSignals: the service answers, rescans on SIGHUP without dropping
// a request, and on SIGTERM lets an in-flight request finish, then exits 0.
func TestServeSignals(t *testing.T) {
	c, _ := demoCache()
	crashes := t.TempDir()
	writeCrashes(t, crashes, 1, false)
	data, _ := os.ReadFile(filepath.Join(crashes, "crash-a.ips"))
	cmd, errOut, url := startServe(t, "--caches", c.Dir)
	post := func() int {
		resp, err := http.Post(url+"/v1/symbolicate", "application/octet-stream", bytes.NewReader(data))
		if err != nil {
			return -1
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(); code != 200 {
		t.Fatalf("POST: %d\n%s", code, errOut)
	}
	cmd.Process.Signal(syscall.SIGHUP)
	waitForText(t, errOut, "sources open", 2)
	if code := post(); code != 200 {
		t.Errorf("POST after SIGHUP: %d", code)
	}
	// A request whose body is still arriving when SIGTERM comes.
	pr, pw := io.Pipe()
	inflight := make(chan int, 1)
	go func() {
		resp, err := http.Post(url+"/v1/symbolicate", "application/octet-stream", pr)
		if err != nil {
			inflight <- -1
			return
		}
		resp.Body.Close()
		inflight <- resp.StatusCode
	}()
	pw.Write(data[:100])
	time.Sleep(100 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGTERM)
	waitForText(t, errOut, "draining", 1)
	pw.Write(data[100:])
	pw.Close()
	if code := <-inflight; code != 200 {
		t.Errorf("the in-flight request: %d", code)
	}
	if code := wait(t, cmd); code != exitOK {
		t.Errorf("exit %d after SIGTERM:\n%s", code, errOut)
	}
}

// waitForText waits until s has appeared n times in the child's stderr.
func waitForText(t *testing.T, b *lockedBuffer, s string, n int) {
	t.Helper()
	for deadline := time.Now().Add(childTimeout); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if strings.Count(b.String(), s) >= n {
			return
		}
	}
	t.Fatalf("%q never appeared %d times:\n%s", s, n, b)
}

// TestServeRefusesOpenAddressWithoutTokens: listening beyond loopback needs
// tokens or --insecure.
func TestServeRefusesOpenAddressWithoutTokens(t *testing.T) {
	code, _, errOut := runCLI(t, "", "serve", "--listen", "0.0.0.0:0")
	if code != exitUsage || !strings.Contains(errOut, "--token-file") {
		t.Errorf("exit %d:\n%s", code, errOut)
	}
}

// TestServeTLSAndTokens serves HTTPS with a certificate made for the test,
// and requires its token.
func TestServeTLSAndTokens(t *testing.T) {
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	os.WriteFile(filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	os.WriteFile(filepath.Join(dir, "tokens"), []byte("t0ken\n"), 0o600)
	pool := x509.NewCertPool()
	pool.AddCert(must(x509.ParseCertificate(der)))
	http.DefaultTransport.(*http.Transport).TLSClientConfig = &tls.Config{RootCAs: pool}
	defer func() { http.DefaultTransport.(*http.Transport).TLSClientConfig = nil }()
	c, _ := demoCache()
	cmd, errOut, url := startServe(t, "--caches", c.Dir, "--tls-cert", filepath.Join(dir, "cert.pem"), "--tls-key", filepath.Join(dir, "key.pem"),
		"--token-file", filepath.Join(dir, "tokens"))
	if !strings.HasPrefix(url, "https://") {
		t.Fatalf("url %s", url)
	}
	for tok, want := range map[string]int{"": 401, "t0ken": 200} {
		req, _ := http.NewRequest("GET", url+"/v1/caches", nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("token %q: %d, want %d\n%s", tok, resp.StatusCode, want, errOut)
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	wait(t, cmd)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// natsServer starts an embedded NATS server for the test.
func natsServer(t *testing.T, dir string) *queue.Embedded {
	t.Helper()
	e, err := queue.StartEmbedded(queue.EmbeddedOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Shutdown)
	return e
}

// readDir returns every file under dir by its relative path.
func readDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			b, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			out[rel] = string(b)
		}
		return nil
	})
	return out
}

// TestNATSBatchEqualsLocal hands a batch to a worker through JetStream:
// the outputs, summary counts and exit status are those of a local run.
func TestNATSBatchEqualsLocal(t *testing.T) {
	c, _ := demoCache()
	e := natsServer(t, t.TempDir())
	crashes := t.TempDir()
	writeCrashes(t, crashes, 5, true)
	worker, werr := child(t, "worker", "--nats", e.URL(), "--caches", c.Dir, "--name", "w1")
	start(t, worker)
	// Until the worker consumes, the submitter says it is waiting for one,
	// and its summary no longer starts as the local run's does.
	waitForText(t, werr, "worker ready", 1)
	local, remote := t.TempDir(), t.TempDir()
	lcode, _, lerr := runCLI(t, "", crashes, "--caches", c.Dir, "-o", local)
	rcode, _, rerr := runCLI(t, "", crashes, "--nats", e.URL(), "-o", remote)
	if lcode != rcode || lcode != exitUnresolved {
		t.Fatalf("exit %d local, %d through NATS\n%s\n%s\nworker:\n%s", lcode, rcode, lerr, rerr, werr)
	}
	first := func(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }
	if first(lerr) != first(rerr) {
		t.Errorf("summaries differ:\n%s\n%s", lerr, rerr)
	}
	lo, ro := readDir(t, local), readDir(t, remote)
	if len(lo) != 5 || len(lo) != len(ro) {
		t.Fatalf("%d local outputs, %d remote", len(lo), len(ro))
	}
	for name, b := range lo {
		if ro[name] != b {
			t.Errorf("%s differs", name)
		}
	}
	worker.Process.Signal(syscall.SIGTERM)
	wait(t, worker)
}

// TestWorkerKilledMidJob kills (SIGKILL) the worker process that holds a
// job: the job goes to another worker after the ack wait and completes
// once.
func TestWorkerKilledMidJob(t *testing.T) {
	c, _ := demoCache()
	e := natsServer(t, t.TempDir())
	rep, err := crashgen.Generate(c, crashgen.Config{Seed: 9, Threads: 200, Frames: 1000})
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(t.TempDir(), "huge.ips")
	os.WriteFile(in, rep.Data, 0o644)
	batch, _ := child(t, "submit", "--nats", e.URL(), in)
	var out bytes.Buffer
	batch.Stdout = &out
	start(t, batch)
	if code := wait(t, batch); code != exitOK {
		t.Fatalf("submit: exit %d", code)
	}
	id := strings.TrimSpace(out.String())
	doomed, _ := child(t, "worker", "--nats", e.URL(), "--caches", c.Dir, "--name", "doomed", "--ack-wait", "1s", "-j", "1")
	doomed.Env = append(doomed.Env, "SYMBOLICATE_NO_SUPERVISOR=1")
	start(t, doomed)
	// Wait until it holds the job, then kill it.
	nc, err := nats.Connect(e.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	route := "route-" + queue.RouteKey(c.UUID.String())
	for deadline := time.Now().Add(childTimeout); ; time.Sleep(5 * time.Millisecond) {
		if cons, err := js.Consumer(context.Background(), queue.JobsStream, route); err == nil {
			if info, err := cons.Info(context.Background()); err == nil && info.NumAckPending == 1 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the worker never took the job")
		}
	}
	doomed.Process.Kill()
	doomed.Wait()
	survivor, serr := child(t, "worker", "--nats", e.URL(), "--caches", c.Dir, "--name", "survivor", "--ack-wait", "1s")
	start(t, survivor)
	results, rerr := child(t, "results", "--nats", e.URL(), "--batch", id, "-o", t.TempDir(), "--wait", "1m")
	start(t, results)
	if code := wait(t, results); code != exitOK {
		t.Fatalf("results: exit %d\n%s\nsurvivor:\n%s", code, rerr, serr)
	}
	q, err := queue.Connect(context.Background(), e.URL(), queue.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	b, _ := q.LoadBatch(context.Background(), id)
	j, err := q.JobResultOf(context.Background(), b.Jobs[0].ID)
	if err != nil || j.Worker != "survivor" {
		t.Errorf("result by %+v (%v), want the survivor", j, err)
	}
	survivor.Process.Signal(syscall.SIGTERM)
	wait(t, survivor)
}

// TestServeJobsSurviveARestart: a job the service accepts and cannot serve
// (its cache is not there) waits; after a restart with the cache, it
// completes.
func TestServeJobsSurviveARestart(t *testing.T) {
	c, _ := demoCache()
	data := t.TempDir()
	crashes := t.TempDir()
	writeCrashes(t, crashes, 1, false)
	body, _ := os.ReadFile(filepath.Join(crashes, "crash-a.ips"))
	cmd, errOut, url := startServe(t, "--queue", "embedded", "--data", data)
	resp, err := http.Post(url+"/v1/jobs?name=crash-a.ips", "application/octet-stream", bytes.NewReader(body))
	if err != nil || resp.StatusCode != 202 {
		t.Fatalf("POST /v1/jobs: %v %v\n%s", resp, err, errOut)
	}
	var st struct{ ID string }
	json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if r, _ := http.Get(url + "/v1/jobs/" + st.ID); r == nil || r.StatusCode != 202 {
		t.Errorf("GET while queued: %v", r)
	}
	if r, _ := http.Get(url + "/v1/jobs/nope"); r == nil || r.StatusCode != 404 {
		t.Errorf("GET of an unknown job: %v", r)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if code := wait(t, cmd); code != exitOK {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	cmd2, errOut2, url2 := startServe(t, "--queue", "embedded", "--data", data, "--caches", c.Dir)
	for deadline := time.Now().Add(childTimeout); ; time.Sleep(20 * time.Millisecond) {
		r, err := http.Get(url2 + "/v1/jobs/" + st.ID)
		if err == nil && r.StatusCode == 200 {
			var env struct {
				Output  string
				Summary struct{ Resolved int }
			}
			json.NewDecoder(r.Body).Decode(&env)
			r.Body.Close()
			if env.Summary.Resolved == 0 || !strings.Contains(env.Output, "Thread 0 Crashed") {
				t.Errorf("result: %+v", env.Summary)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the job never completed:\n%s", errOut2)
		}
	}
	cmd2.Process.Signal(syscall.SIGTERM)
	wait(t, cmd2)
}

// TestServeQueueListen: the embedded queue of "serve" takes outside clients
// on --queue-listen, so "symbolicate --nats" there gives a local run's
// output; a non-loopback address is refused without --insecure.
func TestServeQueueListen(t *testing.T) {
	c, _ := demoCache()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd, errOut, _ := startServe(t, "--queue", "embedded", "--data", t.TempDir(), "--queue-listen", addr, "--caches", c.Dir)
	crashes := t.TempDir()
	writeCrashes(t, crashes, 3, false)
	local, remote := t.TempDir(), t.TempDir()
	code, _, localErr := runCLI(t, "", crashes, "--caches", c.Dir, "-o", local)
	rcode, _, remoteErr := runCLI(t, "", crashes, "--nats", "nats://"+addr, "-o", remote)
	if rcode != code {
		t.Fatalf("exit %d through the queue, %d locally\n%s\n%s\n%s", rcode, code, remoteErr, localErr, errOut)
	}
	ents, _ := os.ReadDir(local)
	for _, e := range ents {
		a, _ := os.ReadFile(filepath.Join(local, e.Name()))
		b, err := os.ReadFile(filepath.Join(remote, e.Name()))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs through the queue (%v)", e.Name(), err)
		}
	}
	if len(ents) != 3 {
		t.Errorf("%d outputs, want 3", len(ents))
	}
	cmd.Process.Signal(syscall.SIGTERM)
	wait(t, cmd)

	code, _, msg := runCLI(t, "", "serve", "--queue", "embedded", "--data", t.TempDir(), "--queue-listen", "0.0.0.0:0")
	if code != exitUsage || !strings.Contains(msg, "--insecure") {
		t.Errorf("--queue-listen 0.0.0.0:0: exit %d, %s", code, msg)
	}
}
