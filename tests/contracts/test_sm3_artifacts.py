"""The SM3 artifacts (``ledger/artifacts/sm3``): the contracts as FISCO's gm solc would build them for SM chains.

Each function's selector, computed by FISCO's rule (the first four bytes of SM3 of its signature, as
java-sdk's ``FunctionEncoderInterface.buildMethodId`` and the python-sdk in GM mode compute it), is a case
of the bytecode's dispatcher; no keccak256 selector, error selector or event topic is left anywhere in it;
neither artifact set holds a storage-slot hash folded at compile time. Freshness of both sets is checked
by ``test_meta.py::test_committed_artifacts_are_fresh`` (one build writes both).
"""

from __future__ import annotations

import itertools
import json

import pytest
from eth_abi import encode as abi_encode

from ledger.contracts import compiler, sm3ir
from ledger.contracts import errors as contract_errors
from ledger.contracts.abi import (
    ARTIFACT_DIRS,
    CONTRACT_NAMES,
    artifact,
    contract_abi,
    decode_events,
    decode_revert,
)
from ledger.crypto.hashing import keccak256, sm3


def _signatures(name: str, kind: str) -> list[str]:
    return [sm3ir.signature(e) for e in artifact(name).abi if e["type"] == kind]


def _dispatcher_cases(code: bytes) -> set[int]:
    """4-byte constants compared right away with EQ, GT or LT: the cases of a function dispatcher."""
    cases = set()
    ops = []
    pc = 0
    while pc < len(code):
        op = code[pc]
        width = op - 0x5F if 0x60 <= op <= 0x7F else 0
        ops.append((op, int.from_bytes(code[pc + 1 : pc + 1 + width], "big") if width else None))
        pc += 1 + width
    for i, (op, value) in enumerate(ops):
        if op == 0x63 and any(nxt in (0x10, 0x11, 0x14) for nxt, _ in ops[i + 1 : i + 3]):
            assert value is not None
            cases.add(value)
    return cases


def _all_constants(code: bytes) -> set[int]:
    """Every PUSH operand, also as the 4 left bytes of a word (``sel << 224``) and through the short forms
    solc's constant optimiser writes instead of a long PUSH (``PUSH a PUSH1 s SHL``)."""
    values = set()
    pushes = list(sm3ir.push_operands(code))
    for _, _, value in pushes:
        values.add(value)
    for (pc, width, value), (pc2, width2, shift) in itertools.pairwise(pushes):
        if pc2 == pc + 1 + width and width2 == 1 and code[pc2 + 2 : pc2 + 3] == b"\x1b":  # SHL
            values.add((value << shift) & ((1 << 256) - 1))
    return values | {v >> 224 for v in values if v and v % (1 << 224) == 0}


@pytest.mark.parametrize("name", CONTRACT_NAMES)
def test_every_function_dispatches_on_its_sm3_selector_and_none_on_keccak(name: str) -> None:
    code = artifact(name, "sm").deployed_bytecode
    cases = _dispatcher_cases(code)
    functions = _signatures(name, "function")
    assert functions
    sm3_selectors = {int.from_bytes(sm3(s.encode())[:4], "big") for s in functions}
    keccak_selectors = {int.from_bytes(keccak256(s.encode())[:4], "big") for s in functions}
    assert sm3_selectors <= cases, sorted(functions)
    assert not keccak_selectors & _all_constants(code)
    # and the reverse, on the keccak build: the check above can fail
    keccak_code = artifact(name).deployed_bytecode
    assert keccak_selectors <= _dispatcher_cases(keccak_code)
    assert not sm3_selectors & _all_constants(keccak_code)


@pytest.mark.parametrize("name", CONTRACT_NAMES)
def test_no_keccak_error_selector_or_event_topic_is_left(name: str) -> None:
    code = artifact(name, "sm").deployed_bytecode
    constants = _all_constants(code) | _all_constants(artifact(name, "sm").bytecode)
    for signature in _signatures(name, "event"):
        assert int.from_bytes(sm3(signature.encode()), "big") in constants, signature
        assert int.from_bytes(keccak256(signature.encode()), "big") not in constants, signature
    errors = _signatures(name, "error") + ["Panic(uint256)"]
    found_sm3 = [e for e in errors if int.from_bytes(sm3(e.encode())[:4], "big") in constants]
    assert found_sm3, "no SM3 error selector in the bytecode at all"
    for signature in errors:
        assert int.from_bytes(keccak256(signature.encode())[:4], "big") not in constants, signature


@pytest.mark.parametrize("crypto", ["ecdsa", "sm"])
@pytest.mark.parametrize("name", CONTRACT_NAMES)
def test_no_storage_slot_hash_is_folded_into_either_set(name: str, crypto: str) -> None:
    built = artifact(name, crypto)
    assert built.hash == ("sm3" if crypto == "sm" else "keccak256")
    assert sm3ir.folded_hashes(built.bytecode) == []
    assert sm3ir.folded_hashes(built.deployed_bytecode) == []


def test_the_folded_hash_scanner_finds_what_solc_defaults_fold() -> None:
    # The data slot of an array at slot 9 (keccak256(9)) and a mapping entry at key 0 of slot 7, as solc's
    # default optimizer wrote them into the artifacts before (PUSH32 <hash>).
    for word in (keccak256((9).to_bytes(32, "big")), keccak256(bytes(32) + (7).to_bytes(32, "big"))):
        code = b"\x60\x01\x7f" + word + b"\x55"
        assert sm3ir.folded_hashes(code), word.hex()
    minus_one = (int.from_bytes(keccak256((2).to_bytes(32, "big")), "big") - 1).to_bytes(32, "big")
    assert sm3ir.folded_hashes(b"\x7f" + minus_one) == ["pc 0: PUSH32 keccak256 H(2)-1"]
    assert sm3ir.folded_hashes(b"\x7f" + sm3((3).to_bytes(32, "big")))[0].endswith("sm3 H(3)")


def test_the_optimizer_settings_fold_nothing_and_others_are_refused() -> None:
    compiler.check_no_fold(compiler.OPTIMIZER)
    assert "L" not in compiler.OPTIMIZER["details"]["yulDetails"]["optimizerSteps"]
    with pytest.raises(compiler.CompilerError, match="cse"):
        compiler.check_no_fold({"enabled": True, "runs": 200})
    default_steps = {"cse": False, "yulDetails": {"optimizerSteps": compiler.DEFAULT_YUL_STEPS}}
    with pytest.raises(compiler.CompilerError, match="LoadResolver"):
        compiler.check_no_fold({"enabled": True, "details": default_steps})


def test_the_artifacts_say_which_hash_and_settings_built_them() -> None:
    for name in CONTRACT_NAMES:
        for crypto, folder in ARTIFACT_DIRS.items():
            data = json.loads((folder / f"{name}.json").read_text())
            assert data["compiler"]["optimizer"] == compiler.OPTIMIZER
            hasher = sm3 if crypto == "sm" else keccak256
            for signature, selector in data["methodIdentifiers"].items():
                assert bytes.fromhex(selector) == hasher(signature.encode())[:4]
        assert artifact(name, "sm").abi == artifact(name).abi  # one ABI, two hashes


def test_sm3_reverts_and_events_decode_only_in_sm_mode() -> None:
    cls = contract_errors.NotMember
    data = sm3(cls.signature.encode())[:4] + abi_encode(["address"], ["0x" + "ab" * 20])
    error = decode_revert(data, crypto="sm")
    assert isinstance(error, cls) and error.member.lower() == "0x" + "ab" * 20
    assert type(decode_revert(data)) is not cls  # keccak mode does not know the SM3 selector
    reason = sm3(b"Error(string)")[:4] + abi_encode(["string"], ["no"])
    assert decode_revert(reason, crypto="sm").reason == "no"  # type: ignore[attr-defined]

    from ledger.chain.base import Log

    event = next(e for e in contract_abi("Committee", "sm").events.values() if e.name == "MemberAdded")
    assert event.topic == sm3(b"MemberAdded(address)")
    log = Log("0x" + "11" * 20, (event.topic, bytes(12) + b"\xab" * 20), b"", 1, bytes(32), 0)
    assert [e.name for e in decode_events([log], crypto="sm")] == ["MemberAdded"]
    assert decode_events([log]) == []
