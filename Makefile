# The two commands a newcomer needs: `make run` and `make test`. Each creates .venv if missing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MYSQL_TEST_URL ?= mysql+asyncmy://fuel_test:fuel_test@127.0.0.1:3306/fuel_test

.PHONY: run serve test lint typecheck contracts pytest browser migrate load-demo clean \
	evaluate evaluate-components bench-history bench-exports bench-ingest fuzz

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Start the service on http://127.0.0.1:8001 with SQLite and the demo fleet (loaded once).
run: $(STAMP)
	$(BIN)/fuel-analytics demo

serve: $(STAMP)
	$(BIN)/fuel-analytics serve

migrate: $(STAMP)
	$(BIN)/fuel-analytics migrate

load-demo: $(STAMP)
	$(BIN)/fuel-analytics load-demo

## Every check: lint, format, types, architecture contracts, tests on SQLite and MySQL.
test: $(STAMP) lint typecheck contracts pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy --strict src

contracts: $(STAMP)
	$(BIN)/lint-imports

## Headless Chromium + chromedriver for the dashboard's end-to-end tests (apt, once).
browser:
	scripts/ensure-test-tools.sh

pytest: $(STAMP) browser
	@if [ -n "$$FUEL_TEST_SKIP_MYSQL" ] && [ -z "$$CI" ]; then \
		$(BIN)/pytest; \
	else \
		if [ -z "$$FUEL_TEST_MYSQL_URL" ]; then scripts/mysql-test-db.sh; fi; \
		FUEL_TEST_MYSQL_URL="$${FUEL_TEST_MYSQL_URL:-$(MYSQL_TEST_URL)}" $(BIN)/pytest; \
	fi

## Detection quality against the simulator's ground truth (minutes; not part of `make test`).
evaluate: $(STAMP)
	$(BIN)/fuel-analytics evaluate --seed 42 --trucks 50 --days 30

evaluate-components: $(STAMP)
	$(BIN)/fuel-analytics evaluate-components --seed 42 --trucks 25 --days 45

## A year of 1-minute data: component history latency next to /sensors, same run.
bench-history: $(STAMP)
	$(BIN)/python -m bench.history

## The store's ingestion rate, SQLite and MariaDB side by side.
bench-ingest: $(STAMP)
	scripts/mysql-test-db.sh
	$(BIN)/python -m bench.ingest

## 1,000,000 readings from MariaDB as CSV and XLSX: rows/s, server RSS growth, /sensors p99.
bench-exports: $(STAMP)
	scripts/mysql-test-db.sh
	$(BIN)/python -m bench.exports

.PHONY: bench locust
BENCH_ARGS ?=
## Issue 7: 1,000 trucks x 7 days (5M readings) into MariaDB through POST /api/v2/telemetry,
## then wrk at 50/100/200 connections, 1 and 2 workers, next to two bare ceilings. About 45
## min at full scale (an estimate); smaller: make bench BENCH_ARGS='--trucks 50 --days 1 --duration 5'.
bench: $(STAMP)
	scripts/mysql-test-db.sh
	command -v wrk >/dev/null || apt-get install -y wrk
	$(BIN)/python -m bench.fleet $(BENCH_ARGS)

LOCUST_HOST ?= http://127.0.0.1:8001
LOCUST_USERS ?= 50 100 200
LOCUST_TIME ?= 60s
## The old service's user mix (bench/locustfile.py), headless, against a running server
## (LOCUST_HOST), 60 s at 50, 100 and 200 users; CSV stats in bench/results/locust-u*.csv.
locust: $(STAMP)
	$(BIN)/python -c "import locust" 2>/dev/null || $(BIN)/pip install --quiet locust
	mkdir -p bench/results
	for users in $(LOCUST_USERS); do \
		$(BIN)/locust -f bench/locustfile.py --headless --only-summary \
			-u $$users -r $$(( (users + 9) / 10 )) -t $(LOCUST_TIME) --host $(LOCUST_HOST) \
			--csv bench/results/locust-u$$users || exit 1; \
	done

## Schemathesis, 500 examples per operation (the test command runs 20) on SQLite; minutes.
fuzz: $(STAMP)
	FUEL_FUZZ_EXAMPLES=500 $(BIN)/pytest tests/integration/test_fuzz_openapi.py -p no:cacheprovider --timeout=3600

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis fuel-analytics.db*
