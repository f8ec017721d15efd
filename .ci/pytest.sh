#!/usr/bin/env bash
# Run the whole test suite in the project's virtualenv. pytest's exit code 5 means "no tests were
# collected": that is a broken suite here, so it is reported as a failure with a clear message.
set -uo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
"$VENV/bin/python" -m pytest -q "$@"
code=$?
if [ "$code" -eq 5 ]; then
  echo "pytest collected no tests: the suite is missing or misconfigured" >&2
  exit 1
fi
exit "$code"
