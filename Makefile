# Two commands matter: `make run` and `make test`. Both create the virtual environment first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint messages bench bench-stats clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m bot --config config.toml

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Re-extract user-facing strings and merge them into every catalogue (then translate the gaps).
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -o bot/locales/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i bot/locales/messages.pot -d bot/locales --no-fuzzy-matching

bench: $(STAMP)
	$(BIN)/python -m benchmarks.report_loop

bench-stats: $(STAMP)
	$(BIN)/python -m benchmarks.stats

clean:
	rm -rf $(VENV) .pytest_cache
