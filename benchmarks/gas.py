"""Gas of our contracts' main operations, measured on a chain (the embedded py-evm chain by default).

``python -m benchmarks.gas [--json]`` deploys fresh contracts and prints the gas of: anchor; record
per item at batch sizes 1, 10 and 100; coSign; a criteria-checked issue with 5 contributions; the
revocation of one leaf of a 1,024-leaf batch (Merkle proof checked on chain). ``measure(chain, key)``
is what ``python -m benchmarks`` calls to put these figures beside its peers'.

Values are random (non-zero bytes), so calldata costs what real hashes cost.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from ledger import types as T
from ledger.chain.base import FUNDING, ChainBackend
from ledger.contracts.deployment import Contracts, deploy
from ledger.credentials.merkle import MerkleTree
from ledger.crypto.keys import PrivateKey

#: Targets of issue 2 (gas); ``None``: no target.
TARGETS: dict[str, int | None] = {
    "anchor": 50_000,
    "record_1_per_item": None,
    "record_10_per_item": None,
    "record_100_per_item": 70_000,
    "cosign": None,
    "issue_5": None,
    "revoke_leaf": 50_000,
}
_TYPE_BATCH = 1
_TYPE_CHECKED = 2
_OCCURRED_AT = 1_750_000_000


def _rand() -> bytes:
    return os.urandom(32)


def _issuer_key(chain: ChainBackend) -> PrivateKey:
    key = PrivateKey.generate(chain.identity().crypto)
    if FUNDING in chain.features:
        chain.fund(key.address, 10**21)
    return key


def _items(n: int, subject: bytes | None = None, projects: int = 1) -> list[T.ContributionItem]:
    project_ids = [_rand() for _ in range(projects)]
    return [
        T.ContributionItem(
            key=_rand(),
            subject=subject or _rand(),
            project=project_ids[i % projects],
            kind=T.ContributionKind.CODE,
            field=3,
            weight=10,
            occurred_at=_OCCURRED_AT + i,
            evidence_hash=_rand(),
        )
        for i in range(n)
    ]


def measure(chain: ChainBackend, key: PrivateKey, *, revoke_batch: int = 1024) -> dict[str, float]:
    """Deploy with ``key`` as the committee and return gas per operation (see ``TARGETS`` keys).

    Also returns ``record_1`` (the whole 1-item transaction) for the benchmark report.
    """
    contracts = Contracts(chain, deploy(chain, key))
    issuers, ledger, creds = contracts.issuers, contracts.contributions, contracts.credentials
    university, community = _issuer_key(chain), _issuer_key(chain)
    issuers.add_issuer(key, university.address, T.IssuerKind.UNIVERSITY, [_TYPE_BATCH, _TYPE_CHECKED])
    issuers.add_issuer(key, community.address, T.IssuerKind.COMMUNITY, [])
    kinds = T.IssuerKinds.of(T.IssuerKind.UNIVERSITY)
    creds.define_type(key, _TYPE_BATCH, field=3, level=1, allowed_kinds=kinds, criteria=T.Criteria())
    criteria = T.Criteria.with_kinds({T.ContributionKind.CODE: 5}, min_total=5, min_distinct_projects=2,
                                     min_co_signs=1)
    creds.define_type(key, _TYPE_CHECKED, field=3, level=2, allowed_kinds=kinds, criteria=criteria)

    out: dict[str, float] = {}
    out["anchor"] = creds.anchor(university, _rand(), 1000, _TYPE_BATCH, _rand()).gas_used
    for n in (1, 10, 100):
        gas = ledger.record(university, _items(n)).gas_used
        out[f"record_{n}_per_item"] = gas / n
        if n == 1:
            out["record_1"] = gas

    subject = _rand()
    items = _items(5, subject, projects=2)
    ledger.record(university, items)
    cosigns = [ledger.co_sign(community, item.key).gas_used for item in items]
    out["cosign"] = cosigns[0]
    out["issue_5"] = creds.issue(university, _TYPE_CHECKED, subject, _rand(), [i.key for i in items]).gas_used

    leaves = [_rand() for _ in range(revoke_batch)]
    tree = MerkleTree.build(leaves)
    creds.anchor(university, tree.root, revoke_batch, _TYPE_BATCH, _rand())
    index = revoke_batch // 3
    out["revoke_leaf"] = creds.set_leaf_status(
        university, tree.root, leaves[index], tree.proof(index), T.CredentialStatus.REVOKED,
        T.RevocationReason.ISSUED_IN_ERROR,
    ).gas_used
    return out


def _table(results: dict[str, float]) -> str:
    rows = ["| operation | gas | target |", "|---|---:|---:|"]
    for name, target in TARGETS.items():
        value = results[name]
        mark = "" if target is None else (f"<= {target:,} " + ("ok" if value <= target else "MISSED"))
        rows.append(f"| {name} | {value:,.0f} | {mark} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.gas``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gas", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    from ledger.chain.embedded import EmbeddedChain

    chain = EmbeddedChain(None)
    try:
        results = measure(chain, PrivateKey.generate())
    finally:
        chain.close()
    if args.json:
        payload: dict[str, Any] = {
            "backend": "embedded",
            "gas": {k: results[k] for k in TARGETS},
            "targets": TARGETS,
        }
        json.dump(payload, sys.stdout, indent=2)
        print()
    else:
        print(_table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
