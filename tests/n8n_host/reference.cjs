// The reference: the same node run through n8n's engine loaded the spike's way
// (docs/n8n-node-spike.cjs: plain require() of the installed packages, no bundle, no host code).
// argv[2]: the cases file the host runner reads; prints one JSON line of results.
// Required as a module (the start-time benchmark) it exports run(case).
const path = require("path");
const fs = require("fs");
const NM = process.env.PHOENIX_N8N_MODULES;
const req = (m) => require(path.join(NM, m));
const { Workflow } = req("n8n-workflow");
const core = req("n8n-core");
req("@n8n/di").Container.get(req("@n8n/config").TaskRunnersConfig).enabled = false;
// Deduplication (Remove Duplicates "seen in previous executions"): n8n's own DeduplicationHelper
// (the n8n package) over an in-memory stand-in of its processed_data table, shared by the
// cases of one process, so cases run in order see what earlier ones recorded.
const processedData = [];
const repository = {
  matches: (row, where) => row.workflowId === where.workflowId && row.context === where.context,
  async findOne({ where }) { return processedData.find((row) => this.matches(row, where)) ?? null; },
  async insert(row) { processedData.push(JSON.parse(JSON.stringify(row))); },
  async update(where, row) { const at = processedData.findIndex((r) => this.matches(r, where)); if (at >= 0) processedData[at] = JSON.parse(JSON.stringify(row)); },
  async delete(where) { const at = processedData.findIndex((r) => this.matches(r, where)); if (at >= 0) processedData.splice(at, 1); },
};
let deduplication;
function initDeduplication() {
  if (deduplication) return;
  const { DeduplicationHelper } = req("n8n/dist/deduplication/deduplication-helper.js");
  req("@n8n/di").Container.set(req("@n8n/db").ProcessedDataRepository, repository);
  deduplication = core.DataDeduplicationService.init(new DeduplicationHelper());
}
const known = require(path.join(NM, "n8n-nodes-base/dist/known/nodes.json"));
const knownCreds = require(path.join(NM, "n8n-nodes-base/dist/known/credentials.json"));

const cache = {};
const nodeTypes = {
  getByName(t) {
    const k = known[t.replace("n8n-nodes-base.", "")];
    return (cache[t] ??= new (require(path.join(NM, "n8n-nodes-base", k.sourcePath))[k.className])());
  },
  getByNameAndVersion(t, v) { const n = this.getByName(t); return n.nodeVersions ? (n.nodeVersions[v] ?? n.getNodeType(v)) : n; },
  getKnownTypes() { return {}; },
};

class CredHelper {
  constructor(values) { this.values = values; }
  async authenticate(creds, type, opts, workflow, node) {
    const k = knownCreds[type];
    const def = new (require(path.join(NM, "n8n-nodes-base", k.sourcePath))[k.className])();
    // As n8n's CredentialsHelper.resolveValue: each template an expression over $credentials.
    const sub = (s) => (typeof s === "string" && s.startsWith("=")
      ? String(workflow.expression.getSimpleParameterValue(node, s, "internal", { $credentials: creds }, undefined, "") ?? "")
      : s);
    for (const [outer, props] of Object.entries(def.authenticate?.properties || {})) {
      opts[outer] = opts[outer] || {};
      for (const [key, v] of Object.entries(props)) opts[outer][sub(key)] = sub(v);
    }
    return opts;
  }
  async preAuthentication() { return undefined; }
  getParentTypes() { return []; }
  async getDecrypted(ad, nodeCreds, type) { return this.values[type]; }
  async getCredentials() { return {}; }
  async updateCredentials() {}
  async updateCredentialsOauthTokenData() {}
  getCredentialsProperties() { return []; }
}

async function run(c) {
  // c: {node, inputs: [[items]], inputNodes, context: {nodes, parents, timezone, staticData}, credentials}
  if (c.node.type === "n8n-nodes-base.removeDuplicates") { initDeduplication(); await deduplication; }
  const ctx = c.context || {};
  const inputs = c.inputs || [c.items || []];
  const names = inputs.map((_, i) => (c.inputNodes || [])[i] || (i === 0 ? "Input" : `Input ${i + 1}`));
  const pin = { ...(ctx.nodes || {}) };
  names.forEach((n, i) => (pin[n] = inputs[i]));
  const trigger = { id: "t", name: "Trigger", type: "n8n-nodes-base.manualTrigger", typeVersion: 1, position: [0, 0], parameters: {} };
  const nodes = [trigger];
  const connections = {};
  const link = (a, b, i) => ((connections[a] ??= { main: [[]] }).main[0].push({ node: b, type: "main", index: i }));
  Object.keys(pin).forEach((n, row) => {
    nodes.push({ id: "p" + row, name: n, type: "n8n-nodes-base.noOp", typeVersion: 1, position: [200, 200 * row], parameters: {} });
    const parents = (ctx.parents || {})[n] || [];
    if (parents.length) parents.forEach((p) => link(p, n, 0)); else link("Trigger", n, 0);
  });
  const { settings, ...node } = c.node;
  nodes.push({ id: "n", parameters: {}, ...node, ...(settings || {}), position: [400, 0] });
  names.forEach((n, i) => link(n, node.name, i));
  const wf = new Workflow({ id: "w", name: "reference", nodes, connections, active: false, nodeTypes,
    staticData: JSON.parse(JSON.stringify(ctx.staticData || {})),
    settings: { executionOrder: "v1", ...(ctx.timezone ? { timezone: ctx.timezone } : {}) } });
  const additionalData = { credentialsHelper: new CredHelper(c.credentials || {}), hooks: new core.ExecutionLifecycleHooks("manual", "x", wf),
    executeWorkflow: async () => { throw new Error("no"); }, restApiUrl: "", instanceBaseUrl: "", webhookBaseUrl: "",
    webhookWaitingBaseUrl: "", webhookTestBaseUrl: "", formWaitingBaseUrl: "", currentNodeParameters: undefined, variables: {},
    userId: "u", setExecutionStatus() {}, logAiEvent() {}, getRunExecutionData: async () => undefined };
  const r = (await new core.WorkflowExecute(additionalData, "manual").run({ workflow: wf, startNode: trigger,
    destinationNode: { nodeName: node.name, mode: "inclusive" }, pinData: pin, additionalRunFilterNodes: Object.keys(pin) })).data.resultData;
  const task = r.runData[node.name]?.[0];
  const outputs = (task?.data?.main || []).map((o) => (o || []).map((i) => {
    const item = { json: i.json };
    if (i.binary) item.binary = i.binary;
    if (i.pairedItem !== undefined) item.pairedItem = i.pairedItem;
    return item;
  }));
  const failure = r.error || task?.error;
  const staticData = JSON.parse(JSON.stringify(wf.staticData)); delete staticData.__dataChanged;
  return failure ? { outputs, staticData, error: { message: String(failure.message) } } : { outputs, staticData };
}

// Several nodes in one workflow, as n8n runs them: c.chain is a list of nodes connected one
// after the other, fed c.items; the result has each node's outputs by name, and the last's.
async function runChain(c) {
  const trigger = { id: "t", name: "Trigger", type: "n8n-nodes-base.manualTrigger", typeVersion: 1, position: [0, 0], parameters: {} };
  const input = { id: "i", name: "Input", type: "n8n-nodes-base.noOp", typeVersion: 1, position: [200, 0], parameters: {} };
  const chain = c.chain.map(({ settings, ...node }, i) => ({ id: `n${i}`, parameters: {}, ...node, ...(settings || {}), position: [400 + 200 * i, 0] }));
  const connections = {};
  const link = (a, b) => ((connections[a] ??= { main: [[]] }).main[0].push({ node: b, type: "main", index: 0 }));
  link("Trigger", "Input");
  [input, ...chain].slice(0, -1).forEach((node, i) => link(node.name, chain[i].name));
  const wf = new Workflow({ id: "w", name: "reference chain", nodes: [trigger, input, ...chain], connections, active: false, nodeTypes,
    staticData: {}, settings: { executionOrder: "v1", ...((c.context || {}).timezone ? { timezone: c.context.timezone } : {}) } });
  const additionalData = { credentialsHelper: new CredHelper(c.credentials || {}), hooks: new core.ExecutionLifecycleHooks("manual", "x", wf),
    executeWorkflow: async () => { throw new Error("no"); }, restApiUrl: "", instanceBaseUrl: "", webhookBaseUrl: "",
    webhookWaitingBaseUrl: "", webhookTestBaseUrl: "", formWaitingBaseUrl: "", currentNodeParameters: undefined, variables: {},
    userId: "u", setExecutionStatus() {}, logAiEvent() {}, getRunExecutionData: async () => undefined };
  const last = chain[chain.length - 1].name;
  const r = (await new core.WorkflowExecute(additionalData, "manual").run({ workflow: wf, startNode: trigger,
    destinationNode: { nodeName: last, mode: "inclusive" }, pinData: { Input: c.items } })).data.resultData;
  const plain = (i) => { const item = { json: i.json }; if (i.binary) item.binary = i.binary; if (i.pairedItem !== undefined) item.pairedItem = i.pairedItem; return item; };
  const outputsOf = (name) => (r.runData[name]?.[0]?.data?.main || []).map((o) => (o || []).map(plain));
  const byNode = Object.fromEntries(chain.map((n) => [n.name, outputsOf(n.name)]));
  const failure = r.error;
  return { outputs: byNode[last], byNode, ...(failure ? { error: { message: String(failure.message), node: failure.node?.name } } : {}) };
}

module.exports = { run, runChain, nodeTypes };
if (require.main === module) (async () => {
  const cases = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const results = {};
  for (const [name, c] of Object.entries(cases)) {
    try { results[name] = await (c.chain ? runChain(c) : run(c)); } catch (e) { results[name] = { thrown: String(e && e.message) }; }
  }
  console.log("RESULTS " + JSON.stringify(results));
  process.exit(0);
})();
