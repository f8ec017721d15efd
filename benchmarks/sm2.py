"""SM2 signing and verification speed: ``ledger.crypto.sm2`` against the alternatives.

Usage::

    python -m benchmarks.sm2 [--ops 200] [--runs 7] [--json]

What is timed is what FISCO signing needs: an SM2 signature (Z value with the default id,
``e = SM3(Z || message)``) of a 32-byte transaction hash, and its verification. Each
implementation signs ``ops`` messages per run; the figure is the median over ``runs`` of the time
per operation, in milliseconds. The goal is under 1 ms per signature.

Rows: ``ledger.crypto.sm2`` (gmssl-pyx, C), our pure-Python reference path (the fallback), and,
where installed, the pure-Python ``gmssl`` package (what FISCO's python-sdk vendors; it is given
an explicit random k from ``secrets``, never its own default nonce) and ``gmssl-fast`` (C).
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from ledger.crypto import sm2 as smcrypto

GOAL_MS = 1.0


def _per_op_ms(fn: Callable[[int], object], ops: int, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        for i in range(ops):
            fn(i)
        samples.append((time.perf_counter() - start) / ops * 1000)
    return statistics.median(samples)


def _candidates(
    secret: bytes, pub: bytes, messages: list[bytes]
) -> dict[str, tuple[Callable[[int], object], Callable[[int], object]]]:
    """name -> (sign message i, verify signature i) for every implementation available here."""
    out: dict[str, tuple[Callable[[int], object], Callable[[int], object]]] = {}

    ours = [smcrypto.sm2_sign(secret, m, public_key=pub) for m in messages]
    out[f"ledger.crypto.sm2 ({smcrypto.ENGINE})"] = (
        lambda i: smcrypto.sm2_sign(secret, messages[i], public_key=pub),
        lambda i: _check(smcrypto.sm2_verify(pub, messages[i], ours[i])),
    )

    d = int.from_bytes(secret, "big")
    x, y = int.from_bytes(pub[:32], "big"), int.from_bytes(pub[32:], "big")
    digests = [smcrypto.sm2_digest(pub, m) for m in messages]
    ref = [smcrypto._sign_e(d, e, smcrypto._random_nonce) for e in digests]
    out["ledger.crypto.sm2 pure-Python path"] = (
        lambda i: smcrypto._sign_e(d, smcrypto.sm2_digest(pub, messages[i]), smcrypto._random_nonce),
        lambda i: _check(
            smcrypto._verify_e(x, y, smcrypto.sm2_digest(pub, messages[i]), int.from_bytes(ref[i][:32], "big"),
                               int.from_bytes(ref[i][32:], "big"))
        ),
    )  # fmt: skip

    try:
        from gmssl import sm2 as gm_sm2  # the pure-Python package

        crypt = gm_sm2.CryptSM2(private_key=secret.hex(), public_key=pub.hex())
        nonce = lambda: secrets.randbelow(smcrypto.N - 1).to_bytes(32, "big").hex()
        gm_sigs = [crypt.sign_with_sm3(m, nonce()) for m in messages]
        out["gmssl (pure Python)"] = (
            lambda i: crypt.sign_with_sm3(messages[i], nonce()),
            lambda i: _check(crypt.verify_with_sm3(gm_sigs[i], messages[i])),
        )
    except ImportError:
        pass

    try:
        import gmssl_fast

        fast = gmssl_fast.SM2(private_key=secret.hex(), public_key=pub.hex())
        fast_sigs = [fast.sign(m) for m in messages]
        out["gmssl-fast (C)"] = (
            lambda i: fast.sign(messages[i]),
            lambda i: _check(fast.verify(messages[i], fast_sigs[i])),
        )
    except ImportError:
        pass
    return out


def _check(ok: bool) -> None:
    if not ok:
        raise RuntimeError("a benchmark signature did not verify")


def measure(ops: int = 200, runs: int = 7) -> dict[str, Any]:
    """Median milliseconds per sign and per verify for each available implementation."""
    secret = secrets.token_bytes(32)
    while not 0 < int.from_bytes(secret, "big") < smcrypto.N - 1:
        secret = secrets.token_bytes(32)
    pub = smcrypto.sm2_public_key(secret)
    messages = [smcrypto.sm3_hash(i.to_bytes(4, "big")) for i in range(ops)]
    rows = {}
    for name, (sign, verify) in _candidates(secret, pub, messages).items():
        slow = "pure" in name.lower()
        n = max(10, ops // 10) if slow else ops
        rows[name] = {
            "sign_ms": round(_per_op_ms(sign, n, runs), 4),
            "verify_ms": round(_per_op_ms(verify, n, runs), 4),
            "ops_per_run": n,
        }
    ours = next(v for k, v in rows.items() if k.startswith("ledger.crypto.sm2 ("))
    return {"runs": runs, "goal_sign_ms": GOAL_MS, "goal_met": ours["sign_ms"] < GOAL_MS, "rows": rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ops", type=int, default=200, help="signatures per run (default 200)")
    parser.add_argument("--runs", type=int, default=7, help="runs to take the median of (default 7)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    result = measure(args.ops, args.runs)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(
        f"SM2 over a 32-byte hash (Z value, default id), median of {args.runs} runs; goal < {GOAL_MS} ms/sign"
    )
    print(f"{'implementation':<40} {'sign ms':>9} {'verify ms':>10}")
    for name, row in result["rows"].items():
        print(f"{name:<40} {row['sign_ms']:>9.3f} {row['verify_ms']:>10.3f}")
    print("goal met" if result["goal_met"] else "goal NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
