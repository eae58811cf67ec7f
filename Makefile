# symbolicate — build, test, fuzz, benchmark.
GO        ?= go
FUZZTIME  ?= 20s
BENCHTIME ?= 1s
BIN       ?= bin/symbolicate

.PHONY: all build test lint race fuzz bench demo clean

all: build test

# A static binary: nothing here uses cgo, and without the C library's
# loader and allocator arenas each run starts about 2 ms sooner.
build:
	CGO_ENABLED=0 $(GO) build -o $(BIN) ./cmd/symbolicate

# The test command named in the README and run by .ci/run.
test:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) test ./...

# staticcheck, installed into bin/ at the version named here, and go vet for
# macOS too (cross-compiled: the tool is pure Go and must build there).
STATICCHECK_VERSION ?= v0.8.2
lint:
	@test -x bin/staticcheck || GOBIN=$(CURDIR)/bin $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	bin/staticcheck ./...
	GOOS=darwin GOARCH=arm64 $(GO) vet ./...
	GOOS=darwin GOARCH=amd64 $(GO) build ./...
	CGO_ENABLED=0 $(GO) vet ./...

race:
	$(GO) test -race ./...

# Runs every Fuzz target in the module for FUZZTIME each (default 20s).
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$t"; \
	    $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

# The README's first command: generate a small shared cache and a crash that uses
# it, then symbolicate the crash. Exit status 3 is expected (the demo's app
# image has no binary, which the summary reports).
DEMO ?= out/demo
demo: build
	@rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(GO) run ./internal/demogen $(DEMO)
	./$(BIN) $(DEMO)/*.ips --caches $(DEMO)/cache; status=$$?; \
	  if [ $$status -eq 3 ]; then echo "demo: exit status 3 is expected: the demo's app image (SampleApp) has no binary, so its frames stay unresolved"; \
	  elif [ $$status -ne 0 ]; then echo "demo: symbolicate failed with exit status $$status"; exit $$status; fi

bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...

clean:
	rm -rf bin out
