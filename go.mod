module github.com/symbolicate/symbolicate

go 1.26.0

require (
	github.com/alecthomas/kong v1.17.0
	github.com/goccy/go-json v0.12.0
	github.com/ianlancetaylor/demangle v0.0.0-20260724033716-83e58baca724
	golang.org/x/sync v0.24.0
	howett.net/plist v1.0.1
)
