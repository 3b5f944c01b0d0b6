# growing_nets: `make demo` and `make test` set themselves up from the lock file, then run.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-slow check-sync nbtest pytest docs bench clean

setup: $(STAMP)

$(STAMP): requirements-lock.txt settings.ini setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-lock.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

## The main job: grow a tiny ResNet-18 on CIFAR-10, compare with the baselines, write a report
demo: $(STAMP)
	$(BIN)/growing_nets --preset quick --out runs/quick --overwrite

## Notebooks clean and in step with the package, then every test (each notebook is a pytest case)
test: $(STAMP) check-sync pytest

check-sync: $(STAMP)
	$(BIN)/python tools/check_sync.py

nbtest: $(STAMP)
	$(BIN)/nbdev_test --n_workers 2 --do_print

pytest: $(STAMP)
	$(BIN)/python -m pytest tests/

test-slow: $(STAMP)
	GN_TEST_FLAGS=slow $(BIN)/python -m pytest tests/ -m "slow or not slow"

docs: $(STAMP)
	$(BIN)/python tools/build_docs.py

bench: $(STAMP)
	for f in bench/*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf _proc _docs _docs_screenshots .pytest_cache
