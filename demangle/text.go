package demangle

// AppendText appends text to dst with every mangled Swift or C++ name in it
// replaced by its demangling, and returns the extended buffer. A name is a
// maximal run of the characters [A-Za-z0-9_$.@] starting at the beginning
// of text or after any other character; trailing dots are not part of it.
// Names in either spelling are recognized ("$s…" and "_$s…", "_ZN…" and
// "__ZN…"); names that fail to demangle and all other text are copied
// unchanged, so the result has exactly the lines of the input. Only
// opts.SwiftFull is used.
func AppendText(dst, text []byte, opts Options) []byte {
	return new(Demangler).AppendText(dst, text, opts)
}

// AppendText is like the package function AppendText.
func (d *Demangler) AppendText(dst, text []byte, opts Options) []byte {
	i := 0
	for i < len(text) {
		if !isNameByte(text[i]) {
			dst = append(dst, text[i])
			i++
			continue
		}
		j := i
		for j < len(text) && isNameByte(text[j]) {
			j++
		}
		end := j
		for end > i && text[end-1] == '.' {
			end--
		}
		if out, ok := d.token(text[i:end], opts); ok {
			dst = append(dst, out...)
			dst = append(dst, text[end:j]...)
		} else {
			dst = append(dst, text[i:j]...)
		}
		i = j
	}
	return dst
}

// Text returns s with every mangled name replaced (see AppendText).
func Text(s string, opts Options) string {
	return string(AppendText(make([]byte, 0, len(s)+len(s)/2), []byte(s), opts))
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '$' || c == '.' || c == '@'
}

// token demangles a candidate name in display spelling or, failing that, in
// symbol-table spelling.
func (d *Demangler) token(b []byte, opts Options) (string, bool) {
	if len(b) < 3 || !maybeMangled(b) {
		return "", false
	}
	tok := string(b)
	o := Options{Form: Display, SwiftFull: opts.SwiftFull}
	for _, s := range [2]string{tok, tok[1:]} {
		if l := classify(s, Display); l == Swift || l == CXX {
			if out, ok := d.name(s, o); ok && out != s {
				return out, true
			}
		}
		if tok[0] != '_' {
			break
		}
	}
	return "", false
}

// maybeMangled is a quick filter on the first bytes of a token.
func maybeMangled(tok []byte) bool {
	switch tok[0] {
	case '$', '@':
		return true
	case '_':
		switch tok[1] {
		case 'T', 'Z', '$', '_':
			return true
		}
	}
	return false
}
