"""The example files the README points to stay valid."""

from __future__ import annotations

from pathlib import Path

from ledger import contributions
from ledger.credentials.standards import load_type_file

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_type_file_parses() -> None:
    t = load_type_file(EXAMPLES / "blockchain-dev-1.toml")
    assert t.type_id == 101 and t.criteria.min_per_kind[0] == 2 and t.criteria.window_from > 0


def test_contributions_file_parses() -> None:
    items = contributions.read_file(EXAMPLES / "contributions.csv")
    assert [i.project_name for i in items] == ["github.com/fisco-bcos/console", "github.com/fisco-bcos/java-sdk"]


def test_the_readme_tour_runs_end_to_end(tmp_path: Path) -> None:
    """examples/tour.sh is the README's tour as a script; every step must work as written."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "LEDGER_WORKSPACE": str(tmp_path / ".ledger"),
        "LEDGER_PASSWORD": "tour-test-password",
    }
    env.pop("LEDGER_KEY", None)
    done = subprocess.run(["bash", str(EXAMPLES / "tour.sh")], env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "tour finished" in done.stdout
    files = list((tmp_path / ".ledger" / "credentials").rglob("*.json"))
    assert len(files) == 4  # the checked certificate and the batch of three
