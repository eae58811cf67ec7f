package server

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/goccy/go-json"

	"github.com/symbolicate/symbolicate"
	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/resolve"
)

// EnvelopeType is the Accept type that asks for the JSON envelope: the
// output with its summary and diagnostics.
const EnvelopeType = "application/vnd.symbolicate+json"

// errTooLarge is a body over the limit.
var errTooLarge = errors.New("request body too large")

// readBody reads the request body, decompressing gzip, up to the limit.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	var rd io.Reader = http.MaxBytesReader(w, r.Body, s.opts.MaxBody)
	if enc := r.Header.Get("Content-Encoding"); enc != "" {
		if enc != "gzip" {
			httpError(w, http.StatusUnsupportedMediaType, "Content-Encoding "+enc+" is not supported (gzip is)")
			return nil, false
		}
		zr, err := gzip.NewReader(rd)
		if err != nil {
			httpError(w, http.StatusBadRequest, "not gzip data: "+err.Error())
			return nil, false
		}
		rd = zr
	}
	b, err := io.ReadAll(io.LimitReader(rd, s.opts.MaxBody+1))
	var mb *http.MaxBytesError
	switch {
	case errors.As(err, &mb) || err == nil && int64(len(b)) > s.opts.MaxBody:
		httpError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("%v: the limit is %d bytes (after decompression)", errTooLarge, s.opts.MaxBody))
		return nil, false
	case err != nil:
		httpError(w, http.StatusBadRequest, "reading the request: "+err.Error())
		return nil, false
	}
	return b, true
}

// options reads the resolver options of the query.
func options(r *http.Request) (resolve.Options, error) {
	demangle, err1 := boolParam(r, "demangle", true)
	inlines, err2 := boolParam(r, "inlines", true)
	resym, err3 := boolParam(r, "resymbolicate", false)
	return resolve.Options{NoDemangle: !demangle, NoInlines: !inlines, Resymbolicate: resym}, errors.Join(err1, err2, err3)
}

// Summary is the JSON form of what happened to one document's frames.
type Summary struct {
	Format        string           `json:"format"`
	Frames        int              `json:"frames"`
	Resolved      int              `json:"resolved"`
	Already       int              `json:"already"`
	Unresolved    int              `json:"unresolved"`
	Unresolvable  int              `json:"unresolvable"`
	Degraded      int              `json:"degraded"`
	MissingImages []MissingImage   `json:"missingImages"`
	MissingCaches []MissingCache   `json:"missingCaches"`
	Diagnostics   []DiagnosticJSON `json:"diagnostics"`
	Skipped       string           `json:"skipped,omitempty"`
}

// MissingImage is an image no source has.
type MissingImage struct {
	UUID   string `json:"uuid"`
	Name   string `json:"name"`
	Arch   string `json:"arch,omitempty"`
	Frames int    `json:"frames"`
}

// MissingCache is a shared cache no source has.
type MissingCache struct {
	UUID   string `json:"uuid"`
	OS     string `json:"os,omitempty"`
	Arch   string `json:"arch,omitempty"`
	Frames int    `json:"frames"`
}

// DiagnosticJSON is a typed diagnostic.
type DiagnosticJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	UUID    string `json:"uuid,omitempty"`
}

// Envelope is the response with Accept: application/vnd.symbolicate+json.
type Envelope struct {
	Output  string  `json:"output"`
	Text    bool    `json:"text"`
	Summary Summary `json:"summary"`
}

func summarize(doc *format.Parsed, o *resolve.Outcome) Summary {
	return SummaryOf(doc.Format, o, doc.Warnings)
}

// SummaryOf is the JSON summary of a document's outcome (nil when it was
// not resolved) and its own warnings.
func SummaryOf(formatName string, o *resolve.Outcome, warnings []diag.Diagnostic) Summary {
	s := Summary{Format: formatName, MissingImages: []MissingImage{}, MissingCaches: []MissingCache{}, Diagnostics: []DiagnosticJSON{}}
	add := func(ds []diag.Diagnostic) {
		for _, d := range ds {
			j := DiagnosticJSON{Code: string(d.Code), Message: d.String()}
			if !d.UUID.IsZero() {
				j.UUID = d.UUID.String()
			}
			s.Diagnostics = append(s.Diagnostics, j)
		}
	}
	add(warnings)
	if o == nil {
		return s
	}
	s.Frames, s.Resolved, s.Already, s.Unresolved, s.Unresolvable, s.Degraded = o.Frames, o.Resolved, o.Already, o.Unresolved, o.Unresolvable, o.Degraded
	for id, m := range o.Missing {
		s.MissingImages = append(s.MissingImages, MissingImage{UUID: id.String(), Name: m.Name, Arch: m.Arch, Frames: m.Frames})
	}
	for u, m := range o.MissingCaches {
		s.MissingCaches = append(s.MissingCaches, MissingCache{UUID: u.String(), OS: m.OS, Arch: m.Arch, Frames: m.Frames})
	}
	sortMissing(&s)
	add(o.Notes)
	return s
}

// summaryHeaders puts the summary's counts in response headers.
func summaryHeaders(h http.Header, s *Summary) {
	h.Set("X-Symbolicate-Format", s.Format)
	for k, v := range map[string]int{"Frames": s.Frames, "Resolved": s.Resolved, "Already": s.Already,
		"Unresolved": s.Unresolved, "Unresolvable": s.Unresolvable, "Degraded": s.Degraded} {
		h.Set("X-Symbolicate-"+k, strconv.Itoa(v))
	}
	var imgs, caches []string
	for i, m := range s.MissingImages {
		if i == 20 {
			break
		}
		imgs = append(imgs, m.Name+" <"+m.UUID+">")
	}
	for i, m := range s.MissingCaches {
		if i == 20 {
			break
		}
		caches = append(caches, m.UUID)
	}
	if len(imgs) > 0 {
		h.Set("X-Symbolicate-Missing-Images", strings.Join(imgs, ", "))
	}
	if len(caches) > 0 {
		h.Set("X-Symbolicate-Missing-Caches", strings.Join(caches, ", "))
	}
	if s.Skipped != "" {
		h.Set("X-Symbolicate-Skipped", s.Skipped)
	}
}

// handleSymbolicate symbolicates one posted document.
func (s *Server) handleSymbolicate(w http.ResponseWriter, r *http.Request, eng *symbolicate.Engine) {
	opts, err := options(r)
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	form := r.URL.Query().Get("format")
	if form == "" {
		form = "text"
	}
	if form != "text" && form != "json" {
		httpError(w, http.StatusBadRequest, fmt.Sprintf("query parameter format=%q: want text or json", form))
		return
	}
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	doc, err := eng.Parse(body)
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	if n := countFrames(doc, s.opts.MaxFrames); n > s.opts.MaxFrames {
		httpError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the document has more than %d frames (the limit)", s.opts.MaxFrames))
		return
	}
	sum := Summary{}
	var o *resolve.Outcome
	if skip := doc.NothingToSymbolicate(); skip == "" {
		o = eng.ResolverWith(opts).Resolve(r.Context(), doc)
		if err := r.Context().Err(); err != nil {
			httpError(w, http.StatusServiceUnavailable, "the request took longer than the server allows ("+s.opts.Timeout.String()+"); retry, or post a smaller document")
			return
		}
		sum = summarize(doc, o)
		s.m.frames(o)
		if o.HasChanged() {
			go s.checkChanged()
		}
	} else {
		sum = summarize(doc, nil)
		sum.Skipped = skip
	}
	var out bytes.Buffer
	text := form == "text"
	wo := eng.WriteOptions()
	if !text {
		err = doc.WriteJSON(&out, wo)
		if errors.Is(err, format.ErrNoJSON) {
			text = true
			out.Reset()
			sum.Diagnostics = append(sum.Diagnostics, DiagnosticJSON{Code: string(diag.InputWarning), Message: "written as text: " + doc.Format + " has no JSON form"})
		}
	}
	if text {
		err = doc.WriteText(&out, wo)
	}
	if err != nil {
		httpError(w, http.StatusUnprocessableEntity, "rendering: "+err.Error())
		return
	}
	summaryHeaders(w.Header(), &sum)
	if strings.Contains(r.Header.Get("Accept"), EnvelopeType) {
		w.Header().Set("Content-Type", EnvelopeType)
		json.NewEncoder(w).Encode(Envelope{Output: out.String(), Text: text, Summary: sum})
		return
	}
	if text {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	w.Write(out.Bytes())
}

// countFrames counts doc's frames, stopping past limit.
func countFrames(doc *format.Parsed, limit int) int {
	n := 0
	for range doc.Frames() {
		if n++; n > limit {
			break
		}
	}
	return n
}

// CacheJSON is a cache in /v1/caches.
type CacheJSON struct {
	UUID      string `json:"uuid"`
	Path      string `json:"path"`
	Arch      string `json:"arch"`
	Platform  string `json:"platform"`
	OSVersion string `json:"osVersion,omitempty"`
	Images    int    `json:"images"`
	Index     bool   `json:"index"`
}

// BinaryJSON is a binary or dSYM in /v1/caches.
type BinaryJSON struct {
	UUID string `json:"uuid"`
	Arch string `json:"arch"`
	Path string `json:"path"`
}

func (s *Server) handleCaches(w http.ResponseWriter, r *http.Request) {
	ref := s.acquire()
	if ref == nil || !s.ready.Load() {
		if ref != nil {
			ref.refs.Done()
		}
		httpError(w, http.StatusServiceUnavailable, "not ready: the sources are being scanned")
		return
	}
	defer ref.refs.Done()
	out := struct {
		Caches   []CacheJSON  `json:"caches"`
		Binaries []BinaryJSON `json:"binaries"`
	}{Caches: []CacheJSON{}, Binaries: []BinaryJSON{}}
	for _, c := range ref.eng.Caches() {
		h := c.Header()
		out.Caches = append(out.Caches, CacheJSON{UUID: c.UUID().String(), Path: c.Path(), Arch: c.Arch(),
			Platform: h.PlatformName(), OSVersion: h.OSVersionString(), Images: c.ImageCount(), Index: c.HasIndex()})
	}
	for _, b := range ref.eng.Binaries() {
		if b.HasUUID {
			out.Binaries = append(out.Binaries, BinaryJSON{UUID: b.UUID.String(), Arch: b.Arch, Path: b.Path})
		}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the service's OpenAPI 3 description.
func OpenAPI() []byte { return openAPI }

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPI)
}
