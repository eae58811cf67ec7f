package resolve

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-json"

	"github.com/symbolicate/symbolicate/atlas"
	"github.com/symbolicate/symbolicate/crashlog"
	"github.com/symbolicate/symbolicate/imagemap"
)

// ImageList is an image list read from any input that carries one.
type ImageList struct {
	// Format names what was read: "cif", "compact-info", "process-plist",
	// "ips", "crash" (legacy text), "swift-backtrace" (the Swift runtime's JSON
	// crash log) or "image-list" (the JSON of `symbolicate decode`). A
	// "+aar" or "+base64" suffix names the wrapper it came in.
	Format string
	Map    *imagemap.Map
	// Cache is the shared cache the process had mapped, when the input says.
	Cache *SharedCacheRef
	// Snapshot is set for dyld snapshots (compact info, process.plist).
	Snapshot *atlas.Snapshot
	// Warnings are problems that did not stop decoding.
	Warnings []string
}

// ErrUnknownFormat is returned by LoadImageList for input that is none of the
// supported formats.
var ErrUnknownFormat = errors.New("unrecognised format (not CIF, compact info, Apple Archive, process plist, .ips, .crash, Swift backtrace JSON, an image-list JSON, or base64 of one of them)")

// LoadImageList detects the format of b and decodes its image list. The cache
// images of a dyld snapshot are expanded from caches (which may be nil): with
// the snapshot's cache on disk they become real images, otherwise they stay
// "cache image #i" entries and a warning says which cache was missing.
func LoadImageList(b []byte, caches *Caches) (*ImageList, error) {
	return loadImageList(b, caches, true)
}

func loadImageList(b []byte, caches *Caches, allowBase64 bool) (*ImageList, error) {
	switch atlas.Sniff(b) {
	case atlas.KindCompactInfo, atlas.KindAppleArchive, atlas.KindBinaryPlist:
		return loadSnapshot(b, caches)
	case atlas.KindPBZ:
		return nil, errors.New("this is a shared-cache .atlas file, not a process snapshot")
	}
	text := bytes.TrimSpace(b)
	if len(text) > 0 && text[0] == '{' {
		if l, err := loadJSONImages(text); l != nil || err != nil {
			return l, err
		}
	}
	if looksLikeReport(text) {
		rep, err := crashlog.Parse(b)
		if err != nil {
			return nil, err
		}
		return fromReport(rep), nil
	}
	if allowBase64 && isBase64Text(text) {
		raw, err := imagemap.DecodeBase64(string(text))
		if err == nil && len(raw) > 0 {
			l, err := loadImageList(raw, caches, false)
			if err != nil {
				return nil, err
			}
			l.Format += "+base64"
			return l, nil
		}
	}
	if len(b) == 0 || b[0] > 3 {
		return nil, ErrUnknownFormat
	}
	m, err := imagemap.Decode(b)
	if err != nil {
		return nil, err
	}
	return &ImageList{Format: "cif", Map: m}, nil
}

func loadSnapshot(b []byte, caches *Caches) (*ImageList, error) {
	s, err := atlas.Decode(b)
	if err != nil {
		return nil, err
	}
	l := &ImageList{Snapshot: s, Warnings: append([]string(nil), s.Warnings...)}
	switch {
	case s.Source == atlas.SourceProcessPlist:
		l.Format = "process-plist"
	default:
		l.Format = "compact-info"
	}
	if atlas.Sniff(b) == atlas.KindAppleArchive {
		l.Format += "+aar"
	}
	var cache atlas.SharedCache
	if rec := s.Cache; rec != nil {
		l.Cache = &SharedCacheRef{Base: rec.Address, UUID: rec.UUID}
		if c, ok := caches.ByUUID(rec.UUID); ok {
			cache = c
		} else if rec.Bitmap.Count() > 0 {
			l.Warnings = append(l.Warnings, fmt.Sprintf("shared cache %s not found: its %d loaded images are listed by index", rec.UUID, rec.Bitmap.Count()))
		}
	}
	if l.Map, err = s.ImageMap(cache); err != nil {
		return nil, err
	}
	return l, nil
}

func fromReport(rep *crashlog.Report) *ImageList {
	l := &ImageList{Format: "ips", Map: rep.ImageMap()}
	if rep.Kind == crashlog.KindLegacyText {
		l.Format = "crash"
	}
	if sc := rep.SharedCache; sc != nil {
		l.Cache = &SharedCacheRef{Base: sc.Base, Size: sc.Size, UUID: sc.UUID}
	}
	return l
}

// looksLikeReport reports whether text starts like an .ips header line or a
// legacy text crash report.
func looksLikeReport(text []byte) bool {
	if bytes.HasPrefix(text, []byte(`{"`)) && bytes.Contains(text[:min(len(text), 4096)], []byte(`"bug_type"`)) {
		return true
	}
	head := text[:min(len(text), 4096)]
	for _, k := range []string{"Incident Identifier:", "Process:", "Hardware Model:", "Translated Report"} {
		if bytes.Contains(head, []byte(k)) {
			return true
		}
	}
	return false
}

// loadJSONImages recognises the JSON inputs that carry image lists. It
// returns nil, nil for JSON it does not recognise.
func loadJSONImages(text []byte) (*ImageList, error) {
	var probe struct {
		Images      json.RawMessage `json:"images"`
		ImageMap    *string         `json:"imageMap"`
		Kind        string          `json:"kind"`
		Platform    string          `json:"platform"`
		Arch        string          `json:"architecture"`
		BugType     json.RawMessage `json:"bug_type"`
		ImageFormat string          `json:"format"`
	}
	dec := json.NewDecoder(bytes.NewReader(text))
	if err := dec.Decode(&probe); err != nil || len(probe.BugType) > 0 {
		return nil, nil // not one JSON document we know (an .ips has two)
	}
	switch {
	case probe.ImageMap != nil: // Swift's Codable Backtrace: base64 CIF
		raw, err := imagemap.DecodeBase64(*probe.ImageMap)
		if err != nil {
			return nil, fmt.Errorf("imageMap: %w", err)
		}
		m, err := imagemap.Decode(raw)
		if err != nil {
			return nil, err
		}
		return &ImageList{Format: "cif+base64", Map: m}, nil
	case probe.Kind == "crashReport" && len(probe.Images) > 0:
		return swiftBacktraceImages(probe.Images, probe.Platform, probe.Arch)
	case len(probe.Images) > 0:
		m, err := imagemap.ReadJSON(bytes.NewReader(text))
		if err != nil {
			return nil, err
		}
		if m.WordSize == 0 {
			m.WordSize = 64 // hand-written lists may omit it; Apple platforms are 64-bit
		}
		return &ImageList{Format: "image-list", Map: m}, nil
	}
	return nil, nil
}

// swiftBacktraceImages reads the images of a Swift runtime JSON crash log
// (name, buildId hex, path, baseAddress and endOfText as hex strings).
func swiftBacktraceImages(raw json.RawMessage, platform, arch string) (*ImageList, error) {
	var images []struct {
		Name, BuildID, Path    string
		BaseAddress, EndOfText string
	}
	if err := json.Unmarshal(raw, &images); err != nil {
		return nil, fmt.Errorf("swift backtrace images: %w", err)
	}
	m := &imagemap.Map{Platform: platform, WordSize: 64}
	if arch == "arm" || arch == "i386" || strings.HasPrefix(arch, "armv") {
		m.WordSize = 32
	}
	for i, im := range images {
		base, err1 := strconv.ParseUint(strings.TrimPrefix(im.BaseAddress, "0x"), 16, 64)
		end, err2 := strconv.ParseUint(strings.TrimPrefix(im.EndOfText, "0x"), 16, 64)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("swift backtrace image %d: %w", i, err)
		}
		id, err := hexBytes(im.BuildID)
		if err != nil {
			return nil, fmt.Errorf("swift backtrace image %d buildId: %w", i, err)
		}
		name := im.Name
		if name == "" {
			name = imagemap.NameOf(im.Path)
		}
		m.Images = append(m.Images, imagemap.Image{Path: im.Path, Name: name, BuildID: id, Base: base, EndOfText: end, Arch: arch})
	}
	sort.SliceStable(m.Images, func(i, j int) bool { return m.Images[i].Base < m.Images[j].Base })
	return &ImageList{Format: "swift-backtrace", Map: m}, nil
}

func hexBytes(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	if len(s)%2 != 0 {
		return nil, fmt.Errorf("odd length %d", len(s))
	}
	out := make([]byte, len(s)/2)
	for i := range out {
		v, err := strconv.ParseUint(s[2*i:2*i+2], 16, 8)
		if err != nil {
			return nil, err
		}
		out[i] = byte(v)
	}
	return out, nil
}

// isBase64Text reports whether text is plausibly base64 (standard or URL-safe
// alphabet, optional padding and line breaks).
func isBase64Text(text []byte) bool {
	if len(text) < 4 {
		return false
	}
	for _, c := range text {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9',
			c == '+', c == '/', c == '-', c == '_', c == '=', c == '\n', c == '\r', c == ' ', c == '\t':
		default:
			return false
		}
	}
	return true
}
