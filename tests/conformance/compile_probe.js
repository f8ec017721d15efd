// Compile Probe.sol with the pinned solc-js (node_modules/solc) and print {abi, bytecode} as JSON.
// Usage: node tests/conformance/compile_probe.js > tests/conformance/probe.json
const path = require('path');
const fs = require('fs');
const root = path.resolve(__dirname, '..', '..');
const solc = require(path.join(root, 'node_modules', 'solc'));
const source = fs.readFileSync(path.join(__dirname, 'Probe.sol'), 'utf8');
const input = {
  language: 'Solidity',
  sources: { 'Probe.sol': { content: source } },
  settings: {
    evmVersion: 'istanbul',
    optimizer: { enabled: true, runs: 200 },
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === 'error');
if (errors.length) {
  console.error(errors.map((e) => e.formattedMessage).join('\n'));
  process.exit(1);
}
const probe = output.contracts['Probe.sol'].Probe;
const artifact = { compiler: solc.version(), abi: probe.abi, bytecode: probe.evm.bytecode.object };
process.stdout.write(JSON.stringify(artifact, null, 1) + '\n');
