# Two commands matter: `make run` and `make test`. Both create the virtual environment first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONFIG ?= config.toml

# The playground's browser test drives Debian's Chromium, with CJK and emoji fonts so that its
# screenshots are readable; `make test` installs them where any is missing (root, or sudo).
BROWSER_PACKAGES := chromium fonts-wqy-microhei fonts-noto-color-emoji
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: run test lint messages bench clean browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# With no BOT_TOKEN this starts the playground in the browser; with one, the bot on Telegram.
run: $(STAMP)
	$(BIN)/python -m bot --config $(CONFIG)

# mypy's config is in pyproject.toml (strict for bot/ and storage/, mypy's defaults for handlers/).
test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Re-extract user-facing strings and merge them into every catalogue (then translate the gaps).
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -o bot/locales/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i bot/locales/messages.pot -d bot/locales --no-fuzzy-matching

# Every benchmark in one go (a few minutes on 2 cores); each prints its figures, the reference
# measured in the same run and the ratio. docs/benchmarks.md says what each one measures.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.report_loop
	$(BIN)/python -m benchmarks.grid_lookup
	$(BIN)/python -m benchmarks.footprint
	$(BIN)/python -m benchmarks.stats
	$(BIN)/python -m benchmarks.notice_blast
	$(BIN)/python -m benchmarks.deadline_sweep
	$(BIN)/python -m benchmarks.flood
	$(BIN)/python -m benchmarks.crash_soak

browser:
	@for package in $(BROWSER_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q 'ok installed' || missing=yes; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing $(BROWSER_PACKAGES) for the browser test"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PACKAGES); \
	fi

clean:
	rm -rf $(VENV) .pytest_cache
