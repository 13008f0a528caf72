# ipsec.panos: `make demo` and `make test` set up everything they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
COLLECTION_LINK := build/collections/ansible_collections/ipsec/panos

.PHONY: all venv lint-venv collection demo test sanity lint unit integration bench clean

all: test

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	touch $@

lint-venv: .venv-lint/.installed

.venv-lint/.installed: requirements-lint.txt
	$(PYTHON) -m venv .venv-lint
	.venv-lint/bin/pip install --quiet --disable-pip-version-check -r requirements-lint.txt
	touch $@

# Ansible finds the collection through build/collections, which links back to this tree.
collection: $(COLLECTION_LINK)

$(COLLECTION_LINK):
	mkdir -p $(dir $@)
	ln -sfn ../../../.. $@

demo: venv collection
	scripts/demo.sh

test: venv collection sanity lint unit integration

sanity: venv
	scripts/sanity.sh

# ansible-lint's production profile over the roles and playbooks.
lint: lint-venv collection
	scripts/lint.sh

# The rehearsal (vpn_rehearse) and a strongSwan syntax test run real charon daemons, which CI (root) installs with apt.
unit: venv collection
	scripts/install-strongswan.sh
	$(BIN)/python -m pytest tests/unit -q

# The report test takes a screenshot in headless Chromium, which CI (root) installs with apt.
integration: venv collection
	scripts/install-chromium.sh
	scripts/install-strongswan.sh
	$(BIN)/python -m pytest tests/integration -q

# Benchmark ipsec.panos against per-object modules at 10 to 1,000 spokes; not part of make test.
bench: venv collection
	$(BIN)/python bench/run.py

clean:
	rm -rf build demo-out tests/output
