"""SM3 artifacts: the contracts' Yul IR with every compile-time keccak256 value rewritten to SM3.

FISCO BCOS SM (guomi) chains compute SM3 for the KECCAK256 opcode, and FISCO's gm solc (the
FISCO-BCOS/solidity fork: ``GmHash.cpp`` replaces the compiler's keccak256) computes every hash the
*compiler* takes with SM3 too: function selectors, event topics, error selectors, ``Error(string)`` and
``Panic(uint256)``, ``type(I).interfaceId``, ``keccak256("literal")``. FISCO's SDKs and console call
contracts on SM chains with SM3 selectors. Stock solc-js cannot be told to hash with SM3, and CI can
only fetch solc-js, so this module gets gm solc's result from stock solc-js in three steps
(driven by :mod:`ledger.contracts.compiler`):

1. solc compiles the Solidity sources once (via IR) and hands out each contract's *unoptimised* Yul
   IR, where every compile-time hash is still a number literal, and its AST;
2. :func:`rewrite_ir` replaces each literal that equals a keccak-derived value of this build
   (:class:`HashTable`: selectors of every function and error of every ABI in the build, event topics,
   ``Error(string)``/``Panic(uint256)``, every string literal's hash and selector, every interface id)
   by its SM3 counterpart, in the width and radix solc printed it. Only number *tokens* are touched
   (a small tokenizer skips comments, strings and identifiers such as ``revert_error_<hash>``), and a
   literal the AST declares as a selector or topic that is left over is an error;
3. solc compiles each rewritten IR object as Yul with the same optimizer settings.

Storage slots need no rewriting: the IR computes ``keccak256(slot)`` and mapping slots at run time, and
the optimizer settings of :mod:`ledger.contracts.compiler` fold no hash (so the opcode, SM3 on the
chain, computes them). Compiling the *unrewritten* IR as Yul gives byte-identical bytecode to the
Solidity build (``python -m ledger.contracts.compiler --check-identity`` checks it), so the SM3 bytecode
differs from the keccak one only by the rewritten constants.

Why not build gm solc: FISCO's fork (or upstream solc 0.8.26 with the same one-file change) is a C++
build that needs Boost, a toolchain and a source download from GitHub, none of which CI can fetch; this
route needs only the pinned solc-js from npm, and the same settings build both artifact sets.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ledger.crypto.hashing import keccak256, sm3

Hasher = Callable[[bytes], bytes]
#: A 4-byte selector written left-aligned in a 32-byte word (``sel << 224``).
SHIFT = 224
STANDARD_ERRORS = (b"Error(string)", b"Panic(uint256)")

_YUL_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<string>"(?:\\.|[^"\\\n])*")
  | (?P<ident>[A-Za-z_$][A-Za-z0-9_$.]*)
  | (?P<number>0x[0-9a-fA-F]+|[0-9]+)
  | (?P<other>.)
    """,
    re.DOTALL | re.VERBOSE,
)


class RewriteError(ValueError):
    """The IR holds a keccak-derived constant that could not be rewritten, or an ambiguous one."""


def yul_tokens(text: str) -> Iterator[tuple[str, str, int]]:
    """``(kind, text, offset)`` of every token; kinds: ws comment string ident number other."""
    pos = 0
    while pos < len(text):
        match = _YUL_TOKEN.match(text, pos)
        assert match is not None and match.lastgroup is not None  # ``other`` matches any character
        yield match.lastgroup, match.group(), pos
        pos = match.end()


def _value(token: str) -> int:
    return int(token, 16) if token.startswith("0x") else int(token)


def _render_like(old: str, value: int) -> str:
    """``value`` written as ``old`` was: hex with at least as many digits, or decimal."""
    if old.startswith("0x"):
        return "0x" + format(value, "x").rjust(len(old) - 2, "0")
    return str(value)


def abi_type(entry: Mapping[str, Any]) -> str:
    """Canonical ABI type of a parameter, tuples spelled out (as in a signature)."""
    kind = str(entry["type"])
    if kind.startswith("tuple"):
        return "(" + ",".join(abi_type(c) for c in entry["components"]) + ")" + kind[len("tuple") :]
    return kind


def signature(entry: Mapping[str, Any]) -> str:
    """``name(type,...)`` of an ABI function, event or error."""
    return f"{entry['name']}({','.join(abi_type(i) for i in entry['inputs'])})"


@dataclass(frozen=True)
class Rewrite:
    """One keccak-derived value and its SM3 counterpart.

    ``form``: ``word`` (a 32-byte hash), ``sel`` (a 4-byte selector) or ``sel<<224``.
    """

    kind: str  # function | error | event | literal | interface
    preimage: str
    form: str
    old: int
    new: int


class HashTable:
    """Every keccak-derived value a build can contain, by value, with its SM3 counterpart."""

    def __init__(self, old: Hasher = keccak256, new: Hasher = sm3) -> None:
        self.old, self.new = old, new
        self.by_value: dict[int, Rewrite] = {}

    def _put(self, rewrite: Rewrite) -> None:
        known = self.by_value.get(rewrite.old)
        if known is not None and known.new != rewrite.new:
            raise RewriteError(f"two preimages give the constant 0x{rewrite.old:x}: {known.preimage!r} and "
                               f"{rewrite.preimage!r}")
        self.by_value.setdefault(rewrite.old, rewrite)

    def add_selector(self, kind: str, preimage: bytes, label: str | None = None) -> None:
        old = int.from_bytes(self.old(preimage)[:4], "big")
        new = int.from_bytes(self.new(preimage)[:4], "big")
        self.add_selector_value(kind, label or preimage.decode("utf-8", "replace"), old, new)

    def add_selector_value(self, kind: str, label: str, old: int, new: int) -> None:
        self._put(Rewrite(kind, label, "sel", old, new))
        self._put(Rewrite(kind, label, "sel<<224", old << SHIFT, new << SHIFT))

    def add_word(self, kind: str, preimage: bytes, label: str | None = None) -> None:
        old = int.from_bytes(self.old(preimage), "big")
        new = int.from_bytes(self.new(preimage), "big")
        self._put(Rewrite(kind, label or preimage.decode("utf-8", "replace"), "word", old, new))

    @classmethod
    def from_output(cls, output: Mapping[str, Any]) -> HashTable:
        """Every hash solc may have written into this build (see the module docstring)."""
        table = cls()
        for contracts in output["contracts"].values():
            for data in contracts.values():
                for entry in data["abi"]:
                    if entry["type"] in ("function", "error"):
                        table.add_selector(entry["type"], signature(entry).encode())
                    elif entry["type"] == "event":
                        table.add_word("event", signature(entry).encode())
        for standard in STANDARD_ERRORS:
            table.add_selector("error", standard)
        for literal in sorted(_string_literals(output)):
            label = f"literal {literal!r}"
            table.add_word("literal", literal, label)  # keccak256("...")
            table.add_selector("literal", literal, label)  # abi.encodeWithSignature("...")
        for name, (old, new) in sorted(_interface_ids(output, table.new).items()):
            table.add_selector_value("interface", f"type({name}).interfaceId", old, new)
        return table


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _asts(output: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    for source in output["sources"].values():
        yield from _walk(source["ast"])


def _string_literals(output: Mapping[str, Any]) -> set[bytes]:
    return {
        bytes.fromhex(node.get("hexValue", ""))
        for node in _asts(output)
        if node.get("nodeType") == "Literal" and node.get("kind") in ("string", "unicodeString", "hexString")
    }


def _interface_ids(output: Mapping[str, Any], new: Hasher) -> dict[str, tuple[int, int]]:
    """Interface name -> (keccak id, SM3 id): the XOR of its own functions' selectors."""
    signatures: dict[int, str] = {}
    for contracts in output["contracts"].values():
        for data in contracts.values():
            for entry in data["abi"]:
                if entry["type"] == "function":
                    signatures[int.from_bytes(keccak256(signature(entry).encode())[:4], "big")] = signature(entry)
    ids = {}
    for node in _asts(output):
        if node.get("nodeType") != "ContractDefinition" or node.get("contractKind") != "interface":
            continue
        old = fresh = 0
        for member in node.get("nodes", []):
            if member.get("nodeType") == "FunctionDefinition" and member.get("functionSelector"):
                selector = int(member["functionSelector"], 16)
                old ^= selector
                fresh ^= int.from_bytes(new(signatures[selector].encode())[:4], "big")
        ids[node["name"]] = (old, fresh)
    return ids


def declared_constants(output: Mapping[str, Any]) -> tuple[set[int], set[int]]:
    """(selectors, topics) the ASTs declare, keccak: what must not survive a rewrite."""
    selectors = {int.from_bytes(keccak256(s)[:4], "big") for s in STANDARD_ERRORS}
    topics: set[int] = set()
    for node in _asts(output):
        for key in ("functionSelector", "errorSelector"):
            if node.get(key):
                selectors.add(int(node[key], 16))
        if node.get("eventSelector"):
            topics.add(int(node["eventSelector"], 16))
    return selectors, topics


def source_number_literals(output: Mapping[str, Any], table: HashTable) -> list[str]:
    """Number literals written in the sources that equal a hash-derived value (say, a hand-written
    ``0x01ffc9a7``): in the IR they cannot be told from compiler-made constants, so they are refused."""
    found = []
    for node in _asts(output):
        if node.get("nodeType") != "Literal" or node.get("kind") != "number":
            continue
        text = str(node.get("value", "")).replace("_", "")
        try:
            value = int(text, 16) if text.lower().startswith("0x") else int(text)
        except ValueError:
            continue  # 1e18, 2.5 ether: never a hash
        if value in table.by_value:
            hit = table.by_value[value]
            found.append(f"0x{value:x} ({hit.form} of {hit.kind} {hit.preimage})")
    return sorted(set(found))


@dataclass(frozen=True)
class RewriteResult:
    """The rewritten IR and how many literals of each kind changed."""

    text: str
    counts: dict[str, int]


def rewrite_ir(text: str, table: HashTable, declared: tuple[set[int], set[int]]) -> RewriteResult:
    """Replace the keccak-derived number literals of a Yul text by their SM3 counterparts.

    Raises:
        RewriteError: a literal the AST declares as a keccak selector or topic is not in ``table``.
    """
    selectors, topics = declared
    out: list[str] = []
    counts: dict[str, int] = defaultdict(int)
    leftovers: list[str] = []
    for kind, token, offset in yul_tokens(text):
        if kind != "number":
            out.append(token)
            continue
        value = _value(token)
        hit = table.by_value.get(value)
        if hit is not None:
            counts[hit.kind] += 1
            out.append(_render_like(token, hit.new))
            continue
        shifted = value >> SHIFT if value and value % (1 << SHIFT) == 0 else None
        if value in topics or value in selectors or shifted in selectors:
            leftovers.append(f"line {text.count(chr(10), 0, offset) + 1}: {token}")
        out.append(token)
    if leftovers:
        raise RewriteError("keccak selectors or topics left in the IR: " + "; ".join(leftovers[:5]))
    return RewriteResult("".join(out), dict(sorted(counts.items())))


def interface(abi: list[dict[str, Any]], hasher: Hasher) -> dict[str, dict[str, str]]:
    """Selectors, topics and error selectors of one ABI under ``hasher`` (what solc's
    ``methodIdentifiers`` says, and gm solc's on SM chains)."""
    out: dict[str, dict[str, str]] = {"methodIdentifiers": {}, "eventTopics": {}, "errorSelectors": {}}
    for entry in abi:
        if entry["type"] not in ("function", "event", "error"):
            continue
        sig = signature(entry)
        digest = hasher(sig.encode())
        if entry["type"] == "function":
            out["methodIdentifiers"][sig] = digest[:4].hex()
        elif entry["type"] == "event":
            out["eventTopics"][sig] = "0x" + digest.hex()
        else:
            out["errorSelectors"][sig] = digest[:4].hex()
    return {key: dict(sorted(value.items())) for key, value in out.items()}


# ----------------------------------------------------------------------------- folded hashes


def push_operands(code: bytes) -> Iterator[tuple[int, int, int]]:
    """``(pc, width, value)`` of every PUSH1..PUSH32, read linearly (data after the code included)."""
    pc = 0
    while pc < len(code):
        op = code[pc]
        width = op - 0x5F if 0x60 <= op <= 0x7F else 0
        if width:
            yield pc, width, int.from_bytes(code[pc + 1 : pc + 1 + width], "big")
        pc += 1 + width


def _slot_constants(hasher: Hasher) -> dict[int, str]:
    """Storage locations an optimizer could fold: H(slot) of a dynamic array or bytes at slot 0..63
    (also offset by -256..+256: an element at a constant index), and H(key . slot) of a mapping entry at
    a small constant key and slot."""
    found: dict[int, str] = {}
    for slot in range(64):
        base = int.from_bytes(hasher(slot.to_bytes(32, "big")), "big")
        for delta in range(-256, 257):
            found.setdefault((base + delta) % (1 << 256), f"H({slot}){delta:+d}" if delta else f"H({slot})")
        for key in range(64):
            word = int.from_bytes(hasher(key.to_bytes(32, "big") + slot.to_bytes(32, "big")), "big")
            found.setdefault(word, f"H({key} . {slot})")
    return found


def folded_hashes(code: bytes) -> list[str]:
    """Storage-slot hashes (keccak256 or SM3) that appear as constants in ``code``.

    Bytecode meant for SM chains must compute every storage location at run time (the chain's opcode
    is SM3); a constant computed by the compiler with keccak256 points elsewhere there. Empty means
    none of the forms in :func:`_slot_constants` was found.
    """
    tables = {name: _cached_slots(name) for name in ("keccak256", "sm3")}
    hits = []
    for pc, width, value in push_operands(code):
        if width < 16:
            continue
        for name, table in tables.items():
            if value in table:
                hits.append(f"pc {pc}: PUSH{width} {name} {table[value]}")
    return hits


_SLOTS: dict[str, dict[int, str]] = {}


def _cached_slots(name: str) -> dict[int, str]:
    if name not in _SLOTS:
        _SLOTS[name] = _slot_constants(keccak256 if name == "keccak256" else sm3)
    return _SLOTS[name]
