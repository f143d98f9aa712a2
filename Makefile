# ticketlab: two commands.
#   make lab   set everything up and open the course in JupyterLab
#   make test  set everything up and run every test (unit, property, stress, notebooks)

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: lab test setup system-deps notebooks bench mutation clean

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "ticketlab needs Python 3.11 or newer: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# compileall: pip byte-compiles a regular install but not an editable one; without it every
# start (and every run under PYTHONDONTWRITEBYTECODE) recompiles the package from source
$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m compileall -q ticketlab
	touch $(STAMP)

setup: $(STAMP)

# Servers the tests start for themselves. As root on Debian, missing ones are installed from
# Debian's packages; otherwise the tests say how to install them (and fail under CI=true).
SYSTEM_PACKAGES := redis-server:redis-server chromium:chromium

system-deps:
	@missing=""; for pair in $(SYSTEM_PACKAGES); do \
	  command -v $${pair%%:*} >/dev/null 2>&1 || missing="$$missing $${pair##*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing from Debian's packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing:$$missing -- install with: sudo apt-get install$$missing (the Redis and browser tests need them)"; \
	  fi; \
	fi

# --allow-root only where make runs as root (containers, CI machines)
lab: setup
	$(VENV)/bin/jupyter lab --ServerApp.ip=127.0.0.1 --LabApp.news_url=None \
	  $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/00_start_here.ipynb

test: setup system-deps
	$(PY) -m pytest -n 2 --dist loadfile --nbval-lax

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
