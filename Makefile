# Two entry points for a fresh machine (see README.md):
#   make demo   set up a virtualenv and run the end-to-end demo on the embedded chain
#   make test   set up everything the tests need (pip, npm, Debian's chromium) and run the whole suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: demo test setup setup-test node-tools system-tools artifacts bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV)/.installed

setup-test: $(VENV)/.installed-test node-tools system-tools

node-tools: node_modules/.installed

# Debian packages some tests use: chromium renders the HTML audit report and, driven through
# chromium-driver (Selenium), runs the web verifier's page; poppler-utils (pdftoppm) checks printed
# certificates; fonts-wqy-microhei draws Chinese in screenshots and PDFs; shellcheck checks the docker/
# scripts; gcc and libc6-dev build the power-cut shim of tests/faults/. Installed only when missing.
SYSTEM_PACKAGES := chromium chromium-driver poppler-utils fonts-wqy-microhei shellcheck gcc libc6-dev
system-tools:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "missing Debian packages:$$missing (run: sudo apt-get install$$missing)"; exit 1; fi; fi

demo: setup
	$(VENV)/bin/ledger demo

test: setup-test
	bash .ci/pytest.sh $(PYTEST_ARGS)

# Regenerate the committed contract artifacts with the pinned solc-js.
artifacts: setup node-tools
	$(PY) -m ledger.contracts.compiler

bench: setup-test
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) node_modules .pytest_cache .hypothesis
