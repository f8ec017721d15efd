"""The worked talent standards of examples/standards/ define through the CLI, as the README says."""

from __future__ import annotations

import json
from pathlib import Path

from cliws import Workspace

STANDARDS = Path(__file__).resolve().parents[2] / "examples" / "standards"
#: Defined in this order: the courses before the micro-major that needs them.
ORDER = sorted(STANDARDS.glob("*.toml"), key=lambda p: (p.name.startswith("micro-major"), p.name))


def test_every_standard_defines_and_shows_again(workspace: Workspace) -> None:
    for path in ORDER:
        result = workspace.run("type", "define", "--file", str(path))
        assert result.exit_code == 0, (path.name, result.output)
    shown = json.loads(workspace.run("type", "show", "320", "--json").output)
    assert shown["prerequisites"] == [311, 312] and shown["achievement_type"] == "MicroCredential"
    ai = json.loads(workspace.run("type", "show", "301", "--json").output)
    assert ai["field"] == "ai" and "machine learning" in ai["tags"]
    shown_ii = json.loads(workspace.run("type", "show", "302", "--json").output)
    assert shown_ii["field"] == "industrial-internet"
    # What `type show --json` prints defines the same type again (a new version, same metadata).
    again = workspace.path.parent / "again.json"
    again.write_text(json.dumps(ai))
    result = workspace.run("type", "define", "--file", str(again), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(workspace.run("type", "show", "301", "--json").output)["meta_hash"] == ai["meta_hash"]
