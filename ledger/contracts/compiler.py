"""Compile the Solidity contracts into the committed artifacts (the build command).

``python -m ledger.contracts.compiler`` compiles ``contracts/*.sol`` with the pinned solc-js 0.8.26 from npm
(through its node API: the machine cannot download a native solc), optimizer on (IR pipeline),
``evmVersion`` istanbul, and writes two artifact sets plus ``ledger/contracts/errors.py`` (one exception
class per Solidity custom error):

* ``ledger/artifacts/<Contract>.json``: standard solc, keccak256 selectors, topics and error selectors
  (Ethereum nodes, FISCO BCOS ECDSA chains);
* ``ledger/artifacts/sm3/<Contract>.json``: the same contracts as FISCO's gm solc would build them for
  SM chains, every compile-time hash SM3 (:mod:`ledger.contracts.sm3ir` says how and why).

Both sets are compiled with optimizer settings that fold no hash at compile time (:data:`OPTIMIZER`):
on an SM chain the KECCAK256 opcode computes SM3, so a storage location the optimizer had computed with
keccak256 (the data slot of a dynamic array at a fixed slot, say) would point at the wrong storage; the
keccak set must run correctly on an SM3-opcode EVM too. :func:`check_no_fold` refuses other settings,
and every build scans its bytecode for folded slot hashes (:func:`ledger.contracts.sm3ir.folded_hashes`).

Output is deterministic: the same sources give byte-identical files, which is what the staleness test
(``--check``) relies on.

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

from ledger.contracts import sm3ir
from ledger.crypto.hashing import keccak256, sm3
from ledger.errors import LedgerError

SOLC_VERSION = "0.8.26"
EVM_VERSION = "istanbul"
OPTIMIZER_RUNS = 200

#: solc 0.8.26's default Yul optimizer sequence (libsolidity/interface/OptimiserSettings.h) and cleanup.
DEFAULT_YUL_STEPS = (
    "dhfoDgvulfnTUtnIf"
    "xa[r]EscLM"
    "Vcul [j]"
    "Trpeul"
    "xa[r]cL"
    "gvifM"
    "CTUca[r]LSsTFOtfDnca[r]Iulc"
    "scCTUt"
    "gvifM"
    "x[scCTUt] TOntnfDIul"
    "gvifM"
    "jmul[jul] VcTOcul jmul"
)
YUL_CLEANUP = "fDnTOcmuO"
#: The default sequence without LoadResolver (``L``), the only Yul step that evaluates keccak256 at
#: compile time (``tryEvaluateKeccak``: ``keccak256(p, n)`` of a known word, n <= 32, e.g. the data slot
#: of an array at a fixed slot).
NO_FOLD_YUL_STEPS = DEFAULT_YUL_STEPS.replace("L", "")
#: Optimizer settings that compute no hash at compile time: the Yul steps above, and the legacy
#: optimizer's common subexpression eliminator off (``cse``: it evaluates KECCAK256 of up to 128 known
#: bytes of memory, e.g. a mapping entry at a constant key). Nothing else in solc 0.8.26 evaluates a hash.
OPTIMIZER: dict[str, Any] = {
    "enabled": True,
    "runs": OPTIMIZER_RUNS,
    "details": {"cse": False, "yul": True, "yulDetails": {"optimizerSteps": f"{NO_FOLD_YUL_STEPS}:{YUL_CLEANUP}"}},
}
#: The IR pipeline: about 1,400 gas less per anchor and 1,400 less per recorded item than legacy.
VIA_IR = True
#: Contracts that are deployed; interfaces and Common.sol only contribute to their ABIs.
DEPLOYABLE = ("Committee", "IssuerRegistry", "ContributionLedger", "CredentialRegistry")

PACKAGE_DIR = Path(__file__).resolve().parents[1]
PROJECT_DIR = PACKAGE_DIR.parent
CONTRACTS_DIR = PROJECT_DIR / "contracts"
ARTIFACTS_DIR = PACKAGE_DIR / "artifacts"
#: The SM3 set, relative to ``ledger/``.
SM3_DIR = "artifacts/sm3"
ERRORS_MODULE = PACKAGE_DIR / "contracts" / "errors.py"

# Runs solc-js's standard-JSON API on a list of inputs; stdin carries the inputs, stdout the outputs.
_NODE_SHIM = """
const path = require('path');
const solc = require(path.join(process.argv[1], 'node_modules', 'solc'));
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (c) => { input += c; });
process.stdin.on('end', () => {
  const outputs = JSON.parse(input).map((one) => JSON.parse(solc.compile(JSON.stringify(one))));
  process.stdout.write(JSON.stringify({version: solc.version(), outputs: outputs}));
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


def check_no_fold(optimizer: dict[str, Any]) -> None:
    """Refuse optimizer settings under which solc 0.8.26 may compute a hash at compile time.

    Raises:
        CompilerError: the legacy CSE is on, or the Yul sequence contains LoadResolver (``L``).
    """
    if not optimizer.get("enabled"):
        return  # no optimizer, no folding
    details = optimizer.get("details", {})
    if details.get("cse", True):
        raise CompilerError("optimizer.details.cse must be false: the legacy CSE folds keccak256 of known memory")
    steps = details.get("yulDetails", {}).get("optimizerSteps", DEFAULT_YUL_STEPS)
    if "L" in steps:
        raise CompilerError("the Yul optimizer sequence contains LoadResolver (L), which folds keccak256")


def standard_input(sources: dict[str, str], optimizer: dict[str, Any] | None = None) -> dict[str, Any]:
    """The solc standard-JSON input for ``sources`` (also asking for the IR and the ASTs, which the SM3
    set is built from)."""
    return {
        "language": "Solidity",
        "sources": {name: {"content": content} for name, content in sources.items()},
        "settings": {
            "optimizer": OPTIMIZER if optimizer is None else optimizer,
            "viaIR": VIA_IR,
            "evmVersion": EVM_VERSION,
            "metadata": {"bytecodeHash": "none"},
            "outputSelection": {
                "*": {
                    "*": ["abi", "userdoc", "ir", "evm.bytecode.object", "evm.deployedBytecode.object"],
                    "": ["ast"],
                }
            },
        },
    }


def yul_input(name: str, text: str, optimizer: dict[str, Any] | None = None) -> dict[str, Any]:
    """The standard-JSON input that compiles one Yul object with the same settings."""
    return {
        "language": "Yul",
        "sources": {f"{name}.yul": {"content": text}},
        "settings": {
            "optimizer": OPTIMIZER if optimizer is None else optimizer,
            "evmVersion": EVM_VERSION,
            "outputSelection": {"*": {"*": ["evm.bytecode.object", "evm.deployedBytecode.object"]}},
        },
    }


def run_solcjs(std_input: dict[str, Any], project_dir: Path = PROJECT_DIR) -> dict[str, Any]:
    """Compile through node and the npm solc package; return solc's standard-JSON output."""
    return run_solcjs_many([std_input], project_dir)[0]


def run_solcjs_many(inputs: list[dict[str, Any]], project_dir: Path = PROJECT_DIR) -> list[dict[str, Any]]:
    """Compile several standard-JSON inputs in one node process (solc-js loads once)."""
    node = shutil.which("node")
    if node is None:
        raise CompilerError("node is not installed", hint="install Node.js 18+ and run `npm ci`")
    if not (project_dir / "node_modules" / "solc").is_dir():
        raise CompilerError("solc-js is not installed", hint="run `npm ci` in the project directory")
    try:
        proc = subprocess.run(
            [node, "-e", _NODE_SHIM, str(project_dir)],
            input=json.dumps(inputs),
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
    outputs: list[dict[str, Any]] = result["outputs"]
    for output in outputs:
        errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
        if errors:
            raise CompilerError("solc errors:\n" + "\n".join(e.get("formattedMessage", e["message"]) for e in errors))
    return outputs


def build(contracts_dir: Path = CONTRACTS_DIR, project_dir: Path = PROJECT_DIR) -> BuildResult:
    """Compile and render every output file in memory (nothing is written): both artifact sets and
    the errors module.

    Raises:
        CompilerError: solc failed, a contract lacks NatSpec, a hash could not be rewritten, or a
            bytecode holds a folded storage-slot hash.
    """
    check_no_fold(OPTIMIZER)
    sources = read_sources(contracts_dir)
    output = run_solcjs(standard_input(sources), project_dir)
    digest = source_hash(sources)
    files: dict[str, str] = {}
    abis: dict[str, list[dict[str, Any]]] = {}
    deployable: list[tuple[str, str, dict[str, Any]]] = []
    for file_name, contracts in sorted(output["contracts"].items()):
        for name, data in sorted(contracts.items()):
            if name in DEPLOYABLE:
                _require_natspec(name, data)
                abis[name] = data["abi"]
                deployable.append((name, file_name, data))
    missing = set(DEPLOYABLE) - set(abis)
    if missing:
        raise CompilerError(f"contracts missing from the build: {', '.join(sorted(missing))}")

    table = sm3ir.HashTable.from_output(output)
    collisions = sm3ir.source_number_literals(output, table)
    if collisions:
        raise CompilerError("number literals in the sources equal hash-derived values, which the SM3 build "
                            "cannot tell from compiler-made ones: " + ", ".join(collisions))
    declared = sm3ir.declared_constants(output)
    rewritten = []
    for name, _file, data in deployable:
        try:
            rewritten.append(sm3ir.rewrite_ir(data["ir"], table, declared))
        except sm3ir.RewriteError as exc:
            raise CompilerError(f"{name}: {exc}") from exc
    yul_outputs = run_solcjs_many(
        [yul_input(name, result.text) for (name, _, _), result in zip(deployable, rewritten)], project_dir
    )
    for (name, file_name, data), result, yul in zip(deployable, rewritten, yul_outputs):
        ((sm3_data,),) = (tuple(c.values()) for c in yul["contracts"].values())
        sets: tuple[tuple[str, str, dict[str, Any], dict[str, Any]], ...] = (
            ("artifacts", "keccak256", data["evm"], {}),
            (SM3_DIR, "sm3", sm3_data["evm"], {"sm3Rewrites": result.counts}),
        )
        for folder, hash_name, evm, extra in sets:
            creation, runtime = evm["bytecode"]["object"], evm["deployedBytecode"]["object"]
            folded = sm3ir.folded_hashes(bytes.fromhex(creation)) + sm3ir.folded_hashes(bytes.fromhex(runtime))
            if folded:
                raise CompilerError(f"{name} ({hash_name}) holds hashes folded at compile time: {folded[:3]}")
            artifact = {
                "contractName": name,
                "sourceName": file_name,
                "compiler": {
                    "solc": SOLC_VERSION,
                    "evmVersion": EVM_VERSION,
                    "optimizerRuns": OPTIMIZER_RUNS,
                    "viaIR": VIA_IR,
                    "optimizer": OPTIMIZER,
                },
                "hash": hash_name,
                "sourceHash": digest,
                "abi": data["abi"],
                "bytecode": "0x" + creation,
                "deployedBytecode": "0x" + runtime,
                **sm3ir.interface(data["abi"], keccak256 if hash_name == "keccak256" else sm3),
                **extra,
            }
            files[f"{folder}/{name}.json"] = json.dumps(artifact, indent=1, sort_keys=True) + "\n"
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


def identity_mismatches(contracts_dir: Path = CONTRACTS_DIR, project_dir: Path = PROJECT_DIR) -> list[str]:
    """The contracts whose *unrewritten* IR, compiled as Yul, differs from the Solidity build (none is
    expected): the SM3 route then adds nothing of its own beyond the rewritten constants."""
    output = run_solcjs(standard_input(read_sources(contracts_dir)), project_dir)
    deployable = [(name, data) for contracts in output["contracts"].values() for name, data in contracts.items()
                  if name in DEPLOYABLE]
    yul = run_solcjs_many([yul_input(name, data["ir"]) for name, data in deployable], project_dir)
    differ = []
    for (name, data), compiled in zip(deployable, yul):
        ((evm,),) = (tuple(c.values()) for c in compiled["contracts"].values())
        if evm["evm"]["bytecode"]["object"] != data["evm"]["bytecode"]["object"]:
            differ.append(name)
    return differ


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m ledger.contracts.compiler [--check] [--check-identity]``."""
    parser = argparse.ArgumentParser(prog="python -m ledger.contracts.compiler", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if committed artifacts are stale")
    parser.add_argument("--check-identity", action="store_true",
                        help="fail unless the unrewritten IR compiled as Yul equals the Solidity build")
    args = parser.parse_args(argv)
    try:
        if args.check_identity:
            differ = identity_mismatches()
            for name in differ:
                print(f"differs: {name}", file=sys.stderr)
            return 1 if differ else 0
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
