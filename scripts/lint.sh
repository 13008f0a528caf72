#!/usr/bin/env bash
# make lint: ansible-lint --profile production over the roles and playbooks.
set -euo pipefail
cd "$(dirname "$0")/.."

export ANSIBLE_COLLECTIONS_PATH="$PWD/build/collections"
export ANSIBLE_CONFIG="$PWD/ansible.cfg"
export PATH="$PWD/.venv-lint/bin:$PATH"
# --offline: CI reaches only the package registries, and the collection is found through
# build/collections rather than installed from Galaxy.
.venv-lint/bin/ansible-lint --offline --profile production roles playbooks
