package imagemap

import (
	"encoding/base64"
	"fmt"
)

// EncodeBase64 returns b in the base64 form Swift embeds CIF in JSON: the
// standard alphabet with no '=' padding (cif.md §12).
func EncodeBase64(b []byte) string { return base64.RawStdEncoding.EncodeToString(b) }

// DecodeBase64 decodes base64 text as Swift writes it and as JSON tools may
// pass it on: standard or URL-safe alphabet, with or without '=' padding,
// with any ASCII whitespace ignored. Unlike Swift, which stops silently at the
// first invalid character, it returns an error for any.
func DecodeBase64(s string) ([]byte, error) {
	clean := make([]byte, 0, len(s))
	pad := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			continue
		case c == '=':
			pad++
			continue
		case pad > 0:
			return nil, fmt.Errorf("cif base64: %q after padding at offset %d", c, i)
		case c == '-':
			c = '+'
		case c == '_':
			c = '/'
		}
		clean = append(clean, c)
	}
	if pad > 2 || pad > 0 && (len(clean)+pad)%4 != 0 {
		return nil, fmt.Errorf("cif base64: %d padding characters after %d characters of data", pad, len(clean))
	}
	b, err := base64.RawStdEncoding.DecodeString(string(clean))
	if err != nil {
		return nil, fmt.Errorf("cif base64: %w", err)
	}
	return b, nil
}
