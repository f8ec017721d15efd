"""Compile the Solidity contracts into the committed artifacts (the build command).

``python -m ledger.contracts.compiler`` compiles ``contracts/*.sol`` with the pinned solc-js 0.8.26 from npm
(through its node API: the machine cannot download a native solc), optimizer on (IR pipeline),
``evmVersion`` istanbul, and writes ``ledger/artifacts/<Contract>.json`` (abi, bytecode,
deployedBytecode, the hash of the sources) plus ``ledger/contracts/errors.py`` (one exception class per Solidity custom
error). Output is deterministic: the same sources give byte-identical files, which is what the
staleness test (``--check``) relies on.

Nothing at run time imports this module; installed copies use the committed artifacts.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.crypto.hashing import keccak256
from ledger.errors import LedgerError

SOLC_VERSION = "0.8.26"
EVM_VERSION = "istanbul"
OPTIMIZER_RUNS = 200
#: The IR pipeline: about 1,400 gas less per anchor and 1,400 less per recorded item than legacy.
VIA_IR = True
#: Contracts that are deployed; interfaces and Common.sol only contribute to their ABIs.
DEPLOYABLE = ("Committee", "IssuerRegistry", "ContributionLedger", "CredentialRegistry")

PACKAGE_DIR = Path(__file__).resolve().parents[1]
PROJECT_DIR = PACKAGE_DIR.parent
CONTRACTS_DIR = PROJECT_DIR / "contracts"
ARTIFACTS_DIR = PACKAGE_DIR / "artifacts"
ERRORS_MODULE = PACKAGE_DIR / "contracts" / "errors.py"

# Runs solc-js's standard-JSON API; stdin carries the input, stdout the output.
_NODE_SHIM = """
const path = require('path');
const solc = require(path.join(process.argv[1], 'node_modules', 'solc'));
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (c) => { input += c; });
process.stdin.on('end', () => {
  process.stdout.write(JSON.stringify({version: solc.version(), output: JSON.parse(solc.compile(input))}));
});
"""


class CompilerError(LedgerError):
    """The contracts could not be compiled (node or solc-js missing, or Solidity errors)."""


@dataclass(frozen=True)
class BuildResult:
    """What a build produced: file name -> exact file content."""

    files: dict[str, str]


def read_sources(contracts_dir: Path = CONTRACTS_DIR) -> dict[str, str]:
    """Every ``.sol`` file under ``contracts_dir``, keyed by its name relative to it (sorted)."""
    return {
        p.relative_to(contracts_dir).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(contracts_dir.rglob("*.sol"))
    }


def source_hash(sources: dict[str, str]) -> str:
    """keccak256 over the sorted (name, content) pairs: names a build of exactly these sources."""
    blob = b"".join(
        name.encode() + b"\0" + content.encode() + b"\0" for name, content in sorted(sources.items())
    )
    return "0x" + keccak256(blob).hex()


def standard_input(sources: dict[str, str]) -> dict[str, Any]:
    """The solc standard-JSON input for ``sources``."""
    return {
        "language": "Solidity",
        "sources": {name: {"content": content} for name, content in sources.items()},
        "settings": {
            "optimizer": {"enabled": True, "runs": OPTIMIZER_RUNS},
            "viaIR": VIA_IR,
            "evmVersion": EVM_VERSION,
            "metadata": {"bytecodeHash": "none"},
            "outputSelection": {
                "*": {"*": ["abi", "userdoc", "evm.bytecode.object", "evm.deployedBytecode.object"]}
            },
        },
    }


def run_solcjs(std_input: dict[str, Any], project_dir: Path = PROJECT_DIR) -> dict[str, Any]:
    """Compile through node and the npm solc package; return solc's standard-JSON output."""
    node = shutil.which("node")
    if node is None:
        raise CompilerError("node is not installed", hint="install Node.js 18+ and run `npm ci`")
    if not (project_dir / "node_modules" / "solc").is_dir():
        raise CompilerError("solc-js is not installed", hint="run `npm ci` in the project directory")
    try:
        proc = subprocess.run(
            [node, "-e", _NODE_SHIM, str(project_dir)],
            input=json.dumps(std_input),
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CompilerError(f"could not run solc-js: {exc}") from exc
    if proc.returncode != 0:
        raise CompilerError(f"solc-js failed: {proc.stderr.strip()[-2000:]}")
    result = json.loads(proc.stdout)
    if not str(result["version"]).startswith(SOLC_VERSION + "+"):
        raise CompilerError(f"solc-js is {result['version']}, expected {SOLC_VERSION}", hint="run `npm ci`")
    output: dict[str, Any] = result["output"]
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise CompilerError("Solidity errors:\n" + "\n".join(e["formattedMessage"] for e in errors))
    return output


def build(contracts_dir: Path = CONTRACTS_DIR, project_dir: Path = PROJECT_DIR) -> BuildResult:
    """Compile and render every output file in memory (nothing is written)."""
    sources = read_sources(contracts_dir)
    output = run_solcjs(standard_input(sources), project_dir)
    digest = source_hash(sources)
    files: dict[str, str] = {}
    abis: dict[str, list[dict[str, Any]]] = {}
    for file_name, contracts in sorted(output["contracts"].items()):
        for name, data in sorted(contracts.items()):
            if name not in DEPLOYABLE:
                continue
            artifact = {
                "contractName": name,
                "sourceName": file_name,
                "compiler": {
                    "solc": SOLC_VERSION,
                    "evmVersion": EVM_VERSION,
                    "optimizerRuns": OPTIMIZER_RUNS,
                    "viaIR": VIA_IR,
                },
                "sourceHash": digest,
                "abi": data["abi"],
                "bytecode": "0x" + data["evm"]["bytecode"]["object"],
                "deployedBytecode": "0x" + data["evm"]["deployedBytecode"]["object"],
            }
            _require_natspec(name, data)
            abis[name] = data["abi"]
            files[f"artifacts/{name}.json"] = json.dumps(artifact, indent=1, sort_keys=True) + "\n"
    missing = set(DEPLOYABLE) - set(abis)
    if missing:
        raise CompilerError(f"contracts missing from the build: {', '.join(sorted(missing))}")
    files["contracts/errors.py"] = render_errors_module(abis)
    return BuildResult(files)


def _require_natspec(name: str, data: dict[str, Any]) -> None:
    """House rule: every external function has a NatSpec ``@notice`` (inherited ones count)."""
    documented = set(data.get("userdoc", {}).get("methods", {}))
    missing = []
    for entry in data["abi"]:
        if entry["type"] == "function":
            signature = f"{entry['name']}({','.join(_abi_type(i) for i in entry['inputs'])})"
            if signature not in documented:
                missing.append(signature)
    if missing:
        raise CompilerError(f"{name}: external functions without a NatSpec @notice: {', '.join(missing)}")


def _abi_type(entry: dict[str, Any]) -> str:
    """Canonical ABI type of an input (tuples expanded), as used in selectors."""
    kind: str = entry["type"]
    if kind.startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in entry["components"])
        return f"({inner}){kind[len('tuple'):]}"
    return kind


def error_signatures(abis: dict[str, list[dict[str, Any]]]) -> dict[str, tuple[str, list[str], list[str]]]:
    """Every custom error in ``abis``: name -> (signature, argument names, argument types).

    Raises CompilerError if two errors share a name but not a signature (Python needs one class per name).
    """
    found: dict[str, tuple[str, list[str], list[str]]] = {}
    for abi in abis.values():
        for entry in abi:
            if entry["type"] != "error":
                continue
            types = [_abi_type(i) for i in entry["inputs"]]
            names = [i["name"] for i in entry["inputs"]]
            sig = f"{entry['name']}({','.join(types)})"
            previous = found.get(entry["name"])
            if previous is not None and previous[0] != sig:
                raise CompilerError(f"error {entry['name']} has two signatures: {previous[0]} and {sig}")
            found[entry["name"]] = (sig, names, types)
    return dict(sorted(found.items()))


def render_errors_module(abis: dict[str, list[dict[str, Any]]]) -> str:
    """Source of ``ledger/contracts/errors.py``: one ContractError subclass per custom error."""
    lines = [
        '"""One exception class per Solidity custom error (generated by ``python -m ledger.contracts.compiler``).',
        "",
        "Do not edit: regenerate. Each class carries the error's arguments as attributes named as in",
        "Solidity; ``fields`` lists them in order and ``signature`` is the ABI signature.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from ledger.errors import ContractError",
        "",
    ]
    errors = error_signatures(abis)
    for name, (sig, names, _types) in errors.items():
        lines += [
            "",
            f"class {name}(ContractError):",
            f'    """Solidity ``{sig}``."""',
            "",
            f'    error_name = "{name}"',
            f'    signature = "{sig}"',
            f"    fields = {tuple(names)!r}",
            "",
        ]
    lines += [
        "",
        "#: Every generated class by Solidity error name.",
        "BY_NAME: dict[str, type[ContractError]] = {",
        *[f'    "{name}": {name},' for name in errors],
        "}",
        "",
    ]
    return "\n".join(lines)


def stale_files(result: BuildResult, package_dir: Path = PACKAGE_DIR) -> list[str]:
    """Files of ``result`` whose committed copy differs or is missing."""
    stale = []
    for rel, content in result.files.items():
        path = package_dir / rel
        if not path.is_file() or path.read_text(encoding="utf-8") != content:
            stale.append(rel)
    return stale


def write(result: BuildResult, package_dir: Path = PACKAGE_DIR) -> list[str]:
    """Write the files that changed; return their names."""
    changed = stale_files(result, package_dir)
    for rel in changed:
        path = package_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(result.files[rel], encoding="utf-8")
    return changed


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m ledger.contracts.compiler [--check]``."""
    parser = argparse.ArgumentParser(prog="python -m ledger.contracts.compiler", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if committed artifacts are stale")
    args = parser.parse_args(argv)
    try:
        result = build()
    except CompilerError as exc:
        print(f"error: {exc}" + (f"\nhint: {exc.hint}" if exc.hint else ""), file=sys.stderr)
        return 1
    if args.check:
        stale = stale_files(result)
        for rel in stale:
            print(f"stale: ledger/{rel}", file=sys.stderr)
        return 1 if stale else 0
    for rel in write(result):
        print(f"wrote ledger/{rel}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
