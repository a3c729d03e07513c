# svkit: the one place tool lists and build steps are computed.
SHELL := /bin/bash
NODE ?= node
TOOLS := $(filter-out _%,$(basename $(notdir $(wildcard packages/tools/src/*.ts))))
NODE_INCLUDE := $(shell $(NODE) -p "require('path').join(process.execPath, '..', '..', 'include', 'node')")
TSX := --import ./test/helpers/tsx.mjs
TEST_TIMEOUT ?= 120000
# Temp dirs of a test run carry this mark: unique per checkout, so no-strays.sh sees only its own.
export SVKIT_TEST_MARK := svkit-test-$(shell printf %s "$(CURDIR)" | md5sum | cut -c1-8)
FAULT_TESTS := $(wildcard test/faults/*.test.ts)

.PHONY: all build native bundle launchers typecheck test test-stress test-unit test-cli test-interop test-scenarios test-faults bench run clean check

all: build

build: native bundle launchers

node_modules/.package-lock.json: package.json
	npm ci --no-audit --no-fund
	@touch $@

native: build/svkit_sys.node
build/svkit_sys.node: packages/core/native/sys.c
	@mkdir -p build
	$(CC) -O2 -Wall -shared -fPIC -DNODE_GYP_MODULE_NAME=svkit_sys -I$(NODE_INCLUDE) -o $@ $<

bundle: node_modules/.package-lock.json
	$(NODE) scripts/bundle.mjs $(TOOLS)

launchers:
	@for t in $(TOOLS); do ln -sfn _launch bin/$$t; done

typecheck: node_modules/.package-lock.json
	npx tsc -p .

# Unit tests need no processes; cli, interop and scenario tests run the real programs.
# Skipped tests (interop tests on a machine without the real peers) are named after the summary.
test: build typecheck
	@set -o pipefail; $(NODE) $(TSX) --test --test-concurrency=2 --test-timeout=$(TEST_TIMEOUT) \
	  test/unit/*.test.ts test/cli/*.test.ts test/interop/*.test.ts test/scenarios/*.test.ts $(FAULT_TESTS) | tee build/test.tap
	@skipped=$$(grep -E '^ *ok [0-9]+ - .*# SKIP' build/test.tap | sed -E 's/^ *ok [0-9]+ - /  /'); \
	  if [ -n "$$skipped" ]; then echo "skipped tests:"; echo "$$skipped"; fi
	@test/helpers/no-strays.sh

# The same suite while stress-ng keeps both cores and the disk busy (docs/testing.md): every
# test must hold on a busy machine. stress-ng is started and always killed by the script.
test-stress: build typecheck
	@test/helpers/stress.sh $(MAKE) --no-print-directory test

test-unit: build
	$(NODE) $(TSX) --test test/unit/*.test.ts

test-cli: build
	$(NODE) $(TSX) --test test/cli/*.test.ts

test-interop: build
	$(NODE) $(TSX) --test --test-concurrency=1 test/interop/*.test.ts

test-scenarios: build
	$(NODE) $(TSX) --test test/scenarios/*.test.ts

# The adversarial suite on its own: one bad service must not stall or corrupt the others.
test-faults: build
	$(NODE) $(TSX) --test --test-concurrency=2 --test-timeout=$(TEST_TIMEOUT) $(FAULT_TESTS)
	@test/helpers/no-strays.sh

bench: build
	$(NODE) $(TSX) bench/run.ts

# The main job: svscan on service-examples/, in the foreground (Ctrl-C stops everything).
run: build
	PATH="$(CURDIR)/bin:$$PATH" exec bin/svscan service-examples

clean:
	rm -rf dist build bench/out
