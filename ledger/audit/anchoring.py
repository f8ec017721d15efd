"""Anchoring an audit report's hash on chain, and checking a report file against its anchor later.

``anchor_report`` sends ``CredentialRegistry.anchorReport(hash, target)`` signed by the auditor (a
committee member or an active issuer) and returns the report with its ``anchored`` field filled in:
the transaction, block, auditor, target, contract and chain id. The hash does not cover that field, so
the anchored report has the hash that was anchored.

``check_report`` is what a later auditor runs on a report file: it recomputes the hash from the file's
content (not from the ``report_hash`` it states), asks the contract in which block the auditor the file
names anchored that hash (anchors are keyed by auditor: another auditor's anchor of the same hash is its
own), or, when the file names none, finds the first ``ReportAnchored`` log of the hash; the log gives the
transaction and the target. The report passes when the content's hash is anchored, the file's stated
hash and anchoring agree with the chain, and the anchored target is the report's target.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ledger.audit.report import AuditReport, hash_report_body
from ledger.contracts.hash_anchors import anchor_hash, find_hash_anchor, padded_target
from ledger.errors import ValidationError

if TYPE_CHECKING:
    from ledger.contracts.deployment import Contracts
    from ledger.crypto.keys import PrivateKey

ZERO_TARGET = bytes(32)
#: Members of a report's JSON form that its hash does not cover.
UNHASHED_FIELDS = ("report_hash", "anchored")


def report_target(kind: str, target: str) -> bytes:
    """What the report audited, as the 32 bytes anchored with it: the subject id for a subject
    report, the issuer address (left-padded) for an issuer report, zero for files or several subjects.

    Raises:
        ValidationError: the report names a subject or issuer that is not 0x hex of the right size.
    """
    if kind not in ("subject", "issuer"):
        return ZERO_TARGET
    return padded_target(target, 32 if kind == "subject" else 20, f"the report's {kind}")


def anchor_report(contracts: Contracts, key: PrivateKey, report: AuditReport) -> AuditReport:
    """Anchor ``report``'s hash signed by ``key``; the report with ``anchored`` filled in.

    Raises:
        ContractError: the contract refused, e.g. ``UnknownIssuer`` or ``IssuerNotActive`` (the key is
            neither a committee member nor an active issuer). An identical report anchored before (same
            content and target) is not an error: its existing anchor is returned, marked
            ``already_anchored``.
    """
    anchor = anchor_hash(contracts, key, report.report_hash, report_target(report.kind, report.target))
    anchored: dict[str, Any] = {
        "tx_hash": anchor.tx_hash,
        "block_number": anchor.block_number,
        "auditor": anchor.by,
        "target": anchor.target,
        "contract": contracts.credentials.address,
        "chain_id": contracts.deployment.chain_id,
    }
    if anchor.already_anchored:
        anchored["already_anchored"] = True
    return dataclasses.replace(report, anchored=anchored)


@dataclass(frozen=True)
class ReportCheck:
    """What the chain says about a report file.

    ``report_hash`` is the hash of the file's content; ``stated_hash`` the one the file claims. The
    auditor, block, transaction and target are the chain's (None when the hash was never anchored).
    ``problems`` lists every disagreement in words; :attr:`ok` means anchored with none.
    """

    report_hash: str
    stated_hash: str | None
    title: str | None
    auditor: str | None
    block_number: int | None
    tx_hash: str | None
    target: str | None
    expected_target: str
    problems: tuple[str, ...] = ()

    @property
    def anchored(self) -> bool:
        return self.auditor is not None

    @property
    def ok(self) -> bool:
        return self.anchored and not self.problems

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["problems"] = list(self.problems)
        out["anchored"] = self.anchored
        out["ok"] = self.ok
        return out


def report_body(data: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a report's JSON form its hash covers."""
    return {k: v for k, v in data.items() if k not in UNHASHED_FIELDS}


def load_report(text: str | bytes) -> dict[str, Any]:
    """Parse a JSON report file strictly (no duplicate keys, no NaN), checking its shape.

    Raises:
        ValidationError: not JSON, or not an audit report (no ``kind``/``target`` strings).
    """
    from ledger.canonical import loads

    data = loads(text)
    if not isinstance(data, dict) or not isinstance(data.get("kind"), str) or not isinstance(data.get("target"), str):
        raise ValidationError("not an audit report: expected a JSON object with 'kind' and 'target' (written by "
                              "`ledger audit ... --report FILE`)")
    return data


def check_report(contracts: Contracts, data: Mapping[str, Any]) -> ReportCheck:
    """Recompute the hash of a report (as :func:`load_report` returns it) and ask the chain about it."""
    digest = hash_report_body(report_body(data))
    expected = "0x" + report_target(str(data["kind"]), str(data["target"])).hex()
    stated = data.get("report_hash")
    stated_hash = stated if isinstance(stated, str) else None
    problems: list[str] = []
    if stated_hash is None:
        problems.append("the report states no report_hash")
    elif stated_hash.lower() != "0x" + digest.hex():
        problems.append(f"the report's content hashes to 0x{digest.hex()}, not to the report_hash it states "
                        f"({stated_hash}): it was changed after it was hashed")
    problems.extend(_other_chain(data.get("anchored"), contracts))
    claimed = data.get("anchored")
    said = claimed.get("auditor") if isinstance(claimed, Mapping) else None
    anchor = find_hash_anchor(contracts, digest, said if isinstance(said, str) else None)
    if anchor is None:
        problems.append("this report's hash was never anchored on this chain")
    else:
        if anchor.tx_hash is None:
            problems.append(f"no ReportAnchored log for this hash in block {anchor.block_number}")
        elif anchor.target != expected:
            problems.append(f"anchored for target {anchor.target}, but the report is about {expected}")
        problems.extend(_claims(claimed, anchor.by, anchor.block_number, anchor.tx_hash))
    title = data.get("title")
    return ReportCheck(
        report_hash="0x" + digest.hex(),
        stated_hash=stated_hash,
        title=title if isinstance(title, str) else None,
        auditor=anchor.by if anchor else None,
        block_number=anchor.block_number if anchor else None,
        tx_hash=anchor.tx_hash if anchor else None,
        target=anchor.target if anchor else None,
        expected_target=expected,
        problems=tuple(problems),
    )


def _other_chain(claimed: Any, contracts: Contracts) -> list[str]:
    """A report anchored on another chain or registry cannot be checked here: say so plainly."""
    if not isinstance(claimed, Mapping):
        return []
    problems = []
    chain_id, contract = claimed.get("chain_id"), claimed.get("contract")
    if chain_id is not None and chain_id != contracts.deployment.chain_id:
        problems.append(f"the report says it was anchored on chain {chain_id}, this is chain "
                        f"{contracts.deployment.chain_id}")
    if isinstance(contract, str) and contract.lower() != contracts.credentials.address.lower():
        problems.append(f"the report says it was anchored in registry {contract}, this workspace uses "
                        f"{contracts.credentials.address}")
    return problems


def _claims(claimed: Any, auditor: str, block: int, tx_hash: str | None) -> list[str]:
    """Disagreements between the report's own ``anchored`` field (if any) and the chain."""
    if not isinstance(claimed, Mapping):
        return []
    problems = []
    said_auditor = claimed.get("auditor")
    if isinstance(said_auditor, str) and said_auditor.lower() != auditor.lower():
        problems.append(f"the report says it was anchored by {said_auditor}, the chain says {auditor}")
    if claimed.get("block_number") not in (None, block):
        problems.append(f"the report says block {claimed.get('block_number')}, the chain says {block}")
    said_tx = claimed.get("tx_hash")
    if isinstance(said_tx, str) and tx_hash is not None and said_tx.lower() != tx_hash.lower():
        problems.append(f"the report says transaction {said_tx}, the chain says {tx_hash}")
    return problems
