"""OpenAttestation's document library timed in node on the same documents as ours.

``wrapDocuments`` salts and hashes every field of every document, builds one Merkle tree, then finds
each document's leaf by a linear search (``MerkleTree.getProof`` uses ``findIndex``) to make its proof:
the batch costs O(n^2), which shows from about 10,000 documents on.
"""

from __future__ import annotations

import json
import statistics
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import BenchmarkError
from .node import run_script

#: OpenAttestation v2 documents must name an issuer's DocumentStore; any well-formed address will do
#: for wrapping and signature verification (neither touches the chain).
PLACEHOLDER_STORE = "0x9178F546D3FF57D7A6352bD61B80cCCD46199C2d"


@dataclass(frozen=True)
class WrapTiming:
    """Timings of one batch: ``wrapDocuments`` over all documents, ``verifySignature`` over a sample."""

    documents: int
    verified: int
    wrap_seconds: tuple[float, ...]
    verify_seconds: tuple[float, ...]

    @property
    def wrap_per_second(self) -> float:
        """Documents wrapped (with proofs) per second, median over the runs."""
        return self.documents / statistics.median(self.wrap_seconds)

    @property
    def verify_per_second(self) -> float:
        """Signatures verified per second, median over the runs."""
        return self.verified / statistics.median(self.verify_seconds)


def measure(
    documents: Iterable[Mapping[str, Any]], *, runs: int = 3, verify_sample: int = 10_000
) -> WrapTiming:
    """Wrap ``documents`` with OpenAttestation ``runs`` times and verify up to ``verify_sample`` of them.

    Args:
        documents: JSON-serialisable credential documents (ours, without their proof).
        runs: how many times the whole batch is wrapped and the sample verified.
        verify_sample: how many wrapped documents ``verifySignature`` checks per run.

    Raises:
        BenchmarkError: node failed, or a wrapped document did not verify.
    """
    if runs < 1 or verify_sample < 1:
        raise BenchmarkError("runs and verify_sample must be at least 1")
    with tempfile.TemporaryDirectory(prefix="bench-oa-") as tmp:
        path = Path(tmp) / "documents.jsonl"
        count = 0
        with path.open("w", encoding="utf-8") as out:
            for doc in documents:
                out.write(json.dumps(doc, ensure_ascii=False, separators=(",", ":")))
                out.write("\n")
                count += 1
        if count == 0:
            raise BenchmarkError("no documents to wrap")
        # wrapDocuments is O(n^2) in the batch size (see the module docstring): scale the deadline.
        timeout = 600.0 + runs * count * count / 5e6
        args = (str(path), str(runs), str(verify_sample), PLACEHOLDER_STORE)
        result = run_script("openattestation.js", *args, timeout=timeout)
    if int(result["documents"]) != count:
        raise BenchmarkError(f"OpenAttestation read {result['documents']} documents, expected {count}")
    return WrapTiming(
        documents=count,
        verified=int(result["verified"]),
        wrap_seconds=tuple(float(s) for s in result["wrap_seconds"]),
        verify_seconds=tuple(float(s) for s in result["verify_seconds"]),
    )
