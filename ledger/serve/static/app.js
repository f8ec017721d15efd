// The verifier page: read a credential (a dropped or chosen file, pasted text, or a share link's
// fragment), send it to POST /api/v1/verify, and show the verdict in words. Nothing is loaded from
// elsewhere; the credential of a share link stays in the fragment, which browsers never send.
"use strict";

const TEXT = {
  en: {
    title: "Credential verifier",
    tagline: "Check a talent certificate against the chain it was issued on.",
    input_heading: "Verify a certificate",
    drop: "Drop a credential file here, or click to choose one",
    drop_hint: ".json for one certificate, .jsonl for a batch; the file is checked, not stored",
    paste_summary: "…or paste the certificate's text",
    paste_placeholder: "{\"@context\": …, \"proof\": …}",
    verify: "Verify",
    print: "Print this result",
    clear: "Verify another",
    api: "REST API",
    checking: "Checking…",
    from_link: "Opened from a share link.",
    bad_link: "This share link is damaged: it does not hold a certificate.",
    not_json: "This is not a certificate file (it is not JSON).",
    failed: "The verifier could not check it",
    valid: "Valid",
    invalid: "Invalid",
    incomplete: "Not fully checked",
    valid_why: "Issued on the chain, unchanged, by an authorised institution, and not revoked.",
    incomplete_why: "Nothing failed, but some checks could not be made:",
    holder: "Holder",
    institution: "Issued by",
    domain_verified: "verified domain",
    domain_unverified: "domain not verified",
    domain_refuted: "domain does not match",
    name_unverified: "as written in the certificate",
    issued: "Issued",
    valid_until: "Valid until",
    no_expiry: "no expiry date",
    status: "Status",
    type: "Certificate type",
    credential_id: "Credential",
    evidence: "Contributions",
    steps: "What was checked",
    step: "Check",
    result: "Result",
    st_active: "Active",
    st_reinstated: "Active (reinstated)",
    st_revoked: "Revoked",
    st_suspended: "Suspended",
    st_unknown: "Not checked",
    since_block: "since block",
    reason: "reason",
    chain_note: (c, b, t) => `Checked against chain ${c} at block ${b}, ${t}.`,
    count: (n, v) => `${n} certificates: ${v} valid.`,
    unreadable: "Unreadable document",
    withheld: "Withheld by the holder",
    withheld_value: "(withheld by the holder)",
    fields: { "credentialSubject.id": "subject id", "credentialSubject.identifier": "holder's name", evidence: "contributions" },
  },
  zh: {
    title: "证书验证",
    tagline: "对照签发链验证人才证书。",
    input_heading: "验证证书",
    drop: "将证书文件拖到这里，或点击选择文件",
    drop_hint: "单张证书为 .json，批量证书为 .jsonl；文件只用于验证，不会保存",
    paste_summary: "……或粘贴证书内容",
    paste_placeholder: "{\"@context\": …, \"proof\": …}",
    verify: "验证",
    print: "打印验证结果",
    clear: "验证另一张",
    api: "REST 接口",
    checking: "正在验证……",
    from_link: "来自分享链接。",
    bad_link: "此分享链接已损坏：其中没有证书。",
    not_json: "这不是证书文件（不是 JSON 格式）。",
    failed: "验证服务无法完成检查",
    valid: "有效",
    invalid: "无效",
    incomplete: "未完全验证",
    valid_why: "已在链上签发，内容未被改动，签发机构已获授权，且未被撤销。",
    incomplete_why: "没有检查失败，但有些检查未能进行：",
    holder: "持有人",
    institution: "签发机构",
    domain_verified: "域名已验证",
    domain_unverified: "域名未验证",
    domain_refuted: "域名不匹配",
    name_unverified: "证书中所写",
    issued: "签发日期",
    valid_until: "有效期至",
    no_expiry: "长期有效",
    status: "状态",
    type: "证书类型",
    credential_id: "证书编号",
    evidence: "贡献记录",
    steps: "检查项目",
    step: "检查",
    result: "结果",
    st_active: "有效",
    st_reinstated: "有效（已恢复）",
    st_revoked: "已撤销",
    st_suspended: "已暂停",
    st_unknown: "未检查",
    since_block: "自区块",
    reason: "原因",
    chain_note: (c, b, t) => `已对照链 ${c} 的第 ${b} 个区块验证，${t}。`,
    count: (n, v) => `共 ${n} 张证书，其中 ${v} 张有效。`,
    unreadable: "无法读取的文件",
    withheld: "持有人未公开",
    withheld_value: "（持有人未公开）",
    fields: { "credentialSubject.id": "主体标识", "credentialSubject.identifier": "持有人姓名", evidence: "贡献记录" },
  },
};

const STEP_WORDS = {
  en: {
    format: "Is a certificate of this ledger",
    integrity: "Not altered since issuance",
    inclusion: "Part of the issued batch",
    anchoring: "Recorded on the chain",
    issuer_authorized: "Issuer was authorised",
    issuer_domain: "Institution's web domain",
    status: "Not revoked or suspended",
    criteria: "Criteria checked on chain",
    expiry: "Within its validity period",
  },
  zh: {
    format: "本账本的证书格式",
    integrity: "签发后未被篡改",
    inclusion: "属于已签发的批次",
    anchoring: "已在链上登记",
    issuer_authorized: "签发机构已获授权",
    issuer_domain: "机构网站域名",
    status: "未被撤销或暂停",
    criteria: "链上已核验签发标准",
    expiry: "在有效期内",
  },
};

// One sentence per reason code; the verifier's own message (English, with the details) is shown too.
const CODE_WORDS = {
  en: {
    FORMAT_OK: "A W3C Verifiable Credential / Open Badges 3.0 document.",
    FORMAT_INVALID: "Not a certificate of this ledger.",
    HASH_OK: "The content is exactly what was issued.",
    HASH_MISMATCH: "The document was changed after it was issued.",
    PROOF_OK: "Its proof leads to the batch recorded on the chain.",
    PROOF_MISSING: "It has no proof: it was never issued on a chain.",
    PROOF_TRUNCATED: "Its proof is incomplete.",
    PROOF_INVALID: "Its proof does not lead to the batch.",
    ANCHORED: "The batch was recorded on the chain by the issuer.",
    ISSUED: "Issued on the chain after the contract checked the criteria.",
    ROOT_UNKNOWN: "The chain has no record of this batch.",
    NOT_ISSUED: "The chain has no record of this certificate.",
    CHAIN_MISMATCH: "It was issued on another chain.",
    CONTRACT_MISMATCH: "It was issued in another deployment than the one this verifier trusts.",
    ISSUER_MISMATCH: "The chain says someone else issued it.",
    TYPE_MISMATCH: "The chain records another certificate type.",
    SUBJECT_MISMATCH: "The chain records another holder.",
    ANCHOR_MISMATCH: "Its proof names another record than the chain's.",
    DEPLOYMENT_SUPERSEDED: "It was written in a deployment after that deployment handed over to its successor.",
    AUTHORIZED: "The institution was allowed to issue this type at that time.",
    ISSUER_COMPROMISED: "The key that issued it was reported stolen before then: it does not count.",
    ISSUER_NOT_AUTHORIZED: "The institution was not allowed to issue this type at that time.",
    DOMAIN_VERIFIED: "The institution's website confirms this issuer.",
    DOMAIN_UNCHECKED: "The institution's website was not checked.",
    DOMAIN_UNREACHABLE: "The institution's website could not be reached.",
    DOMAIN_DOCUMENT_INVALID: "The institution's website does not publish a valid document.",
    DOMAIN_MISMATCH: "The institution's website does not list this issuer.",
    REGISTRY_MISMATCH: "The registry does not name this website for the issuer.",
    ACTIVE: "Never revoked or suspended.",
    REINSTATED: "Valid again after a suspension.",
    REVOKED: "The issuer revoked it.",
    SUSPENDED: "The issuer suspended it.",
    BATCH_REVOKED: "Its whole batch was revoked.",
    CRITERIA_CHECKED: "The contract checked the criteria against the recorded contributions.",
    EVIDENCE_MISMATCH: "Its contributions differ from those the contract checked.",
    EVIDENCE_MISSING: "It names no contributions.",
    COMPONENT_REVOKED: "A certificate it is stacked on was revoked.",
    COMPONENT_SUSPENDED: "A certificate it is stacked on is suspended.",
    COMPONENT_ISSUER_COMPROMISED: "A certificate it is stacked on was issued by a key later reported stolen.",
    IN_VALIDITY_PERIOD: "Within its validity period.",
    NOT_YET_VALID: "Not valid yet.",
    EXPIRED: "It has expired.",
    OFFLINE: "Not checked: needs the chain.",
    NOT_APPLICABLE: "Does not apply to this certificate.",
    PRECONDITION_FAILED: "Not checked, because an earlier check failed.",
  },
  zh: {
    FORMAT_OK: "符合 W3C 可验证凭证 / Open Badges 3.0 格式。",
    FORMAT_INVALID: "不是本账本的证书。",
    HASH_OK: "内容与签发时完全一致。",
    HASH_MISMATCH: "证书在签发后被修改过。",
    PROOF_OK: "证明可追溯到链上登记的批次。",
    PROOF_MISSING: "没有证明：从未在链上签发。",
    PROOF_TRUNCATED: "证明不完整。",
    PROOF_INVALID: "证明与批次不符。",
    ANCHORED: "该批次已由签发机构登记上链。",
    ISSUED: "合约核验标准后已在链上签发。",
    ROOT_UNKNOWN: "链上没有该批次的记录。",
    NOT_ISSUED: "链上没有该证书的记录。",
    CHAIN_MISMATCH: "证书签发于另一条链。",
    CONTRACT_MISMATCH: "证书签发于另一套部署，而非本验证服务信任的部署。",
    ISSUER_MISMATCH: "链上记录的签发者与证书不符。",
    TYPE_MISMATCH: "链上记录的证书类型不同。",
    SUBJECT_MISMATCH: "链上记录的持有人不同。",
    ANCHOR_MISMATCH: "证明所指记录与链上不符。",
    DEPLOYMENT_SUPERSEDED: "证书写入时，该部署已移交给后继部署。",
    AUTHORIZED: "签发时该机构有权签发此类证书。",
    ISSUER_COMPROMISED: "签发所用的密钥此前已被报告失窃，该证书不予认可。",
    ISSUER_NOT_AUTHORIZED: "签发时该机构无权签发此类证书。",
    DOMAIN_VERIFIED: "机构官网确认了此签发账户。",
    DOMAIN_UNCHECKED: "未检查机构官网。",
    DOMAIN_UNREACHABLE: "无法访问机构官网。",
    DOMAIN_DOCUMENT_INVALID: "机构官网未发布有效的文档。",
    DOMAIN_MISMATCH: "机构官网未列出此签发账户。",
    REGISTRY_MISMATCH: "登记信息中的网站与此不符。",
    ACTIVE: "从未被撤销或暂停。",
    REINSTATED: "暂停后已恢复有效。",
    REVOKED: "签发机构已撤销此证书。",
    SUSPENDED: "签发机构已暂停此证书。",
    BATCH_REVOKED: "该证书所在的整个批次已被撤销。",
    CRITERIA_CHECKED: "合约已根据登记的贡献核验标准。",
    EVIDENCE_MISMATCH: "证书所列贡献与合约核验的不同。",
    EVIDENCE_MISSING: "证书未列出贡献。",
    COMPONENT_REVOKED: "其所依据的某一证书已被撤销。",
    COMPONENT_SUSPENDED: "其所依据的某一证书已被暂停。",
    COMPONENT_ISSUER_COMPROMISED: "其所依据的某一证书由事后被报告失窃的密钥签发。",
    IN_VALIDITY_PERIOD: "在有效期内。",
    NOT_YET_VALID: "尚未生效。",
    EXPIRED: "已过期。",
    OFFLINE: "未检查：需要连接区块链。",
    NOT_APPLICABLE: "不适用于此证书。",
    PRECONDITION_FAILED: "因前面的检查失败而未检查。",
  },
};

const MARKS = { pass: "✓", fail: "✗", skipped: "–" };
const JSON_LINES = "application/x-ndjson";

let lang = chooseLanguage();
let last = null; // the last answer, re-drawn when the language changes
const $ = (id) => document.getElementById(id);

function chooseLanguage() {
  const saved = localStorage.getItem("ledger-lang");
  if (saved === "en" || saved === "zh") return saved;
  const wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"];
  for (const tag of wanted) {
    const l = String(tag).toLowerCase();
    if (l.startsWith("zh")) return "zh";
    if (l.startsWith("en")) return "en";
  }
  return "en";
}

function t(key) {
  return TEXT[lang][key] ?? TEXT.en[key] ?? key;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function applyLanguage() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.title = t("title");
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-i18n-placeholder]")) {
    node.placeholder = t(node.dataset.i18nPlaceholder);
  }
  $("lang").textContent = lang === "zh" ? "English" : "中文";
  $("lang").dataset.target = lang === "zh" ? "en" : "zh";
  if (last) show(last.answer, last.note);
}

function showStatus(text, isError) {
  const box = $("status");
  box.hidden = !text;
  box.className = isError ? "notice error" : "notice";
  box.textContent = text || "";
}

function formatDate(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(lang === "zh" ? "zh-CN" : "en-GB", { year: "numeric", month: "long", day: "numeric" })
    .format(d);
}

function stepOf(report, name) {
  return (report.steps || []).find((s) => s.step === name);
}

function statusText(report) {
  const s = stepOf(report, "status");
  if (!s || s.outcome === "skipped") return { text: t("st_unknown"), cls: "no" };
  const details = s.details || {};
  const key = { ACTIVE: "st_active", REINSTATED: "st_reinstated", REVOKED: "st_revoked", BATCH_REVOKED: "st_revoked",
                SUSPENDED: "st_suspended" }[s.code];
  let text = t(key || "st_unknown");
  if (s.code === "REVOKED" || s.code === "BATCH_REVOKED" || s.code === "SUSPENDED") {
    const parts = [];
    if (details.reason) parts.push(`${t("reason")}: ${details.reason}`);
    if (details.block !== undefined && details.block !== null) parts.push(`${t("since_block")} ${details.block}`);
    if (parts.length) text += ` (${parts.join(", ")})`;
  }
  return { text, cls: s.outcome === "pass" ? "ok" : "bad" };
}

function codeWords(code) {
  return (CODE_WORDS[lang] || CODE_WORDS.en)[code] || CODE_WORDS.en[code] || "";
}

function verdictLine(report) {
  const v = report.verdict;
  const words = { valid: t("valid"), invalid: t("invalid"), incomplete: t("incomplete") }[v] || v;
  let why;
  if (v === "valid") why = t("valid_why");
  else if (v === "invalid") {
    const failed = (report.steps || []).find((s) => s.outcome === "fail");
    why = failed ? `${codeWords(failed.code) || failed.message} (${failed.code})` : "";
  } else {
    const open = (report.steps || []).filter((s) => s.outcome === "skipped" && s.code !== "NOT_APPLICABLE");
    why = `${t("incomplete_why")} ${open.map((s) => `${(STEP_WORDS[lang] || STEP_WORDS.en)[s.step]} (${s.code})`).join("; ")}`;
  }
  return el("div", { class: `verdict ${v}`, "data-verdict": v },
    el("span", { class: "mark", "aria-hidden": "true" }, v === "valid" ? "✓" : v === "invalid" ? "✗" : "!"),
    el("div", {}, el("div", { class: "word" }, words), el("div", { class: "why" }, why)));
}

function institution(c, report) {
  const issuer = c.issuer || {};
  const domainStep = stepOf(report, "issuer_domain");
  const name = issuer.registered_name || issuer.name_in_document || issuer.name || issuer.address;
  const parts = [el("span", { class: "institution-name" }, name)];
  if (!issuer.registered_name) parts.push(el("span", { class: "secondary" }, ` (${t("name_unverified")})`));
  if (issuer.domain) {
    const refuted = domainStep && domainStep.outcome === "fail";
    const cls = issuer.domain_verified ? "ok" : refuted ? "bad" : "no";
    const word = issuer.domain_verified ? t("domain_verified") : refuted ? t("domain_refuted") : t("domain_unverified");
    parts.push(el("br"), el("span", { class: "domain" }, issuer.domain),
      el("span", { class: `tag ${cls}`, "data-domain-verified": String(Boolean(issuer.domain_verified)) }, word));
  }
  parts.push(el("div", { class: "secondary" }, issuer.address || ""));
  return parts;
}

function card(report) {
  const c = report.credential;
  const node = el("article", { class: "card", "data-verdict": report.verdict, "data-file": report.file || "" });
  node.append(verdictLine(report));
  const body = el("div", { class: "body" });
  if (c) {
    body.append(el("h3", { class: "cert-title" }, c.title || c.achievement || ""));
    if (c.description && c.description !== c.title) body.append(el("p", { class: "cert-desc" }, c.description));
    const st = statusText(report);
    const withheld = c.withheld || report.withheld_fields || [];
    const holderShown = c.holder || (withheld.includes("credentialSubject.identifier") ? t("withheld_value") : "—");
    const facts = el("dl", { class: "facts" },
      el("dt", {}, t("holder")), el("dd", { class: "holder" }, holderShown),
      el("dt", {}, t("institution")), el("dd", { class: "issuer" }, institution(c, report)),
      el("dt", {}, t("issued")), el("dd", { class: "valid-from" }, formatDate(c.valid_from)),
      el("dt", {}, t("valid_until")), el("dd", { class: "valid-until" }, c.valid_until ? formatDate(c.valid_until) : t("no_expiry")),
      el("dt", {}, t("status")), el("dd", { class: "status" }, el("span", { class: `tag ${st.cls}` }, st.text)),
      el("dt", {}, t("type")), el("dd", {}, `${c.achievement || ""} · #${c.type_id} v${c.type_version}${c.field ? " · " + c.field : ""}`),
    );
    if (c.evidence && c.evidence.length) {
      facts.append(el("dt", {}, t("evidence")),
        el("dd", {}, c.evidence.map((e) => el("div", {}, e.name || "", el("span", { class: "secondary" }, ` ${e.key}`)))));
    }
    if (withheld.length) {
      const names = withheld.map((f) => t("fields")[f] || f).join(", ");
      facts.append(el("dt", {}, t("withheld")), el("dd", { class: "withheld", "data-withheld": withheld.join(" ") }, names));
    }
    facts.append(el("dt", {}, t("credential_id")),
      el("dd", { class: "secondary" }, `${c.id}`, el("br"), `${report.credential_hash || ""}`));
    body.append(facts);
  } else {
    body.append(el("h3", { class: "cert-title" }, t("unreadable")), el("p", { class: "secondary" }, report.file || ""));
  }
  const rows = (report.steps || []).map((s) =>
    el("tr", { class: s.outcome, "data-step": s.step, "data-code": s.code, "data-outcome": s.outcome },
      el("td", { class: "o", "aria-label": s.outcome }, MARKS[s.outcome] || "?"),
      el("td", {}, (STEP_WORDS[lang] || STEP_WORDS.en)[s.step] || s.step),
      el("td", {}, codeWords(s.code) || "", el("span", { class: "code" }, `${s.code} · ${s.message}`))));
  body.append(el("h4", {}, t("steps")),
    el("table", { class: "steps" }, el("thead", {}, el("tr", {}, el("th", {}, ""), el("th", {}, t("step")), el("th", {}, t("result")))),
      el("tbody", {}, rows)));
  node.append(body);
  return node;
}

function show(answer, note) {
  last = { answer, note };
  const results = $("results");
  results.replaceChildren();
  const reports = answer.credentials || [];
  if (reports.length > 1) {
    results.append(el("p", { class: "count" }, t("count")(reports.length, answer.valid)));
  }
  for (const report of reports) results.append(card(report));
  results.dataset.verdict = answer.verdict;
  const first = reports.find((r) => r.checked_at) || {};
  $("chain-note").textContent = answer.chain_id !== undefined
    ? t("chain_note")(answer.chain_id, answer.as_of_block, first.checked_at ? new Date(first.checked_at).toLocaleString(lang === "zh" ? "zh-CN" : "en-GB") : "")
    : "";
  showStatus(note || "", false);
  $("actions").hidden = reports.length === 0;
}

async function verify(text, contentType, note) {
  showStatus(t("checking"), false);
  $("results").replaceChildren();
  $("actions").hidden = true;
  last = null;
  let response;
  try {
    response = await fetch("/api/v1/verify", {
      method: "POST",
      headers: { "Content-Type": contentType },
      body: text,
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch (err) {
    showStatus(`${t("failed")}: ${err}`, true);
    return;
  }
  let answer = null;
  try {
    answer = await response.json();
  } catch (err) {
    answer = null;
  }
  if (!response.ok || !answer || answer.error) {
    const e = (answer && answer.error) || {};
    showStatus(`${t("failed")}: ${e.message || response.status}${e.hint ? " — " + e.hint : ""}`, true);
    $("status").dataset.errorType = e.type || String(response.status);
    return;
  }
  show(answer, note);
}

// Every file in one request: a .json file holds a credential (or a JSON array of them), a .jsonl file
// one per line. Their texts are joined into one JSON array as they are, never parsed and re-written
// here, so the server hashes exactly the bytes of each file.
async function verifyFiles(files) {
  const parts = [];
  for (const file of files) {
    const text = (await file.text()).trim();
    if (/\.jsonl$/i.test(file.name)) {
      for (const line of text.split(/\r?\n/)) if (line.trim()) parts.push(line.trim());
    } else if (text.startsWith("[") && text.endsWith("]")) {
      const inner = text.slice(1, -1).trim();
      if (inner) parts.push(inner);
    } else {
      parts.push(text);
    }
  }
  if (!parts.length) {
    showStatus(t("not_json"), true);
    return;
  }
  await verify(parts.length === 1 ? parts[0] : `[${parts.join(",\n")}]`, "application/json", "");
}

function base64urlBytes(text) {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const raw = atob(b64);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

// A share link: #c=<base64url of the raw-deflated JSON> (what `ledger cred share` writes), or
// #j=<base64url of the JSON> for a browser without DecompressionStream.
async function readShareLink() {
  const hash = location.hash.replace(/^#/, "");
  if (!hash) return null;
  const params = new URLSearchParams(hash);
  if (params.has("c")) {
    const bytes = base64urlBytes(params.get("c"));
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
    return await new Response(stream).text();
  }
  if (params.has("j")) return new TextDecoder().decode(base64urlBytes(params.get("j")));
  return null;
}

function setUp() {
  applyLanguage();
  $("lang").addEventListener("click", () => {
    lang = $("lang").dataset.target;
    localStorage.setItem("ledger-lang", lang);
    applyLanguage();
  });
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    if (e.dataTransfer && e.dataTransfer.files.length) verifyFiles(Array.from(e.dataTransfer.files));
  });
  drop.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); $("file").click(); } });
  $("file").addEventListener("change", (e) => {
    const chosen = Array.from(e.target.files); // the list empties when the input is reset below
    e.target.value = "";
    if (chosen.length) verifyFiles(chosen);
  });
  $("verify-button").addEventListener("click", () => {
    const text = $("paste").value.trim();
    if (!text) return;
    const lines = text.split(/\r?\n/).filter((l) => l.trim());
    const jsonLines = lines.length > 1 && lines.every((l) => l.trim().startsWith("{") && l.trim().endsWith("}"));
    verify(text, jsonLines ? JSON_LINES : "application/json", "");
  });
  $("print").addEventListener("click", () => window.print());
  $("clear").addEventListener("click", () => {
    last = null;
    $("results").replaceChildren();
    $("actions").hidden = true;
    $("chain-note").textContent = "";
    showStatus("", false);
    $("paste").value = "";
    if (location.hash) history.replaceState(null, "", location.pathname);
  });
  window.addEventListener("hashchange", openShareLink);
  openShareLink();
}

async function openShareLink() {
  let text;
  try {
    text = await readShareLink();
  } catch (err) {
    showStatus(t("bad_link"), true);
    return;
  }
  if (text) await verify(text, "application/json", t("from_link"));
}

document.addEventListener("DOMContentLoaded", setUp);
