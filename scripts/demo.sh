#!/usr/bin/env bash
# Install everything, then run the main job on the shipped sample workbooks:
# check every department workbook and build the consolidated provincial sheet.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p out
echo "== xl-tthc check workbooks/samples =="
.venv/bin/xl-tthc check workbooks/samples/*.xlsx || true
if .venv/bin/xl-tthc --help | grep -q consolidate; then
  echo "== xl-tthc consolidate workbooks/samples -o out/tong-hop.xlsx =="
  .venv/bin/xl-tthc consolidate workbooks/samples -o out/tong-hop.xlsx --force || true
  echo "Consolidated workbook: out/tong-hop.xlsx"
fi
