# Two commands matter: `make run` and `make test`. Both install what is missing first.
SHELL := /bin/bash
STAMP := node_modules/.install-stamp
PKG_FILES := package.json $(wildcard package-lock.json) protocol/package.json sidecar/package.json cli/package.json

.PHONY: install build run test typecheck protocol-check protocol-gen bench clean browsers macos-app fuzz soak

$(STAMP): $(PKG_FILES)
	@command -v node >/dev/null || { echo "Node.js >= 20 is required (https://nodejs.org)"; exit 1; }
	@if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
	@touch $@

install: $(STAMP)

build: install
	npx tsc -b cli/tsconfig.json
	node scripts/build-validators.mjs
	node scripts/build-gateway-bundle.mjs
	node scripts/build-cli-lean.mjs
	node scripts/oclif-manifest.mjs
	node scripts/build-a2ui.mjs
	npx tsc -p sidecar/web/tsconfig.json
	node scripts/build-web.mjs

## Start the gateway in the foreground on 127.0.0.1:18789 with its defaults.
run: build
	node cli/bin/run.js gateway

protocol-gen: build
	npm run protocol:gen

protocol-check: build
	npm run protocol:check

typecheck: build
	npx tsc -p test/tsconfig.json --noEmit
	npx tsc -p bench/tsconfig.json --noEmit

## Debian's Chromium for the browser tests (installed with apt when missing).
browsers:
	./scripts/ensure-chromium.sh

## Install, build, type-check, check generated files, run every test.
test: build protocol-check typecheck browsers
	node test/run.mjs

## Fuzz the gateway with 1,000,000 frames drawn from the protocol schema and mutated (FUZZ_COUNT, FUZZ_SEED
## repeats a run); answers are checked against the frame, error-code and result schemas. `make test` runs 20,000.
fuzz: build
	node --import tsx test/fuzz/main.ts

## Soak the gateway: 10 minutes (SOAK_SECONDS) of 500 clients (SOAK_CLIENTS), 20 nodes (SOAK_NODES) and a
## reconnect storm every minute; `make test` runs a 30-second smoke of the same harness.
soak: build
	ulimit -n $$(ulimit -Hn) 2>/dev/null; node --import tsx test/soak/main.ts

## The macOS menubar app (macOS only): swift build -c release, then macos/build/Clawdbot.app.
macos-app:
	@[ "$$(uname -s)" = Darwin ] || { echo "make macos-app needs macOS (Swift toolchain and AppKit); this is $$(uname -s). Build it on a Mac." >&2; exit 1; }
	$(MAKE) build
	./scripts/build-macos-app.sh

## Benchmarks (not part of `make test`).
bench: build
	node --import tsx bench/run.ts
	node --import tsx bench/node-invoke.ts
	node --import tsx bench/telegram-latency.ts
	node --import tsx bench/whatsapp-latency.ts
	node --import tsx bench/startup.ts

clean:
	rm -rf node_modules */node_modules */dist */*.tsbuildinfo
