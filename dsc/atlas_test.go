package dsc_test

import (
	"github.com/symbolicate/symbolicate/dsc"
	"github.com/symbolicate/symbolicate/process"
)

// sharedCache is the method set of atlas.SharedCache, which a *dsc.Cache
// must satisfy. It is repeated here rather than imported so that this
// package's tests do not depend on the atlas package building.
type sharedCache interface {
	UUID() process.UUID
	SharedRegionStart() uint64
	ImageCount() int
	ImageAt(i int) process.Image
}

var _ sharedCache = (*dsc.Cache)(nil)
