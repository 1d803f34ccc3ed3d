# The two commands of the README. Both install what they need first.
#   make run    set up and run the whole line (Asterisk, IVR, ASR worker, console)
#   make test   set up and run every test
DATA ?= data
VENV ?= .venv
SAUTI = $(VENV)/bin/sauti

.PHONY: run test setup

setup:
	@bash scripts/bootstrap

run: setup
	@test -f $(DATA)/config.toml || $(SAUTI) --data $(DATA) init
	$(SAUTI) --data $(DATA) prompts build
	$(SAUTI) --data $(DATA) up

test: setup
	@# The Asterisk root (cached in ~/.cache/sauti) is built here, with progress, not inside a test.
	@# It needs root: outside CI a failure here only means the Asterisk tests will skip.
	$(SAUTI) asterisk install || test "$$CI" != true
	$(VENV)/bin/python -m pytest
