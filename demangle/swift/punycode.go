package swift

import "unicode/utf8"

// decodePunycode decodes Swift's variant of Punycode (RFC 3492) used for
// non-ASCII identifiers: '_' is the delimiter and 'A'…'J' stand for the
// digits 0…9 (Mangling.rst, "Identifiers"). Code points 0xD800…0xD87F encode
// ASCII characters that are not valid in symbols. It reports false for
// malformed input.
func decodePunycode(s string) (string, bool) {
	var out []rune
	if i := lastIndexByte(s, '_'); i >= 0 {
		for j := 0; j < i; j++ {
			if s[j] >= 0x80 {
				return "", false
			}
			out = append(out, rune(s[j]))
		}
		s = s[i+1:]
	}
	n, i, bias := punyInitialN, 0, punyInitialBias
	for len(s) > 0 {
		oldi := i
		var ok bool
		if i, s, ok = punyDelta(s, i, bias); !ok {
			return "", false
		}
		bias = punyAdapt(i-oldi, len(out)+1, oldi == 0)
		if i/(len(out)+1) > punyMaxInt-n {
			return "", false
		}
		n += i / (len(out) + 1)
		i %= len(out) + 1
		if n < 0x80 {
			return "", false
		}
		out = append(out, 0)
		copy(out[i+1:], out[i:])
		out[i] = rune(n)
		i++
		if len(out) > MaxNameLen {
			return "", false
		}
	}
	return punyString(out)
}

// Punycode parameters (RFC 3492 §5).
const (
	punyBase        = 36
	punyTMin        = 1
	punyTMax        = 26
	punySkew        = 38
	punyDamp        = 700
	punyInitialBias = 72
	punyInitialN    = 128
	punyMaxInt      = 1<<31 - 1
)

// punyDelta decodes one generalized variable-length integer from s and adds
// it to i; it returns the new i and the rest of s.
func punyDelta(s string, i, bias int) (int, string, bool) {
	w := 1
	for k := punyBase; ; k += punyBase {
		if len(s) == 0 {
			return 0, "", false
		}
		c := s[0]
		s = s[1:]
		var digit int
		switch {
		case c >= 'a' && c <= 'z':
			digit = int(c - 'a')
		case c >= 'A' && c <= 'J':
			digit = int(c-'A') + 26
		default:
			return 0, "", false
		}
		if digit > (punyMaxInt-i)/w {
			return 0, "", false
		}
		i += digit * w
		t := k - bias
		if k <= bias {
			t = punyTMin
		} else if k >= bias+punyTMax {
			t = punyTMax
		}
		if digit < t {
			return i, s, true
		}
		if w > punyMaxInt/(punyBase-t) {
			return 0, "", false
		}
		w *= punyBase - t
	}
}

// punyAdapt is the bias adaptation function of RFC 3492 §6.1.
func punyAdapt(delta, points int, first bool) int {
	if first {
		delta /= punyDamp
	} else {
		delta /= 2
	}
	delta += delta / points
	k := 0
	for delta > ((punyBase-punyTMin)*punyTMax)/2 {
		delta /= punyBase - punyTMin
		k += punyBase
	}
	return k + ((punyBase-punyTMin+1)*delta)/(delta+punySkew)
}

// punyString encodes the decoded code points as UTF-8, mapping Swift's
// 0xD800…0xD87F escapes back to ASCII.
func punyString(out []rune) (string, bool) {
	b := make([]byte, 0, len(out)*2)
	for _, r := range out {
		if !(r < 0xD880 || (r >= 0xE000 && r <= 0x10FFFF)) {
			return "", false
		}
		if r >= 0xD800 && r < 0xD880 {
			r -= 0xD800
		}
		b = utf8.AppendRune(b, r)
	}
	return string(b), true
}

func lastIndexByte(s string, c byte) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == c {
			return i
		}
	}
	return -1
}
