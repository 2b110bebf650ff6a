# One entry point for building and testing voiceops.chime; the work is done by scripts/lane.py
# (stdlib Python, so it runs with the machine's python3 before any venv exists).
#
#   make test               both lanes (current: ansible-core 2.21/Python 3.13, oldest: 2.17/3.11),
#                           each: venv + amazon.aws, build + install the tarball, unit, integration, faults;
#                           the current lane also runs every quality gate. CI runs this, then test-slow.
#                           The lanes run side by side; tests marked slow are left to test-slow.
#   make test-slow          the slow-marked cases (100,000 orders) on the current lane; CI runs it too
#   make test-current | test-oldest
#   make test-floors        the oldest lane with boto3/botocore at requirements.txt's floors
#   make unit | integration | faults  one suite on LANE (default current); ARGS="-k x" to pytest
#   make dev LANE=current   symlink the work tree into the lane instead of the tarball (quick loops)
#   make sanity | lint | docs-lint | docs-reference | changelog-lint | importer | ee | awscli | gates
#   make docs               regenerate docs/reference/ from the plugins (scripts/docs_reference.py)
#   make demo | bench       tests/demo/run_demo.py, tests/perf/bench.py with the lane's Python (ARGS)
#   make changelog-release  antsibull-changelog release (changelogs/changelog.yaml, CHANGELOG.rst)
#   make clean              build products; make distclean also removes .lanes (venvs, wheel cache)

PYTHON ?= python3
LANE ?= current
ARGS ?=
LANE_PY := $(PYTHON) scripts/lane.py

.DEFAULT_GOAL := help
.PHONY: help test test-slow test-current test-oldest test-floors setup unit integration faults dev sanity lint awscli \
	docs-lint docs-reference docs changelog-lint importer ee gates demo bench changelog-release clean distclean

help:
	@sed -n '4,17p' Makefile | sed 's/^# \{0,1\}//'

NOT_SLOW := --marker "not slow"

test:
	$(LANE_PY) test current oldest $(NOT_SLOW)

test-slow:
	$(LANE_PY) test current --no-gates --marker slow --allow-empty-suites

test-current:
	$(LANE_PY) test current $(NOT_SLOW)

test-oldest:
	$(LANE_PY) test oldest $(NOT_SLOW)

test-floors:
	$(LANE_PY) test floors $(NOT_SLOW)

setup:
	$(LANE_PY) setup $(LANE)

unit:
	$(LANE_PY) pytest $(LANE) unit -- $(ARGS)

integration:
	$(LANE_PY) pytest $(LANE) integration -- $(ARGS)

faults:
	$(LANE_PY) pytest $(LANE) faults -- $(ARGS)

dev:
	$(LANE_PY) dev $(LANE)

sanity lint docs-lint docs-reference changelog-lint importer ee awscli:
	$(LANE_PY) gate $@

gates:
	$(LANE_PY) gate all

docs:
	$(LANE_PY) setup current tools-lint
	$(PYTHON) scripts/docs_reference.py

demo:
	$(LANE_PY) run $(LANE) tests/demo/run_demo.py $(ARGS)

bench:
	$(LANE_PY) run $(LANE) tests/perf/bench.py $(ARGS)

changelog-release:
	$(LANE_PY) changelog-release

clean:
	$(LANE_PY) clean

distclean:
	$(LANE_PY) clean --all
