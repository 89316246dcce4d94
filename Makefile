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
GEN_DIRS  := gen web/src/gen db/dbq

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

.PHONY: run
run: web/node_modules ## start PostgreSQL (unless DATABASE_URL is set), the X sandbox (unless X keys are set), the api and the publisher
	scripts/run.sh

.PHONY: test
test: ## run every test against a throwaway PostgreSQL (always stopped afterwards)
	rm -rf .pgtest
	$(FAST_PG) scripts/pg.sh .pgtest $(TEST_PGPORT) start
	PGPORT=$(TEST_PGPORT) $(GO) test -race -count=1 ./... ; rc=$$?; scripts/pg.sh .pgtest $(TEST_PGPORT) stop; rm -rf .pgtest; exit $$rc

.PHONY: generate
generate: web/node_modules ## regenerate Go and TypeScript from proto/, and Go from db/queries/
	$(BUF) generate
	$(TOOL) sqlc generate

.PHONY: verify
verify: web/node_modules ## lint and format-check protos, check generated code is fresh, vet, gofmt, typecheck TS
	$(BUF) lint
	$(BUF) format -d --exit-code
	$(TOOL) sqlc vet
	$(MAKE) --no-print-directory generate
	@if [ -n "$$(git status --porcelain -- $(GEN_DIRS))" ]; then \
	  echo "generated code is stale; run 'make generate' and commit:"; git status --porcelain -- $(GEN_DIRS); exit 1; fi
	$(GO) vet ./...
	@if [ -n "$$(gofmt -l $$(git ls-files '*.go' | grep -v '^gen/'))" ]; then echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go' | grep -v '^gen/'); exit 1; fi
	cd web && npx tsc --noEmit -p .

.PHONY: tools
tools: web/node_modules ## build the pinned Go tools (sqlc, grpcurl) into the build cache
	$(GO) build -modfile=tools/go.mod -o /dev/null tool
	$(GO) build -o /dev/null tool

web/node_modules: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	@touch $@

.PHONY: grpcurl
grpcurl: ## run grpcurl, e.g. make grpcurl ARGS='-plaintext localhost:3000 list'
	$(TOOL) grpcurl $(ARGS)
