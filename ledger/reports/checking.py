"""Anchoring a contribution report's hash, and checking a report file: recomputed, and anchored.

:func:`anchor_report` sends ``CredentialRegistry.anchorReport(hash, target)`` (the target is the
subject id, or the organisation's address left-padded to 32 bytes), as ``ledger audit ... --anchor``
does for audit reports. :func:`check_report` is what anyone runs on a report file: it recomputes the
file's hash from its content, computes the report again from the index at the stated block with the
stated inputs, and asks the chain whether, by whom and in which block the hash was anchored. The report
passes when its content is what its hash says, the recomputation gives the same hash (the counts are
what the chain says), and, if it claims an anchoring, the chain agrees.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from ledger.contracts.hash_anchors import anchor_hash, find_hash_anchor, padded_target
from ledger.errors import ValidationError
from ledger.index.queries import IndexReader
from ledger.reports.builder import ReportInputs, build_report
from ledger.reports.document import ContributionReport, report_hash

if TYPE_CHECKING:
    from ledger.contracts.deployment import Contracts
    from ledger.crypto.keys import PrivateKey

__all__ = ["ReportCheck", "anchor_report", "check_report", "report_target"]


def report_target(kind: str, target: str) -> bytes:
    """The 32 bytes anchored with a report: the subject id, or the organisation's address left-padded.

    Raises:
        ValidationError: the target is not 0x hex of the right size.
    """
    return padded_target(target, 32 if kind == "subject" else 20, "the report's target")


def anchor_report(contracts: Contracts, key: PrivateKey, report: ContributionReport) -> ContributionReport:
    """Anchor ``report``'s hash signed by ``key`` (a committee member or an active issuer).

    Raises:
        ContractError: the contract refused (the key is neither). The very same report anchored before
            is not an error: that anchor is returned, marked ``already_anchored``.
    """
    anchor = anchor_hash(contracts, key, report.report_hash, report_target(report.kind, report.target))
    anchored: dict[str, Any] = {"tx_hash": anchor.tx_hash, "block_number": anchor.block_number, "auditor": anchor.by,
                                "target": anchor.target, "contract": contracts.credentials.address,
                                "chain_id": contracts.deployment.chain_id}
    if anchor.already_anchored:
        anchored["already_anchored"] = True
    return report.with_anchor(anchored)


@dataclass(frozen=True)
class ReportCheck:
    """What a check found: the content's hash, the recomputed hash, the chain's anchoring, problems."""

    title: str | None
    report_hash: str
    stated_hash: str | None
    recomputed_hash: str | None
    reproduced: bool
    anchored_by: str | None
    block_number: int | None
    tx_hash: str | None
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.reproduced and not self.problems

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["problems"] = list(self.problems)
        out["ok"] = self.ok
        return out


def inputs_of(data: Mapping[str, Any]) -> ReportInputs:
    """The inputs a report file states, as :func:`~ledger.reports.builder.build_report` takes them.

    Raises:
        ValidationError: the stated inputs are missing or malformed.
    """
    inputs = data.get("inputs")
    try:
        assert isinstance(inputs, Mapping)
        occurred = inputs.get("occurred") or {}
        return ReportInputs(
            kind=str(data["kind"]), target=str(data["target"]), block=int(inputs["blocks"]["to"]),
            chain_id=int(inputs["chain_id"]), contract=str(inputs["contribution_ledger"]),
            period=str(inputs.get("period", "month")), since=occurred.get("since"), until=occurred.get("until"),
            project_names=dict(inputs.get("project_names") or {}),
            importers=tuple(dict(i) for i in inputs.get("importers") or ()), rules=dict(inputs.get("rules") or {}))
    except (AssertionError, KeyError, TypeError, ValueError) as exc:
        raise ValidationError(f"the report's inputs are incomplete or malformed ({exc})") from exc


def check_report(reader: IndexReader, contracts: Contracts | None, data: Mapping[str, Any]) -> ReportCheck:
    """Check a report file (as :func:`~ledger.reports.document.load_report` returns it); see the module.

    ``contracts`` may be ``None`` (no chain reachable): the anchoring is then not checked, and says so.
    """
    digest = "0x" + report_hash(data).hex()
    stated = data.get("report_hash") if isinstance(data.get("report_hash"), str) else None
    problems: list[str] = []
    if stated is None:
        problems.append("the report states no report_hash")
    elif stated.lower() != digest:
        problems.append(f"the report's content hashes to {digest}, not to the report_hash it states ({stated}): it "
                        "was changed after it was made")
    inputs = inputs_of(data)
    if contracts is not None:
        if inputs.chain_id != contracts.deployment.chain_id:
            problems.append(f"the report was computed on chain {inputs.chain_id}, this is chain "
                            f"{contracts.deployment.chain_id}")
        if inputs.contract != contracts.contributions.address.lower():
            problems.append(f"the report counts ledger {inputs.contract}, this workspace uses "
                            f"{contracts.contributions.address}")
    recomputed: str | None = None
    try:
        again = build_report(reader, inputs, generated_at=str(data.get("generated_at", "")))
        recomputed = "0x" + again.report_hash.hex()
    except ValidationError as exc:
        problems.append(f"the report cannot be computed again here: {exc}")
    reproduced = recomputed == digest
    if recomputed is not None and not reproduced:
        problems.append(f"computed again from the chain at block {inputs.block}, the report hashes to {recomputed}: "
                        "its counts or contributions are not what the chain holds")
    by = tx = None
    block: int | None = None
    claimed = data.get("anchored")
    if contracts is not None:
        said = claimed.get("auditor") if isinstance(claimed, Mapping) else None
        anchor = find_hash_anchor(contracts, bytes.fromhex(digest[2:]), said if isinstance(said, str) else None)
        if anchor is None:
            if isinstance(claimed, Mapping):
                problems.append("the report says it was anchored, but this chain never anchored its hash")
        else:
            by, block, tx = anchor.by, anchor.block_number, anchor.tx_hash
            expected = "0x" + report_target(inputs.kind, inputs.target).hex()
            if anchor.tx_hash is None:
                problems.append(f"no anchoring log for the report's hash in block {block}")
            elif anchor.target != expected:
                problems.append(f"anchored for target {anchor.target}, but the report is about {expected}")
    elif isinstance(claimed, Mapping):
        problems.append("the chain is not reachable: the anchoring was not checked")
    title = data.get("title")
    return ReportCheck(title if isinstance(title, str) else None, digest, stated, recomputed, reproduced, by, block,
                       tx, tuple(problems))
