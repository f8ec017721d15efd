"""Deploy and write in one process; read, including at an old block, in a fresh process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ledger import types as T
from ledger.chain.embedded import EmbeddedChain
from ledger.contracts.deployment import Contracts, deploy
from ledger.crypto.keys import PrivateKey

from .conftest import BATCH_TYPE, rand32

_READER = """
import json, sys
from pathlib import Path
from ledger.chain.embedded import EmbeddedChain
from ledger.contracts.deployment import Contracts, Deployment

args = json.loads(sys.argv[1])
chain = EmbeddedChain(Path(args["path"]))
try:
    c = Contracts(chain, Deployment.from_dict(args["deployment"]))
    root = bytes.fromhex(args["root"])
    print(json.dumps({
        "version": c.credentials.version(),
        "anchor_count": c.issuers.anchor_of(args["issuer"], root).count,
        "anchor_before": c.issuers.anchor_of(args["issuer"], root, block=args["before"]).exists,
        "status_now": int(c.issuers.issuer(args["issuer"]).status),
        "status_then": int(c.issuers.issuer(args["issuer"], block=args["before"]).status),
        "authorized_then": c.issuers.is_authorized(args["issuer"], args["type"], args["before"]),
        "events": [e.name for e in c.events()],
    }))
finally:
    chain.close()
"""


def test_state_survives_into_a_fresh_process(tmp_path: Path) -> None:
    path = tmp_path / "chain.sqlite"
    committee, issuer = PrivateKey.generate(), PrivateKey.generate()
    root = rand32()
    chain = EmbeddedChain(path)
    try:
        deployment = deploy(chain, committee)
        c = Contracts(chain, deployment)
        c.credentials.define_type(committee, BATCH_TYPE, field=1, level=1,
                                  allowed_kinds=T.IssuerKinds.of(T.IssuerKind.UNIVERSITY), criteria=T.Criteria())
        c.issuers.add_issuer(committee, issuer.address, T.IssuerKind.UNIVERSITY, [BATCH_TYPE])
        before = c.issuers.anchor(issuer, BATCH_TYPE, 10, root).block_number - 1
        c.issuers.propose_issuer_status(committee, issuer.address, T.IssuerStatus.SUSPENDED)
    finally:
        chain.close()
    args = {"path": str(path), "deployment": deployment.to_dict(), "root": root.hex(), "before": before,
            "issuer": issuer.address, "type": BATCH_TYPE}
    proc = subprocess.run([sys.executable, "-c", _READER, json.dumps(args)], capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout)
    assert seen["version"] == "2.1.0"
    assert seen["anchor_count"] == 10 and seen["anchor_before"] is False
    assert (seen["status_now"], seen["status_then"]) == (T.IssuerStatus.SUSPENDED, T.IssuerStatus.ACTIVE)
    assert seen["authorized_then"] is True
    assert seen["events"].count("BatchAnchored") == 1 and "IssuerStatusChanged" in seen["events"]
