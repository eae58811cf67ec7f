package symtab

import "math/bits"

// AddrSet is a set of addresses built once and then only queried: an open
// addressing hash table, so that a membership test costs one or two cache
// lines rather than a sort and a binary search. The zero AddrSet is empty.
type AddrSet struct {
	slots   []uint64 // 0 marks an empty slot
	shift   uint     // 64 − log2(len(slots))
	hasZero bool     // address 0, which cannot sit in a slot
}

// NewAddrSet returns the set of addrs (duplicates are fine).
func NewAddrSet(addrs []uint64) AddrSet {
	// At most half full: probes stay short.
	lg := max(bits.Len(uint(len(addrs))), 3) + 1
	s := AddrSet{slots: make([]uint64, 1<<lg), shift: uint(64 - lg)}
	// make does not clear memory fresh from the OS (it is zero already), so
	// the slots may be untouched pages: probing them (a read) before writing
	// maps the shared zero page, and the write then copies it and flushes
	// every core's TLB. Writing them first costs a plain page fault.
	clear(s.slots)
	mask := uint64(len(s.slots) - 1)
	for _, a := range addrs {
		if a == 0 {
			s.hasZero = true
			continue
		}
		for i := s.hash(a); ; i = (i + 1) & mask {
			if s.slots[i] == 0 {
				s.slots[i] = a
				break
			}
			if s.slots[i] == a {
				break
			}
		}
	}
	return s
}

// hash spreads addresses, which are mostly multiples of 4, over the slots
// (Fibonacci hashing: the top bits of a multiplication).
func (s *AddrSet) hash(a uint64) uint64 { return (a * 0x9e3779b97f4a7c15) >> s.shift }

// Has reports whether a is in the set.
func (s *AddrSet) Has(a uint64) bool {
	if a == 0 {
		return s.hasZero
	}
	if len(s.slots) == 0 {
		return false
	}
	mask := uint64(len(s.slots) - 1)
	for i := s.hash(a); ; i = (i + 1) & mask {
		switch s.slots[i] {
		case a:
			return true
		case 0:
			return false
		}
	}
}
