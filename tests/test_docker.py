"""docker/: the four-node FISCO BCOS chain, its compose file and the ledger CLI image.

This machine has no Docker engine, so nothing here starts a container. Instead:

* the compose file is validated against the Compose Specification (the ``compose-spec`` package);
* the compose file, the Dockerfile and fisco-chain.sh are checked against each other (release tag,
  ports, addresses, mounted paths, COPY sources) by checker functions that return the problems
  they find; each checker is also run on a deliberately broken copy, to show that it catches it;
* fisco-chain.sh's build and configure steps run for real against a stand-in for FISCO's
  build_chain.sh that writes the same layout (node directories, config.ini, nodes.json, sdk/),
  so the arguments passed to build_chain.sh and every change made to the nodes are asserted;
* the script passes ``bash -n`` and shellcheck.
"""

from __future__ import annotations

import copy
import fnmatch
import ipaddress
import json
import os
import re
import shutil
import stat
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCKER = ROOT / "docker"
SCRIPT = DOCKER / "fisco-chain.sh"
COMPOSE_FILE = DOCKER / "docker-compose.yml"
DOCKERFILE = DOCKER / "Dockerfile"
DOCKERIGNORE = DOCKER / "Dockerfile.dockerignore"


# --- reading the files ---------------------------------------------------------------------------


def script_constants(text: str) -> dict[str, str]:
    """The script's ``readonly NAME=value`` constants, with ``${OTHER}`` references expanded."""
    constants: dict[str, str] = {}
    for match in re.finditer(r'^readonly ([A-Z0-9_]+)=(?:"([^"]*)"|(\S+))$', text, re.MULTILINE):
        value = match.group(2) if match.group(2) is not None else match.group(3)
        constants[match.group(1)] = re.sub(
            r"\$\{([A-Z0-9_]+)\}", lambda m: constants.get(m.group(1), m.group(0)), value
        )
    return constants


def script_default_dir(text: str, variable: str, env_name: str) -> str:
    """The directory name a ``VAR="${ENV:-${SCRIPT_DIR}/name}"`` line defaults to."""
    match = re.search(rf'^{variable}="\$\{{{env_name}:-\$\{{SCRIPT_DIR\}}/([^}}"]+)\}}"$', text, re.MULTILINE)
    assert match, f"{variable} default not found in fisco-chain.sh"
    return match.group(1)


_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}")


def interpolate(value: str, env: Mapping[str, str]) -> str:
    """Compose's ``${NAME}`` / ``${NAME:-default}`` interpolation (the forms our file uses)."""

    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if env.get(name):
            return env[name]
        if default is None:
            raise ValueError(f"${{{name}}} has no default and is not set")
        return default

    return _VARIABLE.sub(replace, value)


@dataclass(frozen=True)
class PortBinding:
    """One published port of a compose service."""

    host_ip: str
    host_port: int
    container_port: int


def parse_port(spec: str | int | Mapping[str, Any]) -> PortBinding:
    """Compose's short (``[ip:]host:container[/proto]``) or long port syntax."""
    if isinstance(spec, Mapping):
        return PortBinding(str(spec.get("host_ip", "0.0.0.0")), int(spec["published"]), int(spec["target"]))
    parts = str(spec).split("/")[0].split(":")
    if len(parts) == 1:
        return PortBinding("0.0.0.0", int(parts[0]), int(parts[0]))
    if len(parts) == 2:
        return PortBinding("0.0.0.0", int(parts[0]), int(parts[1]))
    return PortBinding(parts[0], int(parts[1]), int(parts[2]))


@dataclass(frozen=True)
class Mount:
    """A bind mount of a compose service, with the host side resolved."""

    source: Path
    target: str


def bind_mounts(service: Mapping[str, Any], compose_dir: Path) -> list[Mount]:
    mounts = []
    for entry in service.get("volumes", []):
        if isinstance(entry, Mapping):
            if entry.get("type") != "bind":
                continue
            source, target = entry["source"], entry["target"]
        else:
            source, target = interpolate(str(entry), {}).split(":")[:2]
        source = interpolate(source, {})
        if source.startswith((".", "/")):
            mounts.append(Mount((compose_dir / source).resolve(), target))
    return mounts


@dataclass(frozen=True)
class Expected:
    """What the compose file must agree with, read from fisco-chain.sh."""

    image: str
    node_count: int
    host_ip: str
    p2p_start: int
    rpc_start: int
    web3_start: int
    subnet_prefix: str
    ip_offset: int
    chain_dir: Path
    workspace_dir: Path

    @classmethod
    def from_script(cls, text: str, script_dir: Path) -> Expected:
        c = script_constants(text)
        return cls(
            image=c["FISCO_IMAGE"],
            node_count=int(c["NODE_COUNT"]),
            host_ip=c["HOST_IP"],
            p2p_start=int(c["P2P_PORT_START"]),
            rpc_start=int(c["RPC_PORT_START"]),
            web3_start=int(c["WEB3_PORT_START"]),
            subnet_prefix=c["SUBNET_PREFIX"],
            ip_offset=int(c["NODE_IP_OFFSET"]),
            chain_dir=script_dir / script_default_dir(text, "CHAIN_DIR", "FISCO_CHAIN_DIR"),
            workspace_dir=script_dir / script_default_dir(text, "WORKSPACE_DIR", "LEDGER_WORKSPACE_DIR"),
        )

    def node_ip(self, i: int) -> str:
        return f"{self.subnet_prefix}.{self.ip_offset + i}"

    def node_ports(self, i: int) -> set[int]:
        return {self.p2p_start + i, self.rpc_start + i, self.web3_start + i}


# --- the checkers --------------------------------------------------------------------------------


def compose_problems(compose: Mapping[str, Any], expected: Expected, compose_dir: Path) -> list[str]:
    """Every disagreement between the compose file, the script and the repository."""
    problems: list[str] = []
    services: Mapping[str, Any] = compose.get("services", {})
    node_names = [f"node{i}" for i in range(expected.node_count)]
    extra = sorted(set(services) - set(node_names) - {"ledger"})
    if extra:
        problems.append(f"unexpected services {extra}")
    subnets = [
        ipaddress.ip_network(pool["subnet"])
        for network in compose.get("networks", {}).values()
        for pool in (network or {}).get("ipam", {}).get("config", [])
    ]
    host_ports: dict[int, str] = {}
    for i, name in enumerate(node_names):
        node = services.get(name)
        if node is None:
            problems.append(f"service {name} is missing")
            continue
        if node.get("image") != expected.image:
            problems.append(f"{name} runs {node.get('image')}, the script pins {expected.image}")
        if node.get("working_dir") != "/data":
            problems.append(f"{name} must work in /data, where its node directory is mounted")
        if node.get("command") != ["-c", "config.ini", "-g", "config.genesis"]:
            problems.append(f"{name} command {node.get('command')} is not FISCO's start line")
        if node.get("restart") not in ("always", "unless-stopped"):
            problems.append(f"{name} has no restart policy")
        data = [m.source for m in bind_mounts(node, compose_dir) if m.target == "/data"]
        wanted = expected.chain_dir / "nodes" / expected.host_ip / name
        if data != [wanted]:
            problems.append(f"{name} mounts {data} at /data, expected {wanted}")
        ports = [parse_port(spec) for spec in node.get("ports", [])]
        if {p.host_port for p in ports} != expected.node_ports(i):
            problems.append(
                f"{name} publishes {sorted(p.host_port for p in ports)}, expected {sorted(expected.node_ports(i))}"
            )
        for port in ports:
            if port.host_port != port.container_port:
                problems.append(
                    f"{name} maps {port.host_port} to {port.container_port}; config.ini listens on the host port"
                )
            if port.host_ip != "127.0.0.1":
                problems.append(f"{name} publishes {port.host_port} on {port.host_ip}, not on 127.0.0.1 only")
        addresses = [
            n.get("ipv4_address") for n in (node.get("networks") or {}).values() if isinstance(n, Mapping)
        ]
        if addresses != [expected.node_ip(i)]:
            problems.append(f"{name} has addresses {addresses}, nodes.json names {expected.node_ip(i)}")
        elif not any(ipaddress.ip_address(addresses[0]) in subnet for subnet in subnets):
            problems.append(f"{name} address {addresses[0]} is outside the network's subnets {subnets}")
    for name, service in services.items():
        for spec in service.get("ports", []):
            host_port = parse_port(spec).host_port
            if host_port in host_ports:
                problems.append(
                    f"host port {host_port} is published by both {host_ports[host_port]} and {name}"
                )
            host_ports[host_port] = name
        for mount in bind_mounts(service, compose_dir):
            generated = (
                mount.source.is_relative_to(expected.chain_dir) or mount.source == expected.workspace_dir
            )
            if not generated and not mount.source.exists():
                problems.append(f"{name} mounts {mount.source}, which does not exist")
    ledger = services.get("ledger")
    if ledger is None:
        problems.append("service ledger is missing")
        return problems
    build = ledger.get("build", {})
    context = (compose_dir / build.get("context", ".")).resolve()
    if not context.is_dir():
        problems.append(f"ledger build context {context} does not exist")
    elif not (context / build.get("dockerfile", "Dockerfile")).is_file():
        problems.append(f"ledger Dockerfile {context / build.get('dockerfile', 'Dockerfile')} does not exist")
    mounts = {m.target: m.source for m in bind_mounts(ledger, compose_dir)}
    if mounts.get("/sdk") != expected.chain_dir / "sdk":
        problems.append(
            f"ledger mounts {mounts.get('/sdk')} at /sdk, the script copies the certificates to {expected.chain_dir / 'sdk'}"
        )
    if mounts.get("/workspace") != expected.workspace_dir:
        problems.append(
            f"ledger mounts {mounts.get('/workspace')} at /workspace, the script uses {expected.workspace_dir}"
        )
    return problems


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in text.splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).strip().partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def excluded(path: str, patterns: list[str]) -> bool:
    """Docker's ignore rule: the last pattern matching the path or one of its parents decides."""
    parts = path.strip("/").split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    result = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        body = pattern[1:] if negate else pattern
        body = body.strip("/")
        if any(
            fnmatch.fnmatchcase(c, body) or fnmatch.fnmatchcase(c, body.removeprefix("**/"))
            for c in candidates
        ):
            result = not negate
    return result


def dockerfile_problems(
    text: str, context: Path, ignore: list[str], pyproject: Mapping[str, Any]
) -> list[str]:
    """Everything in the Dockerfile that would fail or would run the CLI unsafely."""
    problems: list[str] = []
    instructions = dockerfile_instructions(text)
    args = {}
    copied: list[str] = []
    stages: list[list[tuple[str, str]]] = []
    for keyword, arguments in instructions:
        if keyword == "ARG" and not stages and "=" in arguments:
            name, _, value = arguments.partition("=")
            args[name] = value
        if keyword == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((keyword, arguments))
        if keyword in ("COPY", "ADD"):
            words = arguments.split()
            if any(w.startswith("--from") for w in words):
                continue
            sources = [w for w in words if not w.startswith("--")][:-1]
            for source in sources:
                copied.append(source.rstrip("/"))
                if not (context / source).exists():
                    problems.append(f"COPY source {source} does not exist in {context}")
                elif excluded(source, ignore):
                    problems.append(f"COPY source {source} is excluded by the dockerignore file")
    if not stages:
        return problems + ["no FROM"]
    final = stages[-1]
    base = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), final[0][1].split()[0])
    if not re.fullmatch(r"python:3\.\d+-slim(-\w+)?", base):
        problems.append(f"final image {base} is not a python slim image")
    users = [a for k, a in final if k == "USER"]
    if not users or users[-1].split(":")[0] in ("root", "0"):
        problems.append("the final stage runs as root")
    entrypoints = [a for k, a in final if k == "ENTRYPOINT"]
    script = next(iter(pyproject["project"].get("scripts", {})), None)
    if not entrypoints or json.loads(entrypoints[-1]) != [script]:
        problems.append(f"ENTRYPOINT {entrypoints[-1:]} is not the project's console script {script}")
    if not any(k == "VOLUME" and "/workspace" in a for k, a in final):
        problems.append("no /workspace volume")
    readme = pyproject["project"].get("readme")
    needed = ["pyproject.toml", "ledger"] + ([readme] if isinstance(readme, str) else [])
    for path in needed:
        if path not in copied:
            problems.append(f"{path} is needed to build the package but is not copied")
    return problems


def read_ini(text: str) -> dict[str, dict[str, str]]:
    """FISCO's config.ini (indented keys, ';' comments); a repeated key is an error."""
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(";"):
            continue
        if stripped.startswith("["):
            current = sections.setdefault(stripped.strip("[]"), {})
            continue
        key, _, value = stripped.partition("=")
        assert current is not None, f"key outside a section: {line!r}"
        assert key.strip() not in current, f"key {key.strip()} repeated"
        current[key.strip()] = value.strip()
    return sections


# --- fixtures --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def script_text() -> str:
    return SCRIPT.read_text()


@pytest.fixture(scope="module")
def expected(script_text: str) -> Expected:
    return Expected.from_script(script_text, DOCKER)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def ignore_patterns() -> list[str]:
    return [
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


# --- the files agree -------------------------------------------------------------------------------


def test_compose_agrees_with_the_script_and_the_repository(
    compose: dict[str, Any], expected: Expected
) -> None:
    assert compose_problems(compose, expected, DOCKER) == []


def spec_problems(text: str) -> list[str]:
    """The Compose Specification's verdict (the compose_spec crate, through ``compose-spec``).

    The file is interpolated with its defaults first and its YAML merge keys resolved, as Compose
    does before validating.
    """
    compose_spec = pytest.importorskip("compose_spec", reason="compose-spec (test extra) is not installed")
    document = yaml.safe_load(interpolate(text, {}))
    document = {key: value for key, value in document.items() if not key.startswith("x-")}
    try:
        compose_spec.PyCompose.from_json(json.dumps(document))
    except ValueError as exc:
        return [str(exc)]
    return []


def test_compose_file_follows_the_compose_specification() -> None:
    assert spec_problems(COMPOSE_FILE.read_text()) == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("restart: unless-stopped", "restart_policy: unless-stopped"),
        ("working_dir: /data", "working_dir: data"),
        ("ipv4_address: 172.30.30.11", "ipv4_address: 172.30.30.311"),
        ('profiles: ["cli"]', 'profile: ["cli"]'),
    ],
)
def test_specification_check_catches(old: str, new: str) -> None:
    text = COMPOSE_FILE.read_text()
    assert old in text
    assert spec_problems(text.replace(old, new)) != []


def test_the_pinned_release_is_a_3x_tag(script_text: str, expected: Expected) -> None:
    constants = script_constants(script_text)
    assert re.fullmatch(r"v3\.\d+\.\d+", constants["FISCO_VERSION"])
    assert expected.image == f"fiscoorg/fiscobcos:{constants['FISCO_VERSION']}"
    assert (
        f"/releases/download/{constants['FISCO_VERSION']}/build_chain.sh"
        in constants["BUILD_CHAIN_URL_DEFAULT"]
    )


def _node(compose: dict[str, Any], i: int) -> dict[str, Any]:
    return compose["services"][f"node{i}"]


MUTATIONS = {
    "a node publishes the wrong rpc port": (
        lambda c: _node(c, 1)["ports"].__setitem__(1, "127.0.0.1:20205:20205"),
        "node1 publishes",
    ),
    "two services publish one host port": (
        lambda c: c["services"]["ledger"].__setitem__("ports", ["127.0.0.1:20200:20200"]),
        "host port 20200 is published by both",
    ),
    "a port is open to every interface": (
        lambda c: _node(c, 2)["ports"].__setitem__(0, "30302:30302"),
        "not on 127.0.0.1 only",
    ),
    "the image tag differs from the script's release": (
        lambda c: _node(c, 0).__setitem__("image", "fiscoorg/fiscobcos:v3.6.0"),
        "runs fiscoorg/fiscobcos:v3.6.0",
    ),
    "a node has another address than nodes.json": (
        lambda c: _node(c, 3).__setitem__("networks", {"fisco": {"ipv4_address": "172.30.30.99"}}),
        "nodes.json names",
    ),
    "a node mounts another node's directory": (
        lambda c: _node(c, 2).__setitem__("volumes", ["./chain/nodes/127.0.0.1/node1:/data"]),
        "node2 mounts",
    ),
    "a node is missing": (lambda c: c["services"].pop("node3"), "service node3 is missing"),
    "the build context does not exist": (
        lambda c: c["services"]["ledger"]["build"].__setitem__("context", "../no-such-dir"),
        "build context",
    ),
    "the Dockerfile does not exist": (
        lambda c: c["services"]["ledger"]["build"].__setitem__("dockerfile", "docker/Nope"),
        "Dockerfile",
    ),
    "a mounted host path does not exist": (
        lambda c: c["services"]["ledger"]["volumes"].append("./no-such-file.pem:/etc/x.pem:ro"),
        "does not exist",
    ),
    "the ledger reads certificates from elsewhere": (
        lambda c: c["services"]["ledger"]["volumes"].__setitem__(1, "./chain/nodes/127.0.0.1/sdk:/sdk:ro"),
        "at /sdk",
    ),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_compose_checker_catches(mutation: str, compose: dict[str, Any], expected: Expected) -> None:
    change, message = MUTATIONS[mutation]
    broken = copy.deepcopy(compose)
    change(broken)
    problems = compose_problems(broken, expected, DOCKER)
    assert any(message in p for p in problems), problems


def test_compose_checker_catches_a_port_change_in_the_script(
    compose: dict[str, Any], script_text: str
) -> None:
    moved = Expected.from_script(script_text.replace("RPC_PORT_START=20200", "RPC_PORT_START=20300"), DOCKER)
    assert any("publishes" in p for p in compose_problems(compose, moved, DOCKER))


def test_dockerfile_copies_existing_sources_and_runs_the_cli_unprivileged(pyproject: dict[str, Any]) -> None:
    assert dockerfile_problems(DOCKERFILE.read_text(), ROOT, ignore_patterns(), pyproject) == []


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda t: t.replace("COPY ledger ./ledger", "COPY ledger ./ledger\nCOPY no-such-dir ./x"),
            "no-such-dir does not exist",
        ),
        (
            lambda t: t.replace("COPY ledger ./ledger", "COPY ledger ./ledger\nCOPY tests ./tests"),
            "tests is excluded",
        ),
        (
            lambda t: t.replace("COPY pyproject.toml README.md ./", "COPY pyproject.toml ./"),
            "README.md is needed",
        ),
        (lambda t: t.replace("USER ledger", "USER root"), "runs as root"),
        (lambda t: t.replace('ENTRYPOINT ["ledger"]', 'ENTRYPOINT ["python"]'), "console script"),
        (lambda t: t.replace("python:3.11-slim-bookworm", "python:3.11"), "not a python slim image"),
    ],
)
def test_dockerfile_checker_catches(edit: Any, message: str, pyproject: dict[str, Any]) -> None:
    broken = edit(DOCKERFILE.read_text())
    assert broken != DOCKERFILE.read_text()
    problems = dockerfile_problems(broken, ROOT, ignore_patterns(), pyproject)
    assert any(message in p for p in problems), problems


def test_dockerignore_keeps_the_context_small() -> None:
    patterns = ignore_patterns()
    for path in (".venv", "node_modules", ".git", "tests", "docker/chain", "docker/workspace", ".ledger"):
        assert excluded(path, patterns), path
    for path in ("pyproject.toml", "README.md", "ledger/cli/app.py"):
        assert not excluded(path, patterns), path
    assert excluded("ledger/__pycache__/x.pyc", patterns)


def test_script_parses_with_bash() -> None:
    subprocess.run(["bash", "-n", str(SCRIPT)], check=True, timeout=30)


def test_script_passes_shellcheck() -> None:
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed (Debian: apt-get install shellcheck)")
    result = subprocess.run(
        ["shellcheck", str(SCRIPT)], check=False, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout


# --- fisco-chain.sh against a stand-in build_chain.sh -----------------------------------------------

# Writes what FISCO's build_chain.sh writes for `-l IP:N -p P2P,RPC -o DIR` (the parts this project
# touches), in the 3.16 layout or, with FAKE_LAYOUT=old, the older one (commented disable_ssl, no
# [web3_rpc] section). Every call's arguments are appended to $FAKE_ARGS_LOG.
FAKE_BUILD_CHAIN = r"""#!/bin/bash
set -e
echo "$*" >> "${FAKE_ARGS_LOG}"
[ -n "${FAKE_FAIL:-}" ] && { echo "openssl: cannot generate keys" >&2; exit 1; }
out=./nodes; ports=30300,20200; list=; sm=false
while getopts "l:o:p:v:Ds" opt; do
  case $opt in l) list=$OPTARG;; o) out=$OPTARG;; p) ports=$OPTARG;; s) sm=true;; *) ;; esac
done
ip=${list%:*}; count=${list#*:}; p2p=${ports%,*}; rpc=${ports#*,}
[ -d "$out" ] && { echo "$out DIR already exist" >&2; exit 1; }
mkdir -p "$out/$ip/sdk"
for f in ca.crt sdk.crt sdk.key; do echo "test $f" > "$out/$ip/sdk/$f"; done
peers=""
for ((i = 0; i < count; i++)); do peers="$peers\"$ip:$((p2p + i))\","; done
for ((i = 0; i < count; i++)); do
  d="$out/$ip/node$i"; mkdir -p "$d/conf"
  if [ "${FAKE_LAYOUT:-}" = old ]; then
    ssl="    ;disable_ssl=true"; web3=""
  else
    ssl="    enable_ssl=true"
    web3=$'[web3_rpc]\n    enable=false\n    listen_ip=0.0.0.0\n    listen_port=8545\n    thread_count=8\n'
  fi
  cat > "$d/config.ini" <<INI
[p2p]
    listen_ip=0.0.0.0
    listen_port=$((p2p + i))
    ; ssl or sm ssl
    sm_ssl=$sm
    nodes_path=./
    nodes_file=nodes.json

[rpc]
    listen_ip=0.0.0.0
    listen_port=$((rpc + i))
    thread_count=4
    ; ssl or sm ssl
    sm_ssl=$sm
$ssl

$web3
[chain]
    sm_crypto=$sm
    group_id=group0
    chain_id=chain0
INI
  echo "{\"nodes\":[${peers%,}]}" > "$d/nodes.json"
done
"""


@dataclass
class ScriptRun:
    """A sandbox for fisco-chain.sh: its own chain directory and stand-in build_chain.sh."""

    tmp: Path

    @property
    def chain(self) -> Path:
        return self.tmp / "chain"

    @property
    def args_log(self) -> Path:
        return self.tmp / "build_chain_args.log"

    def node(self, i: int) -> Path:
        return self.chain / "nodes" / "127.0.0.1" / f"node{i}"

    def config(self, i: int) -> dict[str, dict[str, str]]:
        return read_ini((self.node(i) / "config.ini").read_text())

    def calls(self) -> list[str]:
        return self.args_log.read_text().splitlines() if self.args_log.exists() else []

    def __call__(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        environment = {
            "PATH": os.environ["PATH"],
            "HOME": str(self.tmp),
            "FISCO_CHAIN_DIR": str(self.chain),
            "FISCO_BUILD_CHAIN_URL": (self.tmp / "build_chain.sh").as_uri(),
            "FAKE_ARGS_LOG": str(self.args_log),
            **env,
        }
        return subprocess.run(
            ["bash", str(SCRIPT), *args],
            check=False,
            capture_output=True,
            text=True,
            env=environment,
            timeout=60,
        )


@pytest.fixture
def run(tmp_path: Path) -> ScriptRun:
    (tmp_path / "build_chain.sh").write_text(FAKE_BUILD_CHAIN)
    return ScriptRun(tmp_path)


def test_build_runs_build_chain_in_docker_mode_for_the_pinned_release(
    run: ScriptRun, compose: dict[str, Any], expected: Expected
) -> None:
    result = run("build")
    assert result.returncode == 0, result.stderr
    assert run.calls() == ["-D -l 127.0.0.1:4 -p 30300,20200 -v v3.16.4 -o nodes"]
    assert (run.chain / "build_chain.sh").read_text() == FAKE_BUILD_CHAIN
    # The ports build_chain.sh was given are the ones node0 publishes.
    p2p, rpc = run.calls()[0].split(" -p ")[1].split()[0].split(",")
    published = {parse_port(p).host_port for p in _node(compose, 0)["ports"]}
    assert {int(p2p), int(rpc)} <= published


def test_build_keeps_mutual_tls_and_copies_the_sdk_certificates(run: ScriptRun, expected: Expected) -> None:
    result = run("build")
    assert result.returncode == 0, result.stderr
    for i in range(4):
        config = run.config(i)
        assert config["rpc"]["enable_ssl"] == "true"
        assert config["rpc"]["disable_ssl"] == "false"
        assert config["rpc"]["listen_port"] == str(20200 + i)
        assert config["web3_rpc"]["enable"] == "false"
    sdk = run.chain / "sdk"
    assert sorted(p.name for p in sdk.iterdir()) == ["ca.crt", "sdk.crt", "sdk.key"]
    assert stat.S_IMODE((sdk / "sdk.key").stat().st_mode) == 0o600
    assert stat.S_IMODE(sdk.stat().st_mode) == 0o700
    assert (sdk / "sdk.key").read_text() == "test sdk.key\n"
    assert "test sdk.key" not in result.stdout + result.stderr
    hosts = " ".join(f"--rpc-url https://127.0.0.1:{20200 + i}" for i in range(4))
    assert f"ledger init --network fisco3 {hosts} --sdk-certs {sdk}" in result.stdout
    assert "--network rpc" not in result.stdout


def test_nodes_json_names_the_compose_addresses(run: ScriptRun, compose: dict[str, Any]) -> None:
    assert run("build").returncode == 0
    peers = []
    for i in range(4):
        address = _node(compose, i)["networks"]["fisco"]["ipv4_address"]
        p2p = min(
            parse_port(p).host_port for p in _node(compose, i)["ports"] if parse_port(p).host_port >= 30300
        )
        peers.append(f"{address}:{p2p}")
    for i in range(4):
        assert json.loads((run.node(i) / "nodes.json").read_text()) == {"nodes": peers}


def test_build_twice_changes_nothing(run: ScriptRun) -> None:
    assert run("build", "--web3").returncode == 0
    before = {p: p.read_bytes() for p in sorted(run.chain.rglob("*")) if p.is_file()}
    again = run("build", "--web3")
    assert again.returncode == 0, again.stderr
    assert "keeping it" in again.stderr
    assert len(run.calls()) == 1
    assert {p: p.read_bytes() for p in sorted(run.chain.rglob("*")) if p.is_file()} == before


def test_configure_plain_http_and_web3(run: ScriptRun, compose: dict[str, Any]) -> None:
    assert run("build").returncode == 0
    result = run("configure", "--plain-http", "--web3")
    assert result.returncode == 0, result.stderr
    for i in range(4):
        config = run.config(i)
        assert (config["rpc"]["enable_ssl"], config["rpc"]["disable_ssl"]) == ("false", "true")
        assert config["web3_rpc"]["enable"] == "true"
        web3_port = int(config["web3_rpc"]["listen_port"])
        assert web3_port == 8545 + i
        assert web3_port in {parse_port(p).host_port for p in _node(compose, i)["ports"]}
    assert "--rpc-url http://127.0.0.1:20200" in result.stdout
    assert "--sdk-certs" not in result.stdout
    assert "ledger init --network rpc --rpc-url http://127.0.0.1:8545 --chain-id 20200" in result.stdout
    back = run("configure")
    assert back.returncode == 0
    assert run.config(0)["rpc"]["enable_ssl"] == "true"
    assert run.config(0)["web3_rpc"]["enable"] == "false"


def test_configure_completes_the_older_config_layout(run: ScriptRun) -> None:
    assert run("build", "--web3", FAKE_LAYOUT="old").returncode == 0
    for i in range(4):
        text = (run.node(i) / "config.ini").read_text()
        config = read_ini(text)
        assert config["rpc"]["disable_ssl"] == "false"
        assert config["rpc"]["enable_ssl"] == "true"
        assert config["web3_rpc"] == {"enable": "true", "listen_ip": "0.0.0.0", "listen_port": str(8545 + i)}
        assert config["chain"]["sm_crypto"] == "false"
        assert ";disable_ssl" not in text


def test_sm_chain_uses_plain_http_and_refuses_web3(run: ScriptRun, tmp_path: Path) -> None:
    refused = run("build", "--sm", "--web3")
    assert refused.returncode == 2
    assert "SM chain" in refused.stderr
    assert not (run.chain / "nodes").exists()
    built = run("build", "--sm")
    assert built.returncode == 0, built.stderr
    assert run.calls() == ["-D -l 127.0.0.1:4 -p 30300,20200 -v v3.16.4 -o nodes -s"]
    assert run.config(0)["rpc"]["enable_ssl"] == "false"
    assert "--sdk-certs" not in built.stdout
    assert run("configure", "--web3").returncode == 2
    mismatch = run("build")
    assert mismatch.returncode == 1
    assert "is an SM chain" in mismatch.stderr


def test_build_checks_the_pinned_checksum(run: ScriptRun) -> None:
    result = run("build", FISCO_BUILD_CHAIN_SHA256="0" * 64)
    assert result.returncode == 1
    assert "expected " + "0" * 64 in result.stderr
    assert not (run.chain / "build_chain.sh").exists()
    assert not (run.chain / "nodes").exists()
    assert run.calls() == []


def test_build_refuses_a_download_that_is_not_a_script(run: ScriptRun) -> None:
    page = run.tmp / "error.html"
    page.write_text("<html>rate limited</html>\n")
    result = run("build", FISCO_BUILD_CHAIN_URL=page.as_uri())
    assert result.returncode == 1
    assert "not a bash script" in result.stderr
    assert not (run.chain / "build_chain.sh").exists()


def test_build_reports_a_failing_build_chain_and_leaves_no_half_chain(run: ScriptRun) -> None:
    result = run("build", FAKE_FAIL="1")
    assert result.returncode == 1
    assert "build_chain.sh failed" in result.stderr
    assert "cannot generate keys" in result.stderr
    assert not (run.chain / "nodes").exists()
    assert run("build").returncode == 0


def test_build_refuses_to_finish_an_interrupted_build(run: ScriptRun) -> None:
    (run.node(0)).mkdir(parents=True)
    result = run("build")
    assert result.returncode == 1
    assert f"incomplete chain in {run.chain / 'nodes'}" in result.stderr
    assert run.calls() == []


def test_configure_refuses_nodes_built_with_other_ports(run: ScriptRun) -> None:
    assert run("build").returncode == 0
    config = run.node(2) / "config.ini"
    config.write_text(config.read_text().replace("listen_port=20202", "listen_port=20302"))
    result = run("configure")
    assert result.returncode == 1
    assert "node2 listens on p2p 30302 and rpc 20302, expected 30302 and 20202" in result.stderr


def test_commands_that_need_a_chain_say_how_to_make_one(run: ScriptRun) -> None:
    for command in ("configure", "init-cmd", "up", "status", "ledger"):
        result = run(command)
        assert result.returncode == 1, command
        assert "run 'fisco-chain.sh build' first" in result.stderr, command


# Stands in for the docker CLI: logs each call with the variables compose interpolates, and
# fails `docker info` when FAKE_DOCKER_DOWN is set (no engine).
FAKE_DOCKER = r"""#!/bin/bash
echo "$* | chain=${FISCO_CHAIN_DIR} workspace=${LEDGER_WORKSPACE_DIR} uid=${HOST_UID}:${HOST_GID}" >> "${FAKE_DOCKER_LOG}"
[ "$1" = info ] && [ -n "${FAKE_DOCKER_DOWN:-}" ] && exit 1
exit 0
"""


@pytest.fixture
def docker_run(run: ScriptRun) -> ScriptRun:
    """``run`` with a built chain and the stand-in docker CLI first on PATH."""
    assert run("build").returncode == 0
    bin_dir = run.tmp / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text(FAKE_DOCKER)
    (bin_dir / "docker").chmod(0o755)
    return run


def _docker(run: ScriptRun, *args: str, **env: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    log = run.tmp / "docker.log"
    result = run(*args, PATH=f"{run.tmp / 'bin'}:{os.environ['PATH']}", FAKE_DOCKER_LOG=str(log), **env)
    calls = [
        line for line in (log.read_text().splitlines() if log.exists() else []) if " compose " in f" {line}"
    ]
    return result, calls


def test_up_starts_the_four_nodes_and_waits_for_them(docker_run: ScriptRun) -> None:
    result, calls = _docker(docker_run, "up", FISCO_UP_TIMEOUT="0")
    ids = f"{os.getuid()}:{os.getgid()}"
    env = f"chain={docker_run.chain} workspace={DOCKER / 'workspace'} uid={ids}"
    assert f"compose -f {COMPOSE_FILE} up -d node0 node1 node2 node3 | {env}" in calls
    # Nothing answers JSON-RPC here, so the deadline passes and every node is named.
    assert result.returncode == 1
    assert "not answering after 0s: node0 node1 node2 node3" in result.stderr


def test_down_purge_removes_the_containers_then_the_chain(docker_run: ScriptRun) -> None:
    result, calls = _docker(docker_run, "down", "--purge")
    assert result.returncode == 0, result.stderr
    assert any(
        c.startswith(f"compose -f {COMPOSE_FILE} --profile cli down --remove-orphans |") for c in calls
    )
    assert not docker_run.chain.exists()


def test_ledger_runs_the_cli_container_with_the_arguments(docker_run: ScriptRun) -> None:
    workspace = docker_run.tmp / "ws"
    result, calls = _docker(
        docker_run, "ledger", "init", "--network", "fisco3", LEDGER_WORKSPACE_DIR=str(workspace)
    )
    assert result.returncode == 0, result.stderr
    assert any(
        c.startswith(f"compose -f {COMPOSE_FILE} --profile cli run --rm ledger init --network fisco3 |")
        and f"workspace={workspace}" in c
        for c in calls
    )
    assert workspace.is_dir()


def test_docker_commands_need_a_running_engine(docker_run: ScriptRun) -> None:
    result, calls = _docker(docker_run, "status", FAKE_DOCKER_DOWN="1")
    assert result.returncode == 1
    assert "cannot reach the Docker engine" in result.stderr
    assert not any(" ps " in f" {c} " for c in calls)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("frobnicate",), "unknown command 'frobnicate'"),
        (("build", "--tls"), "unknown option '--tls'"),
        (("up", "--web3"), "'up' takes no options"),
        (("down", "--web3"), "'down' takes only --purge"),
        (("build", "--purge"), "--purge only goes with 'down'"),
    ],
)
def test_usage_errors_exit_2(run: ScriptRun, args: tuple[str, ...], message: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert run.calls() == []


def test_help_lists_every_command(run: ScriptRun) -> None:
    result = run("help")
    assert result.returncode == 0
    for command in ("build", "configure", "up", "status", "down", "init-cmd", "ledger"):
        assert re.search(rf"^  {command}\b", result.stdout, re.MULTILINE), command
