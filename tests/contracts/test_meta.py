"""Meta-tests: every Solidity error has its Python class, artifacts are fresh, decoding is total."""

from __future__ import annotations

import shutil
import subprocess
import sys
from typing import Any

import pytest
from eth_abi import encode as abi_encode

from ledger.chain.base import Log
from ledger.config import Deployment
from ledger.contracts import compiler
from ledger.contracts import errors as contract_errors
from ledger.contracts.abi import CONTRACT_NAMES, abi_type, artifact, decode_events, decode_revert
from ledger.contracts.hints import _TEXTS
from ledger.credentials.standards import CRITERIA_WORDS
from ledger.crypto.hashing import keccak256, to_checksum_address
from ledger.errors import ContractError, OldDeployment, UnknownRevert

ADDRESS = to_checksum_address(bytes.fromhex("00" * 19 + "aa"))


def _sample(entry: dict[str, Any]) -> Any:
    kind = abi_type(entry)
    if kind == "address":
        return ADDRESS
    if kind == "bool":
        return True
    if kind == "bytes":
        return b"\x02\x03"
    if kind.startswith("bytes"):
        return b"\x01" * int(kind[5:])
    if kind.startswith(("uint", "int")):
        return 1  # 1 is a valid value of every enum too
    raise AssertionError(f"no sample for {kind}")


def _abi_errors() -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for name in CONTRACT_NAMES:
        for entry in artifact(name).abi:
            if entry["type"] == "error":
                seen[entry["name"]] = entry
    return list(seen.values())


@pytest.mark.parametrize("entry", _abi_errors(), ids=lambda e: e["name"])
def test_every_abi_error_has_a_python_class(entry: dict[str, Any]) -> None:
    cls = contract_errors.BY_NAME[entry["name"]]
    assert issubclass(cls, ContractError) and cls.error_name == entry["name"]
    assert cls.fields == tuple(i["name"] for i in entry["inputs"])
    types = [abi_type(i) for i in entry["inputs"]]
    assert cls.signature == f"{entry['name']}({','.join(types)})"
    args = [_sample(i) for i in entry["inputs"]]
    data = keccak256(cls.signature.encode())[:4] + abi_encode(types, args)
    error = decode_revert(data, tx_hash="0xabc")
    assert type(error) is cls and error.tx_hash == "0xabc"
    for field, value in zip(cls.fields, args):
        assert getattr(error, field) == value


def test_no_python_class_without_a_solidity_error() -> None:
    assert set(contract_errors.BY_NAME) == {e["name"] for e in _abi_errors()}


def test_proposal_failure_carries_the_inner_error() -> None:
    inner = keccak256(b"NotMember(address)")[:4] + abi_encode(["address"], [ADDRESS])
    outer = keccak256(b"ProposalExecutionFailed(uint256,bytes)")[:4] + abi_encode(["uint256", "bytes"], [4, inner])
    error = decode_revert(outer)
    assert isinstance(error, contract_errors.ProposalExecutionFailed) and error.id == 4
    assert isinstance(error.inner, contract_errors.NotMember) and error.inner.member == ADDRESS


def test_decode_revert_standard_and_unknown_data() -> None:
    string = decode_revert(keccak256(b"Error(string)")[:4] + abi_encode(["string"], ["nope"]))
    assert isinstance(string, UnknownRevert) and string.reason == "nope"
    panic = decode_revert(keccak256(b"Panic(uint256)")[:4] + abi_encode(["uint256"], [0x11]))
    assert isinstance(panic, UnknownRevert) and panic.reason is not None and "overflow" in panic.reason
    for raw in (b"", b"\xde\xad\xbe\xef", keccak256(b"NotMember(address)")[:4] + b"\x01"):
        unknown = decode_revert(raw)
        assert type(unknown) is UnknownRevert and unknown.data == raw


def test_decode_revert_with_an_extra_abi() -> None:
    extra = [{"type": "error", "name": "Custom", "inputs": [{"name": "amount", "type": "uint256"}]}]
    data = keccak256(b"Custom(uint256)")[:4] + abi_encode(["uint256"], [5])
    assert type(decode_revert(data)) is UnknownRevert
    error = decode_revert(data, extra_abi=extra)
    assert isinstance(error, ContractError) and error.error_name == "Custom" and error.amount == 5


def test_decode_events_skips_foreign_logs() -> None:
    foreign = Log(ADDRESS, (keccak256(b"Transfer(address,address,uint256)"),), b"", 1, b"\0" * 32, 0)
    assert decode_events([foreign, Log(ADDRESS, (), b"", 1, b"\0" * 32, 1)]) == []


def test_deployment_round_trips() -> None:
    d = Deployment(ADDRESS, ADDRESS, ADDRESS, ADDRESS, 3, 1337)
    assert Deployment.from_dict(d.to_dict()) == d


def test_a_deployment_of_contracts_v1_is_refused_with_what_to_do() -> None:
    old = {"issuer_registry": ADDRESS, "contribution_ledger": ADDRESS, "credential_registry": ADDRESS,
           "block_number": 3, "chain_id": 1337}
    with pytest.raises(OldDeployment) as info:
        Deployment.from_dict(old)
    assert "contracts v1" in str(info.value) and "new deployment" in str(info.value)
    assert info.value.hint is not None and "ledger init" in info.value.hint and info.value.exit_code == 2


def test_every_contract_error_has_words_for_people() -> None:
    """A refusal reaches a user as a sentence and a hint (``ledger.contracts.hints``), or, for a checked
    issuance, as the criterion it failed (``CRITERIA_WORDS``)."""
    worded = set(_TEXTS) | set(CRITERIA_WORDS)
    assert sorted(set(contract_errors.BY_NAME) - worded) == []


def test_importing_the_facades_does_not_import_web3() -> None:
    code = "import sys, ledger.contracts.deployment; print('web3' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@pytest.mark.slow
def test_committed_artifacts_are_fresh() -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not installed: cannot recompile with solc-js (CI installs it)")
    if not (compiler.PROJECT_DIR / "node_modules" / "solc").is_dir():
        pytest.skip("npm package solc is not installed (run `npm ci`)")
    stale = compiler.stale_files(compiler.build())
    assert stale == [], f"stale artifacts, run `python -m ledger.contracts.compiler`: {stale}"


def test_build_refuses_an_external_function_without_natspec() -> None:
    abi = [{"type": "function", "name": "f", "inputs": [{"name": "x", "type": "uint256"}], "outputs": []}]
    compiler._require_natspec("C", {"abi": abi, "userdoc": {"methods": {"f(uint256)": {"notice": "F."}}}})
    with pytest.raises(compiler.CompilerError, match=r"f\(uint256\)"):
        compiler._require_natspec("C", {"abi": abi, "userdoc": {"methods": {}}})
