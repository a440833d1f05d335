# Tessera: `make run` (embedded, http://127.0.0.1:8000) and `make test` (real servers).
# `make test PYTEST_ARGS="tests/e2e/platform -x"` runs a part; `make bench BENCH_ARGS="--only replay"`.
VENV ?= .venv
PYTEST_ARGS ?=
BENCH_ARGS ?=
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
SYSTEM_PACKAGES := postgresql nginx chromium maven default-jre-headless redis-server

.PHONY: install system-deps run test bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test]'
	touch $@

# Servers the test suite starts itself (PostgreSQL, nginx, Chromium, Java + Maven for Kafka;
# Redis for the Django Channels peer of the chat fan-out bench).
system-deps:
	@missing=""; \
	command -v pg_ctlcluster >/dev/null || missing="$$missing postgresql"; \
	command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing="$$missing nginx"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v mvn >/dev/null || missing="$$missing maven"; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi

run: install
	$(VENV)/bin/tessera serve --host 127.0.0.1 --port 8000

test: install system-deps
	$(PY) -m infra.servers fetch-kafka
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install system-deps
	$(PY) -m infra.servers fetch-kafka
	$(PY) -m tests.bench $(BENCH_ARGS)

clean:
	rm -rf .tessera
