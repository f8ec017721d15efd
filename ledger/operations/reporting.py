"""Contribution reports in the facade: the inputs from the workspace, the counts from the index.

The workspace contributes what the chain does not hold: the names of projects and the provenance of
imported contributions (which importer, version and rules recorded each key), read from the import
records (:func:`ledger.operations.importing.read_import_records`), and the display names of issuers
(labels, not hashed). Everything else is the index's copy of the chain's events up to the report's
block (:mod:`ledger.reports`).
"""

from __future__ import annotations

from typing import Any

from ledger.contributions.sources import project_id
from ledger.index.queries import IndexReader
from ledger.operations.governance import _Context
from ledger.operations.importing import read_import_records
from ledger.reports import ContributionReport, ReportInputs, build_report
from ledger.reports.builder import provenance_of

__all__ = ["ReportingOps"]


class ReportingOps(_Context):
    """Reproducible contribution reports per subject and per organisation."""

    def contribution_report(self, reader: IndexReader, kind: str, target: str, *, block: int, period: str = "month",
                            since: int | None = None, until: int | None = None) -> ContributionReport:
        """The report of a subject (``kind`` ``subject``) or an organisation (``organisation``, ``target`` its
        top-level issuer) as of ``block``.

        Raises:
            ValidationError: a bad target, period or window, or the index not reaching ``block``.
        """
        assert self.settings.deployment is not None
        by_key, rules, names = provenance_of(read_import_records(self.settings.imports_dir))
        names = {pid: name for pid, name in names.items() if "0x" + project_id(name).hex() == pid}
        inputs = ReportInputs(kind=kind, target=target, block=block, chain_id=self.settings.deployment.chain_id,
                              contract=self.settings.deployment.contribution_ledger, period=period, since=since,
                              until=until, project_names=names, rules=rules)
        report = build_report(reader, inputs, provenance=by_key)
        return ContributionReport(report.body, report.generated_at, self._labels(report))

    def _labels(self, report: ContributionReport) -> dict[str, Any]:
        """Display names of the issuers a report names (from their metadata in this workspace)."""
        names = {}
        for address in set(report.body["co_signers"]) | set(report.body["inputs"].get("organisation", [])):
            info = self.contracts.issuers.issuer(address)
            name = self._load_metadata(info.meta_hash).get("name") if info.exists else None
            if isinstance(name, str):
                names[address] = name
        return {"issuers": dict(sorted(names.items()))}
