#!/usr/bin/env bash
# Run the test suite.  The package is (re)installed only when needed: no .venv yet, or
# pyproject.toml / scripts/setup.sh newer than the stamp setup.sh leaves after installing.
# "No tests ran" is a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
STAMP=.venv/.xl_tthc-installed
if [ ! -x .venv/bin/python ] || [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ] || [ scripts/setup.sh -nt "$STAMP" ]; then
  bash scripts/setup.sh || exit 1
fi
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
code=$?
if [ "$code" -eq 5 ]; then
  echo "pytest collected no tests: failing" >&2
  exit 1
fi
exit "$code"
