// Time OpenAttestation's document library on the documents the Python side generated.
//
// usage: node openattestation.js DOCS.jsonl RUNS VERIFY_SAMPLE DOCUMENT_STORE
//
// Each line of DOCS.jsonl is one credential document. It is made an OpenAttestation v2 document by
// adding the `issuers` block OpenAttestation's schema requires (a DocumentStore issuer), keeping every
// field of the original, so both systems hash and prove the same content. For each run this script
// times `wrapDocuments` over the whole batch (salting, hashing, Merkle tree and every proof) and
// `verifySignature` over the first VERIFY_SAMPLE wrapped documents, checks every verification passed,
// and prints the timings as JSON. Statistics are left to the caller.
"use strict";

const fs = require("fs");
const oa = require("@govtechsg/open-attestation");

function main() {
  const [file, runsArg, sampleArg, store] = process.argv.slice(2);
  const runs = Number(runsArg);
  const sample = Number(sampleArg);
  if (!file || !(runs >= 1) || !(sample >= 1) || !/^0x[0-9a-fA-F]{40}$/.test(store || "")) {
    throw new Error("usage: node openattestation.js DOCS.jsonl RUNS VERIFY_SAMPLE DOCUMENT_STORE");
  }
  const issuers = [{ name: "Benchmark University", documentStore: store,
                     identityProof: { type: "DNS-TXT", location: "example.org" } }];
  const documents = fs.readFileSync(file, "utf8").split("\n").filter((line) => line.length > 0)
    .map((line) => Object.assign(JSON.parse(line), { issuers }));

  const wrapSeconds = [];
  const verifySeconds = [];
  let verified = 0;
  let root = null;
  for (let run = 0; run < runs; run++) {
    let start = process.hrtime.bigint();
    const wrapped = oa.wrapDocuments(documents);
    wrapSeconds.push(Number(process.hrtime.bigint() - start) / 1e9);
    if (wrapped.length !== documents.length) throw new Error("wrapDocuments lost documents");
    root = wrapped[0].signature.merkleRoot;

    const subset = wrapped.slice(0, Math.min(sample, wrapped.length));
    start = process.hrtime.bigint();
    let ok = 0;
    for (const doc of subset) if (oa.verifySignature(doc)) ok++;
    verifySeconds.push(Number(process.hrtime.bigint() - start) / 1e9);
    if (ok !== subset.length) throw new Error(`verifySignature failed on ${subset.length - ok} documents`);
    verified = subset.length;
  }
  process.stdout.write(JSON.stringify({
    documents: documents.length, verified, merkle_root: root,
    wrap_seconds: wrapSeconds, verify_seconds: verifySeconds,
  }));
}

main();
