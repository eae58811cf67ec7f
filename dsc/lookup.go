package dsc

import "github.com/symbolicate/symbolicate/internal/mmap"

// Symbol is the answer to a lookup.
type Symbol struct {
	// Address is the unslid address that was looked up.
	Address uint64
	// Image is the image containing Address; nil when it is in no image.
	Image *Image
	// Name is the symbol's linkage name, "func_<hex>" for a function that has
	// no name (Unnamed), or "" when no symbol precedes Address in its image.
	Name string
	// Start is the symbol's unslid address (the image address when Name is "").
	Start uint64
	// Offset is Address − Start.
	Offset uint64
	// Unnamed reports a synthesized name for a function known only from
	// LC_FUNCTION_STARTS.
	Unnamed bool
}

// Lookup resolves an unslid address to its image and symbol. The symbol
// table of the image is built on first use. An address in no image yields
// an *AddressError (errors.Is(err, ErrNoImage)); a damaged symbol table
// yields a Symbol with Image set and the decoding error. A file of the cache
// that changed on disk under the lookup (a fault on its mapping) makes this
// and every later lookup fail with a *symbol.ChangedError.
func (c *Cache) Lookup(addr uint64) (s Symbol, err error) {
	s.Address = addr
	if c.closed {
		return s, ErrClosed
	}
	if b := c.broken.Load(); b != nil {
		return s, b
	}
	old := mmap.Enter()
	defer func() {
		if f := mmap.Leave(old, recover()); f != nil {
			s, err = Symbol{Address: addr}, c.markChanged(c.fileAt(f.Addr), f)
		}
	}()
	im, err := c.ImageForAddress(addr)
	if err != nil {
		return s, err
	}
	s.Image, s.Start = im, min(im.Address, addr)
	s.Offset = addr - s.Start
	tab, err := c.imageSymbols(im.Index)
	if err != nil {
		return s, err
	}
	if tab == nil { // its build faulted on another goroutine
		return Symbol{Address: addr}, c.broken.Load()
	}
	if sym, ok := tab.Find(addr); ok {
		s.Name, s.Start, s.Offset, s.Unnamed = sym.Name, sym.Start, addr-sym.Start, sym.Unnamed
	}
	return s, nil
}
