package atlas

// Bitmap is dyld's lsl::Bitmap as stored in a snapshot (spec §3): Len bits,
// bit i in Bytes[i/8] under the mask 1<<(i%8). Bit i stands for image i of
// the shared cache's imagesText array.
//
// Decoders keep Bytes exactly as stored, including any unused high bits of
// the last byte (dyld-1042 left them uninitialised), so a snapshot
// re-encodes to the same bytes. The Bytes of a decoded bitmap are a copy, not
// an alias of the input.
type Bitmap struct {
	Len   int    // number of bits; ⌈Len/8⌉ == len(Bytes) for a well-formed bitmap
	Bytes []byte // LSB-first bit storage
}

// NewBitmap returns an all-clear bitmap of n bits (n < 0 is taken as 0).
func NewBitmap(n int) Bitmap {
	n = max(n, 0)
	return Bitmap{Len: n, Bytes: make([]byte, (n+7)/8)}
}

// Bit reports whether bit i is set. Bits outside [0, Len) read as clear.
func (m Bitmap) Bit(i int) bool {
	if i < 0 || i >= m.Len || i/8 >= len(m.Bytes) {
		return false
	}
	return m.Bytes[i/8]&(1<<(i%8)) != 0
}

// Set sets bit i. It reports false, changing nothing, when i is outside [0, Len).
func (m Bitmap) Set(i int) bool {
	if i < 0 || i >= m.Len || i/8 >= len(m.Bytes) {
		return false
	}
	m.Bytes[i/8] |= 1 << (i % 8)
	return true
}

// Count returns the number of set bits in [0, Len).
func (m Bitmap) Count() int {
	n := 0
	for i := range m.Len {
		if m.Bit(i) {
			n++
		}
	}
	return n
}

// SetBits returns the indexes of the set bits in [0, Len), in ascending order.
func (m Bitmap) SetBits() []int {
	var out []int
	for i := range m.Len {
		if m.Bit(i) {
			out = append(out, i)
		}
	}
	return out
}
