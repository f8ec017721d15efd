#!/usr/bin/env bash
# The README's tour of the CLI, run end to end in a throwaway workspace:
#
#     bash examples/tour.sh                  # needs `ledger` on PATH (make demo, or .venv/bin)
#
# Every step is a plain `ledger` command; ids printed by one step are picked from its --json output
# for the next. LEDGER_WORKSPACE and LEDGER_PASSWORD may be set beforehand; otherwise a temporary
# workspace and a throwaway password are used. tests/test_examples.py runs this script.
set -euo pipefail

examples=$(cd "$(dirname "$0")" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export LEDGER_WORKSPACE="${LEDGER_WORKSPACE:-$scratch/.ledger}"
export LEDGER_PASSWORD="${LEDGER_PASSWORD:-tour-password-not-secret}"
cd "$scratch"

# get KEY...: print the value at that path of the JSON on stdin (a number indexes a list)
get() {
  python3 -c 'import json, sys
value = json.load(sys.stdin)
for step in sys.argv[1:]:
    value = value[int(step)] if isinstance(value, list) else value[step]
print(value)' "$@"
}
step() { printf '\n== %s\n' "$*"; }

step "a workspace: embedded chain, contracts deployed, you are the committee (threshold 1)"
ledger init

step "keys for a university, a community and a maintainer (keystore v3, never printed)"
uni=$(ledger key new --name university --json | get address)
community=$(ledger key new --name community --json | get address)
maintainer=$(ledger key new --name maintainer --json | get address)

step "the committee defines two certificate types, then makes them issuers (scope is granted per type)"
ledger type define --file "$examples/blockchain-dev-1.toml"
ledger type define --id 201 --name "Open Source Software Engineering (course)" --allowed-issuers university
ledger issuer add "$uni" --kind university --scope 101,201 --name "Example University"
ledger issuer add "$community" --kind community --scope 101 --name "OpenChain Community"
ledger issuer add "$maintainer" --kind community --name "Console Maintainers"

step "a student: a pseudonymous subject id on chain, the person in the local vault"
student=$(ledger subject new --name "Li Hua" --student-number 2023001 --json | get id)

step "the community records four contributions; the maintainer co-signs them"
keys=()
for source in console/pull/812:code java-sdk/pull/301:code console/pull/820:review WeIdentity/pull/77:docs; do
  keys+=("$(ledger contrib add --source "github.com/FISCO-BCOS/${source%%:*}" --subject "$student" \
    --kind "${source##*:}" --field blockchain --date 2026-03-01 --key community --json | get keys 0)")
done
ledger contrib cosign "${keys[@]}" --key maintainer
ledger contrib show "${keys[0]}"

step "a certificate whose criteria the contract checks, with the contributions as evidence"
evidence=()
for key in "${keys[@]:0:3}"; do evidence+=(--evidence "$key"); done
ledger cred issue --type 101 --subject "$student" "${evidence[@]}" --key community

step "a batch of course certificates from a CSV (new students get subject ids)"
ledger cred issue --type 201 --csv "$examples/graduates.csv" --new-subjects --key university
ledger cred issue --resume                     # nothing left to finish: every batch completed

step "the same file again is refused (already issued); --again issues it once more, as one JSON Lines bundle"
if ledger cred issue --type 201 --csv "$examples/graduates.csv" --key university; then
  echo "the same CSV was issued twice" >&2; exit 1
fi
issued=$(ledger cred issue --type 201 --csv "$examples/graduates.csv" --layout jsonl --again --key university --json)
bundle=$(get output <<<"$issued")
bundle_root=$(get root <<<"$issued")
graduate=$(ledger subject find 2022000001 --json | get 0 id)
ledger cred export "$bundle" --subject "$graduate" --out "$scratch/for-graduate-one"
ledger verify "$scratch/for-graduate-one"

step "verify every credential file (exit 0 only if all are valid)"
ledger verify "$LEDGER_WORKSPACE/credentials/"

step "revoke one, and see verification fail for it"
revoked=$(find "$LEDGER_WORKSPACE/credentials" -name '*.json' | sort | head -n 1)
ledger cred revoke "$revoked" --reason misconduct --key university
if ledger verify "$revoked"; then echo "a revoked credential verified" >&2; exit 1; fi

step "revoke a whole batch in one transaction, whatever its size (here: the bundle's)"
ledger cred revoke --batch "$bundle_root" --reason superseded --key university
if ledger verify "$scratch/for-graduate-one"; then echo "a credential of a revoked batch verified" >&2; exit 1; fi

step "the university's key is stolen: it reports itself; the committee hands the university to a new key"
new_uni=$(ledger key new --name university-2 --json | get address)
ledger issuer compromised "$uni" --since now --key university
ledger issuer rotate --issuer "$uni" --successor "$new_uni"      # the committee: a proposal (threshold 1)
ledger issuer accept "$uni" --key university-2
ledger issuer show "$uni"
ledger verify "$LEDGER_WORKSPACE/credentials/" --json >/dev/null || true  # signed before the mark: unchanged

step "governance, the index, time travel and audit"
ledger committee list
ledger index sync
ledger query subject "$student"
ledger query subject "$student" --at 5          # as of block 5: before any contribution
ledger audit subject "$student" --html "$scratch/candidate.html" --report "$scratch/audit.json" --anchor
ledger audit check "$scratch/audit.json"
ledger audit files "$LEDGER_WORKSPACE/credentials/" --report "$scratch/files.json" || true  # one is revoked
echo
if [[ "$LEDGER_WORKSPACE" == "$scratch"/* ]]; then
  echo "tour finished; its temporary workspace is removed (set LEDGER_WORKSPACE to keep one)"
else
  echo "tour finished: workspace $LEDGER_WORKSPACE"
fi
