"""Power cuts, simulated: record every change a workload makes to a workspace, then rebuild what a disk
could hold after the power failed at any point, and check the workspace there.

How (issue 18, item 12):

* ``powercut.so`` (``powercut.c``, built here with the system's C compiler) is preloaded into the
  workload's processes (``LD_PRELOAD``): it appends every call that changes a file under the
  workspace (create, write with its bytes, truncate, fsync, fdatasync, syncfs, rename, link, unlink,
  mkdir, rmdir) to a log, in the order the calls returned, across threads and processes. It sees the
  Python code's writes and SQLite's alike (the chain store, the index, the vault are SQLite files).
* :class:`Replay` rebuilds, from a copy of the workspace taken before the workload and the log up to
  a cut, a state a disk could be in after a power failure at that cut, under the model of a journaling
  file system (ext4, xfs): metadata changes (create, rename, unlink, truncate, mkdir) reach the disk
  in the order they were made, every one of them before a sync of anything (an fsync commits the
  journal) and a random prefix of those after it; a file's data written before an fsync of that file
  (or a syncfs) is on disk, and each write after its last sync is there or not, at random (the page
  cache writes back in any order). SQLite's ``-shm`` files are dropped (shared memory is rebuilt).
* The workload writes an acknowledgement to ``.acks`` in the recorded directory after each step that
  told the user it was done; a step acknowledged before the cut must have survived it.

``python -m tests.faults.powercut --trials 200`` runs the whole thing and prints the outcomes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SOURCE = Path(__file__).with_name("powercut.c")
PASSWORD = "power-cut-password"


def build_shim(directory: Path) -> Path:
    """``powercut.so`` compiled into ``directory`` (reused while the source is unchanged).

    Raises:
        RuntimeError: no C compiler (``gcc``, in the Makefile's SYSTEM_PACKAGES) or a build error.
    """
    digest = hashlib.sha256(SOURCE.read_bytes()).hexdigest()[:16]
    target = directory / f"powercut-{digest}.so"
    if target.exists():
        return target
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        raise RuntimeError("no C compiler to build the power-cut shim: install gcc (make setup-test does)")
    directory.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    built = subprocess.run([compiler, "-shared", "-fPIC", "-O2", "-o", str(tmp), str(SOURCE), "-ldl", "-lpthread"],
                           capture_output=True, text=True, check=False)
    if built.returncode != 0:
        raise RuntimeError(f"building the power-cut shim failed:\n{built.stderr}")
    os.replace(tmp, target)
    return target


@dataclass(frozen=True)
class Op:
    """One recorded call (see ``powercut.c``)."""

    kind: str
    pid: int
    path: str
    path2: str
    offset: int
    data: bytes


def read_log(path: Path) -> list[Op]:
    raw = path.read_bytes() if path.exists() else b""
    ops, at = [], 0
    while at < len(raw):
        kind = chr(raw[at])
        pid, l1 = struct.unpack_from("<iI", raw, at + 1)
        at += 9
        p1 = raw[at : at + l1].decode()
        at += l1
        (l2,) = struct.unpack_from("<I", raw, at)
        at += 4
        p2 = raw[at : at + l2].decode()
        at += l2
        offset, size = struct.unpack_from("<qQ", raw, at)
        at += 16
        ops.append(Op(kind, pid, p1, p2, offset, raw[at : at + size]))
        at += size
    return ops


class Replay:
    """What a disk may hold after a power cut at any point of a recorded run (see the module's notes).

    Args:
        snapshot: a copy of the recorded directory taken before the run.
        root: the recorded directory's path as the log names it.
        ops: the log.
    """

    META = frozenset("CTRLUMK")

    def __init__(self, snapshot: Path, root: Path, ops: list[Op]) -> None:
        self.snapshot, self.root, self.ops = snapshot, str(root), ops

    def acks(self, cut: int) -> list[dict[str, Any]]:
        """What the workload told the user it had done before the cut."""
        text = b"".join(op.data for op in self.ops[:cut] if op.kind == "W" and op.path == self.root + "/.acks")
        return [json.loads(line) for line in text.decode().splitlines() if line.strip()]

    def ack_points(self) -> list[int]:
        """The cut right after each acknowledgement was written (the hardest cuts: all of it must be there)."""
        return [i + 1 for i, op in enumerate(self.ops) if op.kind == "W" and op.path == self.root + "/.acks"]

    def sync_points(self) -> list[int]:
        """The cut right after each sync of a file, a directory or a file system."""
        return [i + 1 for i, op in enumerate(self.ops) if op.kind in ("S", "D", "Y")]

    def materialize(self, cut: int, rng: random.Random, dest: Path, keep_unsynced: float = 0.5) -> dict[str, int]:
        """Write to ``dest`` a state the disk may be in after a power cut before op ``cut``; the counts
        of what was kept and dropped."""
        ops = self.ops[:cut]
        files: dict[str, int] = {}  # path -> inode, as the processes saw it
        dirs: set[str] = set()
        content: dict[int, bytes] = {}
        for path in sorted(self.snapshot.rglob("*")):
            name = self.root + "/" + str(path.relative_to(self.snapshot))
            if path.is_dir():
                dirs.add(name)
            else:
                inode = len(content)
                files[name], content[inode] = inode, path.read_bytes()
        initial = (dict(files), set(dirs))
        # Pass 1: which inode each op touches, and where the syncs are.
        touched: list[int | None] = []
        last_meta_sync = -1
        data_synced_until: dict[int, int] = {}  # inode -> index of its last sync before the cut
        next_inode = len(content)
        for i, op in enumerate(ops):
            inode = files.get(op.path)
            if op.kind == "C":
                inode = files[op.path] = next_inode
                content[inode] = b""
                next_inode += 1
            elif op.kind == "R":
                _move(files, dirs, op.path, op.path2)
            elif op.kind == "L":
                if op.path in files:
                    files[op.path2] = files[op.path]
            elif op.kind == "U":
                files.pop(op.path, None)
            elif op.kind == "M":
                dirs.add(op.path)
            elif op.kind == "K":
                dirs.discard(op.path)
            elif op.kind in ("S", "D", "Y"):
                last_meta_sync = i  # an fsync of anything commits the journal: all metadata before it
                if op.kind == "S" and inode is not None:
                    data_synced_until[inode] = i
                if op.kind == "Y":
                    for n in range(next_inode):
                        data_synced_until[n] = i
            touched.append(inode)
        meta_cut = rng.randint(last_meta_sync + 1, len(ops)) if ops else 0
        # Pass 2: the namespace the disk holds (metadata before meta_cut), and each inode's data.
        files, dirs = dict(initial[0]), set(initial[1])
        events: dict[int, list[tuple[str, int, bytes]]] = {}
        kept = dropped = 0
        for i, op in enumerate(ops):
            inode = touched[i]
            if op.kind in self.META and i >= meta_cut:
                continue
            if op.kind == "C":
                files[op.path] = touched[i]  # type: ignore[assignment]
            elif op.kind == "R":
                _move(files, dirs, op.path, op.path2)
            elif op.kind == "L":
                if op.path in files:
                    files[op.path2] = files[op.path]
            elif op.kind == "U":
                files.pop(op.path, None)
            elif op.kind == "M":
                dirs.add(op.path)
            elif op.kind == "K":
                dirs.discard(op.path)
            elif op.kind == "T" and inode is not None:
                events.setdefault(inode, []).append(("T", op.offset, b""))
            elif op.kind == "W" and inode is not None:
                durable = data_synced_until.get(inode, -1) > i
                if durable or rng.random() < keep_unsynced:
                    events.setdefault(inode, []).append(("W", op.offset, op.data))
                    kept += 0 if durable else 1
                else:
                    dropped += 1
        dest.mkdir(parents=True, exist_ok=True)
        prefix = self.root
        for d in sorted(dirs):
            if d != prefix and d.startswith(prefix + "/"):
                (dest / d[len(prefix) + 1 :]).mkdir(parents=True, exist_ok=True)
        for path, inode in files.items():
            if not path.startswith(prefix + "/") or path.endswith("-shm"):
                continue
            data = bytearray(content[inode])
            for kind, offset, chunk in events.get(inode, []):
                if kind == "T":
                    del data[offset:]
                else:
                    if len(data) < offset:
                        data.extend(b"\0" * (offset - len(data)))
                    data[offset : offset + len(chunk)] = chunk
            target = dest / path[len(prefix) + 1 :]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(bytes(data))
            os.chmod(target, 0o600)
        return {"ops": len(ops), "metadata_cut": meta_cut, "unsynced_writes_kept": kept, "unsynced_writes_dropped": dropped}


def _move(files: dict[str, int], dirs: set[str], old: str, new: str) -> None:
    if old in files:
        files[new] = files.pop(old)
        return
    if old in dirs:
        for path in [p for p in files if p.startswith(old + "/")]:
            files[new + path[len(old) :]] = files.pop(path)
        for d in [d for d in dirs if d == old or d.startswith(old + "/")]:
            dirs.discard(d)
            dirs.add(new + d[len(old) :])


# -- the workload --------------------------------------------------------------------------------------


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], env=env, capture_output=True, text=True,
                          check=False, timeout=600)


def prepare(base: Path) -> tuple[Path, dict[str, str]]:
    """A workspace with a university and a community issuer, types 101 and 201, keys with cheap scrypt
    (made before the recording starts); returns its directory and the environment for the CLI."""
    from click.testing import CliRunner

    from ledger.cli import main
    from ledger.config import Settings
    from ledger.crypto.keys import PrivateKey
    from ledger.identity.keyring import Keyring
    from ledger.ledger import Ledger

    recorded = base / "recorded"
    ws = recorded / "ws"
    Ledger.init(Settings(workspace=ws), password=PASSWORD, light_kdf=True)
    keys = {name: PrivateKey.generate() for name in ("uni", "community")}
    ring = Keyring(ws / "keys", light_kdf=True)
    for name, key in keys.items():
        ring.add(name, key, PASSWORD)
    env = {"LEDGER_WORKSPACE": str(ws), "LEDGER_PASSWORD": PASSWORD, "COLUMNS": "200"}
    for args in (  # types first: scope is granted against a type's allowed issuer kinds
        ("type", "define", "--id", "101", "--name", "Blockchain Dev L1", "--field", "blockchain"),
        ("type", "define", "--id", "201", "--name", "OSS course", "--allowed-issuers", "university"),
        ("issuer", "add", keys["uni"].address, "--kind", "university", "--scope", "101,201", "--name", "Uni"),
        ("issuer", "add", keys["community"].address, "--kind", "community", "--scope", "101", "--name", "Comm"),
    ):
        result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    return recorded, env


def record_workload(base: Path, shim: Path) -> tuple[Replay, dict[str, Any]]:
    """Prepare a workspace, copy it, then run the workload's steps (each a CLI process of its own, under
    the shim) and acknowledge each one done. Returns the replay and what the run took."""
    recorded, env = prepare(base)
    snapshot = base / "snapshot"
    shutil.copytree(recorded, snapshot)
    inputs = base / "inputs"
    inputs.mkdir()
    (inputs / "a.csv").write_text("student_number,name\n" + "".join(f"PA{i:04d},Grad A{i}\n" for i in range(6)))
    (inputs / "b.csv").write_text("student_number,name\n" + "".join(f"PB{i:04d},Grad B{i}\n" for i in range(5)))
    log = base / "powercut.log"
    run_env = dict(os.environ, **env, POWERCUT_ROOT=str(recorded), POWERCUT_LOG=str(log), LD_PRELOAD=str(shim))
    started = time.perf_counter()

    def step(*args: str, ack: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run a CLI step; acknowledge it as soon as it has printed its answer (what a user sees), while
        the process may still be closing its files, not only after it exited."""
        proc = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), *args, "--json"], env=run_env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        text = ""
        answer: dict[str, Any] | None = None
        for line in proc.stdout:
            text += line
            try:
                answer = json.loads(text)
            except ValueError:
                continue
            if "error" not in answer:
                _acked(run_env, {**(ack or {}), **_ack_fields(args, answer)})
            break
        rest, errors = proc.communicate(timeout=600)
        if proc.returncode != 0 or answer is None:
            raise AssertionError(f"workload step {args} failed: {text}{rest}{errors}")
        return answer

    # Each acknowledgement is written by a process under the shim, after its step returned: it is in the
    # log, in order, and a cut after it means the step was reported done.
    subject = step("subject", "new", "--name", "Zhao Lei", "--student-number", "PC1001", ack={"name": "Zhao Lei"})
    step("cred", "issue", "--type", "201", "--csv", str(inputs / "a.csv"), "--new-subjects", "--layout", "jsonl",
         "--key", "uni")
    files = step("cred", "issue", "--type", "201", "--csv", str(inputs / "b.csv"), "--new-subjects", "--key", "uni")
    first = min(Path(files["output"]).glob("*.json"))
    step("cred", "revoke", str(first), "--reason", "misconduct", "--key", "uni", ack={"file": str(first)})
    step("contrib", "add", "--source", "github.com/FISCO-BCOS/console/pull/4242", "--subject", subject["id"],
         "--kind", "code", "--key", "community")
    step("index", "sync")
    ops = read_log(log)
    return Replay(snapshot, recorded, ops), {"ops": len(ops), "seconds": round(time.perf_counter() - started, 1),
                                             "log_bytes": log.stat().st_size}


def _ack_fields(args: tuple[str, ...], answer: dict[str, Any]) -> dict[str, Any]:
    """What a step's answer acknowledges, to be checked after a cut."""
    if args[:2] == ("subject", "new"):
        return {"kind": "subject", "id": answer["id"]}
    if args[:2] == ("cred", "issue"):
        return {"kind": "batch", "id": answer["batch_id"], "output": answer["output"], "count": answer["count"]}
    if args[:2] == ("cred", "revoke"):
        return {"kind": "revoked", "tx": answer["changed"][0]["tx_hash"]}
    if args[:2] == ("contrib", "add"):
        return {"kind": "contribution", "key": answer["keys"][0]}
    return {"kind": args[0]}


def _acked(env: dict[str, str], entry: dict[str, Any]) -> None:
    """Write the acknowledgement from a process under the shim, so that it is in the log, in order."""
    code = ("import json, os, sys; fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600); "
            "os.write(fd, (sys.argv[2] + '\\n').encode()); os.close(fd)")
    done = subprocess.run([sys.executable, "-c", code, env["POWERCUT_ROOT"] + "/.acks", json.dumps(entry)], env=env,
                          check=False, timeout=60)
    assert done.returncode == 0


# -- a trial: cut, rebuild, open, resume, verify ------------------------------------------------------


@dataclass
class Trial:
    cut: int
    seed: int
    acked: int
    outcome: str = "ok"
    detail: str = ""
    model: dict[str, int] = field(default_factory=dict)


def check(workspace: Path, acks: list[dict[str, Any]], recorded_root: Path) -> tuple[str, str]:
    """Open the workspace as it was found after the cut, resume, verify: ("ok", "") or what was lost."""
    from ledger.config import load_settings
    from ledger.index import Index
    from ledger.ledger import Ledger

    def here(path: str) -> Path:
        return workspace / Path(path).relative_to(recorded_root / "ws")

    settings = load_settings(workspace, env={})
    try:
        with Ledger.open(settings, key_name="uni", password=PASSWORD, light_kdf=True) as lg:
            outcome = lg.resume_batches()
            if outcome.failed:
                return "lost", f"resume failed: {[f.to_dict() for f in outcome.failed]}"
            for a in acks:
                if a["kind"] == "subject":
                    person = lg.vault.get(a["id"])
                    if person is None or person.person.get("name") != a["name"]:
                        return "lost", f"subject {a['id']} is not in the vault"
                elif a["kind"] == "batch":
                    output = here(a["output"])
                    paths = [output] if output.suffix == ".jsonl" else sorted(output.glob("*.json"))
                    reports = lg.verify(paths) if paths and output.exists() else []
                    valid = sum(1 for r in reports if r["valid"] or _only_revoked(r))
                    if len(reports) != a["count"] or valid != a["count"]:
                        return "lost", f"batch {a['id']}: {valid} of {a['count']} credentials verify"
                elif a["kind"] == "revoked":
                    (report,) = lg.verify([here(a["file"])])
                    if not _only_revoked(report):
                        return "lost", f"the revocation of {a['file']} is gone"
                elif (a["kind"] == "contribution"
                      and not lg.contracts.contributions.contribution(bytes.fromhex(a["key"][2:])).exists):
                    return "lost", f"contribution {a['key']} is gone"
            with Index.open(settings.index_path) as index:
                lg.sync_index(index)
            # Every credential file on disk, acknowledged or not, may have been handed out already: each
            # must verify (or say it was revoked), whatever the chain kept.
            found = sorted(p for p in (workspace / "credentials").rglob("*") if p.suffix in (".json", ".jsonl")
                           and not p.name.startswith("."))
            for report in lg.verify(found) if found else []:
                if not (report["valid"] or _only_revoked(report)):
                    return "lost", f"{report['file']} is on disk but does not verify: {report['reason']}"
    except Exception as exc:  # noqa: BLE001  (every failure to open, resume or verify is an outcome)
        return "error", f"{type(exc).__name__}: {exc}"
    return "ok", ""


def _only_revoked(report: dict[str, Any]) -> bool:
    failed = [s for s in report["steps"] if s["outcome"] == "fail"]
    return bool(failed) and all(s["code"] == "REVOKED" for s in failed)


def trials(replay: Replay, base: Path, count: int, seed: int = 18) -> Iterator[Trial]:
    """``count`` power cuts: right after each acknowledgement first; then, half of the rest, right after
    a sync (the moments something has just become durable while what depends on it may not have); the
    other half at random points."""
    rng = random.Random(seed)
    points = replay.ack_points()
    syncs = replay.sync_points()
    rng.shuffle(syncs)
    rest = max(0, count - len(points))
    cuts = (points + syncs[: rest // 2] + [rng.randint(0, len(replay.ops)) for _ in range(rest)])[:count]
    recorded_root = Path(replay.root)
    for n, cut in enumerate(cuts):
        trial_seed = rng.randrange(1 << 30)
        dest = base / f"trial-{n}"
        model = replay.materialize(cut, random.Random(trial_seed), dest)
        acks = replay.acks(cut)
        outcome, detail = check(dest / "ws", acks, recorded_root)
        yield Trial(cut, trial_seed, len(acks), outcome, detail, model)
        shutil.rmtree(dest, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--keep", type=Path, default=None, help="work here and keep it (default: a temp dir)")
    args = parser.parse_args(argv)
    import tempfile

    base = args.keep or Path(tempfile.mkdtemp(prefix="powercut-"))
    shim = build_shim(base / "shim")
    replay, run = record_workload(base / "run", shim)
    print(json.dumps({"recorded": run}))
    results: dict[str, int] = {}
    for t in trials(replay, base / "trials", args.trials, args.seed):
        results[t.outcome] = results.get(t.outcome, 0) + 1
        if t.outcome != "ok":
            print(json.dumps(t.__dict__))
    print(json.dumps({"trials": args.trials, "outcomes": results}))
    if args.keep is None:
        shutil.rmtree(base, ignore_errors=True)
    return 0 if set(results) == {"ok"} else 1


if __name__ == "__main__":
    raise SystemExit(main())
