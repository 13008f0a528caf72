#!/usr/bin/env bash
# Run `ansible-test sanity` on a copy of the collection laid out as ansible-test requires.
#
# ansible-test needs the tree at .../ansible_collections/ipsec/panos and only reads files
# git tracks, so the tracked and not-ignored files are copied into build/sanity.
# --local uses this virtualenv, whose sanity tool pins match ansible-test's own, because
# --venv would download a pip bootstrap, which these machines cannot reach.
set -euo pipefail
cd "$(dirname "$0")/.."

# ansible-test bootstraps pip in its own virtualenvs with a script it downloads. Offline,
# a stand-in in its cache does the same from the interpreter's bundled ensurepip.
pip_version=$(.venv/bin/python -c 'import re, ansible_test, pathlib; p = pathlib.Path(ansible_test.__file__).parent / "_internal/python_requirements.py"; print(re.search(r"pip=.(\d+\.\d+)", p.read_text()).group(1))')
bootstrap="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
if [ ! -f "$bootstrap" ]; then
  mkdir -p "$(dirname "$bootstrap")"
  cp scripts/ansible_test_get_pip.py "$bootstrap"
fi

# The shellcheck sanity test is skipped, not failed, without shellcheck; install it where we can.
if ! command -v shellcheck >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck) >/dev/null 2>&1 \
    || echo "sanity: could not install shellcheck; ansible-test will skip that test" >&2
fi

target=build/sanity/ansible_collections/ipsec/panos
rm -rf build/sanity
mkdir -p "$target"
git ls-files --cached --others --exclude-standard -z | grep -zv '^pansim/' | grep -zv '^tests/unit/pansim/' \
  | xargs -0 -I{} cp --parents {} "$target"/
(
  cd "$target"
  git init --quiet
  git add --all
  PATH="$OLDPWD/.venv/bin:$PATH" ansible-test sanity --local --python 3.11 "$@"
)
