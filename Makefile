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

.PHONY: all build native bundle launchers man prebuilds arm64-absent install typecheck lint test test-stress test-install test-unit test-cli test-interop test-scenarios test-faults test-browser bench run clean check

all: build

build: native bundle launchers man

node_modules/.package-lock.json: package.json
	npm ci --no-audit --no-fund
	@touch $@

# The addon is one module from these sources (binding.gyp lists the same for node-gyp).
NATIVE_SRC := packages/core/native/sys.c packages/core/native/jsvalues.c packages/core/native/fd.c packages/core/native/spawn.c packages/core/native/reap.c packages/core/native/proc.c packages/core/native/files.c packages/core/native/writes.c packages/core/native/watch.c packages/core/native/tcpcheck.c
NATIVE_DEPS := $(NATIVE_SRC) packages/core/native/svkit.h
native: build/svkit_sys.node
build/svkit_sys.node: $(NATIVE_DEPS)
	@mkdir -p build
	$(CC) -O2 -Wall -shared -fPIC -pthread -DNODE_GYP_MODULE_NAME=svkit_sys -I$(NODE_INCLUDE) -o $@ $(NATIVE_SRC)

# Re-bundled only when a source changed (npm pack's prepack runs make build again).
SOURCES := $(shell find packages -name '*.ts' -not -path '*/node_modules/*') $(wildcard packages/core/src/http/dashboard/*.html packages/core/src/http/dashboard/*.js packages/core/src/http/dashboard/*.css)
bundle: dist/.bundled
dist/.bundled: node_modules/.package-lock.json scripts/bundle.mjs $(SOURCES)
	$(NODE) scripts/bundle.mjs $(TOOLS)
	@touch $@

# Man pages from docs/<prog>.md (the one source): `man -l build/man/svscan.8` from a checkout.
man: build/man/.made
build/man/.made: $(wildcard docs/*.md) scripts/man.mjs package.json
	$(NODE) scripts/man.mjs build/man $(TOOLS)
	@touch $@

# bin/<prog> run dist/<prog>.mjs of this checkout, wherever they are linked or copied.
launchers:
	@$(NODE) scripts/launchers.mjs bin "$(CURDIR)" $(TOOLS)

# The addons `npm pack` ships (package.json "prepack"), so npm needs no compiler there: this
# platform's, and linux-arm64's too, cross-compiled when Debian's gcc-aarch64-linux-gnu is
# installed (Node-API is ABI-stable and node's headers are the same on every architecture).
PREBUILD_DIR := prebuilds/$(shell $(NODE) -p 'process.platform + "-" + process.arch')
ARM64_CC ?= aarch64-linux-gnu-gcc
ARM64_PREBUILD := prebuilds/linux-arm64/svkit_sys.node
ifeq ($(PREBUILD_DIR),prebuilds/linux-arm64)
ARM64_STEP :=
else ifneq ($(shell command -v $(ARM64_CC) 2>/dev/null),)
ARM64_STEP := $(ARM64_PREBUILD)
else
ARM64_STEP := arm64-absent
endif
prebuilds: native $(ARM64_STEP)
	@mkdir -p $(PREBUILD_DIR) && cp build/svkit_sys.node $(PREBUILD_DIR)/

$(ARM64_PREBUILD): $(NATIVE_DEPS)
	@mkdir -p $(@D)
	$(ARM64_CC) -O2 -Wall -shared -fPIC -pthread -DNODE_GYP_MODULE_NAME=svkit_sys -I$(NODE_INCLUDE) -o $@ $(NATIVE_SRC)

arm64-absent:
	@echo "make: note: $(ARM64_PREBUILD) not built: no $(ARM64_CC) (apt-get install gcc-aarch64-linux-gnu); npm pack ships the $(PREBUILD_DIR) addon only" >&2

# The C-tools way: make install PREFIX=/usr/local [DESTDIR=staging]. The bundles and the addon
# go to PREFIX/lib/svkit, one launcher per program to PREFIX/bin, the docs to PREFIX/share/doc/svkit.
PREFIX ?= /usr/local
LIBDIR := $(PREFIX)/lib/svkit
install: build
	install -d $(DESTDIR)$(LIBDIR)/dist $(DESTDIR)$(LIBDIR)/build $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/doc/svkit
	install -m 0644 dist/*.mjs $(DESTDIR)$(LIBDIR)/dist/
	install -m 0755 build/svkit_sys.node $(DESTDIR)$(LIBDIR)/build/
	install -m 0644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/svkit/
	install -d $(DESTDIR)$(PREFIX)/share/man/man8 && install -m 0644 build/man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	$(NODE) scripts/launchers.mjs $(DESTDIR)$(PREFIX)/bin "$(LIBDIR)" $(TOOLS)

typecheck: node_modules/.package-lock.json
	npx tsc -p .

# The engine's rule (docs/conventions.md): no synchronous call on svscan's main thread outside
# the short allowed list in scripts/lint-sync.mjs.
lint:
	$(NODE) scripts/lint-sync.mjs

# Unit tests need no processes; cli, interop and scenario tests run the real programs.
# Skipped tests (interop tests on a machine without the real peers) are named after the summary.
test: build typecheck lint
	@set -o pipefail; $(NODE) $(TSX) --test --test-concurrency=2 --test-timeout=$(TEST_TIMEOUT) \
	  test/unit/*.test.ts test/cli/*.test.ts test/install/*.test.ts test/interop/*.test.ts test/scenarios/*.test.ts $(FAULT_TESTS) test/browser/*.test.ts | tee build/test.tap
	@skipped=$$(grep -E '^ *ok [0-9]+ - .*# SKIP' build/test.tap | sed -E 's/^ *ok [0-9]+ - /  /'); \
	  if [ -n "$$skipped" ]; then echo "skipped tests:"; echo "$$skipped"; fi
	@test/helpers/no-strays.sh

# The same suite while stress-ng keeps both cores and the disk busy (docs/testing.md): every
# test must hold on a busy machine. stress-ng is started and always killed by the script.
# The per-file timeout is a net for hangs, not a speed target: under stress the heaviest files
# (npm install with node-gyp, 103 services under ulimit -n) need more than the quiet 120 s.
test-stress: build typecheck
	@test/helpers/stress.sh $(MAKE) --no-print-directory test TEST_TIMEOUT=300000

test-unit: build
	$(NODE) $(TSX) --test test/unit/*.test.ts

test-cli: build
	$(NODE) $(TSX) --test test/cli/*.test.ts

# npm pack, npm install -g into a temporary prefix, make install, and every program run from there.
test-install: build
	$(NODE) $(TSX) --test test/install/*.test.ts

test-interop: build
	$(NODE) $(TSX) --test --test-concurrency=1 test/interop/*.test.ts

test-scenarios: build
	$(NODE) $(TSX) --test test/scenarios/*.test.ts

# The dashboard in Debian's headless chromium (apt-get install chromium) against real svscan and svhttp.
test-browser: build
	$(NODE) $(TSX) --test --test-timeout=$(TEST_TIMEOUT) test/browser/*.test.ts
	@test/helpers/no-strays.sh

# The adversarial suite on its own: one bad service must not stall or corrupt the others.
test-faults: build
	$(NODE) $(TSX) --test --test-concurrency=2 --test-timeout=$(TEST_TIMEOUT) $(FAULT_TESTS)
	@test/helpers/no-strays.sh

bench: build
	$(NODE) $(TSX) bench/run.ts

# The main job: svscan on service-examples/, in the foreground (Ctrl-C stops everything).
# make run DASHBOARD=1 also runs svhttp on 127.0.0.1:8379 with an rw token made once in
# build/dashboard.tokens (mode 600): open http://127.0.0.1:8379/ and sign in with it (docs/dashboard.md).
run: build
ifneq ($(DASHBOARD),)
	@test -s build/dashboard.tokens || (umask 077; echo "rw $$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')" > build/dashboard.tokens)
	@echo "dashboard: open http://127.0.0.1:8379/ and sign in with the token $$(sed -n 's/^rw //p' build/dashboard.tokens | head -1) (from build/dashboard.tokens)" >&2
	PATH="$(CURDIR)/bin:$$PATH"; bin/svhttp --token-file build/dashboard.tokens --audit-log build/dashboard-audit.log service-examples & http=$$!; \
	  trap 'kill $$http 2>/dev/null' EXIT; bin/svscan -v service-examples
else
	PATH="$(CURDIR)/bin:$$PATH" exec bin/svscan -v service-examples
endif

clean:
	rm -rf dist build prebuilds bench/out
