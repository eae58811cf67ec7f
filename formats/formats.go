// Package formats is the list of every input format symbolicate reads, in the
// order they are tried. It is the one place that names them: a new format is
// one new package and one line here.
package formats

import (
	"bytes"

	"github.com/symbolicate/symbolicate/atlas"
	"github.com/symbolicate/symbolicate/crashlog"
	"github.com/symbolicate/symbolicate/diag"
	"github.com/symbolicate/symbolicate/format"
	"github.com/symbolicate/symbolicate/imagemap"
	"github.com/symbolicate/symbolicate/metrickit"
	"github.com/symbolicate/symbolicate/sample"
	"github.com/symbolicate/symbolicate/swiftbt"
)

// All returns the formats in the order they are tried: those with a magic
// number or a distinctive JSON key first, base64 text of any of them next,
// and CIF, which has no magic number, last.
func All() format.List {
	l := format.List{
		atlas.Format,
		atlas.CacheAtlasFormat,
		swiftbt.Format,
		swiftbt.CodableFormat,
		swiftbt.TextFormat,
		metrickit.Format,
		sample.Format,
		crashlog.Format,
		imagemap.JSONFormat,
	}
	l = append(l, Base64(l[:len(l):len(l)]), imagemap.Format)
	return l
}

// Base64 is the base64 text (standard or URL alphabet, padding and line
// breaks optional) of an input in one of inner's formats, or a CIF blob.
func Base64(inner format.List) format.Format {
	inner = append(inner[:len(inner):len(inner)], imagemap.Format)
	return format.Format{
		Name:  "base64",
		Sniff: func(b []byte) bool { return isBase64Text(bytes.TrimSpace(b)) },
		Parse: func(b []byte, opts format.Options) (format.Document, error) {
			raw, err := imagemap.DecodeBase64(string(bytes.TrimSpace(b)))
			if err != nil {
				return nil, err
			}
			p, err := inner.Parse(raw, opts)
			if err != nil {
				return nil, err
			}
			return wrapped{p, p.Format + "+base64"}, nil
		},
	}
}

// wrapped is a document that came inside a wrapper, renamed.
type wrapped struct {
	*format.Parsed
	name string
}

func (w wrapped) FormatName() string { return w.name }

func (w wrapped) Diagnostics() []diag.Diagnostic { return w.Parsed.Warnings }

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
