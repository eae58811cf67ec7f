# symbolicate — build, test, fuzz, benchmark.
GO        ?= go
FUZZTIME  ?= 20s
BENCHTIME ?= 1s
BIN       ?= bin/symbolicate

.PHONY: all build test race fuzz bench demo clean

all: build test

build:
	$(GO) build -o $(BIN) ./cmd/symbolicate

# The test command named in the README and run by .ci/run.
test:
	$(GO) vet ./...
	$(GO) test ./...

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

bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...

clean:
	rm -rf bin
