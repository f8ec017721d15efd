#!/usr/bin/env bash
# Run the whole test suite in the project's virtualenv. pytest's exit code 5 means "no tests were
# collected": that is a broken suite here, so it is reported as a failure with a clear message.
#
# With no arguments, the contract suite (tests/contracts) then runs again on FISCO BCOS SM chains served by
# `ledger node` (in the test process, on 127.0.0.1), through both native protocols, with the SM3 artifacts:
# `--chain node-fisco2-sm` and `--chain node-fisco3-sm` (tests/conftest.py). Gaps of a protocol (no calls at
# a past block, no call from a sender on 3.x) show as XFAIL with the reason.
#
# Tests run on two workers (pytest-xdist, from the test extra); PYTEST_WORKERS=0 runs them in one process.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
VENV="${VENV:-.venv}"
WORKERS="${PYTEST_WORKERS:-2}"
parallel=()
if [ "$WORKERS" != "0" ]; then parallel=(-n "$WORKERS"); fi
"$VENV/bin/python" -m pytest -q "${parallel[@]}" "$@"
code=$?
if [ "$code" -eq 5 ]; then
  echo "pytest collected no tests: the suite is missing or misconfigured" >&2
  exit 1
fi
if [ "$code" -eq 0 ] && [ "$#" -eq 0 ]; then
  for chain in node-fisco2-sm node-fisco3-sm; do
    echo "contract suite on --chain $chain"
    "$VENV/bin/python" -m pytest -q "${parallel[@]}" tests/contracts -m "not slow" --chain "$chain" || exit $?
  done
fi
exit "$code"
