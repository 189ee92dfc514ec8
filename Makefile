# Thin wrapper: bootstrap .venv, then call `python -m course <verb>`. Every verb also works
# without make (see README), on macOS, Linux and Windows.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed

L ?=
E ?=

.DEFAULT_GOAL := help
.PHONY: help setup postgres start check watch hint progress list reset solution notebook grade grade-merge grade-bench gradescope verify test test-fast browser lint bench bench-selfcheck mutation criteria clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	@# Precompile so imports stay fast where PYTHONDONTWRITEBYTECODE is set.
	$(PY) -m compileall -q -j 0 $(VENV)/lib > /dev/null || true
	touch $(STAMP)

setup: $(STAMP) ## Create .venv and install the pinned dependencies

# Lesson 15's checks start a throwaway PostgreSQL server: they need its programs, not a server.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
postgres: ## Lesson 15: install PostgreSQL's server programs (initdb, pg_ctl) if they are missing
	@if command -v initdb > /dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb > /dev/null 2>&1; then \
		echo "PostgreSQL's server programs are installed."; \
	elif command -v apt-get > /dev/null 2>&1; then \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq postgresql; \
	elif command -v brew > /dev/null 2>&1; then \
		brew install postgresql@16 && echo "Put $$(brew --prefix postgresql@16)/bin on your PATH."; \
	else \
		echo "Install PostgreSQL's server programs: see lessons/l15_production/README.md"; exit 1; \
	fi

start: $(STAMP) ## Set up the database with demo data and serve the playground on :8000
	$(PY) -m course start

check: $(STAMP) ## Check your exercises: make check [L=01]
	$(PY) -m course check $(L)

watch: $(STAMP) ## Re-check on every save: make watch [L=01]
	$(PY) -m course watch $(L)

hint: $(STAMP) ## The next hint: make hint L=01 E=E1
	$(PY) -m course hint $(L) $(E)

progress: $(STAMP) ## Your progress through the course
	$(PY) -m course progress

list: $(STAMP) ## Lessons and exercises with their state
	$(PY) -m course list

reset: $(STAMP) ## Put a lesson's starter back (asks first): make reset L=01
	$(PY) -m course reset $(L)

solution: $(STAMP) ## Show the reference solution once the lesson passes: make solution L=01
	$(PY) -m course solution $(L)

notebook: $(STAMP) ## Open Jupyter on the notebooks: make notebook [L=01]
	$(PY) -m course notebook $(L)

grade: $(STAMP) ## Grade a class: make grade SUBMISSIONS=folder [OUT=grading-out] [JOBS=n] [SHARD=k/n] [LESSONS=01,02] [ROSTER=roster.csv] [MISSING=zero]
	$(PY) -m course grade $(SUBMISSIONS) --out $(or $(OUT),grading-out) $(if $(JOBS),--jobs $(JOBS)) $(if $(SHARD),--shard $(SHARD)) $(if $(LESSONS),--lessons $(LESSONS)) $(if $(ROSTER),--roster $(ROSTER)) $(if $(MISSING),--missing $(MISSING))

grade-merge: $(STAMP) ## Join the outputs of graded shards: make grade-merge SHARDS="out-1 out-2" [OUT=grading-out] [ROSTER=roster.csv] [MISSING=zero]
	$(PY) -m course grade merge $(SHARDS) --out $(or $(OUT),grading-out) $(if $(ROSTER),--roster $(ROSTER)) $(if $(MISSING),--missing $(MISSING))

grade-bench: $(STAMP) ## Time `course grade` on a 60-student class against the naive loop and --no-dedup
	$(PY) benchmarks/grade_speed.py

gradescope: $(STAMP) ## Build a Gradescope autograder: make gradescope [OUT=autograder.zip] [LESSONS=01,02]
	$(PY) -m course autograder gradescope --out $(or $(OUT),autograder.zip) $(if $(LESSONS),--lessons $(LESSONS))

verify: $(STAMP) ## The course's own integrity checks (same as make test)
	$(PY) -m course verify

browser: ## The machine's Chromium for the browser test: apt-get only on CI, as root, where it is missing
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif case "$${CI:-}" in 1|true|True|TRUE|yes) true;; *) false;; esac && command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	else echo "No chromium here: the browser test is skipped. \`$(BIN)/playwright install chromium\` gets one."; fi

test: $(STAMP) browser ## Every course self-check and engine test (CI runs this); make test L=05 for one lesson
	$(PY) -m course verify $(if $(L),--lesson $(L))

test-fast: $(STAMP) ## The self-checks without notebooks, live HTTP, whole classes and the OpenAPI fuzz: make test-fast [L=05]
	$(PY) -m course verify --fast $(if $(L),--lesson $(L))

criteria: $(STAMP) ## Course authors: each acceptance criterion with the known mistakes that break it: make criteria [L=12]
	$(PY) -m course criteria $(L)

mutation: $(STAMP) ## Course authors: mutation testing of the graded tests: make mutation [L=01]
	$(PY) -m course mutation $(L)

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: $(STAMP) ## Measure `check` against the floor of importing Django
	$(PY) benchmarks/check_speed.py

bench-selfcheck: $(STAMP) ## Time fresh-clone `make test`: an earlier commit against this one [BASE=rev]
	$(PY) benchmarks/selfcheck_speed.py $(if $(BASE),--base $(BASE))

clean: ## Remove .venv and the local state in var/
	rm -rf $(VENV) var
