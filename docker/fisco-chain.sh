#!/usr/bin/env bash
# fisco-chain.sh - a four-node FISCO BCOS 3.x chain in Docker for the ledger.
#
# Wraps FISCO BCOS's own build_chain.sh (docker mode) and docker-compose.yml beside this script:
#
#   build      fetch build_chain.sh for the pinned release, generate four nodes, configure them
#   configure  (re)apply this project's settings to the generated nodes (idempotent)
#   up         start the four node containers and wait until every node answers
#   status     show the containers and each node's block number
#   down       stop and remove the containers (chain data is kept; --purge deletes it)
#   init-cmd   print the `ledger init` commands for this chain
#   ledger     run the ledger CLI container on the chain's network: fisco-chain.sh ledger init ...
#
# Run `fisco-chain.sh help` for the options. Every command can be run again safely.
set -euo pipefail

# --- pinned facts; tests/test_docker.py checks docker-compose.yml against them --------------
readonly FISCO_VERSION="v3.16.4"
readonly FISCO_IMAGE="fiscoorg/fiscobcos:${FISCO_VERSION}"
readonly BUILD_CHAIN_URL_DEFAULT="https://github.com/FISCO-BCOS/FISCO-BCOS/releases/download/${FISCO_VERSION}/build_chain.sh"
readonly NODE_COUNT=4
readonly HOST_IP="127.0.0.1"
readonly P2P_PORT_START=30300
readonly RPC_PORT_START=20200
readonly WEB3_PORT_START=8545
readonly GROUP_ID="group0"
# The compose network "fisco" uses ${SUBNET_PREFIX}.0/24 and node i has ${SUBNET_PREFIX}.(NODE_IP_OFFSET+i).
# FISCO's p2p layer accepts IP addresses only (no host names), so nodes.json lists these addresses.
readonly SUBNET_PREFIX="172.30.30"
readonly NODE_IP_OFFSET=10
readonly WEB3_CHAIN_ID=20200

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly SCRIPT_DIR
readonly COMPOSE_FILE="${SCRIPT_DIR}/docker-compose.yml"
CHAIN_DIR="${FISCO_CHAIN_DIR:-${SCRIPT_DIR}/chain}"
WORKSPACE_DIR="${LEDGER_WORKSPACE_DIR:-${SCRIPT_DIR}/workspace}"
BUILD_CHAIN_URL="${FISCO_BUILD_CHAIN_URL:-${BUILD_CHAIN_URL_DEFAULT}}"
UP_TIMEOUT="${FISCO_UP_TIMEOUT:-120}"

# Options (set by parse_options).
OPT_PLAIN_HTTP=false
OPT_WEB3=false
OPT_SM=false
OPT_PURGE=false

log() { printf '[fisco-chain] %s\n' "$*" >&2; }

die() {
    printf '[fisco-chain] error: %s\n' "$1" >&2
    exit "${2:-1}"
}

usage() {
    cat <<EOF
Usage: $(basename "$0") COMMAND [OPTIONS]

Commands:
  build [--plain-http] [--web3] [--sm]
                 fetch FISCO BCOS's build_chain.sh (${FISCO_VERSION}), generate ${NODE_COUNT} nodes in docker
                 mode (-D -l ${HOST_IP}:${NODE_COUNT} -p ${P2P_PORT_START},${RPC_PORT_START}) under the chain
                 directory and configure them; does nothing but configure when the chain exists
  configure [--plain-http] [--web3]
                 apply this project's settings to the generated nodes again
  up             start the node containers and wait until each node answers
  status         show the containers and each node's block number
  down [--purge] stop and remove the containers; --purge also deletes the chain directory
  init-cmd       print the 'ledger init' commands for this chain
  ledger ARGS    run the ledger CLI container on the chain's network, e.g. 'ledger init ...'
  help           show this help

Options:
  --plain-http   serve the native RPC (${RPC_PORT_START}..) over plain HTTP ([rpc] enable_ssl=false);
                 the default keeps FISCO's mutual TLS and the ledger uses the sdk certificates
  --web3         also enable the Ethereum-compatible RPC, node i on port $((WEB3_PORT_START))+i
  --sm           build an SM (guomi) chain: SM2/SM3 signatures; implies --plain-http because
                 Python cannot speak SM TLS; the web3 RPC does not support SM chains
  --purge        with 'down': delete the generated chain (keys, certificates, blocks)

Environment:
  FISCO_CHAIN_DIR         chain directory (default: ${SCRIPT_DIR}/chain)
  FISCO_BUILD_CHAIN_URL   where to fetch build_chain.sh (default: the ${FISCO_VERSION} GitHub release)
  FISCO_BUILD_CHAIN_SHA256  expected SHA-256 of build_chain.sh; checked when set
  FISCO_UP_TIMEOUT        seconds 'up' waits for the nodes (default: 120)
  LEDGER_WORKSPACE_DIR    host directory mounted as the ledger container's /workspace
EOF
}

parse_options() {
    local command="$1"
    shift
    while (($# > 0)); do
        case "$1" in
        --plain-http) OPT_PLAIN_HTTP=true ;;
        --web3) OPT_WEB3=true ;;
        --sm) OPT_SM=true ;;
        --purge) OPT_PURGE=true ;;
        -h | --help)
            usage
            exit 0
            ;;
        *) die "unknown option '$1' for '${command}' (see '$(basename "$0") help')" 2 ;;
        esac
        shift
    done
    case "${command}" in
    build | configure) [[ "${OPT_PURGE}" == false ]] || die "--purge only goes with 'down'" 2 ;;
    down) [[ "${OPT_PLAIN_HTTP}${OPT_WEB3}${OPT_SM}" == falsefalsefalse ]] || die "'down' takes only --purge" 2 ;;
    *) [[ "${OPT_PLAIN_HTTP}${OPT_WEB3}${OPT_SM}${OPT_PURGE}" == falsefalsefalsefalse ]] ||
        die "'${command}' takes no options" 2 ;;
    esac
    if [[ "${OPT_SM}" == true && "${OPT_WEB3}" == true ]]; then
        die "the web3 RPC signs with secp256k1 only; it cannot serve an SM chain (drop --web3 or --sm)" 2
    fi
    if [[ "${command}" == configure && "${OPT_SM}" == true ]]; then
        die "--sm is fixed when the chain is built; 'configure' reads it from the chain" 2
    fi
}

need() {
    local tool
    for tool in "$@"; do
        command -v "${tool}" >/dev/null 2>&1 || die "'${tool}' is required but not installed"
    done
}

nodes_root() { printf '%s/nodes/%s' "${CHAIN_DIR}" "${HOST_IP}"; }
node_dir() { printf '%s/node%d' "$(nodes_root)" "$1"; }
node_ip() { printf '%s.%d' "${SUBNET_PREFIX}" "$((NODE_IP_OFFSET + $1))"; }

# --- config.ini editing ----------------------------------------------------------------------

# ini_set FILE SECTION KEY VALUE: set KEY=VALUE in [SECTION], replacing the key's first line
# (also a commented-out ';KEY=...') and dropping repeats; adds the key or the section if missing.
ini_set() {
    local file="$1" section="$2" key="$3" value="$4" tmp
    tmp="$(mktemp "${file}.XXXXXX")"
    awk -v section="${section}" -v key="${key}" -v value="${value}" '
        function emit_key() { print "    " key "=" value; done = 1 }
        function flush_blanks() { printf "%s", blanks; blanks = "" }
        BEGIN { pattern = "^[ \t]*;?[ \t]*" key "[ \t]*=" }
        /^[ \t]*\[[^]]*\][ \t]*$/ {
            name = $0
            gsub(/^[ \t]*\[|\][ \t]*$/, "", name)
            if (inside && !done) emit_key()
            flush_blanks()
            inside = (name == section)
            if (inside) seen = 1
            print
            next
        }
        inside && /^[ \t]*$/ { blanks = blanks $0 "\n"; next }
        inside && $0 ~ pattern {
            flush_blanks()
            if (!done) emit_key()
            next
        }
        { flush_blanks(); print }
        END {
            if (inside && !done) emit_key()
            flush_blanks()
            if (!seen) { print ""; print "[" section "]"; emit_key() }
        }
    ' "${file}" >"${tmp}"
    cat "${tmp}" >"${file}"
    rm -f "${tmp}"
}

# ini_get FILE SECTION KEY: print the value of KEY in [SECTION] (commented lines ignored).
ini_get() {
    awk -v section="$2" -v key="$3" '
        /^[ \t]*\[[^]]*\][ \t]*$/ { name = $0; gsub(/^[ \t]*\[|\][ \t]*$/, "", name); inside = (name == section); next }
        inside && $0 ~ ("^[ \t]*" key "[ \t]*=") {
            sub(/^[^=]*=[ \t]*/, ""); sub(/[ \t]*$/, ""); print; exit
        }
    ' "$1"
}

chain_is_sm() {
    [[ "$(ini_get "$(node_dir 0)/config.ini" chain sm_crypto)" == true ]]
}

rpc_uses_tls() {
    local config enable disable
    config="$(node_dir 0)/config.ini"
    enable="$(ini_get "${config}" rpc enable_ssl)"
    disable="$(ini_get "${config}" rpc disable_ssl)"
    # FISCO reads enable_ssl when present, else disable_ssl, else TLS is on.
    if [[ -n "${enable}" ]]; then
        [[ "${enable}" == true ]]
    else
        [[ "${disable}" != true ]]
    fi
}

web3_enabled() {
    [[ "$(ini_get "$(node_dir 0)/config.ini" web3_rpc enable)" == true ]]
}

# missing_node: print the first node directory without a config.ini; fail when all are there.
missing_node() {
    local i
    for ((i = 0; i < NODE_COUNT; i++)); do
        if [[ ! -f "$(node_dir "${i}")/config.ini" ]]; then
            node_dir "${i}"
            return 0
        fi
    done
    return 1
}

require_chain() {
    local missing
    if missing="$(missing_node)"; then
        die "no generated node at ${missing}; run '$(basename "$0") build' first"
    fi
}

# --- build -------------------------------------------------------------------------------------

fetch_build_chain() {
    local target="${CHAIN_DIR}/build_chain.sh" part actual first_line=""
    if [[ ! -s "${target}" ]]; then
        need curl
        part="${target}.part"
        log "fetching build_chain.sh ${FISCO_VERSION} from ${BUILD_CHAIN_URL}"
        curl -fsSL --retry 3 --connect-timeout 20 -o "${part}" "${BUILD_CHAIN_URL}" ||
            { rm -f "${part}"; die "could not download ${BUILD_CHAIN_URL} (set FISCO_BUILD_CHAIN_URL to a mirror)"; }
        # A proxy's HTML error page must not be run as a script.
        IFS= read -r first_line <"${part}" || true
        [[ "${first_line}" == '#!'*bash* ]] ||
            { rm -f "${part}"; die "${BUILD_CHAIN_URL} is not a bash script"; }
        mv "${part}" "${target}"
    fi
    actual="$(sha256sum "${target}" | cut -d' ' -f1)"
    if [[ -n "${FISCO_BUILD_CHAIN_SHA256:-}" && "${actual}" != "${FISCO_BUILD_CHAIN_SHA256}" ]]; then
        rm -f "${target}"
        die "build_chain.sh has SHA-256 ${actual}, expected ${FISCO_BUILD_CHAIN_SHA256}; removed it"
    fi
    log "build_chain.sh SHA-256 ${actual} (pin it with FISCO_BUILD_CHAIN_SHA256)"
}

generate_nodes() {
    local missing
    local -a args
    if [[ -d "${CHAIN_DIR}/nodes" ]]; then
        # A half-generated tree cannot be completed by build_chain.sh, which refuses an existing -o.
        if missing="$(missing_node)"; then
            die "incomplete chain in ${CHAIN_DIR}/nodes (no ${missing}/config.ini; an interrupted build?): delete ${CHAIN_DIR}/nodes and build again"
        fi
        if chain_is_sm && [[ "${OPT_SM}" == false ]]; then
            die "the chain in ${CHAIN_DIR} is an SM chain; add --sm, or delete it with 'down --purge'"
        fi
        if ! chain_is_sm && [[ "${OPT_SM}" == true ]]; then
            die "the chain in ${CHAIN_DIR} is not an SM chain; delete it with 'down --purge' to rebuild"
        fi
        log "chain already generated in ${CHAIN_DIR}/nodes; keeping it"
        return
    fi
    need openssl
    fetch_build_chain
    args=(-D -l "${HOST_IP}:${NODE_COUNT}" -p "${P2P_PORT_START},${RPC_PORT_START}" -v "${FISCO_VERSION}" -o nodes)
    [[ "${OPT_SM}" == true ]] && args+=(-s)
    log "running build_chain.sh ${args[*]}"
    if ! (cd "${CHAIN_DIR}" && bash ./build_chain.sh "${args[@]}") >"${CHAIN_DIR}/build_chain.log" 2>&1; then
        tail -n 20 "${CHAIN_DIR}/build_chain.log" >&2
        rm -rf "${CHAIN_DIR}/nodes"
        die "build_chain.sh failed (full log: ${CHAIN_DIR}/build_chain.log)"
    fi
    require_chain
}

cmd_build() {
    [[ "${OPT_SM}" == true ]] && OPT_PLAIN_HTTP=true
    mkdir -p "${CHAIN_DIR}"
    generate_nodes
    configure_nodes
    print_init_commands
}

# --- configure ---------------------------------------------------------------------------------

check_node_ports() {
    local i="$1" config p2p rpc
    config="$(node_dir "${i}")/config.ini"
    p2p="$(ini_get "${config}" p2p listen_port)"
    rpc="$(ini_get "${config}" rpc listen_port)"
    [[ "${p2p}" == "$((P2P_PORT_START + i))" && "${rpc}" == "$((RPC_PORT_START + i))" ]] ||
        die "node${i} listens on p2p ${p2p:-?} and rpc ${rpc:-?}, expected $((P2P_PORT_START + i)) and $((RPC_PORT_START + i)); rebuild with 'down --purge' then 'build'"
}

write_peers() {
    local i peers=""
    for ((i = 0; i < NODE_COUNT; i++)); do
        peers+="${peers:+,}\"$(node_ip "${i}"):$((P2P_PORT_START + i))\""
    done
    for ((i = 0; i < NODE_COUNT; i++)); do
        printf '{"nodes":[%s]}\n' "${peers}" >"$(node_dir "${i}")/nodes.json"
    done
}

copy_sdk_certs() {
    local source target file count=0
    source="$(nodes_root)/sdk"
    target="${CHAIN_DIR}/sdk"
    [[ -d "${source}" ]] || die "build_chain.sh made no sdk certificates in ${source}"
    mkdir -p "${target}"
    chmod 0700 "${target}"
    for file in "${source}"/*.crt "${source}"/*.key; do
        [[ -f "${file}" ]] || continue
        case "${file}" in
        *.key) install -m 0600 "${file}" "${target}/" ;;
        *) install -m 0644 "${file}" "${target}/" ;;
        esac
        count=$((count + 1))
    done
    ((count > 0)) || die "no certificate files in ${source}"
}

configure_nodes() {
    local i config ssl web3
    require_chain
    if chain_is_sm; then
        [[ "${OPT_WEB3}" == false ]] || die "the web3 RPC signs with secp256k1 only; it cannot serve an SM chain" 2
        OPT_PLAIN_HTTP=true
    fi
    ssl=true
    [[ "${OPT_PLAIN_HTTP}" == true ]] && ssl=false
    web3="${OPT_WEB3}"
    for ((i = 0; i < NODE_COUNT; i++)); do
        check_node_ports "${i}"
        config="$(node_dir "${i}")/config.ini"
        # enable_ssl wins over disable_ssl in 3.x; both are written so that older releases agree.
        ini_set "${config}" rpc enable_ssl "${ssl}"
        ini_set "${config}" rpc disable_ssl "$([[ "${ssl}" == true ]] && echo false || echo true)"
        ini_set "${config}" web3_rpc enable "${web3}"
        ini_set "${config}" web3_rpc listen_ip 0.0.0.0
        ini_set "${config}" web3_rpc listen_port "$((WEB3_PORT_START + i))"
    done
    write_peers
    copy_sdk_certs
    log "configured ${NODE_COUNT} nodes: native RPC over $([[ "${ssl}" == true ]] && echo "mutual TLS" || echo "plain HTTP"), web3 RPC $([[ "${web3}" == true ]] && echo "on" || echo "off")"
    log "a running chain picks the settings up after 'down' and 'up' (its data is kept)"
}

cmd_configure() {
    configure_nodes
    print_init_commands
}

# --- init commands -----------------------------------------------------------------------------

print_init_commands() {
    local scheme i urls="" inner certs="" inner_certs=""
    require_chain
    scheme=http
    if rpc_uses_tls; then
        scheme=https
        certs=" --sdk-certs ${CHAIN_DIR}/sdk"
        inner_certs=" --sdk-certs /sdk"
    fi
    for ((i = 0; i < NODE_COUNT; i++)); do
        urls+=" --rpc-url ${scheme}://${HOST_IP}:$((RPC_PORT_START + i))"
    done
    inner=" --rpc-url ${scheme}://node0:${RPC_PORT_START} --rpc-url ${scheme}://node1:$((RPC_PORT_START + 1))"
    cat <<EOF

Next, create a ledger workspace on this chain (FISCO BCOS native protocol, fisco3 backend):

  from this host, with the ledger installed (pip install -e .):
    ledger init --network fisco3${urls}${certs}

  or in the ledger container, on the chain's Docker network:
    $0 ledger init --network fisco3${inner}${inner_certs}
EOF
    if web3_enabled; then
        cat <<EOF

  or through the Ethereum-compatible web3 RPC (rpc backend; FISCO ${FISCO_VERSION} refuses senders
  without balance, see docker/README.md):
    ledger init --network rpc --rpc-url http://${HOST_IP}:${WEB3_PORT_START} --chain-id ${WEB3_CHAIN_ID}
EOF
    fi
    printf '\n'
}

# --- docker ------------------------------------------------------------------------------------

COMPOSE=()

find_compose() {
    need docker
    if docker compose version >/dev/null 2>&1; then
        COMPOSE=(docker compose)
    elif command -v docker-compose >/dev/null 2>&1; then
        COMPOSE=(docker-compose)
    else
        die "Docker Compose is required: install the docker compose plugin"
    fi
    docker info >/dev/null 2>&1 || die "cannot reach the Docker engine (is it running, and may this user use it?)"
}

compose() {
    FISCO_CHAIN_DIR="${CHAIN_DIR}" LEDGER_WORKSPACE_DIR="${WORKSPACE_DIR}" \
        HOST_UID="$(id -u)" HOST_GID="$(id -g)" \
        "${COMPOSE[@]}" -f "${COMPOSE_FILE}" "$@"
}

node_services() {
    local i
    for ((i = 0; i < NODE_COUNT; i++)); do printf 'node%d\n' "${i}"; done
}

# rpc_block_number I: print node I's block number, or fail when it does not answer.
rpc_block_number() {
    local i="$1" url body answer
    local -a tls=()
    url="http://${HOST_IP}:$((RPC_PORT_START + i))"
    if rpc_uses_tls; then
        url="https://${HOST_IP}:$((RPC_PORT_START + i))"
        # The node certificate names no host, so the probe presents the client certificate and
        # skips the host check; it only reads a block number from a container this script started.
        tls=(--insecure --cert "${CHAIN_DIR}/sdk/sdk.crt" --key "${CHAIN_DIR}/sdk/sdk.key")
    fi
    body="{\"jsonrpc\":\"2.0\",\"method\":\"getBlockNumber\",\"params\":[\"${GROUP_ID}\",\"\"],\"id\":1}"
    answer="$(curl -sS --max-time 3 "${tls[@]}" -H 'Content-Type: application/json' -d "${body}" "${url}" 2>/dev/null)" ||
        return 1
    [[ "${answer}" =~ \"result\"[[:space:]]*:[[:space:]]*([0-9]+) ]] || return 1
    printf '%s\n' "${BASH_REMATCH[1]}"
}

cmd_up() {
    local deadline i
    local -a services pending
    require_chain
    need curl
    find_compose
    # The script and the compose file must agree on the release that generated the nodes.
    grep -qF "image: ${FISCO_IMAGE}" "${COMPOSE_FILE}" ||
        die "${COMPOSE_FILE} does not run ${FISCO_IMAGE}, the release this chain was built for"
    write_peers
    mapfile -t services < <(node_services)
    compose up -d "${services[@]}"
    deadline=$((SECONDS + UP_TIMEOUT))
    while :; do
        pending=()
        for ((i = 0; i < NODE_COUNT; i++)); do
            rpc_block_number "${i}" >/dev/null || pending+=("node${i}")
        done
        ((${#pending[@]} == 0)) && break
        ((SECONDS < deadline)) || die "not answering after ${UP_TIMEOUT}s: ${pending[*]} (see: ${COMPOSE[*]} -f ${COMPOSE_FILE} logs ${pending[0]}, and ${CHAIN_DIR}/nodes/${HOST_IP}/${pending[0]}/log)"
        sleep 1
    done
    log "all ${NODE_COUNT} nodes answer"
    print_init_commands
}

cmd_status() {
    local i number
    require_chain
    need curl
    find_compose
    compose ps
    for ((i = 0; i < NODE_COUNT; i++)); do
        if number="$(rpc_block_number "${i}")"; then
            printf 'node%d  rpc %s:%d  block %s\n' "${i}" "${HOST_IP}" "$((RPC_PORT_START + i))" "${number}"
        else
            printf 'node%d  rpc %s:%d  not answering\n' "${i}" "${HOST_IP}" "$((RPC_PORT_START + i))"
        fi
    done
}

cmd_down() {
    find_compose
    compose --profile cli down --remove-orphans
    if [[ "${OPT_PURGE}" == true && -d "${CHAIN_DIR}" ]]; then
        rm -rf "${CHAIN_DIR}" || die "could not delete ${CHAIN_DIR}; remove it by hand"
        log "deleted ${CHAIN_DIR}; the ledger workspace in ${WORKSPACE_DIR} still names the old chain"
    fi
}

cmd_ledger() {
    require_chain
    find_compose
    mkdir -p "${WORKSPACE_DIR}"
    compose --profile cli run --rm ledger "$@"
}

main() {
    local command="${1:-help}"
    (($# > 0)) && shift
    case "${command}" in
    build | configure | up | status | down | init-cmd)
        parse_options "${command}" "$@"
        ;;
    esac
    case "${command}" in
    build) cmd_build ;;
    configure) cmd_configure ;;
    up) cmd_up ;;
    status) cmd_status ;;
    down) cmd_down ;;
    init-cmd) print_init_commands ;;
    ledger) cmd_ledger "$@" ;;
    help | -h | --help) usage ;;
    *) die "unknown command '${command}' (see '$(basename "$0") help')" 2 ;;
    esac
}

main "$@"
