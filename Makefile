# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app learning
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run serve test lint format translations extract compile ci clean

run: $(VENV)/.installed translations
	$(FLASK) init-db
	$(FLASK) seed-demo --if-empty
	$(FLASK) scheduler & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

# Production-style serving: granian (config/serve.py, which says why) and the scheduler
# process, stopped together. Settings come from config/local.py or the environment (README,
# "Running in production").
serve: $(VENV)/.installed translations
	$(FLASK) init-db
	$(FLASK) scheduler & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python config/serve.py

# The suite on $(WORKERS) processes (pytest-xdist), each with its own database and live server;
# the tests of one file stay on one worker, so a module's fixtures are built once, and files are
# handed out in the order collected: the browser tests' files spread through the first half,
# the files marked `long` first of the rest (tests/conftest.py). (Not loadgroup: pytest-xdist
# 3.8 marks a group in a way pytest 9 no longer reads.) Two workers a core: a browser test
# mostly waits on a video playing in real time, and another worker's tests fill the wait.
# Bytecode caches are written whatever the shell says (PYTHONDONTWRITEBYTECODE): without them
# each worker rewrites every test module's asserts again (collecting 7 s a process, not 2).
# Then, alone, the tests whose processes must start within seconds: real schedulers and their
# 2-second lease, gunicorn killed under load; beside a busy worker they time out.
WORKERS ?= $(shell echo $$(( $$(nproc) * 2 )))
PYTEST := env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest
ALONE := tests/jobs/test_scheduler_processes.py tests/durability
test: $(VENV)/.installed translations
	$(PYTEST) -n $(WORKERS) --dist loadfile --no-loadscope-reorder $(addprefix --ignore=,$(ALONE)) $(PYTEST_ARGS)
	$(PYTEST) $(ALONE) $(PYTEST_ARGS)

# Types: mypy on learning/, strict on learning/domain ([tool.mypy] in pyproject.toml).
lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Compiled catalogues are build output: made from the .po files, never committed.
translations: $(VENV)/.installed
	@$(BIN)/pybabel -q compile -d learning/translations

# Refresh the catalogue after changing UI strings, then translate the new entries in the .po.
extract: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		-o learning/translations/messages.pot .
	$(BIN)/pybabel -q update -i learning/translations/messages.pot -d learning/translations \
		--width 100 --no-fuzzy-matching --ignore-obsolete

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Optional: the accounting rules compiled with mypyc into build/mypyc (needs gcc and the Python
# headers); about twice as fast a replay. Used only while built from the current sources;
# LEARNING_PURE_RULES=1 runs the Python source anyway. `make run` and `make test` never need it.
compile: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[compile]'
	$(BIN)/python scripts/compile_rules.py > /dev/null

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache build
