# The entry point for building and testing voiceops.chime. The work is done by nox sessions
# (noxfile.py, antsibull-nox.toml; `make nox ARGS=-l` lists them); make only bootstraps nox,
# antsibull-nox and uv (tests/lanes/nox.txt) into .nox/bootstrap with python3, and sums up the results.
#
#   make test               every default session, JOBS (2) at a time, and the formatters in check mode;
#                           ends with a timing table and "tests: N passed, N failed" (CI reads it)
#   make test-slow          the slow-marked pytest cases (100,000 orders) on the current lane; CI runs it
#                           beside make test
#   make test-floors        the pytest suites with boto3/botocore at requirements.txt's floors
#   make unit | integration | faults   one pytest suite on LANE (current or oldest), reusing its venv;
#                           ARGS go to pytest (make unit ARGS="-k listing"). Unit tests import the work
#                           tree; integration and faults install a freshly built tarball first.
#   make dev LANE=current   create the lane's pytest venvs once, so that the targets above start at once
#   make nox ARGS="-s sanity-current"   any nox command (nox -l lists the sessions)
#   make docs               regenerate docs/reference/ from the plugins (scripts/docs_reference.py)
#   make demo | bench       tests/demo/run_demo.py, tests/perf/bench.py on both lanes (ARGS to the script)
#   make mutation           mutmut over module_utils and the action plugins (hours; tests/mutation/README.md)
#   make changelog-release  antsibull-changelog release (changelogs/changelog.yaml, CHANGELOG.rst)
#   make clean              build and test output; make distclean also removes .nox (venvs, caches)

PYTHON ?= python3
LANE ?= current
# Sessions at once in make test. They are CPU-bound: a third (measured 2026-12-01: 24 min instead of 20.6) made
# the run slower on 2 cores, though with two 9% of the cores idle.
JOBS ?= 2
ARGS ?=
NOX := .nox/bootstrap/bin/nox
REPORTS := .nox/reports
# Each nox run writes a report; test_summary.py turns them and the sessions' pytest JUnit files into
# the timing table and the totals line, and fails when a session failed or no test ran.
SUMMARY := $(PYTHON) scripts/test_summary.py

.DEFAULT_GOAL := help
.PHONY: help bootstrap test test-slow test-floors unit integration faults dev nox docs demo bench mutation changelog-release \
	clean distclean

help:
	@sed -n '5,19p' Makefile | sed 's/^# \{0,1\}//'

bootstrap: $(NOX)

# Rebuilt whenever the pins change; make's own timestamps say when.
$(NOX): tests/lanes/nox.txt
	rm -rf .nox/bootstrap
	$(PYTHON) -m venv .nox/bootstrap
	.nox/bootstrap/bin/python -m pip install --quiet --disable-pip-version-check -r tests/lanes/nox.txt
	touch $@

test: $(NOX)
	@mkdir -p $(REPORTS) && rm -f $(REPORTS)/formatters.json $(REPORTS)/test.json
	-$(NOX) -s formatters --report $(REPORTS)/formatters.json -- --check
	-$(NOX) --parallel $(JOBS) --report $(REPORTS)/test.json
	@$(SUMMARY) $(REPORTS)/formatters.json $(REPORTS)/test.json

test-slow: $(NOX)
	@mkdir -p $(REPORTS) && rm -f $(REPORTS)/test-slow.json
	-$(NOX) --report $(REPORTS)/test-slow.json -s slow-current
	@$(SUMMARY) $(REPORTS)/test-slow.json

test-floors: $(NOX)
	@mkdir -p $(REPORTS) && rm -f $(REPORTS)/test-floors.json
	-$(NOX) --parallel 2 --report $(REPORTS)/test-floors.json -s unit-floors integration-floors faults-floors
	@$(SUMMARY) $(REPORTS)/test-floors.json

unit integration faults: $(NOX)
	$(NOX) --reuse-existing-virtualenvs --no-install -s $@-$(LANE) -- $(ARGS)

dev: $(NOX)
	$(NOX) --install-only -s unit-$(LANE) integration-$(LANE) faults-$(LANE)
	@echo "ready: make unit|integration|faults LANE=$(LANE) ARGS='-k ...' reuse these venvs"

nox: $(NOX)
	$(NOX) $(ARGS)

docs: $(NOX)
	$(NOX) -s docs

demo: $(NOX)
	$(NOX) -s demo -- $(ARGS)

bench: $(NOX)
	$(NOX) -s bench-current bench-oldest -- $(ARGS)

mutation: $(NOX)
	$(NOX) -s mutation -- $(ARGS)

changelog-release: $(NOX)
	$(NOX) -s changelog-release

clean:
	rm -rf tests/output .ansible .pytest_cache .hypothesis ./*.tar.gz
	find . -name __pycache__ -not -path './.nox/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf .nox
