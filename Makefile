# Two commands do everything on a fresh machine:
#   make demo  — create .venv, install licc, compile the bundled default model into build/
#   make test  — install licc with its test tools, run pytest and the lit suite
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

install: $(BIN)/python
	$(BIN)/pip install -q -e .

install-test: $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	$(BIN)/pip install -q --no-deps -e test/plugin

demo: install
	$(BIN)/licc $(MODEL) -o $(BUILD)

pytest: install-test
	$(BIN)/python -m pytest -q

lit: install-test
	$(BIN)/lit -sv test/lit

test: install-test
	$(BIN)/python -m pytest -q
	$(BIN)/lit -sv test/lit

clean:
	rm -rf $(BUILD) .pytest_cache
