# Set-up is automatic: every target first builds .venv from pyproject.toml (once, or when it changes).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# nbgrader calls `alembic` and `jupyter` by name: the venv's bin must be on PATH.
export PATH := $(abspath $(BIN)):$(PATH)
export MPLBACKEND := Agg

.PHONY: grade test release benchmark clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

## The main job: regenerate the release, autograde the sample submissions, feedback, grade table.
grade: $(BIN)/.installed
	$(BIN)/autograde demo

## The whole test suite (two workers; one test file per worker at a time, so each sample class is graded once).
test: $(BIN)/.installed
	$(BIN)/python -m pytest -n 2 --dist loadfile

## Regenerate release/ from source/ (commit the result).
release: $(BIN)/.installed
	$(BIN)/autograde release

## Figures, not tests: grading time (one submission, a class) and the MNIST models against scikit-learn.
benchmark: $(BIN)/.installed
	$(BIN)/python benchmarks/grading_time.py
	$(BIN)/python benchmarks/class_grading.py
	$(BIN)/python benchmarks/mnist_models.py

clean:
	rm -rf submitted autograded feedback gradebook.db grades.csv .grading
