#!/usr/bin/env bash
# The Python SDK's virtual environment, code generation and tests (packages/client-python).
#   scripts/python-sdk.sh generate   regenerate src/cortex_client/_proto from proto/
#   scripts/python-sdk.sh test       install the package with its test extras, type-check it, run pytest
# The environment lives in packages/client-python/.venv (gitignored) and is (re)installed from
# PyPI whenever pyproject.toml changes.
set -euo pipefail
cd "$(dirname "$0")/../packages/client-python"

venv() {
  local python=${PYTHON:-python3}
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
    echo "the Python SDK needs Python >= 3.10 ($python is $("$python" --version 2>&1))" >&2
    exit 1
  fi
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  local stamp=.venv/.cortex-installed want
  want=$(cat pyproject.toml | sha256sum)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install --quiet --disable-pip-version-check '.[test,generate]'
    echo "$want" >"$stamp"
  fi
}

case "${1:-}" in
  generate)
    venv
    .venv/bin/python tools/generate.py
    ;;
  test)
    venv
    # Installed as a user would (a built wheel, not the source tree), then tested.
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation --force-reinstall .
    .venv/bin/python -m mypy src/cortex_client tools
    .venv/bin/python -m pytest -q "${@:2}"
    ;;
  *)
    echo "usage: $0 generate|test [pytest args]" >&2
    exit 2
    ;;
esac
