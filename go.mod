module github.com/symbolicate/symbolicate

go 1.26.0

require github.com/alecthomas/kong v1.17.0

require (
	github.com/goccy/go-json v0.12.0 // indirect
	github.com/ianlancetaylor/demangle v0.0.0-20260724033716-83e58baca724 // indirect
	golang.org/x/sync v0.24.0 // indirect
	howett.net/plist v1.0.1 // indirect
)
