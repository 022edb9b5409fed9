# synthwise: two commands on a fresh machine with Python 3.11: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --disable-pip-version-check -q -c constraints.txt
DEMO_N ?= 5000

.PHONY: demo test check lint typecheck bench clean install install-test chromium postgresql fashion-mnist

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) -e ".[test,deep,images,pii,privacy,scale,sql,text]"
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## demo: fit + sample + evaluate on a bundled real table (ISLR Default) and write demo/
demo: install
	$(BIN)/python -m synthwise.demo --out demo --rows $(DEMO_N)

## chromium: headless browser for the report's end-to-end test (skipped where apt is unavailable)
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || echo "chromium: apt install failed; the browser test will be skipped"; \
	  else echo "chromium: apt-get unavailable; the browser test will be skipped"; fi; }

## postgresql: a local PostgreSQL for the database tests (they start a throwaway cluster; skipped without)
postgresql:
	@command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && apt-get install -y -qq postgresql >/dev/null) || echo "postgresql: apt install failed; the PostgreSQL tests will be skipped"; \
	  else echo "postgresql: apt-get unavailable; the PostgreSQL tests will be skipped"; fi; }

## fashion-mnist: the image benchmark's data and the image e2e test (Debian dataset-fashion-mnist; skipped without)
fashion-mnist:
	@ls /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist >/dev/null) || echo "fashion-mnist: apt install failed; its tests will be skipped"; \
	  else echo "fashion-mnist: apt-get unavailable; its tests will be skipped"; fi; }

## test: install test extras, run the whole suite
test: install-test chromium postgresql fashion-mnist
	$(BIN)/python -m pytest

lint:
	$(BIN)/ruff check src tests benchmarks
typecheck:
	$(BIN)/mypy
check: install-test lint typecheck
	$(BIN)/python -m pytest

## bench: generator speed table (rivals install in their own venvs; see benchmarks/README.md)
bench: install-test
	$(BIN)/python benchmarks/generators.py

clean:
	rm -rf $(VENV) demo .pytest_cache .mypy_cache .ruff_cache .hypothesis
