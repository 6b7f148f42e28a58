# `make run` and `make test` create .venv and install the package on first use.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run evaluate test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[chicago,peers,dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/uberforecast run $(ARGS)

evaluate: $(STAMP)
	$(VENV)/bin/uberforecast evaluate $(ARGS)

bench: $(STAMP)
	$(VENV)/bin/uberforecast bench $(ARGS)

test: $(STAMP)
	$(VENV)/bin/python -m pytest -q $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) outputs
