# ticketlab: two commands.
#   make lab       set up the course (.venv with the course's dependencies) and open it in JupyterLab
#   make test      set up everything (the [dev] extras) and run every test (unit, property, stress,
#                  notebooks, the README's examples, the book and the API reference, the browser)
# and a few more:
#   make docs      the API reference from the docstrings (pdoc) in build/docs/
#   make book      every chapter executed, as static HTML pages with their charts, in build/book/
#   make workshop  the chapters' panels without code (Voilà), for an instructor to project
#   make bench     the benchmark figures;  make notebooks  re-execute and refresh the notebooks

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: lab test setup system-deps docs book workshop notebooks bench mutation clean

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "ticketlab needs Python 3.11 or newer: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# One stamp per set of extras (course, docs, workshop; dev is all of them): `make lab` installs
# only what the notebooks need. compileall: pip byte-compiles a regular install but not an
# editable one; without it every start (and every run under PYTHONDONTWRITEBYTECODE) recompiles
# the package from source.
$(VENV)/.installed-%: $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e '.[$*]'
	$(PY) -m compileall -q ticketlab
	$(PY) tools/lab.py --settings-only
	touch $@

$(STAMP): $(VENV)/.installed-dev
	touch $@

setup: $(STAMP)

# Servers the tests start for themselves. As root on Debian, missing ones are installed from
# Debian's packages; otherwise the tests say how to install them (and fail under CI=true).
# Each entry is probe:package; Debian keeps PostgreSQL's initdb off PATH, in /usr/lib/postgresql/*/bin.
SYSTEM_PACKAGES := redis-server:redis-server chromium:chromium initdb:postgresql

system-deps:
	@missing=""; for pair in $(SYSTEM_PACKAGES); do \
	  command -v $${pair%%:*} >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/$${pair%%:*} >/dev/null 2>&1 \
	    || missing="$$missing $${pair##*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing from Debian's packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing:$$missing -- install with: sudo apt-get install$$missing (the Redis, PostgreSQL and browser tests need them)"; \
	  fi; \
	fi

# tools/lab.py prints the URL of the start-here notebook and the command that puts `ticketlab`
# on the PATH, then becomes `jupyter lab` (127.0.0.1 only; --allow-root only when run as root).
lab: $(VENV)/.installed-course
	@$(PY) tools/lab.py

test: setup system-deps
	$(PY) -m pytest -n 2 --dist loadfile --nbval-lax

docs: $(VENV)/.installed-docs
	$(PY) tools/build_docs.py build/docs

book: $(VENV)/.installed-docs
	$(PY) tools/build_book.py build/book

# Each chapter rendered with live panels and no code cells; pick one from the list Voilà serves.
# Progressive rendering: a chart's traces reach the page as messages sent after the panel is
# shown, so the page must be connected while the chapter runs, or the charts stay empty.
# (Voilà has no --allow-root and runs as root without one.)
workshop: $(VENV)/.installed-workshop
	@echo "The chapters without code: open the URL Voilà prints below, then a chapter (Ctrl-C stops it)."
	$(VENV)/bin/voila notebooks --Voila.ip=127.0.0.1 --no-browser --VoilaConfiguration.progressive_rendering=True

# Re-execute the notebooks and keep only the outputs nbval checks.
notebooks: setup
	$(PY) tools/refresh_notebooks.py

bench: setup
	$(PY) benchmarks/run_all.py

# Mutation testing (not part of `make test`): the score per module of the estimators and the number
# parser, or of one part: make mutation TARGET=ticketlab/core/numbers.py. Targets and their tests
# are listed in pyproject.toml; docs/mutation.md explains the table. Niced: it keeps every core busy
# for minutes.
TARGET ?=
mutation: setup
	nice -n 19 $(PY) tools/mutation.py $(TARGET)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info mutants
