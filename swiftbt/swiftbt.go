// Package swiftbt reads and writes the crash logs of the Swift runtime's
// backtracer (Swift 5.9 and later): the JSON crash report
// (SWIFT_BACKTRACE=…,format=json) and the text form, with their threads,
// frames and images, and the JSON of Swift's Codable Backtrace, whose
// images are a base64 Compact ImageMap.
//
// Frames are given as absolute addresses and placed in the image whose
// text holds them. Only return-address frames are looked up at address − 1;
// async resume points and the program counter are looked up as they are.
// Symbolicated, a JSON frame gains the members the backtracer writes when
// it symbolicates itself ("symbol" with the Mach-O leading underscore,
// "offset", "description", "image", "sourceLocation", "system" for shared
// cache images, inlined calls as frames with "inlined": true); a text frame
// line gains "name + offset in image at file:line:col".
package swiftbt

import (
	"bytes"
	"fmt"

	"github.com/goccy/go-json"

	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/imagemap"
)

// Format is the backtracer's JSON crash report for the format list.
var Format = format.Format{
	Name:  formatJSON,
	Sniff: func(b []byte) bool { return jsonHead(b, `"kind"`, `"crashReport"`) },
	Parse: func(b []byte, _ format.Options) (format.Document, error) { return parseJSON(b) },
}

// TextFormat is the backtracer's text form for the format list.
var TextFormat = format.Format{
	Name:  formatText,
	Sniff: sniffText,
	Parse: func(b []byte, _ format.Options) (format.Document, error) { return parseText(b) },
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
