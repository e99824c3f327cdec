# Every target builds .venv from requirements.txt first when it is missing or out of date.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHAPTERS ?=
WORKERS ?= 2

export PATH := $(CURDIR)/$(BIN):$(PATH)
export MPLBACKEND := Agg

.PHONY: demo test test-fast lab lab-exchange formgrader release autograde feedback report validate bench lint clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements.txt
	$(BIN)/python -m pip install --disable-pip-version-check -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m course demo

test: $(STAMP)
	$(BIN)/python -m pytest

# The quick lane while changing code: every test that executes no notebook and runs no
# whole grading pipeline (marker "slow"); `make test` stays the full gate.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" -q

# A student's kernels draw inline: the Agg backend set above for batch runs stays out.
# lab/jupyter turns off nbgrader's tools that need an exchange or are the instructor's
# (assignment and course lists, Create Assignment, Formgrader); Validate stays.
lab: $(STAMP)
	env -u MPLBACKEND IPYTHONDIR=$(CURDIR)/lab/ipython JUPYTER_CONFIG_PATH=$(CURDIR)/lab/jupyter $(BIN)/jupyter lab --notebook-dir=release

# A student's JupyterLab on nbgrader's exchange (a shared machine, JupyterHub): menu
# Nbgrader -> Assignment List fetches chapters from COURSE_EXCHANGE into STUDENT_DIR, submits
# them and fetches feedback. lab/jupyter-exchange keeps those tools on (the instructor's off)
# and names the course; nbgrader names the student after the login (or COURSE_STUDENT).
STUDENT_DIR ?= $(HOME)/deep-learning
lab-exchange: $(STAMP)
	@test -n "$(COURSE_EXCHANGE)" || { echo "make lab-exchange: set COURSE_EXCHANGE to the exchange folder"; exit 1; }
	mkdir -p $(STUDENT_DIR)
	env -u MPLBACKEND IPYTHONDIR=$(CURDIR)/lab/ipython JUPYTER_CONFIG_PATH=$(CURDIR)/lab/jupyter-exchange $(BIN)/jupyter lab --notebook-dir=$(STUDENT_DIR)

# The instructor's JupyterLab: the course directory as the server root, as the formgrader
# needs, with every nbgrader tool (menu Nbgrader -> Formgrader, the Create Assignment panel).
formgrader: $(STAMP)
	env -u MPLBACKEND IPYTHONDIR=$(CURDIR)/lab/ipython $(BIN)/jupyter lab --notebook-dir=$(CURDIR)

validate: $(STAMP)
	$(BIN)/python -m course validate $(CHAPTERS)

release: $(STAMP)
	$(BIN)/python -m course release $(CHAPTERS)

autograde: $(STAMP)
	$(BIN)/python -m course autograde --workers $(WORKERS) $(CHAPTERS)

feedback: $(STAMP)
	$(BIN)/python -m course feedback $(CHAPTERS)

report: $(STAMP)
	$(BIN)/python -m course report

bench: $(STAMP)
	$(BIN)/python -m course bench $(CHAPTERS)

lint: $(STAMP)
	$(BIN)/ruff check course utils tests tools

clean:
	rm -rf autograded/*/ feedback submitted reports/*.csv reports/*.html gradebook.db .bench
