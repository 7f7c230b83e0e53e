# Cloud Butler: `make demo` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_SERVER ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
HOST ?= 127.0.0.1
API_PORT ?= 8000
COCKPIT_PORT ?= 8050
SCALE ?= small

# Offline hygiene: no telemetry, caches under ./var (see STACK.md).
export MLFLOW_DISABLE_TELEMETRY := true
export BENTOML_DO_NOT_TRACK := true
export BENTOML_HOME := $(CURDIR)/var/bentoml

.PHONY: install demo serve test test-sqlite test-postgres lint format bench bench-seed bench-text bench-dispatch bench-intake bench-emotion train-emotion clean bench-trends bench-analytics bench-recommend bench-portraits bench-cockpit

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/butler db upgrade
	$(BIN)/butler seed --scale $(SCALE) --seed 42 --if-empty
	$(BIN)/butler user demo
	$(BIN)/butler lexicon init
	$(BIN)/butler train dispatch --if-no-champion --search-seconds 20
	$(BIN)/butler intake simulate --count 12
	$(BIN)/butler portraits build
	$(BIN)/butler associations build
	$(BIN)/butler train recommend --if-no-champion
	$(BIN)/butler pushes generate
	@echo ""
	@echo "  cockpit  http://$(HOST):$(COCKPIT_PORT)/  (LED wall; sign in as the demo user leader, password demo-leader-2026)"
	@echo "  workbench http://$(HOST):$(COCKPIT_PORT)/workbench  (as dispatcher)   handling http://$(HOST):$(COCKPIT_PORT)/handle  (as dept_handler)"
	@echo "  analyses http://$(HOST):$(COCKPIT_PORT)/analysis   admin http://$(HOST):$(COCKPIT_PORT)/admin  (as system_admin)"
	@echo "  API      http://$(HOST):$(API_PORT)/api/v1/events"
	@echo "  API docs http://$(HOST):$(API_PORT)/docs"
	@echo "  bundles  http://$(HOST):$(API_PORT)/api/v1/associations/bundles  (mined 一件事 candidates)"
	@echo "  my space http://$(HOST):$(API_PORT)/api/v1/me/space  (as the demo user citizen or enterprise)"
	@echo "  health   http://$(HOST):$(API_PORT)/health"
	@echo ""
	$(BIN)/butler cockpit --host $(HOST) --port $(COCKPIT_PORT) & cockpit=$$!; \
	trap 'kill $$cockpit 2>/dev/null' EXIT INT TERM; \
	$(BIN)/butler serve --host $(HOST) --port $(API_PORT)

test: $(STAMP) lint test-sqlite test-postgres

# One pytest worker per core (pytest-xdist); each worker has its own database.
PYTEST_WORKERS ?= auto

test-sqlite: $(STAMP)
	$(BIN)/pytest -q -n $(PYTEST_WORKERS)

# The database tests again on PostgreSQL; CI must have it, a laptop without one is told so.
test-postgres: $(STAMP)
	@if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || [ -n "$$CI" ]; then \
		BUTLER_TEST_DATABASE_URL=$(PG_SERVER) $(BIN)/pytest -q -m db -n $(PYTEST_WORKERS); \
	else \
		echo "PostgreSQL is not running on 127.0.0.1:5432: database tests ran on SQLite only"; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: bench-seed bench-text bench-dispatch bench-intake bench-emotion bench-trends bench-analytics bench-recommend bench-portraits bench-cockpit

bench-seed: $(STAMP)
	$(BIN)/python benchmarks/bench_seed.py

bench-text: $(STAMP)
	$(BIN)/python benchmarks/bench_text.py

# Dispatch model vs baselines on the public data and the demo district; about 10 minutes on 2 cores.
bench-dispatch: $(STAMP)
	$(BIN)/python benchmarks/bench_dispatch.py

# Polarity against SnowNLP, cnsenti and the plain lexicon on held-out public data; about 15 minutes.
bench-emotion: $(STAMP)
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/bench_emotion.py

# The emotion model shipped in the package (models/emotion/default/emotion.skops), from the public corpora.
train-emotion: $(STAMP)
	$(BIN)/butler train emotion --public-dir ../shared/data --no-register --write-default

# Intake throughput and latency against PostgreSQL on 127.0.0.1 (fresh database, seed, model); about 5 minutes.
bench-intake: $(STAMP)
	$(BIN)/python benchmarks/bench_intake.py

# Forecast backtest vs seasonal-naive on the demo district, hot problems on 附件3, trend endpoint timings; ~3 min.
bench-trends: $(STAMP)
	$(BIN)/python benchmarks/bench_trends.py

# Every hall analysis at each drill level: large district on PostgreSQL (kept as butler_analytics_large,
# --reuse skips reseeding), medium on SQLite; about 15 minutes with seeding.
bench-analytics: $(STAMP)
	$(BIN)/python benchmarks/bench_analytics.py --reuse

# Next-matter recommender vs popularity and association rules on a time split of the medium district
# (SQLite file var/bench/recommend-medium.db, kept: --reuse skips reseeding); 6-8 minutes on 2 cores.
bench-recommend: $(STAMP)
	$(BIN)/python benchmarks/bench_recommend.py --reuse

# Portraits and the association graph rebuilt on the large district in PostgreSQL (database
# butler_portraits_large, kept: --reuse skips reseeding); about 3 minutes, 8 more with seeding.
bench-portraits: $(STAMP)
	$(BIN)/python benchmarks/bench_portraits.py --reuse

# Request to fully rendered cockpit in headless Chromium on the medium district (SQLite file
# var/bench/cockpit-medium.db, kept: --reuse skips reseeding); target under 2 s.
bench-cockpit: $(STAMP)
	$(BIN)/python benchmarks/bench_cockpit.py --reuse

clean:
	rm -rf var .pytest_cache .ruff_cache
