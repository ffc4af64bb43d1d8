// The reference for polling: n8n's own poller, as n8n-core's ActiveWorkflows runs it once a
// workflow is active: ONE Workflow object and ONE PollContext (mode "trigger") for the whole
// life of the activation, n8n-core's TriggersAndPollers.runPoll on each tick, and a non-null
// answer emitted as an execution's data. Static data lives in that object's memory between
// ticks, which is what Phoenix's trigger script keeps in Windmill state instead.
// The packages load the spike's way (plain require, no bundle, no Phoenix code).
// argv[2]: a JSON file {node, credentials}; then one line "poll" per tick on stdin; prints one
// line TICK <emitted outputs or null> per tick (or TICK {"thrown": message}).
const path = require("path");
const fs = require("fs");
const readline = require("readline");
const NM = process.env.PHOENIX_N8N_MODULES;
const req = (m) => require(path.join(NM, m));
const { Workflow } = req("n8n-workflow");
const core = req("n8n-core");
const { Container } = req("@n8n/di");
Container.get(req("@n8n/config").TaskRunnersConfig).enabled = false;
const known = require(path.join(NM, "n8n-nodes-base/dist/known/nodes.json"));

const cache = {};
const nodeTypes = {
  getByName(t) {
    const k = known[t.replace("n8n-nodes-base.", "")];
    if (!cache[t]) {
      cache[t] = new (require(path.join(NM, "n8n-nodes-base", k.sourcePath))[k.className])();
      core.DirectoryLoader.prototype.applySpecialNodeParameters.call(undefined, cache[t]); // as n8n's loader
    }
    return cache[t];
  },
  getByNameAndVersion(t, v) { const n = this.getByName(t); return n.nodeVersions ? (n.nodeVersions[v] ?? n.getNodeType(v)) : n; },
  getKnownTypes() { return {}; },
};

const spec = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const node = { id: "n", position: [0, 0], parameters: {}, ...spec.node };
const workflow = new Workflow({ id: "w", name: "reference", nodes: [node], connections: {}, active: true, nodeTypes,
  staticData: {}, settings: { executionOrder: "v1" } });
const additionalData = { credentialsHelper: { getDecrypted: async (_a, _n, type) => (spec.credentials || {})[type] },
  hooks: new core.ExecutionLifecycleHooks("trigger", "x", workflow), restApiUrl: "", instanceBaseUrl: "", webhookBaseUrl: "",
  variables: {}, userId: "u", setExecutionStatus() {}, logAiEvent() {} };
let emitted;
const pollFunctions = new core.PollContext(workflow, workflow.getNode(node.name), additionalData, "trigger", "activate",
  (data) => { emitted = data; }, (error) => { emitted = { thrown: String(error?.message ?? error) }; });
const { TriggersAndPollers } = req("n8n-core/dist/execution-engine/triggers-and-pollers"); // not re-exported by n8n-core
const poller = Container.get(TriggersAndPollers);

const lines = readline.createInterface({ input: process.stdin });
lines.on("line", async (line) => {
  if (line.trim() !== "poll") return;
  emitted = null;
  try {
    const answer = await poller.runPoll(workflow, workflow.getNode(node.name), pollFunctions);
    if (answer !== null) pollFunctions.__emit(answer); // ActiveWorkflows.createPollExecuteFn
  } catch (error) {
    pollFunctions.__emitError(error);
  }
  const plain = emitted && !emitted.thrown ? emitted.map((o) => o.map((i) => ({ json: i.json }))) : emitted;
  process.stdout.write("TICK " + JSON.stringify(plain) + "\n");
});
lines.on("close", () => process.exit(0));
