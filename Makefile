# baton's two commands: `make dev` runs it locally, `make test` runs every test.
# Everything they need is installed by scripts/setup (idempotent, seconds when ready).

SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export WASM_BINDGEN_BIN := $(HOME)/.cargo/bin/wasm-bindgen
export WRANGLER_SEND_METRICS := false

EDGE_SOURCES := $(shell find edge/src protocol/src -name '*.rs') edge/openapi.json edge/Cargo.toml protocol/Cargo.toml Cargo.toml Cargo.lock
WEB_SOURCES := $(shell find web/src web/public -type f ! -name schema.d.ts) web/index.html web/vite.config.mts web/tsconfig.json

.PHONY: dev test setup wasm web bench bench-hub fuzz deploy clean

## Run baton locally on http://127.0.0.1:8787 (BATON_PORT to change) with a ready admin token.
dev: setup wasm web
	scripts/dev

## Run every test: unit tests, the wasm build of protocol, and the end-to-end suite.
test: setup wasm web
	cargo build -p worker-cli
	cargo build -p protocol --target wasm32-unknown-unknown
	RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet
	scripts/test

## Benchmarks against wrangler dev; figures go to bench/README.md.
bench: setup wasm web
	cargo build --release -p worker-cli -p bench
	BATON_BIN=$(CURDIR)/target/release/baton target/release/baton-bench --write bench/README.md

## The Hub's memory as one session's log grows to 100,000 events (a few minutes).
bench-hub: setup wasm
	cargo build --release -p bench
	target/release/baton-bench --hub --write bench/README.md

## The long fuzz run: schemathesis against the API's own description for 30 minutes
## (BATON_FUZZ_SECONDS to change); `make test` runs the same for 60 s.
fuzz: setup wasm web
	BATON_FUZZ_SECONDS=$${BATON_FUZZ_SECONDS:-1800} cargo test -p e2e --test fuzz -- --nocapture

## Deploy to Cloudflare: BATON_PUBLIC_URL=https://baton.example.org make deploy (see README).
deploy: setup wasm web
	scripts/deploy

setup:
	@scripts/setup

wasm: edge/build/index.js

edge/build/index.js: $(EDGE_SOURCES)
	cd edge && worker-build --release
	@scripts/strip-wasm-names edge/build/index_bg.wasm
	@touch $@

web: web/dist/index.html

# The app's API types, generated from the OpenAPI document (itself generated from `protocol`):
# never written by hand, and `tsc` fails the build when the app no longer fits them.
web/src/api/schema.d.ts: edge/openapi.json
	openapi-typescript edge/openapi.json -o $@ --silent

web/dist/index.html: web/src/api/schema.d.ts $(WEB_SOURCES) package.json
	tsc -p web
	vite build web --logLevel warn

clean:
	rm -rf edge/build web/dist target
