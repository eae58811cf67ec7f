package swift

import "unicode/utf8"

// decodePunycode decodes Swift's variant of Punycode (RFC 3492) used for
// non-ASCII identifiers: '_' is the delimiter and 'A'…'J' stand for the
// digits 0…9 (Mangling.rst, "Identifiers"). Code points 0xD800…0xD87F encode
// ASCII characters that are not valid in symbols. It reports false for
// malformed input.
func decodePunycode(s string) (string, bool) {
	const (
		base        = 36
		tmin        = 1
		tmax        = 26
		skew        = 38
		damp        = 700
		initialBias = 72
		initialN    = 128
		maxInt      = 1<<31 - 1
	)
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
	n, i, bias := initialN, 0, initialBias
	for len(s) > 0 {
		oldi, w := i, 1
		for k := base; ; k += base {
			if len(s) == 0 {
				return "", false
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
				return "", false
			}
			if digit > (maxInt-i)/w {
				return "", false
			}
			i += digit * w
			t := k - bias
			if k <= bias {
				t = tmin
			} else if k >= bias+tmax {
				t = tmax
			}
			if digit < t {
				break
			}
			if w > maxInt/(base-t) {
				return "", false
			}
			w *= base - t
		}
		// adapt the bias
		delta := i - oldi
		if oldi == 0 {
			delta /= damp
		} else {
			delta /= 2
		}
		delta += delta / (len(out) + 1)
		k := 0
		for delta > ((base-tmin)*tmax)/2 {
			delta /= base - tmin
			k += base
		}
		bias = k + ((base-tmin+1)*delta)/(delta+skew)

		if i/(len(out)+1) > maxInt-n {
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
