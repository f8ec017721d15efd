"""The subject vault at scale: SQLite, encrypted per person (issue 18), beside the plain vault.json it
replaced, at the same number of subjects.

    python -m benchmarks.vault [--subjects 200000] [--runs 5] [--json]

Timed, each a median over ``--runs`` (the vault is filled once, not timed):

* **open**: a new ``Vault`` object on the files and its first question (how many subjects);
* **unlock**: the vault key decrypted from its keystore (scrypt at the keystore's default cost, the
  same as a signing key's), paid once per command that reads or writes people;
* **subject new**: one person added (their key sealed, their fields sealed, lookup and guard tags);
* **find by student number**: a number looked up by its tag and the person decrypted;
* **guard check**: the privacy guard asked whether a contribution's fields (source, project, evidence
  note) name anyone in the vault, by the tags of the text's token sequences;
* **migration**: a vault.json of that size moved in, every subject read back and compared (one run).

The "before" figures are the vault.json of earlier versions doing the same (load the whole file; add
and save it whole; scan it; build the guard's index of every value), on the same people.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

PASSWORD = "bench-vault-password"
CONTRIBUTION = {"source": "github.com/FISCO-BCOS/console/pull/812", "project": "github.com/FISCO-BCOS/console",
                "evidence": {"url": "https://github.com/FISCO-BCOS/console/pull/812",
                             "note": "fixed the receipt decoder for SM chains, reviewed by the maintainers"}}


@dataclass(frozen=True)
class Figure:
    """One measured job: ours (the SQLite vault) and before (vault.json), medians and samples, seconds."""

    job: str
    median: float
    samples: tuple[float, ...]
    before: float | None = None
    detail: str = ""


def _median(fn: Callable[[int], object], runs: int) -> tuple[float, tuple[float, ...]]:
    samples = []
    for i in range(runs):
        start = time.perf_counter()
        fn(i)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), tuple(samples)


def _people(count: int, offset: int = 0) -> list[dict[str, str]]:
    return [{"name": f"Student {n:07d} Example", "email": f"student{n:07d}@example.edu",
             "student_number": f"S{n:09d}"} for n in range(offset, offset + count)]


def fill(path: Path, subjects: int, chunk: int = 20_000) -> None:
    """A vault at ``path`` with ``subjects`` people (its key with cheap scrypt: unlocking is timed apart)."""
    from ledger.identity.vault import Vault

    vault = Vault(path, password=PASSWORD, light_kdf=True)
    for start in range(0, subjects, chunk):
        vault.new_subjects(_people(min(chunk, subjects - start), start))
    vault.close()


def run(subjects: int, runs: int, *, migrate: bool = True) -> list[Figure]:
    """Every figure of the module's docstring, at ``subjects`` subjects."""
    from ledger.crypto.keys import PrivateKey
    from ledger.crypto.keystore import save_keystore
    from ledger.identity.privacy import check_fields
    from ledger.identity.sealing import load_vault_key
    from ledger.identity.vault import Vault

    figures = []
    with tempfile.TemporaryDirectory(prefix="bench-vault-") as tmp:
        base = Path(tmp)
        path = base / "vault.sqlite"
        started = time.perf_counter()
        fill(path, subjects)
        filled = time.perf_counter() - started
        size = sum(p.stat().st_size for p in base.glob("vault*"))
        legacy = _legacy_json(base / "legacy" / "vault.json", subjects)

        def open_vault(_: int) -> None:
            v = Vault(path, password=PASSWORD)
            len(v)
            v.close()

        ours, samples = _median(open_vault, runs)
        before, _ = _median(lambda _: json.loads(legacy.read_bytes()), max(1, runs // 2))
        figures.append(Figure("open", ours, samples, before, f"{subjects:,} subjects, {size / 1e6:.0f} MB on disk "
                              f"(filled in {filled:.0f} s); before: load vault.json ({legacy.stat().st_size / 1e6:.0f} MB)"))

        keystore = base / "default-cost.key"
        save_keystore(keystore, PrivateKey.generate(), PASSWORD)  # scrypt at its default cost, as ledger init makes
        ours, samples = _median(lambda _: load_vault_key(keystore, PASSWORD), max(1, min(runs, 3)))
        figures.append(Figure("unlock the vault key", ours, samples, None,
                              "scrypt at the keystore default (n=2^18): once per command that reads or writes people"))

        vault = Vault(path, password=PASSWORD)
        vault.unlock()
        ours, samples = _median(lambda i: vault.new_subject(_people(1, subjects + i)[0]), runs)
        before, _ = _median(lambda i: _legacy_add(legacy, _people(1, 10 * subjects + i)[0]), max(1, runs // 2))
        figures.append(Figure("subject new", ours, samples, before, "key unlocked; before: load, add, save vault.json"))

        numbers = [f"S{n:09d}" for n in range(0, subjects, max(1, subjects // runs))][:runs]
        ours, samples = _median(lambda i: vault.find(numbers[i]), runs)
        before, _ = _median(lambda i: _legacy_find(legacy, numbers[i]), max(1, runs // 2))
        figures.append(Figure("find by student number", ours, samples, before,
                              "by its tag, the person decrypted; before: load and scan vault.json"))

        guard = vault.known_names()
        ours, samples = _median(lambda _: check_fields(CONTRIBUTION, guard), runs)
        before, _ = _median(lambda _: _legacy_guard(legacy), max(1, runs // 2))
        figures.append(Figure("privacy guard check", ours, samples, before,
                              "a contribution's fields against every name and number, by tags, nobody decrypted; "
                              "before: load vault.json and index every value"))
        vault.close()

        if migrate:
            moved = base / "migrate"
            moved.mkdir()
            (moved / "vault.json").write_bytes(legacy.read_bytes())
            target = Vault(moved / "vault.sqlite", password=PASSWORD, light_kdf=True)
            start = time.perf_counter()
            count = len(target)  # the first use migrates
            took = time.perf_counter() - start
            target.close()
            figures.append(Figure("migrate vault.json", took, (took,), None,
                                  f"{count:,} subjects moved in, each read back and compared, then vault.json removed"))
    return figures


def _legacy_json(path: Path, subjects: int) -> Path:
    import secrets

    path.parent.mkdir(parents=True)
    doc = {"about": "pseudonymous subject ids and the people behind them; never share, never on chain",
           "subjects": {"0x" + secrets.token_hex(32): {"person": p, "created": 1_800_000_000}
                        for p in _people(subjects)}}
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False))
    return path


def _legacy_add(path: Path, person: dict[str, str]) -> None:
    """What ``subject new`` did before: load the whole file, check the number, add, save it whole."""
    import secrets

    from ledger.files import write_private_file

    doc = json.loads(path.read_text())
    taken = {e["person"].get("student_number") for e in doc["subjects"].values()}
    assert person["student_number"] not in taken
    doc["subjects"]["0x" + secrets.token_hex(32)] = {"person": person, "created": int(time.time())}
    write_private_file(path, json.dumps(doc, indent=1, ensure_ascii=False).encode())


def _legacy_find(path: Path, number: str) -> list[str]:
    doc = json.loads(path.read_text())
    return [sid for sid, e in doc["subjects"].items() if any(number in v for v in e["person"].values())]


def _legacy_guard(path: Path) -> None:
    from ledger.identity.privacy import VaultNames, check_fields

    doc = json.loads(path.read_text())
    names = VaultNames(v for e in doc["subjects"].values() for v in e["person"].values() if len(v) >= 2)
    check_fields(CONTRIBUTION, names)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subjects", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-migrate", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    figures = run(args.subjects, args.runs, migrate=not args.no_migrate)
    if args.json:
        print(json.dumps([asdict(f) for f in figures], indent=1))
    else:
        for f in figures:
            before = f" (vault.json: {f.before:.4g} s, {f.before / f.median:.0f}x)" if f.before else ""
            print(f"{f.job:<24} {f.median:.4g} s{before}  [{f.detail}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
