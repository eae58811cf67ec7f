// Package swiftbt reads the crash logs of the Swift runtime's backtracer
// (Swift 5.9 and later, SWIFT_BACKTRACE=…,format=json): the JSON crash report
// with its threads, frames and images, and the JSON of Swift's Codable
// Backtrace, whose images are a base64 Compact ImageMap.
package swiftbt

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-json"

	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/imagemap"
	"github.com/symbolicate/symbolicate/process"
)

// Format is the backtracer's JSON crash report for the format list.
var Format = format.Format{
	Name:  "swift-backtrace",
	Sniff: func(b []byte) bool { return jsonHead(b, `"kind"`, `"crashReport"`) },
	Parse: parseReport,
}

// CodableFormat is the JSON of Swift's Codable Backtrace, whose "imageMap" is
// a base64 CIF blob, for the format list.
var CodableFormat = format.Format{
	Name:  "cif+base64",
	Sniff: func(b []byte) bool { return jsonHead(b, `"imageMap"`) },
	Parse: parseCodable,
}

// jsonHead reports whether b starts with a JSON object whose first 4 KiB
// hold every key and none of an .ips header's.
func jsonHead(b []byte, keys ...string) bool {
	head := bytes.TrimLeft(b[:min(len(b), 4096)], " \t\r\n")
	if len(head) == 0 || head[0] != '{' || bytes.Contains(head, []byte(`"bug_type"`)) {
		return false
	}
	for _, k := range keys {
		if !bytes.Contains(head, []byte(k)) {
			return false
		}
	}
	return true
}

func parseCodable(b []byte, _ format.Options) (format.Document, error) {
	var probe struct {
		ImageMap string `json:"imageMap"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, fmt.Errorf("codable backtrace: %w", err)
	}
	raw, err := imagemap.DecodeBase64(probe.ImageMap)
	if err != nil {
		return nil, fmt.Errorf("imageMap: %w", err)
	}
	p, err := imagemap.Decode(raw)
	if err != nil {
		return nil, err
	}
	return &imagemap.Document{P: p, Name: "cif+base64"}, nil
}

// report is the part of the crash report this version reads.
type report struct {
	Kind     string  `json:"kind"`
	Platform string  `json:"platform"`
	Arch     string  `json:"architecture"`
	Images   []image `json:"images"`
}

type image struct {
	Name, BuildID, Path    string
	BaseAddress, EndOfText string
}

// document is a parsed crash report. This version reads its images only.
type document struct {
	*imagemap.Document
}

// NothingToSymbolicate says that this version does not symbolicate the
// backtracer's frames yet; its image list can be decoded.
func (d *document) NothingToSymbolicate() string {
	return "a Swift runtime backtrace (JSON): its frames are not symbolicated by this version; its image list can be decoded"
}

func parseReport(b []byte, _ format.Options) (format.Document, error) {
	var r report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("swift backtrace: %w", err)
	}
	if r.Kind != "crashReport" {
		return nil, fmt.Errorf("swift backtrace: kind %q is not crashReport", r.Kind)
	}
	p := &process.Process{Platform: r.Platform, WordSize: 64}
	if a := r.Arch; a == "arm" || a == "i386" || strings.HasPrefix(a, "armv") {
		p.WordSize = 32
	}
	for i, im := range r.Images {
		base, err1 := strconv.ParseUint(strings.TrimPrefix(im.BaseAddress, "0x"), 16, 64)
		end, err2 := strconv.ParseUint(strings.TrimPrefix(im.EndOfText, "0x"), 16, 64)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("swift backtrace image %d: %w", i, err)
		}
		id, err := hexID(im.BuildID)
		if err != nil {
			return nil, fmt.Errorf("swift backtrace image %d buildId: %w", i, err)
		}
		name := im.Name
		if name == "" {
			name = process.NameOf(im.Path)
		}
		p.Images = append(p.Images, process.Image{ID: id, Path: im.Path, Name: name, Base: base, End: end, Arch: r.Arch})
	}
	sort.SliceStable(p.Images, func(i, j int) bool { return p.Images[i].Base < p.Images[j].Base })
	return &document{&imagemap.Document{P: p, Name: "swift-backtrace"}}, nil
}

// hexID decodes a build ID written as hex digits.
func hexID(s string) (process.BuildID, error) {
	if len(s)%2 != 0 {
		return "", fmt.Errorf("odd length %d", len(s))
	}
	out := make([]byte, len(s)/2)
	for i := range out {
		v, err := strconv.ParseUint(s[2*i:2*i+2], 16, 8)
		if err != nil {
			return "", err
		}
		out[i] = byte(v)
	}
	return process.BuildID(out), nil
}
