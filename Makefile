# Two commands do everything on a fresh machine:
#   make demo  — create .venv, install licc, compile the bundled default model into build/
#   make test  — install licc with its test tools, run pytest and the lit suites
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
# The bundled distilled student; an untrained one of its shape until it is trained.
MODEL  ?= $(or $(wildcard models/zoo/default.pt),bmshj2018-factorized:64x96)
BUILD  ?= build

.PHONY: demo test install install-test lit pytest bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Editable installs: an edit to the sources needs no reinstall, a change of the
# dependencies or entry points (pyproject.toml) does; the stamps record it.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml test/plugin/pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	$(BIN)/pip install -q --no-deps -e test/plugin
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

demo: install
	$(BIN)/licc $(MODEL) -o $(BUILD)

pytest: install-test
	$(BIN)/python -m pytest -q

# licc's own lit suite and the example plugin's (test/plugin/test), which uses
# the lit configuration a plugin package reuses (lic_compiler.testing.lit).
lit: install-test
	$(BIN)/lit -sv test/lit test/plugin/test

test: pytest lit

clean:
	rm -rf $(BUILD) .pytest_cache
