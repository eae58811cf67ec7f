package dsc_test

import (
	"github.com/symbolicate/symbolicate/atlas"
	"github.com/symbolicate/symbolicate/dsc"
)

// A *dsc.Cache is what the atlas package resolves process snapshots against.
var _ atlas.SharedCache = (*dsc.Cache)(nil)
