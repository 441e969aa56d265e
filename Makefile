# Works on a fresh machine with only Python, pip and git (and, for the PostgreSQL state-store
# tests, Debian's postgresql package, which `make pytest` installs with apt-get when root).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test lint pytest postgres demo bench bench-quick bench-scale clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check tavusctl tests bench
	$(BIN)/ruff format --check tavusctl tests bench
	$(BIN)/mypy

postgres:
	./scripts/ensure-postgres.sh

pytest: $(STAMP) postgres
	$(BIN)/pytest

test: lint pytest

demo: $(STAMP)
	./scripts/demo.sh

bench: $(STAMP)
	$(BIN)/python -m bench.run

bench-quick: $(STAMP)
	$(BIN)/python -m bench.run --quick

# Issue 17: apply against the raw client at N = 1,000, 3,000 and 10,000, three runs each.
bench-scale: $(STAMP)
	$(BIN)/python -m bench.run --only scale --scale-sizes 1000,3000,10000 --repeats 3

clean:
	rm -rf $(VENV) build *.egg-info
