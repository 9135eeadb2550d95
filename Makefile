# Two entry points on a fresh machine: `make demo` and `make test`. Both create or update .venv.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# This machine's local wheels (DESIGN.md); on a Mac, `make TORCH_SPEC=torch` picks an MPS build.
TORCH_SPEC ?= torch==2.14.1 torchvision==0.29.1
STAMP := $(VENV)/.dlcore-installed

.PHONY: install demo test lint build bench clean

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q $(TORCH_SPEC)
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(PY) -m dlcore.demo

test: install
	$(PY) -m pytest -q -p no:cacheprovider --durations=15

lint: install
	$(VENV)/bin/ruff check dlcore autograder tests benchmarks

build: install
	$(PY) -m dlcore build

bench: install
	$(PY) benchmarks/check_vs_nbgrader.py
	$(PY) benchmarks/class_throughput.py --students 12

clean:
	rm -rf .course demo_out
