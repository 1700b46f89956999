# AIGC Studio: `make run` starts the app, `make test` runs every test. Both set up first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.setup-done
# Debian packages the test suite needs: the browser test drives Debian's chromium, the audio
# tests synthesise a few spoken digits with espeak-ng, the arena's store tests start their own
# PostgreSQL server.
TEST_DEBS := chromium espeak-ng postgresql

.PHONY: setup run test test-deps bench clean

setup: $(STAMP)

# Re-runs only when a requirements file changed since the last successful setup.
$(STAMP): requirements.txt requirements-test.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-test.txt
	@touch $(STAMP)

run: setup
	$(PY) app.py

test-deps:
	@scripts/debian-packages.sh $(TEST_DEBS)

test: setup test-deps
	$(PY) -m pytest

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts
