package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/symbolicate/symbolicate/resolve"
)

// console writes to the terminal for the main command: messages and the
// progress line on stderr, results on stdout. The progress line (TTY only) is
// cleared before anything else is written, so no message lands on it.
type console struct {
	streams *ioStreams
	mu      sync.Mutex
	shown   bool // the progress line is on the screen
	last    time.Time
	start   time.Time
}

func newConsole(streams *ioStreams) *console {
	return &console{streams: streams, start: time.Now()}
}

// printf writes a message to stderr.
func (c *console) printf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clearLocked()
	fmt.Fprintf(c.streams.Stderr, format, args...)
}

// stdout writes a result to standard output, with a header naming the input
// when there are several.
func (c *console) stdout(n int, res *resolve.Result) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clearLocked()
	w := c.streams.Stdout
	if n > 1 {
		if _, err := fmt.Fprintf(w, "==> %s <==\n", res.Name); err != nil {
			return err
		}
	}
	_, err := w.Write(res.Output)
	if err == nil && len(res.Output) > 0 && res.Output[len(res.Output)-1] != '\n' {
		_, err = io.WriteString(w, "\n")
	}
	return err
}

// progress redraws the progress line: done, total, rate and failures.
func (c *console) progress(done, total, failed int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if done != total && now.Sub(c.last) < 100*time.Millisecond {
		return
	}
	c.last = now
	rate := float64(done) / max(now.Sub(c.start).Seconds(), 1e-3)
	line := fmt.Sprintf("\rsymbolicating %d/%d (%.0f/s)", done, total, rate)
	if failed > 0 {
		line += fmt.Sprintf(", %d failed", failed)
	}
	fmt.Fprint(c.streams.Stderr, line+"\033[K")
	c.shown = true
}

// scanning shows the progress of a --caches scan.
func (c *console) scanning(files, caches int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := time.Now(); now.Sub(c.last) >= 100*time.Millisecond {
		c.last = now
		fmt.Fprintf(c.streams.Stderr, "\rscanning for shared caches: %d files, %d found\033[K", files, caches)
		c.shown = true
	}
}

// clear removes the progress line.
func (c *console) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clearLocked()
}

func (c *console) clearLocked() {
	if c.shown {
		fmt.Fprint(c.streams.Stderr, "\r\033[K")
		c.shown = false
	}
}
