"""Kills and concurrent writers, counted: ``python -m tests.faults.kills --kills 40 --writers 4``.

* **kills**: a batch issued from a CSV (alternately as files and as one bundle) is killed with SIGKILL
  after a random delay, again and again; after each kill ``cred issue --resume`` finishes what was
  started. At the end every batch must be done, every credential file on disk must verify, no
  temporary file may be left, and no root may be anchored twice.
* **writers**: ``--writers`` processes each record contributions at the same time (the workspace's
  chain serves one at a time, first come first served); every one must succeed and every contribution
  be on chain. The wait of each is reported (median, p90, max).

The figures go into the issue's report; ``tests/faults/test_power_loss.py`` and
``tests/chain/test_turns.py`` are the bounded tests.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.faults.powercut import ROOT, prepare


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], env=env, capture_output=True, text=True,
                          check=False, timeout=600)


def kills(base: Path, count: int, seed: int, max_delay: float = 3.0) -> dict[str, Any]:
    recorded, env = prepare(base)
    env = dict(os.environ, **env)
    rng = random.Random(seed)
    outcome = {"kills": 0, "finished_before_the_kill": 0, "resumes": 0}
    for i in range(count):
        csv = base / f"g{i}.csv"
        csv.write_text("student_number,name\n" + "".join(f"K{i:03d}{n:04d},Grad {i}-{n}\n" for n in range(1000)))
        layout = "jsonl" if i % 2 else "files"
        proc = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "cred", "issue", "--type", "201", "--csv",
                                 str(csv), "--new-subjects", "--layout", layout, "--key", "uni", "--json"],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, max_delay))  # a kill at a random moment: not a test, a measurement
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            outcome["kills"] += 1
        else:
            outcome["finished_before_the_kill"] += 1
        proc.wait()
        resumed = _cli(env, "cred", "issue", "--resume", "--key", "uni", "--json")
        outcome["resumes"] += 1
        if resumed.returncode != 0:
            raise AssertionError(f"resume {i} failed: {resumed.stdout}{resumed.stderr}")
    ws = recorded / "ws"
    verified = json.loads(_cli(env, "verify", str(ws / "credentials"), "--json").stdout)
    leftovers = [str(p) for p in ws.rglob("*.tmp")]
    journal = [json.loads((d / "state.json").read_text())["stage"] for d in (ws / "journal").iterdir()]
    uni = next(k["address"] for k in json.loads(_cli(env, "key", "list", "--json").stdout) if k["name"] == "uni")
    anchors = _cli(env, "query", "issuer", uni, "--json")
    roots = [b["root"] for b in json.loads(anchors.stdout)["batches"]]
    outcome.update(batches=len(journal), batches_done=journal.count("done"), credentials=verified["valid"]
                   + verified["invalid"] + verified["incomplete"], valid=verified["valid"], leftovers=leftovers,
                   roots_anchored=len(roots), roots_anchored_twice=len(roots) - len(set(roots)))
    return outcome


def writers(base: Path, count: int, per_writer: int) -> dict[str, Any]:
    _, env = prepare(base)
    env = dict(os.environ, **env)
    sid = json.loads(_cli(env, "subject", "new", "--json").stdout)["id"]
    files = []
    for w in range(count):
        path = base / f"c{w}.csv"
        path.write_text("source,subject,kind\n" + "".join(f"github.com/w{w}/repo/pull/{n},{sid},code\n"
                                                         for n in range(per_writer)))
        files.append(path)
    started = time.perf_counter()
    # Each writer's output goes to a file: a pipe read only after another writer finished would fill up
    # and block a writer that holds the workspace (the others would then wait for it for ever).
    procs = []
    for w, f in enumerate(files):
        out, err = base / f"w{w}.out", base / f"w{w}.err"
        with open(out, "w") as o, open(err, "w") as e:
            procs.append((time.perf_counter(), out, err, subprocess.Popen(
                [sys.executable, str(ROOT / "cli.py"), "--lock-timeout", "300", "contrib", "add", "--file", str(f),
                 "--key", "community", "--json"], env=env, stdout=o, stderr=e)))
    ends = {}
    while len(ends) < len(procs):
        for n, (_, _, _, proc) in enumerate(procs):
            if n not in ends and proc.poll() is not None:
                ends[n] = time.perf_counter()
        time.sleep(0.01)
    results = [(ends[n] - begun, proc.returncode, out.read_text(), err.read_text())
               for n, (begun, out, err, proc) in enumerate(procs)]
    took = time.perf_counter() - started
    failed = [r for r in results if r[1] != 0]
    if failed:
        raise AssertionError(f"{len(failed)} writer(s) failed: {failed[0][2][-500:]}{failed[0][3][-500:]}")
    recorded_keys = sum(json.loads(r[2])["recorded"] for r in results)
    on_chain = len(json.loads(_cli(env, "query", "contributions", "--subject", sid, "--json").stdout))
    waits = sorted(r[0] for r in results)
    return {"writers": count, "each_recorded": per_writer, "recorded": recorded_keys, "on_chain": on_chain,
            "seconds": round(took, 2), "latency_median": round(statistics.median(waits), 2),
            "latency_p90": round(waits[max(0, round(0.9 * len(waits)) - 1)], 2), "latency_max": round(waits[-1], 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--per-writer", type=int, default=200)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--max-delay", type=float, default=3.0, help="longest wait before a kill, in seconds")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kills-") as tmp:
        base = Path(tmp)
        report = {"kills": kills(base / "kills", args.kills, args.seed, args.max_delay) if args.kills else None,
                  "writers": writers(base / "writers", args.writers, args.per_writer) if args.writers else None}
    print(json.dumps(report, indent=1))
    k, w = report["kills"], report["writers"]
    ok = (k is None or (k["batches"] == k["batches_done"] and k["valid"] == k["credentials"] and not k["leftovers"]
                        and k["roots_anchored_twice"] == 0)) and (w is None or w["on_chain"] == w["recorded"])
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
