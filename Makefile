# Set-up is automatic: every target first builds .venv from requirements.lock (once, or when it or
# pyproject.toml changes),
# and installs the Debian packages it needs when they are missing and it can (root with apt-get).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# nbgrader calls `alembic` and `jupyter` by name: the venv's bin must be on PATH.
export PATH := $(abspath $(BIN)):$(PATH)
export MPLBACKEND := Agg

.PHONY: grade test test-user test-fast lint release benchmark mutation lock clean system-grade system-test

$(BIN)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

## Re-resolve requirements.lock from pyproject.toml (every Python from 3.11 on, every platform; the
## versions already locked are kept where they still fit). Commit the result.
lock: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet 'uv>=0.5'
	$(BIN)/uv pip compile pyproject.toml --extra test --universal --python-version 3.11 -o requirements.lock

# bubblewrap sandboxes every grading kernel; chromium runs the browser tests; the tests start a
# PostgreSQL server of their own for the gradebook on PostgreSQL (tests/postgres.py).
system-grade:
	@sh .ci/system-packages bwrap:bubblewrap
system-test:
	@sh .ci/system-packages bwrap:bubblewrap chromium:chromium '/usr/lib/postgresql/*/bin/initdb:postgresql'

## The main job: regenerate the release, autograde the sample submissions, feedback, grade table.
grade: system-grade $(BIN)/.installed
	$(BIN)/autograde demo

# The trust tests, run a second time as an unprivileged user when `make test` runs as root (.ci/test-as-user):
# the sandbox must hold whoever runs the grader.
TRUST_TESTS := tests/unit/test_sandbox.py tests/unit/test_sandbox_hardening.py tests/grading/test_grading_hostile2.py

## The whole test suite (two workers; one test file per worker at a time, so each sample class is graded once),
## then, as root, the trust tests as an unprivileged user.
test: system-test $(BIN)/.installed
	$(BIN)/python -m pytest -n 2 --dist loadfile --durations=25
	@if [ "$$(id -u)" = 0 ]; then bash .ci/test-as-user -q $(TRUST_TESTS); fi

## The trust tests as an unprivileged user only (root makes the user, a copy of the tree and its virtualenv).
test-user: system-test $(BIN)/.installed
	bash .ci/test-as-user -q $(TRUST_TESTS)

## Lint and types, first in CI (seconds): ruff's rules and format (pyproject.toml), mypy on autograde/.
lint: $(BIN)/.installed
	$(BIN)/ruff check
	$(BIN)/ruff format --check
	$(BIN)/mypy

## The fast layer only: the tests not marked slow or browser (no grading run, no browser; about 30 s).
test-fast: $(BIN)/.installed
	$(BIN)/python -m pytest -n 2 -m "not slow and not browser"

## Regenerate release/ from source/ (commit the result).
release: $(BIN)/.installed
	$(BIN)/autograde release

## Mutation testing of the checks: every one-change variant of each reference solution through its checks;
## the report gives mutants, killed, equivalent and survived per graded function and the kill rate per TD
## (exit status 1 if one survived). The suite runs it too (tests/unit/test_mutation.py).
mutation: $(BIN)/.installed
	$(BIN)/python -m autograde.mutation

## Figures, not tests: grading time (one submission, a class) and the MNIST models against scikit-learn.
benchmark: system-grade $(BIN)/.installed
	$(BIN)/python benchmarks/grading_time.py
	$(BIN)/python benchmarks/class_grading.py
	$(BIN)/python benchmarks/mnist_models.py

# Only the demo's scratch courses: a semester graded in the repository (gradebook.db, submitted/, …) is the
# teacher's and is never removed by a make target.
clean:
	rm -rf .grading
