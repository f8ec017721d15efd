// Print the peers' compiled contracts (ABI + creation bytecode) and package versions as JSON.
//
// The artifacts come from the npm packages pinned in package.json, loaded at run time; nothing of
// the peers' code is copied into this repository. The DocumentStore v4 artifacts only exist inside
// the typechain factories bundled by @govtechsg/document-store-ethers-v6, hence a node script.
"use strict";

const fs = require("fs");
const path = require("path");

// Read a package's version from its package.json (some packages do not export that file).
function version(pkg) {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, "node_modules", pkg, "package.json");
    if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8")).version;
    if (path.dirname(dir) === dir) throw new Error(`npm package ${pkg} is not installed (run npm ci)`);
  }
}

function eas(name, file) {
  const a = require(`@ethereum-attestation-service/eas-contracts/artifacts/contracts/${file}.sol/${name}.json`);
  return { abi: a.abi, bytecode: a.bytecode };
}

const ds = require("@govtechsg/document-store-ethers-v6").DocumentStore__factory;

process.stdout.write(
  JSON.stringify({
    versions: {
      "@ethereum-attestation-service/eas-contracts": version("@ethereum-attestation-service/eas-contracts"),
      "@govtechsg/document-store-ethers-v6": version("@govtechsg/document-store-ethers-v6"),
      "@govtechsg/open-attestation": version("@govtechsg/open-attestation"),
      node: process.version,
    },
    contracts: {
      SchemaRegistry: eas("SchemaRegistry", "SchemaRegistry"),
      EAS: eas("EAS", "EAS"),
      DocumentStore: { abi: ds.abi, bytecode: ds.bytecode },
    },
  }),
);
