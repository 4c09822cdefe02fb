#!/usr/bin/env bash
# Install everything, then run the main job on the shipped sample workbooks: check every
# department workbook (findings also to out/phat-hien.xlsx), build the consolidated
# provincial workbook, and tally the sample dossier export into the provincial appendix.  Findings (exit 1) are what the demo shows, not a failure; a step
# that cannot run (exit 2 or more) fails the demo.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || { echo "demo: installing failed" >&2; exit 1; }
mkdir -p out
failed=0

step() {  # step DESCRIPTION COMMAND…: run, report its exit code, remember a failure
  local what=$1; shift
  echo "== $what =="
  "$@"
  local code=$?
  case $code in
    0) echo "-- $what: no error found" ;;
    1) echo "-- $what: findings reported above (exit 1)" ;;
    *) echo "-- $what: FAILED (exit $code)" >&2; failed=1 ;;
  esac
  return $code
}

step "xl-tthc check workbooks/samples -o out/phat-hien.xlsx" \
  .venv/bin/xl-tthc check workbooks/samples -o out/phat-hien.xlsx --force
[ -f out/phat-hien.xlsx ] && echo "Findings workbook: out/phat-hien.xlsx"

rm -f out/tong-hop.xlsx
step "xl-tthc consolidate workbooks/samples -o out/tong-hop.xlsx" \
  .venv/bin/xl-tthc consolidate workbooks/samples -o out/tong-hop.xlsx --force
if [ -f out/tong-hop.xlsx ]; then
  echo "Consolidated workbook: out/tong-hop.xlsx"
else
  echo "demo: no consolidated workbook was written" >&2
  failed=1
fi

rm -f out/phu-luc-tu-ho-so.xlsx
step "xl-tthc tally workbooks/samples/ho-so --period 2024-03 --by unit -o out/phu-luc-tu-ho-so.xlsx" \
  .venv/bin/xl-tthc tally workbooks/samples/ho-so --period 2024-03 --by unit -o out/phu-luc-tu-ho-so.xlsx --force
if [ -f out/phu-luc-tu-ho-so.xlsx ]; then
  echo "Appendix from the dossier export: out/phu-luc-tu-ho-so.xlsx"
else
  echo "demo: no appendix was written from the dossier export" >&2
  failed=1
fi

if [ "$failed" -ne 0 ]; then
  echo "demo: a step failed" >&2
  exit 1
fi
echo "demo: done"
