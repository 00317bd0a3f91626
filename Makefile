# The two commands a new user runs: `make run` and `make test`. Both install what is needed.
SHELL := /bin/bash
export BATCH_DATA_DIR ?= $(CURDIR)/.data

.PHONY: run test build install clean check-postgres agent bench lint fmt

# Everything below runs on Node 22, the maintained LTS the agent embeds: on Linux x64 that very
# binary, fetched once into .cache/ and checked against its pinned hash (scripts/dev-node.sh);
# elsewhere the Node on the PATH, which must be 22+. `make test NODE_BIN_DIR=/usr/bin` uses
# another Node on purpose.
NODE_BIN_DIR ?= $(shell scripts/dev-node.sh)
ifeq ($(strip $(NODE_BIN_DIR)),)
$(error no Node 22 to run with; see the message above)
endif
export PATH := $(NODE_BIN_DIR):$(PATH)

# npm ci only when the lock file changed since the last install.
node_modules/.install-stamp: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.install-stamp

# tsc type-checks and compiles everything (the console's sources too); Vite bundles the console
# into dist/console/www, which the controller serves at /.
build: install
	npx tsc -b
	npx vite build --config console/vite.config.js --logLevel warn

# Starts the controller with its embedded defaults: PGlite and data under $(BATCH_DATA_DIR),
# two local agent processes. Prints the URL and the admin token.
run: build
	node dist/controller/main.js

# The self-contained batch-agent for Linux and Windows (Node SEA; see scripts/build-agent.sh).
# Rebuilt only when the agent's sources, the lock file or the script change.
AGENT_BINARIES := dist/agent/linux-x64/batch-agent dist/agent/win-x64/batch-agent.exe
AGENT_SOURCES := $(shell find agent protocol -name '*.ts') scripts/build-agent.sh package-lock.json

agent: $(AGENT_BINARIES)

$(AGENT_BINARIES) &: $(AGENT_SOURCES) | install
	scripts/build-agent.sh

# The whole suite: lint first (it is quick and says most precisely what is wrong), then unit,
# API and end-to-end tests (real processes, PGlite and PostgreSQL), and the compiled agent on
# Linux and, under Wine, on Windows.
test: lint build agent check-postgres
	npx tap

# Type-aware lint (eslint.config.js), the one format (Prettier), and the shell scripts.
SHELL_SCRIPTS := .ci/run $(shell git ls-files '*.sh' 2>/dev/null || find installers scripts -name '*.sh')
lint: install
	npx eslint --max-warnings=0 .
	npx prettier --check --log-level=warn .
	@command -v shellcheck >/dev/null || { echo "shellcheck is not installed: apt-get install shellcheck"; exit 1; }
	shellcheck $(SHELL_SCRIPTS)

# Rewrites every file in the one format and applies the linter's safe fixes.
fmt: install
	npx prettier --write --log-level=warn .
	npx eslint --fix .

# The benchmarks of docs/performance.md, never part of `make test`. `make bench BENCH_ARGS=--quick`
# for a fast pass (scale 0.1, one run); bench/README.md lists the flags. Thousands of simulated
# nodes need as many open files in the simulator and in the controller, so the soft limit is
# raised to the hard one first (the bench warns if that is still too low).
bench: build agent check-postgres
	ulimit -n "$$(ulimit -Hn)" 2>/dev/null || true; node dist/bench/run.js $(BENCH_ARGS)

# The end-to-end tests also run against the PostgreSQL at 127.0.0.1:5432 (trust auth).
check-postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { \
	  echo "PostgreSQL is not answering on 127.0.0.1:5432; starting the local cluster"; \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start && sleep 2 && pg_isready -h 127.0.0.1 -p 5432; }

clean:
	rm -rf dist sdk/dist node_modules/.install-stamp
