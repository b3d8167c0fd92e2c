# The two fresh-machine commands: `make demo` (the main job on a local AWS emulator) and
# `make test` (the whole suite). Both install what they need first.
PYTHON ?= python3

.PHONY: install demo test lint bench

install:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r requirements.txt -e '.[test]'
	@[ -d tests/proof/iam/node/node_modules ] || npm ci --prefix tests/proof/iam/node --no-audit --no-fund
	@[ -d tests/access_report/node/node_modules ] || npm ci --prefix tests/access_report/node --no-audit --no-fund

demo: install
	$(PYTHON) -m devtools.demo

test: install
	$(PYTHON) -m pytest

lint: install
	$(PYTHON) -m ruff check .

bench: install
	$(PYTHON) -m bench
