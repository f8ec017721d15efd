"""Run the peers' node scripts and read their JSON output."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from .. import REPO_ROOT, BenchmarkError

#: Directory holding this package's node scripts.
SCRIPTS = Path(__file__).resolve().parent


def node_binary() -> str:
    """Path of the ``node`` executable.

    Raises:
        BenchmarkError: node is not on PATH or the peers' npm packages are not installed.
    """
    node = shutil.which("node")
    if node is None:
        raise BenchmarkError("node is not on PATH", hint="install Node.js 18+ and run `npm ci` in the repo")
    if not (REPO_ROOT / "node_modules").is_dir():
        raise BenchmarkError(f"{REPO_ROOT / 'node_modules'} is missing", hint="run `npm ci` in the repo")
    return node


def run_script(script: str, *args: str, timeout: float = 900.0) -> Any:
    """Run ``benchmarks/peers/<script>`` with node and return its stdout parsed as JSON.

    Raises:
        BenchmarkError: the script failed, timed out or printed something other than JSON.
    """
    command = [node_binary(), str(SCRIPTS / script), *args]
    try:
        done = subprocess.run(
            command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchmarkError(f"node {script} did not finish within {timeout:g} s") from exc
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-5:]
        raise BenchmarkError(f"node {script} failed (exit {done.returncode}): " + " | ".join(tail))
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError as exc:
        raise BenchmarkError(f"node {script} printed no JSON: {done.stdout[:200]!r}") from exc
