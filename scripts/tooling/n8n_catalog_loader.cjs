// Reads n8n's node and credential type definitions from an installed n8n, for
// scripts/tooling/n8n_catalog.py. argv[2]: the node_modules folder holding
// n8n-nodes-base and @n8n/n8n-nodes-langchain; argv[3]: the file to write, one JSON
// document {packages: {name: version}, nodes: {...}, credentials: {...}, skipped: [...]}
// holding names, versions and field lists only (no code, no description texts).
//
// Each class listed in a package's dist/known/{nodes,credentials}.json is loaded
// and its description read, as n8n's own loader does. Files named *.ee.* are under
// n8n's Enterprise License: they are listed as skipped, never loaded.
"use strict";
const path = require("path");

const MODULES = process.argv[2];
const OUTPUT = process.argv[3];
const PACKAGES = ["n8n-nodes-base", "@n8n/n8n-nodes-langchain"];
const ENTERPRISE_FILE = /\.ee($|[./])/;

// n8n-nodes-base's Code node reads this at import time; keep the task runner off.
try {
  require(path.join(MODULES, "@n8n/di")).Container.get(require(path.join(MODULES, "@n8n/config")).TaskRunnersConfig).enabled = false;
} catch (_) {
  // older installs without @n8n/di: nothing to switch off
}

const skipped = [];

function load(pkg, entry) {
  if (ENTERPRISE_FILE.test(entry.sourcePath)) {
    skipped.push({ package: pkg, className: entry.className, reason: "enterprise" });
    return undefined;
  }
  try {
    const mod = require(path.join(MODULES, pkg, entry.sourcePath));
    return new mod[entry.className]();
  } catch (error) {
    skipped.push({ package: pkg, className: entry.className, reason: `load failed: ${String(error && error.message).slice(0, 200)}` });
    return undefined;
  }
}

const versionList = (v) => (Array.isArray(v) ? v : v === undefined ? [1] : [v]);
const plain = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

function nodeCredentials(description) {
  return (description.credentials || []).map((c) => {
    const out = { name: c.name };
    if (c.required) out.required = true;
    if (c.displayOptions) out.displayOptions = plain(c.displayOptions);
    return out;
  });
}

function isWebhook(instance, description) {
  return Boolean(instance.webhookMethods) || (Array.isArray(description.webhooks) && description.webhooks.length > 0);
}

// The webhooks n8n registers for the node (name, HTTP method, path: what a Windmill route needs);
// restart webhooks are the resume URLs of a waiting execution, never registered.
function nodeWebhooks(description) {
  return (description.webhooks || [])
    .filter((w) => w && w.restartWebhook !== true)
    .map((w) => ({ name: String(w.name), httpMethod: plain(w.httpMethod), path: plain(w.path) }));
}

// One record per typeVersion: what the translator needs to know of that version.
function versionRecords(instance) {
  if (instance.nodeVersions) {
    const records = [];
    for (const [key, versioned] of Object.entries(instance.nodeVersions)) {
      const d = versioned.description || {};
      records.push({ version: Number(key), description: d, instance: versioned });
    }
    return { base: instance.description || {}, records };
  }
  const d = instance.description || {};
  return { base: d, records: versionList(d.version).map((version) => ({ version, description: d, instance })) };
}

function nodeRecord(pkg, instance) {
  const { base, records } = versionRecords(instance);
  const perVersion = records.map(({ version, description, instance: inst }) => ({
    version,
    group: description.group || base.group || [],
    polling: Boolean(description.polling),
    webhook: isWebhook(inst, description),
    trigger: typeof inst.trigger === "function" || typeof inst.poll === "function",
    credentials: nodeCredentials(description),
    webhooks: nodeWebhooks(description),
    webhookMethods: Object.keys(inst.webhookMethods || {}),
  }));
  return { package: pkg, name: base.name, displayName: base.displayName, versions: perVersion };
}

function credentialRecord(pkg, instance) {
  const properties = (instance.properties || []).map((p) => {
    const out = { name: p.name, type: p.type };
    if (p.displayName) out.displayName = p.displayName;
    if (p.default !== undefined) out.default = plain(p.default);
    if (p.required) out.required = true;
    if (p.typeOptions && p.typeOptions.password) out.password = true;
    if (p.typeOptions && p.typeOptions.expirable) out.expirable = true;
    if (p.displayOptions) out.displayOptions = plain(p.displayOptions);
    if (Array.isArray(p.options) && (p.type === "options" || p.type === "multiOptions")) {
      out.options = p.options.filter((o) => o && o.value !== undefined).map((o) => ({ name: o.name, value: plain(o.value) }));
    }
    return out;
  });
  const auth = instance.authenticate;
  return {
    package: pkg,
    name: instance.name,
    displayName: instance.displayName,
    extends: instance.extends || [],
    properties,
    authenticate: typeof auth === "function" ? "function" : auth && auth.type === "generic" ? "generic" : null,
    preAuthentication: typeof instance.preAuthentication === "function",
  };
}

const out = { packages: {}, nodes: {}, credentials: {}, skipped };
for (const pkg of PACKAGES) {
  let manifest;
  try {
    manifest = require(path.join(MODULES, pkg, "package.json"));
  } catch (_) {
    continue; // the package is not installed: the catalog lists what is
  }
  out.packages[pkg] = manifest.version;
  const known = (kind) => require(path.join(MODULES, pkg, "dist", "known", `${kind}.json`));
  const prefix = manifest.name + ".";
  for (const [, entry] of Object.entries(known("nodes"))) {
    const instance = load(pkg, entry);
    if (!instance) continue;
    const record = nodeRecord(pkg, instance);
    out.nodes[prefix + record.name] = record;
  }
  for (const [, entry] of Object.entries(known("credentials"))) {
    const instance = load(pkg, entry);
    if (!instance) continue;
    const record = credentialRecord(pkg, instance);
    out.credentials[record.name] = record;
  }
}
// Written to a file: process.exit() would cut a large write to a pipe short.
require("fs").writeFileSync(OUTPUT, JSON.stringify(out));
process.exit(0); // some node modules leave timers running
