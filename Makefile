# BetterPlan. Needs Go (/usr/local/go), Node/npm and PostgreSQL's server
# binaries (Debian's postgresql package; scripts/pg.sh installs it when run as
# root and it is missing). `make help` lists the targets.
SHELL       := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help

GO        ?= go
TOOL      := $(GO) tool -modfile=tools/go.mod
BUF       := web/node_modules/.bin/buf
# `make test` and `make bench` start throwaway clusters on these ports;
# `make run` keeps its cluster (and data) in .data/ on DEV_PGPORT.
TEST_PGPORT  ?= 55439
BENCH_PGPORT ?= 55440
DEV_PGPORT   ?= 55432
FAST_PG   := PG_INITDB_FLAGS=--no-sync PG_SERVER_FLAGS="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
GEN_DIRS  := gen web/src/gen db/dbq web/app internal/xtext/emoji_tables.go internal/xtext/tlds.txt docs/api.md

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

.PHONY: run
run: web/node_modules ## start PostgreSQL (unless DATABASE_URL is set), the X sandbox (unless X keys are set), the api and the publisher
	scripts/run.sh

.PHONY: test
test: web/e2e/node_modules ## run every test against a throwaway PostgreSQL (always stopped afterwards); the browser tests install Chromium when missing
	scripts/chromium.sh >/dev/null
	rm -rf .pgtest
	trap 'scripts/pg.sh .pgtest $(TEST_PGPORT) stop; rm -rf .pgtest' EXIT; \
	$(FAST_PG) scripts/pg.sh .pgtest $(TEST_PGPORT) start; \
	PGPORT=$(TEST_PGPORT) $(GO) test -race -count=1 ./...

# The browser tests (web/e2e) drive Debian's Chromium (scripts/chromium.sh
# installs it as root when missing) and inject axe-core, pinned in
# web/e2e/package-lock.json.
web/e2e/node_modules: web/e2e/package.json web/e2e/package-lock.json
	cd web/e2e && npm ci --no-audit --no-fund
	@touch $@

# README's screenshots (calendar, composer with preview, posts list), taken by
# the browser flow test on a throwaway PostgreSQL.
SHOTS_PGPORT ?= 55441
.PHONY: screenshots
screenshots: web/e2e/node_modules ## write the README's screenshots into docs/screenshots/ (the browser flow test takes them)
	scripts/chromium.sh >/dev/null
	rm -rf .pgshots
	trap 'scripts/pg.sh .pgshots $(SHOTS_PGPORT) stop; rm -rf .pgshots' EXIT; \
	$(FAST_PG) scripts/pg.sh .pgshots $(SHOTS_PGPORT) start; \
	PGPORT=$(SHOTS_PGPORT) BETTERPLAN_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run '^TestFlow$$' ./web/e2e/

# proto/ imports buf/validate/validate.proto (protovalidate's rules). It is not
# committed: it is copied from the Go module github.com/bufbuild/protovalidate,
# pinned in tools/go.mod (checksum in tools/go.sum), into .build/ (which
# ignores itself), a second buf module that buf.yaml leaves out of lint.
PROTOVALIDATE_PROTO := .build/protovalidate/buf/validate/validate.proto

.PHONY: generate
generate: web/node_modules $(PROTOVALIDATE_PROTO) ## regenerate Go and TypeScript from proto/, docs/api.md, Go from db/queries/, X's text tables, and the web app's bundle
	$(BUF) generate
	cp .build/apidoc/api.md docs/api.md
	$(TOOL) sqlc generate
	$(MAKE) --no-print-directory xtext-tables
	$(MAKE) --no-print-directory web-build

# X's weighted length needs emoji and TLD tables, generated from Debian's
# unicode-data and publicsuffix files (pinned by checksum in gen_tables.go).
.PHONY: xtext-tables
xtext-tables:
	scripts/debian-packages.sh unicode-data publicsuffix
	cd internal/xtext && $(GO) run gen_tables.go

$(PROTOVALIDATE_PROTO): tools/go.mod tools/go.sum
	$(GO) mod download -modfile=tools/go.mod github.com/bufbuild/protovalidate && \
	  dir=$$($(GO) list -m -modfile=tools/go.mod -f '{{.Dir}}' github.com/bufbuild/protovalidate) || \
	  { echo "tools/go.mod must require github.com/bufbuild/protovalidate (see the note at its end)" >&2; exit 1; }; \
	mkdir -p $(@D) && cp "$$dir/proto/protovalidate/buf/validate/validate.proto" $@ && chmod 0644 $@
	printf '*\n' > .build/.gitignore

# verify's `buf lint` compiles proto/, so it needs the file as well.
verify: $(PROTOVALIDATE_PROTO)

# The web app's build (web/app/: index.html, app.js, app.css and the chunks
# loaded on demand, under fixed names) is committed and embedded in the api
# binary (web/embed.go), so `go build` needs no Node; verify checks it is
# fresh, which needs the same output for the same sources (Vite is
# deterministic here; no content hashes in the names).
.PHONY: web-build
web-build: web/node_modules ## build the web app (web/index.html, web/src) into web/app/ with Vite
	cd web && npm run --silent build

.PHONY: verify
verify: web/node_modules ## lint and format-check protos, check generated code is fresh, go.mod tidy, vet (the bench's peer too), staticcheck, gofmt, typecheck TS
	$(BUF) lint
	$(BUF) format -d --exit-code
	$(TOOL) sqlc vet
	$(MAKE) --no-print-directory generate
	@if [ -n "$$(git status --porcelain -- $(GEN_DIRS))" ]; then \
	  echo "generated code is stale; run 'make generate' and commit:"; git status --porcelain -- $(GEN_DIRS); exit 1; fi
	$(GO) mod tidy -diff
	$(GO) vet ./...
	$(TOOL) staticcheck ./...
	@# The bench's River peer is a module of its own (River stays out of go.mod).
	cd bench/peers/river && $(GO) mod tidy -diff && $(GO) vet ./...
	@if [ -n "$$(gofmt -l $$(git ls-files '*.go' | grep -v '^gen/'))" ]; then echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go' | grep -v '^gen/'); exit 1; fi
	cd web && npx tsc --noEmit -p .

.PHONY: tools
tools: web/node_modules ## build the pinned Go tools (sqlc, grpcurl, staticcheck, protoc-gen-doc) into the build cache
	$(GO) build -modfile=tools/go.mod -o /dev/null tool
	$(GO) build -o /dev/null tool

web/node_modules: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	@touch $@

.PHONY: grpcurl
grpcurl: ## run grpcurl, e.g. make grpcurl ARGS='-plaintext localhost:3000 list'
	$(TOOL) grpcurl $(ARGS)

# pg_stat_statements counts the publisher's queries; durability stays at
# PostgreSQL's defaults (fsync on) so commits cost what they cost in
# production. BENCH_PG_FLAGS adds server flags, e.g. "-c fsync=off".
BENCH_PG_FLAGS ?=

.PHONY: bench
bench: ## benchmark the publisher (real binary, fake X at 20 ms) on a throwaway PostgreSQL; prints the table
	rm -rf .pgbench
	@# The burst-pgbouncer scenario needs Debian's pgbouncer (installed when root).
	@command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] || [ "$$(id -u)" != 0 ] || \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q pgbouncer >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q pgbouncer >/dev/null 2>&1; } || true
	trap 'scripts/pg.sh .pgbench $(BENCH_PGPORT) stop; rm -rf .pgbench' EXIT; \
	PG_SERVER_FLAGS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_utility=off $(BENCH_PG_FLAGS)" \
	  scripts/pg.sh .pgbench $(BENCH_PGPORT) start; \
	GO="$(GO)" BENCH_PEERS="$(BENCH_PEERS)" BENCH_API="$(BENCH_API)" BENCH_DATABASE_URL="$$(scripts/pg.sh .pgbench $(BENCH_PGPORT) url)" $(GO) run ./cmd/bench

.PHONY: bench-api
bench-api: ## the api under load: real cmd/api, Connect clients at a fixed rate; p50/p99 and the highest rate with p99 ≤ 10ms
	$(MAKE) --no-print-directory bench BENCH_API=1

.PHONY: bench-peers
bench-peers: ## the same bench, ours beside River (bench/peers/river, its own module): both rows and the ratio
	$(MAKE) --no-print-directory bench BENCH_PEERS=river
