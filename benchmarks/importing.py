"""Importing contributions end to end: a GitHub export of merged pull requests in, recorded on chain.

``python -m benchmarks.importing [--size 10000] [--runs 3] [--profile FILE] [--json]``

Each run makes a fresh workspace on the embedded chain (a file, as a user's), a community issuer and
200 subjects mapped by an author map, writes a pulls export of ``size`` merged pull requests in the
shape GitHub's REST API documents (pages of 100 concatenated, as ``gh api --paginate`` writes them),
then times what ``ledger contrib import github FILE --author-map MAP --apply`` does: parsing the export
(``read``), mapping authors and building and checking every contribution (``build``), asking the chain
which keys it holds (``dedupe``), and recording in batches (``record``: the import record and evidence
written durably, the ``record`` transactions sent and mined). The goal (issue 19) is >= 1,000
contributions per second for 10,000.

``--profile FILE`` writes a cProfile of one run's record stage (``python -m pstats FILE``).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from ledger.config import Settings, load_settings
from ledger.contributions.authors import AuthorMap
from ledger.contributions.github import import_github
from ledger.contributions.rules import load_rules
from ledger.crypto.keys import PrivateKey
from ledger.ledger import Ledger

TARGET = 1_000  # contributions per second (issue 19)
PEOPLE = 200


def _user(i: int) -> dict[str, Any]:
    login = f"dev{i:03d}"
    return {"login": login, "id": 10_000 + i, "node_id": f"U_{i}", "avatar_url": f"https://avatars.example/{i}",
            "url": f"https://api.github.com/users/{login}", "html_url": f"https://github.com/{login}",
            "type": "User", "site_admin": False}


def _repo(full_name: str) -> dict[str, Any]:
    return {"id": 1, "name": full_name.split("/")[1], "full_name": full_name, "private": False,
            "html_url": f"https://github.com/{full_name}", "url": f"https://api.github.com/repos/{full_name}"}


def pull(repo: str, number: int, user: dict[str, Any]) -> dict[str, Any]:
    """A merged pull request of ``GET /repos/{owner}/{repo}/pulls?state=closed``."""
    merged = f"2026-0{1 + number % 9}-{1 + number % 28:02d}T10:00:00Z"
    return {
        "url": f"https://api.github.com/repos/{repo}/pulls/{number}", "id": 10**6 + number, "node_id": f"PR_{number}",
        "html_url": f"https://github.com/{repo}/pull/{number}", "number": number, "state": "closed",
        "locked": False, "title": f"Improve module {number % 37}", "user": user, "body": "Description of the change.",
        "labels": [{"id": 1, "name": "enhancement"}], "created_at": "2026-01-01T00:00:00Z", "updated_at": merged,
        "closed_at": merged, "merged_at": merged, "merge_commit_sha": f"{number:040x}", "draft": False,
        "head": {"label": f"{user['login']}:topic", "ref": "topic", "sha": f"{number + 1:040x}", "user": user,
                 "repo": _repo(f"{user['login']}/{repo.split('/')[1]}")},
        "base": {"label": "org:main", "ref": "main", "sha": f"{number + 2:040x}", "user": user, "repo": _repo(repo)},
        "author_association": "CONTRIBUTOR",
    }


def write_export(path: Path, size: int, repos: int = 20) -> None:
    """``size`` merged pull requests over ``repos`` repositories and :data:`PEOPLE` authors, in pages of 100."""
    records = [pull(f"bench-org/repo-{i % repos}", i // repos + 1, _user(i % PEOPLE)) for i in range(size)]
    path.write_text("".join(json.dumps(records[i:i + 100]) for i in range(0, size, 100)))


def run_once(size: int, *, profile: Path | None = None) -> dict[str, Any]:
    """One timed import of ``size`` pull requests into a fresh workspace; the rate and the stage times."""
    root = Path(tempfile.mkdtemp(prefix="bench-import-"))
    try:
        ws = root / "ws"
        Ledger.init(Settings(ws), password="bench-password", light_kdf=True)
        with Ledger.open(load_settings(ws, env={}), password="bench-password", light_kdf=True) as lg:
            recorder = PrivateKey.generate()
            lg.add_issuer(recorder.address, kind="community", scope="", metadata={"name": "Bench Community"})
            lg.use_key(recorder)
            authors = AuthorMap({f"github:dev{i:03d}": "0x" + os.urandom(32).hex() for i in range(PEOPLE)})
            export = root / "pulls.json"
            write_export(export, size)
            rules = load_rules()
            os.sync()
            timings: dict[str, float] = {}
            cpu = time.process_time()
            started = time.perf_counter()
            result = import_github([export], rules)
            timings["read"] = time.perf_counter() - started
            plan, stages = _plan(lg, result, rules, authors)
            timings.update(stages)
            mark = time.perf_counter()
            profiler = cProfile.Profile() if profile else None
            if profiler:
                profiler.enable()
            done = lg.apply_import(plan)
            if profiler:
                profiler.disable()
                profiler.dump_stats(str(profile))
            timings["record"] = time.perf_counter() - mark
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu
            assert done["recorded"] == size, done
            again, _ = _plan(lg, import_github([export], rules), rules, authors)
            assert not again.new and len(again.on_chain) == size  # re-import: nothing new
        return {"seconds": seconds, "per_second": size / seconds, "per_cpu_second": size / cpu, "timings": timings,
                "transactions": done["transactions"], "blocks": done["blocks"]}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _plan(lg: Ledger, result: Any, rules: Any, authors: AuthorMap) -> tuple[Any, dict[str, float]]:
    """``plan_import`` with its two halves timed apart (build and check, then the chain lookup)."""
    original = lg._recorded_subjects
    spent = {"dedupe": 0.0}

    def timed(keys: Any) -> Any:
        mark = time.perf_counter()
        try:
            return original(keys)
        finally:
            spent["dedupe"] += time.perf_counter() - mark

    lg._recorded_subjects = timed  # type: ignore[method-assign]
    mark = time.perf_counter()
    try:
        plan = lg.plan_import(result, rules, authors=authors)
    finally:
        del lg._recorded_subjects
    total = time.perf_counter() - mark
    return plan, {"build": total - spent["dedupe"], "dedupe": spent["dedupe"]}


def measure(size: int, runs: int) -> dict[str, Any]:
    samples = [run_once(size) for _ in range(runs)]
    rate = statistics.median(s["per_second"] for s in samples)
    best = min(samples, key=lambda s: abs(s["per_second"] - rate))
    return {"size": size, "per_second": round(rate), "goal": TARGET, "met": rate >= TARGET,
            "per_cpu_second": round(statistics.median(s["per_cpu_second"] for s in samples)),
            "stages": {k: round(v, 3) for k, v in best["timings"].items()}, "transactions": best["transactions"],
            "samples": [round(s["per_second"], 1) for s in samples],
            "runs": runs, "load_average": round(os.getloadavg()[0], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", type=Path, default=None, help="cProfile one run's record stage to FILE")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.profile:
        out = run_once(args.size, profile=args.profile)
        print(json.dumps(out, indent=2, default=str))
        return
    row = measure(args.size, args.runs)
    if args.json:
        print(json.dumps(row, indent=2))
        return
    stages = ", ".join(f"{k} {v} s" for k, v in row["stages"].items())
    verdict = "met" if row["met"] else f"missed ({100 - 100 * row['per_second'] // TARGET}% under)"
    print(f"import {row['size']:,} merged pull requests (GitHub export) and record them, embedded chain: "
          f"{row['per_second']:,}/s ({row['per_cpu_second']:,} per CPU-second), goal >= {TARGET:,}/s: {verdict}; "
          f"{stages}; median of {row['runs']}; load average {row['load_average']}")


if __name__ == "__main__":
    main()
