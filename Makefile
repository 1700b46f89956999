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

# Installed without their declared dependencies: tinysoundfont declares PyAudio (live playback,
# unused here), which would have to compile against Debian's portaudio19-dev.
NO_DEPS := tinysoundfont

# Re-runs only when a requirements file changed since the last successful setup.
$(STAMP): requirements.txt requirements-test.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	grep -v -E '^($(NO_DEPS))==' requirements.txt > $(VENV)/requirements-with-deps.txt
	$(PY) -m pip install --quiet -r $(VENV)/requirements-with-deps.txt -r requirements-test.txt
	$(PY) -m pip install --quiet --no-deps $$(grep -E '^($(NO_DEPS))==' requirements.txt)
	@touch $(STAMP)

run: setup
	$(PY) app.py

test-deps:
	@scripts/debian-packages.sh $(TEST_DEBS)

test: setup test-deps
	$(PY) -m pytest

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts
