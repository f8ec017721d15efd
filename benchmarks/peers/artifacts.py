"""The peers' compiled contracts, loaded from their pinned npm packages at run time."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

from .abi import ContractAbi
from .node import run_script


@dataclass(frozen=True)
class PeerArtifacts:
    """EAS (SchemaRegistry, EAS) and OpenAttestation's DocumentStore v4, plus package versions."""

    versions: Mapping[str, str]
    schema_registry: ContractAbi
    eas: ContractAbi
    document_store: ContractAbi


@functools.lru_cache(maxsize=1)
def load() -> PeerArtifacts:
    """Read the artifacts through ``artifacts.js`` (once per process).

    Raises:
        BenchmarkError: node or the npm packages are missing.
    """
    out = run_script("artifacts.js", timeout=60.0)
    contracts = out["contracts"]
    return PeerArtifacts(
        versions=dict(out["versions"]),
        schema_registry=ContractAbi.from_artifact("SchemaRegistry", contracts["SchemaRegistry"]),
        eas=ContractAbi.from_artifact("EAS", contracts["EAS"]),
        document_store=ContractAbi.from_artifact("DocumentStore", contracts["DocumentStore"]),
    )
