"""Benchmarks: our ledger side by side with the systems users would pick instead.

Every performance claim is a ratio against a peer measured in the same run, on the same machine
and the same chain: the Ethereum Attestation Service (EAS) and OpenAttestation (its DocumentStore
contract and its document library). The peers' compiled contracts and libraries are loaded from the
npm packages pinned in ``package.json`` at run time; none of their code is copied here.

Run ``python -m benchmarks --help``. Modules:

* ``benchmarks.peers``: the peer side (artifacts, deployments, gas, OpenAttestation timing in node);
* ``benchmarks.suite``: every row of the report, ours beside the peer;
* ``benchmarks.report``: the result model, JSON and markdown writers, the README section;
* ``benchmarks.gas``, ``credentials``, ``embedded``, ``rpc``, ``sm2``: our side, one concern each.
"""

from __future__ import annotations

from pathlib import Path

from ledger.errors import LedgerError

#: The repository root: ``node_modules`` and ``README.md`` live here.
REPO_ROOT = Path(__file__).resolve().parent.parent


class BenchmarkError(LedgerError):
    """A benchmark could not run (a tool is missing, a peer misbehaved)."""
