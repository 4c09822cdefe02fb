#!/usr/bin/env bash
# Create .venv (if needed) and install xl_tthc with its test extras into it; leaves
# .venv/.xl_tthc-installed so that scripts/test.sh reinstalls only when pyproject.toml changes.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip >/dev/null
.venv/bin/python -m pip install --quiet -e ".[test]"
touch .venv/.xl_tthc-installed
