// Package process is the model every input decodes into and the resolver
// walks: a process's images (build ID, load address, end of text, name, path,
// architecture, kind), the shared cache it had mapped, and its frames with
// what the resolver found for them.
//
// Each input format converts its own records into this model once; the
// resolver, the symbol sources and the writers speak only this model. The
// package is a leaf: it imports nothing of this module.
package process
