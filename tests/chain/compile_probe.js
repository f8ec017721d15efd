// Compile tests/chain/Probe.sol with the pinned solc-js into tests/chain/probe.json.
// Usage (from the repository root): node tests/chain/compile_probe.js [output.json]
const fs = require("fs");
const path = require("path");
const solc = require("solc");

const source = fs.readFileSync(path.join(__dirname, "Probe.sol"), "utf8");
const input = {
  language: "Solidity",
  sources: { "Probe.sol": { content: source } },
  settings: {
    evmVersion: "istanbul",
    optimizer: { enabled: true, runs: 200 },
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === "error");
if (errors.length) {
  for (const e of errors) console.error(e.formattedMessage);
  process.exit(1);
}
const probe = output.contracts["Probe.sol"].Probe;
const artifact = {
  contractName: "Probe",
  compiler: `solc-js ${solc.version()}`,
  evmVersion: "istanbul",
  abi: probe.abi,
  bytecode: "0x" + probe.evm.bytecode.object,
  deployedBytecode: "0x" + probe.evm.deployedBytecode.object,
};
const out = process.argv[2] || path.join(__dirname, "probe.json");
fs.writeFileSync(out, JSON.stringify(artifact, null, 2) + "\n");
