# The two commands of the README. Both install what they need first.
#   make run    set up and run the whole line (Asterisk, IVR, ASR worker, console, dialler)
#   make test   set up and run every test
#   make test-fast   the unit and protocol layers only: no Asterisk, speech model or browser
#                    (the tests marked asterisk, model, browser, kannel or docker are left out), for the edit-test loop
DATA ?= data
# The end-to-end tests mostly wait on real-time calls, so four workers share two cores
# well; each test module stays on one worker (its private line is shared by its tests).
TEST_WORKERS ?= 4
# Short, because Asterisk's control socket path must fit in 108 bytes under it.
TEST_TMP ?= /tmp/sauti-tests
VENV ?= .venv
SAUTI = $(VENV)/bin/sauti

.PHONY: run test test-fast setup

setup:
	@bash scripts/bootstrap

run: setup
	@test -f $(DATA)/config.toml || $(SAUTI) --data $(DATA) init
	$(SAUTI) --data $(DATA) models install-base
	$(SAUTI) --data $(DATA) prompts build
	$(SAUTI) --data $(DATA) up

test: setup
	@# The Asterisk root (cached in ~/.cache/sauti) is built here, with progress, not inside a test.
	@# It needs root: outside CI a failure here only means the Asterisk tests will skip.
	$(SAUTI) asterisk install || test "$$CI" != true
	$(VENV)/bin/python -m pytest -n $(TEST_WORKERS) --dist loadfile --basetemp=$(TEST_TMP)

FAST = not asterisk and not model and not browser and not kannel and not docker

# Installs only when there is no virtualenv yet: the loop stays fast.
test-fast: | $(VENV)/bin/python
	$(VENV)/bin/python -m pytest -m "$(FAST)" $(ARGS)

$(VENV)/bin/python:
	@bash scripts/bootstrap
