package server

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-json"

	"github.com/symbolicate/symbolicate"
	"github.com/symbolicate/symbolicate/process"
	"github.com/symbolicate/symbolicate/resolve"
)

// Tecken's /symbolicate/v5 protocol, as the Firefox Profiler and samply
// speak it: a job is a memory map of [debugName, debugId] modules and stacks
// of [moduleIndex, offset] frames. A Mach-O debug ID is the image's UUID as
// 32 hex digits and an age, "0" (33 digits in all).

type teckenJob struct {
	MemoryMap [][]string     `json:"memoryMap"`
	Stacks    [][][2]float64 `json:"stacks"`
}

type teckenRequest struct {
	Jobs []teckenJob `json:"jobs"`
	teckenJob
}

type teckenFrame struct {
	Frame          int            `json:"frame"`
	Module         string         `json:"module,omitempty"`
	ModuleOffset   string         `json:"module_offset"`
	Function       string         `json:"function,omitempty"`
	FunctionOffset string         `json:"function_offset,omitempty"`
	File           string         `json:"file,omitempty"`
	Line           int            `json:"line,omitempty"`
	Inlines        []teckenInline `json:"inlines,omitempty"`
}

type teckenInline struct {
	Function string `json:"function"`
	File     string `json:"file,omitempty"`
	Line     int    `json:"line,omitempty"`
}

type teckenResult struct {
	Stacks       [][]teckenFrame `json:"stacks"`
	FoundModules map[string]bool `json:"found_modules"`
}

// moduleBase places module i of a job at a base of its own, far apart, so
// that addresses can be resolved as a process's.
func moduleBase(i int) uint64 { return uint64(i+1) << 40 }

// uuidOfDebugID reads a Mach-O debug ID: a UUID's 32 hex digits and an age.
func uuidOfDebugID(id string) (process.UUID, bool) {
	var u process.UUID
	if len(id) < 32 {
		return u, false
	}
	b, err := hex.DecodeString(id[:32])
	if err != nil {
		return u, false
	}
	copy(u[:], b)
	return u, !u.IsZero()
}

func (s *Server) handleTecken(w http.ResponseWriter, r *http.Request, eng *symbolicate.Engine) {
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	var req teckenRequest
	if err := json.Unmarshal(body, &req); err != nil {
		httpError(w, http.StatusBadRequest, "not a symbolication request: "+err.Error())
		return
	}
	jobs := req.Jobs
	if len(jobs) == 0 {
		jobs = []teckenJob{req.teckenJob}
	}
	frames := 0
	for _, j := range jobs {
		for _, st := range j.Stacks {
			frames += len(st)
		}
	}
	if frames > s.opts.MaxFrames {
		httpError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("more than %d frames (the limit)", s.opts.MaxFrames))
		return
	}
	res := eng.ResolverWith(resolve.Options{})
	out := struct {
		Results []teckenResult `json:"results"`
	}{Results: []teckenResult{}}
	for ji, j := range jobs {
		tr, err := s.teckenJob(res, j)
		if err != nil {
			httpError(w, http.StatusBadRequest, fmt.Sprintf("jobs[%d]: %v", ji, err))
			return
		}
		out.Results = append(out.Results, tr)
	}
	if err := r.Context().Err(); err != nil {
		httpError(w, http.StatusServiceUnavailable, "the request took longer than the server allows")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

func (s *Server) teckenJob(res *resolve.Resolver, j teckenJob) (teckenResult, error) {
	tr := teckenResult{Stacks: [][]teckenFrame{}, FoundModules: map[string]bool{}}
	p := &process.Process{WordSize: 64}
	for i, m := range j.MemoryMap {
		if len(m) != 2 {
			return tr, fmt.Errorf("memoryMap[%d]: want [debugName, debugId]", i)
		}
		im := process.Image{Name: path.Base(m[0]), Base: moduleBase(i), End: moduleBase(i) + 1<<39}
		if u, ok := uuidOfDebugID(m[1]); ok {
			im.ID = process.UUIDBuildID(u)
		}
		p.Images = append(p.Images, im)
	}
	var addrs []uint64
	type ref struct{ stack, frame, module int }
	var refs []ref
	for si, st := range j.Stacks {
		tr.Stacks = append(tr.Stacks, make([]teckenFrame, len(st)))
		for fi, f := range st {
			mod, off := int(f[0]), f[1]
			if off < 0 || off > 1<<39 || off != float64(uint64(off)) {
				return tr, fmt.Errorf("stacks[%d][%d]: offset %v is not a module offset", si, fi, off)
			}
			fr := &tr.Stacks[si][fi]
			fr.Frame = fi
			fr.ModuleOffset = "0x" + strconv.FormatUint(uint64(off), 16)
			if mod < 0 || mod >= len(p.Images) {
				continue
			}
			fr.Module = j.MemoryMap[mod][0]
			addrs = append(addrs, moduleBase(mod)+uint64(off))
			refs = append(refs, ref{si, fi, mod})
		}
	}
	found := make([]bool, len(p.Images))
	for k, a := range res.Addresses(p, addrs, 1) {
		rf := refs[k]
		fr := &tr.Stacks[rf.stack][rf.frame]
		var me *resolve.MissingError
		if a.Resolution == nil {
			if !errors.As(a.Err, &me) && p.Images[rf.module].ID != "" {
				found[rf.module] = true // the module is known; this address has no symbol
			}
			continue
		}
		found[rf.module] = true
		rs := a.Resolution
		fr.Function = rs.Symbol
		fr.FunctionOffset = "0x" + strconv.FormatUint(rs.SymbolLocation, 16)
		fr.File, fr.Line = rs.SourceFile, rs.SourceLine
		for _, in := range rs.Inlined {
			fr.Inlines = append(fr.Inlines, teckenInline{Function: in.Symbol, File: in.SourceFile, Line: in.SourceLine})
		}
	}
	for i, m := range j.MemoryMap {
		if !found[i] && p.Images[i].ID != "" {
			found[i] = res.Has(p.Images[i].ID, p.Images[i].Name)
		}
		tr.FoundModules[m[0]+"/"+strings.ToUpper(m[1])] = found[i]
	}
	return tr, nil
}

// addressesRequest is the body of /v1/addresses.
type addressesRequest struct {
	// Images is an image list: a JSON object (decode's image-list JSON),
	// or a string holding any input symbolicate reads, base64-encoded
	// (a CIF blob, a compact-info buffer, an .ips report).
	Images    json.RawMessage `json:"images"`
	Addresses []string        `json:"addresses"`
}

// AddressJSON is one answer of /v1/addresses.
type AddressJSON struct {
	Address        string `json:"address"`
	Image          string `json:"image,omitempty"`
	UUID           string `json:"uuid,omitempty"`
	Offset         string `json:"offset,omitempty"`
	Symbol         string `json:"symbol,omitempty"`
	RawSymbol      string `json:"rawSymbol,omitempty"`
	SymbolLocation uint64 `json:"symbolLocation,omitempty"`
	SourceFile     string `json:"sourceFile,omitempty"`
	SourceLine     int    `json:"sourceLine,omitempty"`
	Error          string `json:"error,omitempty"`
}

func (s *Server) handleAddresses(w http.ResponseWriter, r *http.Request, eng *symbolicate.Engine) {
	opts, err := options(r)
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	var req addressesRequest
	if err := json.Unmarshal(body, &req); err != nil {
		httpError(w, http.StatusBadRequest, `want {"images": …, "addresses": ["0x…"]}: `+err.Error())
		return
	}
	if len(req.Addresses) > s.opts.MaxFrames {
		httpError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("more than %d addresses (the limit)", s.opts.MaxFrames))
		return
	}
	list := []byte(req.Images)
	var str string
	if json.Unmarshal(req.Images, &str) == nil {
		list = []byte(str) // a base64 CIF blob: a format of its own
	}
	if len(list) == 0 {
		httpError(w, http.StatusBadRequest, "images: missing")
		return
	}
	doc, err := eng.Parse(list)
	if err != nil {
		httpError(w, http.StatusBadRequest, "images: "+err.Error())
		return
	}
	addrs := make([]uint64, len(req.Addresses))
	for i, a := range req.Addresses {
		v, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimPrefix(a, "0x"), "0X"), 16, 64)
		if err != nil {
			httpError(w, http.StatusBadRequest, fmt.Sprintf("addresses[%d]: %q is not a hex address", i, a))
			return
		}
		addrs[i] = v
	}
	results := eng.ResolverWith(opts).Addresses(doc.Process(), addrs, 1)
	out := struct {
		Results []AddressJSON `json:"results"`
	}{Results: make([]AddressJSON, len(results))}
	for i, a := range results {
		j := AddressJSON{Address: "0x" + strconv.FormatUint(a.Address, 16)}
		if a.Image != nil {
			j.Image, j.Offset = a.Image.Name, "0x"+strconv.FormatUint(a.Offset, 16)
			j.UUID = a.Image.ID.String()
		}
		if rs := a.Resolution; rs != nil {
			j.Symbol, j.RawSymbol, j.SymbolLocation, j.SourceFile, j.SourceLine = rs.Symbol, rs.RawSymbol, rs.SymbolLocation, rs.SourceFile, rs.SourceLine
		} else if a.Err != nil {
			j.Error = a.Err.Error()
		}
		out.Results[i] = j
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

func sortMissing(s *Summary) {
	slices.SortStableFunc(s.MissingImages, func(a, b MissingImage) int {
		if a.Frames != b.Frames {
			return b.Frames - a.Frames
		}
		return cmpStr(a.UUID, b.UUID)
	})
	slices.SortStableFunc(s.MissingCaches, func(a, b MissingCache) int {
		if a.Frames != b.Frames {
			return b.Frames - a.Frames
		}
		return cmpStr(a.UUID, b.UUID)
	})
}

func cmpStr(a, b string) int { return strings.Compare(a, b) }
