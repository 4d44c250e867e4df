#!/usr/bin/env bash
# The Python SDK's virtual environment, code generation, type check and tests.
#   scripts/sdk.sh generate          regenerate src/cortex_client/_proto from proto/ (npm run generate)
#   scripts/sdk.sh typecheck         mypy --strict over the package          (the workspace's typecheck)
#   scripts/sdk.sh test [pytest ...] install the package as a user would, run pytest (the workspace's test)
# The environment lives in .venv (gitignored) and is (re)installed from PyPI, with the test and
# generate extras, whenever pyproject.toml changes.
set -euo pipefail
cd "$(dirname "$0")/.."

venv() {
  local python=${PYTHON:-python3}
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
    echo "the Python SDK needs Python >= 3.10 ($python is $("$python" --version 2>&1))" >&2
    exit 1
  fi
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  local stamp=.venv/.cortex-installed want
  want=$(sha256sum <pyproject.toml)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install --quiet --disable-pip-version-check '.[test,generate]'
    echo "$want" >"$stamp"
  fi
}

case "${1:-}" in
  generate)
    venv
    .venv/bin/python scripts/generate.py
    ;;
  typecheck)
    venv
    .venv/bin/python -m mypy src/cortex_client scripts
    ;;
  test)
    venv
    # The built wheel, not the source tree, is what the tests import.
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation --force-reinstall .
    log=$(mktemp)
    trap 'rm -f "$log"' EXIT
    set +e
    .venv/bin/python -m pytest -q -rfE "${@:2}" 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
    set -e
    # Mocha-style totals, which the suite's closing line adds up (as the Go SDK's do).
    summary=$(grep -E '^(=+ )?[0-9]+ [a-z]+(, [0-9]+ [a-z]+)* in [0-9.]+s' "$log" | tail -1 || true)
    count() { { grep -Eo "[0-9]+ ($1)" <<<"$summary" || true; } | awk '{ n += $1 } END { print n + 0 }'; }
    echo "  $(count passed) passing (python)"
    echo "  $(count 'failed|errors?') failing (python)"
    exit "$status"
    ;;
  *)
    echo "usage: $0 generate|typecheck|test [pytest args]" >&2
    exit 2
    ;;
esac
