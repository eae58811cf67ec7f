package dsctest

import "math/bits"

// rng is a splitmix64 generator. The project needs byte-identical output for
// the same Config on every Go release, so it does not use math/rand, whose
// derived methods (IntN, Float64, …) carry no cross-version guarantee.
type rng struct{ s uint64 }

// newRNG seeds a generator from a list of values (seed, image index, stream
// number, …) so that every stream is independent and reproducible.
func newRNG(parts ...uint64) rng {
	r := rng{s: 0x9E3779B97F4A7C15}
	for _, p := range parts {
		r.s ^= p
		r.next()
		r.s = r.next()
	}
	return r
}

func (r *rng) next() uint64 {
	r.s += 0x9E3779B97F4A7C15
	z := r.s
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// intn returns a value in [0, n); n must be positive.
func (r *rng) intn(n int) int {
	hi, _ := bits.Mul64(r.next(), uint64(n))
	return int(hi)
}

// float returns a value in [0, 1).
func (r *rng) float() float64 {
	return float64(r.next()>>11) / (1 << 53)
}

// pick returns one element of list.
func pick[T any](r *rng, list []T) T { return list[r.intn(len(list))] }
