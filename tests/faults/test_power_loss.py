"""Issue 18, item 12: power cuts at any point of a real workload lose nothing (a bounded run).

The workload (``powercut.record_workload``: a subject, a batch as a bundle, a batch as files, a
revocation, a contribution, an index sync, each a CLI process of its own) is recorded once under the
LD_PRELOAD shim; each trial rebuilds what a disk could hold after the power failed at some point and
opens the workspace there, resumes and verifies. ``python -m tests.faults.powercut --trials N`` runs
more of them.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from tests.faults.powercut import Replay, build_shim, read_log, record_workload, trials

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def shim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_shim(tmp_path_factory.mktemp("shim"))


@pytest.fixture(scope="module")
def recorded(shim: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Replay, Path]:
    base = tmp_path_factory.mktemp("powercut")
    replay, _ = record_workload(base / "run", shim)
    return replay, base


def _run_under_shim(shim: Path, root: Path, log: Path, code: str) -> None:
    env = dict(os.environ, POWERCUT_ROOT=str(root), POWERCUT_LOG=str(log), LD_PRELOAD=str(shim))
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)


def test_the_replay_keeps_what_was_synced_and_may_drop_what_was_not(shim: Path, tmp_path: Path) -> None:
    """The model itself, on a program whose outcome is known: a file written and synced (with its
    directory) is there after any cut past its sync; one written without a sync is there at some cuts
    and lost at others; nothing outside the recorded directory is recorded."""
    root, snapshot, log = tmp_path / "root", tmp_path / "snapshot", tmp_path / "log"
    root.mkdir()
    snapshot.mkdir()
    _run_under_shim(shim, root, log, f"""
import os
def write(name, data, sync):
    fd = os.open({str(root)!r} + "/" + name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, data)
    if sync:
        os.fsync(fd)
    os.close(fd)
write("kept", b"durable", True)
d = os.open({str(root)!r}, os.O_RDONLY); os.fsync(d); os.close(d)
write("maybe", b"volatile", False)
open({str(tmp_path)!r} + "/outside", "w").write("not recorded")
""")
    ops = read_log(log)
    assert [op.kind for op in ops] == ["C", "W", "S", "D", "C", "W"]
    replay = Replay(snapshot, root, ops)
    seen = set()
    for seed in range(40):
        dest = tmp_path / f"cut-{seed}"
        replay.materialize(len(ops), random.Random(seed), dest)
        assert (dest / "kept").read_bytes() == b"durable"
        maybe = dest / "maybe"
        seen.add(maybe.read_bytes() if maybe.exists() else None)
    assert seen == {None, b"", b"volatile"}  # gone, there empty (name without data), or whole
    before_sync = tmp_path / "before-sync"
    replay.materialize(2, random.Random(0), before_sync)  # cut before the fsync: the data may be missing
    assert not (before_sync / "kept").exists() or (before_sync / "kept").read_bytes() in (b"", b"durable")


def test_power_cuts_during_issuance_revocation_and_sync_lose_nothing(recorded: tuple[Replay, Path]) -> None:
    replay, base = recorded
    outcomes = list(trials(replay, base / "trials", count=16, seed=18))
    assert len(outcomes) == 16
    assert [t for t in outcomes if t.outcome != "ok"] == []
    assert max(t.acked for t in outcomes) == 6  # a cut after the last step: all six steps acknowledged
