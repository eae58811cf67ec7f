package imagemap

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/goccy/go-json"
	"github.com/symbolicate/symbolicate/process"
)

// jsonMap is the JSON form of a Map. Field order is the output order.
type jsonMap struct {
	Format      string      `json:"format,omitempty"`
	Platform    string      `json:"platform,omitempty"`
	WordSize    int         `json:"wordSize,omitempty"`
	SharedCache *jsonCache  `json:"sharedCache,omitempty"`
	Images      []jsonImage `json:"images"`
}

// jsonCache is the JSON form of a process's shared-cache record.
type jsonCache struct {
	UUID  string   `json:"uuid,omitempty"`
	Base  jsonAddr `json:"base"`
	Slide jsonAddr `json:"slide,omitzero"`
	Path  string   `json:"path,omitempty"`
}

// jsonImage is the JSON form of an Image.
type jsonImage struct {
	Path      string   `json:"path,omitempty"`
	Name      string   `json:"name,omitempty"`
	UUID      string   `json:"uuid,omitempty"`
	BuildID   string   `json:"buildID,omitempty"`
	Base      jsonAddr `json:"base,omitzero"`
	EndOfText jsonAddr `json:"endOfText,omitzero"`
	Arch      string   `json:"arch,omitempty"`
}

// WriteJSON writes m as one indented JSON object:
//
//	{"format": format, "platform": …, "wordSize": 64, "sharedCache": {"uuid",
//	"base", "slide", "path"}, "images": [{"path", "name",
//	"uuid", "base", "endOfText", "arch"}, …]}
//
// A 16-byte build ID is written as "uuid" (uppercase, dashed); any other
// length as "buildID" in lowercase hex. Addresses are "0x…" lowercase hex
// strings. Empty fields and an unknown (0) end of text are omitted; "base"
// and "images" are always present. The output is deterministic and ends with
// a newline.
func WriteJSON(w io.Writer, format string, m *process.Process) error {
	if m == nil {
		return errors.New("imagemap json: nil map")
	}
	jm := jsonMap{Format: format, Platform: m.Platform, WordSize: m.WordSize, Images: make([]jsonImage, len(m.Images))}
	if c := m.SharedCache; c != nil {
		jm.SharedCache = &jsonCache{Base: jsonAddr{v: c.Base, set: true}, Slide: jsonAddr{v: c.Slide, set: c.SlideKnown}, Path: c.Path}
		if !c.UUID.IsZero() {
			jm.SharedCache.UUID = c.UUID.String()
		}
	}
	for i := range m.Images {
		im := &m.Images[i]
		ji := &jm.Images[i]
		ji.Path, ji.Name, ji.Arch = im.Path, im.Name, im.Arch
		ji.Base = jsonAddr{v: im.Base, set: im.Kind != process.Unplaced}
		ji.EndOfText = jsonAddr{v: im.End, set: im.End != 0}
		if u, ok := im.UUID(); ok {
			ji.UUID = u.String()
		} else if len(im.ID) > 0 {
			ji.BuildID = hex.EncodeToString([]byte(im.ID))
		}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&jm); err != nil {
		return fmt.Errorf("imagemap json: %w", err)
	}
	return nil
}

// ReadJSON reads a map written by [WriteJSON]. Unknown keys are ignored.
// Addresses may be "0x…" hex strings or JSON integers; "uuid" may have dashes
// or not, in either case; "buildID" is hex. Names are taken as given (not
// derived from paths), and a missing "wordSize" reads as 0.
func ReadJSON(r io.Reader) (*process.Process, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("imagemap json: %w", err)
	}
	var jm jsonMap
	if err := json.Unmarshal(data, &jm); err != nil {
		return nil, fmt.Errorf("imagemap json: %w", err)
	}
	switch jm.WordSize {
	case 0, 16, 32, 64:
	default:
		return nil, fmt.Errorf("imagemap json: wordSize %d is not 16, 32 or 64", jm.WordSize)
	}
	m := &process.Process{Platform: jm.Platform, WordSize: jm.WordSize, Images: make([]process.Image, len(jm.Images))}
	if c := jm.SharedCache; c != nil {
		m.SharedCache = &process.CacheRef{Base: c.Base.v, Slide: c.Slide.v, SlideKnown: c.Slide.set, Path: c.Path}
		if c.UUID != "" {
			u, err := process.ParseUUID(c.UUID)
			if err != nil {
				return nil, fmt.Errorf("imagemap json: sharedCache: %w", err)
			}
			m.SharedCache.UUID = u
		}
	}
	for i := range jm.Images {
		ji := &jm.Images[i]
		im := &m.Images[i]
		if !ji.Base.set {
			return nil, fmt.Errorf("imagemap json: image %d: no base", i)
		}
		im.Path, im.Name, im.Arch = ji.Path, ji.Name, ji.Arch
		im.Base, im.End = ji.Base.v, ji.EndOfText.v
		switch {
		case ji.UUID != "" && ji.BuildID != "":
			return nil, fmt.Errorf("imagemap json: image %d: both uuid and buildID", i)
		case ji.UUID != "":
			u, err := process.ParseUUID(ji.UUID)
			if err != nil {
				return nil, fmt.Errorf("imagemap json: image %d: %w", i, err)
			}
			im.ID = process.BuildID(u[:])
		case ji.BuildID != "":
			b, err := hex.DecodeString(ji.BuildID)
			if err != nil {
				return nil, fmt.Errorf("imagemap json: image %d: buildID: %w", i, err)
			}
			im.ID = process.BuildID(b)
		}
	}
	return m, nil
}

// jsonAddr is an address written as a "0x…" string and read from such a
// string or a JSON integer.
type jsonAddr struct {
	v   uint64
	set bool
}

// IsZero reports whether the address is absent, for omitzero.
func (a jsonAddr) IsZero() bool { return !a.set }

// MarshalJSON writes the address as a quoted lowercase "0x…" string.
func (a jsonAddr) MarshalJSON() ([]byte, error) {
	b := append(make([]byte, 0, 20), `"0x`...)
	b = strconv.AppendUint(b, a.v, 16)
	return append(b, '"'), nil
}

// UnmarshalJSON reads "0x…" (either case of x and digits) or an integer.
func (a *jsonAddr) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		*a = jsonAddr{}
		return nil
	}
	base := 10
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if !strings.HasPrefix(s, "0x") && !strings.HasPrefix(s, "0X") {
			return fmt.Errorf("address %q: want \"0x…\" hex", s)
		}
		s, base = s[2:], 16
	}
	v, err := strconv.ParseUint(s, base, 64)
	if err != nil {
		return fmt.Errorf("address %s: %w", b, err)
	}
	*a = jsonAddr{v: v, set: true}
	return nil
}
