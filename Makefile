# One entry point for humans and CI. `make test` works on a fresh clone: it builds .venv itself.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: test test-all test-fast lint typecheck pytest demo bench install clean fuzz

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,cli]'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check cc_campaigns tests benchmarks
	$(BIN)/ruff format --check cc_campaigns tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

test: lint typecheck pytest

# The inner loop: everything but the tests marked slow (processes, long property searches).
test-fast: $(STAMP)
	$(BIN)/pytest -m "not slow"

demo: $(STAMP)
	$(BIN)/python -m cc_campaigns demo

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# The long run of the fault fuzzer (tests/bulk/test_books_fuzz.py): random examples with shrinking,
# xfail markers ignored so that every failure shows. `make test` runs a small deterministic
# profile of the same tests. CC_FUZZ_SURVEY=FILE records the violations of every example to FILE
# (JSON Lines) instead of stopping at the first failing one.
CC_FUZZ_EXAMPLES ?= 500
fuzz: $(STAMP)
	CC_FUZZ_EXAMPLES=$(CC_FUZZ_EXAMPLES) $(BIN)/pytest tests/bulk/test_books_fuzz.py tests/bulk/test_books_hostile.py \
	  --runxfail -p no:cacheprovider $(FUZZ_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache

# The suite on every supported Python (each in its own venv: .venv-3.10 ... .venv-3.13). An
# interpreter is found on PATH, else among pyenv's installed versions (its shims refuse versions
# that are not selected).
PYTHONS ?= 3.10 3.11 3.12 3.13
test-all:
	@set -e; for v in $(PYTHONS); do \
	  py=python$$v; \
	  if ! $$py -c pass 2>/dev/null; then \
	    py=$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/$$v*/bin/python$$v 2>/dev/null | tail -n 1); \
	  fi; \
	  if [ -z "$$py" ]; then echo "no Python $$v on this machine" >&2; exit 1; fi; \
	  echo "== Python $$v ($$py)"; \
	  $(MAKE) --no-print-directory pytest PYTHON=$$py VENV=.venv-$$v; \
	done
