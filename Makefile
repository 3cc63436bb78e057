# Set-up and the two everyday commands: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint system-deps falkordb clean model

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

## Build the bundled demo corpus into output/.
demo: $(STAMP)
	$(BIN)/paperkg build -o output

## Retrain the shipped decider model from ../shared (bit for bit the committed file).
model: $(STAMP)
	$(BIN)/python bench/train_model.py

## The whole test suite (installs the system tools the tests drive first), on 2 pytest-xdist
## workers.  --dist loadfile: all tests of a file run on one worker, so a module's servers
## (FalkorDB, Chromium, the SPARQL endpoint) start once; --no-loadscope-reorder keeps the order of
## tests/conftest.py, which hands out the slowest files first.
test: $(STAMP) system-deps falkordb lint
	$(BIN)/python -m pytest -q -n 2 --dist loadfile --no-loadscope-reorder

## Debian packages the tests use as independent engines (needs root or sudo).
system-deps:
	@./.ci/system-deps.sh

## FalkorDB (openCypher engine of the Neo4j-export tests), built once into .cache/falkordb/.
## Outside CI a failed build only warns: those tests then skip and say why.
falkordb: $(STAMP) system-deps
	@./.ci/falkordb.sh || { [ -z "$$CI" ] && echo "warning: FalkorDB could not be built; the openCypher tests will be skipped"; }

## ruff, the import layering contract (import-linter) and mypy.
lint: $(STAMP)
	$(BIN)/ruff check kg extractors tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy

clean:
	rm -rf $(VENV) output/*.ttl output/*.nt output/*.jsonld output/*.html build *.egg-info
