// The n8n node host: runs ONE n8n node with n8n's own engine on the items a step was given.
//
// A Windmill step imports it as `import { runNode } from "/f/phoenix/n8n_host/host.ts"`.
// runNode builds a one-off n8n workflow around the node: a manual trigger, one pinned
// node per input (named like the real upstream node, so `$('Name')` and paired items
// resolve), pinned nodes for every other node the expressions may reference, then
// n8n-core's WorkflowExecute runs it up to the node, with the node's own settings
// (executeOnce, alwaysOutputData, onError, retries) doing what they do in n8n.
//
// What n8n keeps per workflow between executions (static data, deduplication records) is
// loaded before the node runs and saved after it (workflow_state.ts): in the flow's Windmill
// state inside Windmill, from and to the request (context.staticData/processedData) otherwise.
//
// Binary properties travel between steps inline up to a size limit, larger ones through
// Windmill's object storage (binary_data.ts).
import { fitForTransfer, objectStorageOf, ReferencedBinaries, REFERENCE_MODE } from "./binary_data.ts";
import { CredentialsHelper, type CredentialValues } from "./credentials.ts";
import { engine, type Engine } from "./engine.ts";
import { NodeTypes } from "./node_types.ts";
import { flatEntries } from "./runtime.ts";
import {
  emptyState, ProcessedDataStore, WindmillState, windmillStateLocation,
  type ProcessedData, type StateConflict, type WorkflowState,
} from "./workflow_state.ts";

export type Item = { json: Record<string, unknown>; binary?: Record<string, unknown>; pairedItem?: unknown };

export type NodeSettings = {
  executeOnce?: boolean;
  alwaysOutputData?: boolean;
  onError?: "stopWorkflow" | "continueRegularOutput" | "continueErrorOutput";
  continueOnFail?: boolean; // n8n's older spelling of onError: continueRegularOutput
  retryOnFail?: boolean;
  maxTries?: number;
  waitBetweenTries?: number;
};

export type HostNode = NodeSettings & {
  id?: string; // the node's id in the n8n workflow (deduplication records of scope "node" are kept by it)
  name: string;
  type: string;
  typeVersion: number;
  parameters?: Record<string, unknown>;
  settings?: NodeSettings;
  credentials?: Record<string, { id?: string | null; name: string }>;
  disabled?: boolean;
};

export type RunRequest = {
  node: HostNode;
  items?: Item[]; // the node's first input (shorthand for inputs: [items])
  inputs?: Item[][]; // one item list per input, for nodes with several (Merge)
  inputNodes?: string[]; // the node feeding each input, as named in the workflow (default "Input", "Input 2", ...)
  credentials?: CredentialValues; // decrypted values by credential type name
  context?: {
    nodes?: Record<string, Item[]>; // other nodes' output the expressions may read, by node name
    parents?: Record<string, string[]>; // upstream node names of the input and context nodes (paired items walk them)
    timezone?: string;
    // The workflow's static data and deduplication records (n8n keeps them per workflow): given
    // here, they are used and the new ones returned; not given, a step inside Windmill keeps
    // them in the flow's Windmill state, any other run starts from none.
    staticData?: Record<string, unknown>;
    processedData?: ProcessedData;
    statePath?: string; // inside Windmill: where the flow's state lives (default `<flow path>/n8n_workflow_state`)
    workflowName?: string;
    workflowId?: string;
  };
};

export type RunError = { message: string; description?: string; node?: string };
export type RunResult = {
  outputs: Item[][];
  staticData: Record<string, unknown>;
  processedData?: ProcessedData; // the deduplication records (always set by runNode; optional for older callers)
  error?: RunError;
  // Inside Windmill: where the workflow state lives, whether this run changed it, and the keys
  // another run of the flow had changed meanwhile that this run's value replaced.
  state?: { path?: string; saved: boolean; conflicts: StateConflict[] };
};

export class HostRequestError extends Error {
  name = "HostRequestError";
}

const START = "Phoenix host start";
const SETTING_KEYS = ["executeOnce", "alwaysOutputData", "onError", "continueOnFail", "retryOnFail", "maxTries", "waitBetweenTries"] as const;

let shared: { engine: Engine; types: NodeTypes } | undefined;
const deduplicationStores = new WeakMap<object, ProcessedDataStore>(); // by the run's n8n Workflow
const referencedBinaries = new ReferencedBinaries(() => objectStorageOf());

async function prepared(): Promise<{ engine: Engine; types: NodeTypes }> {
  if (!shared) {
    const e = await engine();
    // n8n-core asks one process-wide deduplicator; each run's records are its own.
    const storeOf = (contextData: any) => {
      const store = deduplicationStores.get(contextData?.workflow);
      if (!store) throw new HostRequestError("a deduplication call came from outside a host run");
      return store;
    };
    await e.core.DataDeduplicationService.init({
      checkProcessedAndRecord: (items: any, scope: any, c: any, o: any) => storeOf(c).checkProcessedAndRecord(items, scope, c, o),
      checkProcessedItemsAndRecord: (k: any, items: any, scope: any, c: any, o: any) => storeOf(c).checkProcessedItemsAndRecord(k, items, scope, c, o),
      removeProcessed: (items: any, scope: any, c: any, o: any) => storeOf(c).removeProcessed(items, scope, c, o),
      clearAllProcessedItems: (scope: any, c: any) => storeOf(c).clearAllProcessedItems(scope, c),
      getProcessedDataCount: (scope: any, c: any, o: any) => storeOf(c).getProcessedDataCount(scope, c, o),
    });
    e.di.Container.get(e.core.BinaryDataService).setManager(REFERENCE_MODE, referencedBinaries);
    shared = { engine: e, types: new NodeTypes(e) };
  }
  return shared;
}

/** Load n8n's engine and the given node types now (a step may call this at import time to
 * overlap it with other work; the start-time benchmark measures up to here). */
export async function warmUp(nodeTypes: string[] = []): Promise<void> {
  const { types } = await prepared();
  await types.load(nodeTypes);
}

/** Plain JSON objects as n8n items (each item pairs with the input item of the same index). */
export function toItems(jsons: Record<string, unknown>[]): Item[] {
  return jsons.map((json, item) => ({ json, pairedItem: { item } }));
}

export async function runNode(request: RunRequest): Promise<RunResult> {
  const windmill = stateInWindmill(request);
  const loading = windmill?.load(); // overlaps with loading the engine
  loading?.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
  const { engine: e, types } = await prepared();
  const plan = planWorkflow(request);
  await types.load(plan.nodes.map((n) => n.type));
  const base: WorkflowState = windmill ? await loading! : givenState(request);
  const records = new ProcessedDataStore(plainJson(base.processedData), (v) => e.workflow.tryToParseDateTime(v));
  const workflow = new e.workflow.Workflow({
    id: request.context?.workflowId ?? "phoenix-host",
    name: request.context?.workflowName ?? "Phoenix host",
    nodes: plan.nodes,
    connections: plan.connections,
    active: false,
    nodeTypes: types,
    staticData: plainJson(base.staticData),
    settings: { executionOrder: "v1", ...(request.context?.timezone ? { timezone: request.context.timezone } : {}) },
  });
  deduplicationStores.set(workflow, records);
  await referencedBinaries.prefetch(plan.inputNames.map((name) => plan.pinData[name]));
  const credentials = new CredentialsHelper(e, types, structuredClone(request.credentials ?? {}));
  const execution = new e.core.WorkflowExecute(additionalData(e, workflow, credentials), "manual");
  const run = await execution.run({
    workflow,
    startNode: workflow.getNode(START),
    destinationNode: { nodeName: request.node.name, mode: "inclusive" },
    pinData: plan.pinData,
    additionalRunFilterNodes: plan.contextNames,
  });
  const done = result(run, request.node.name, workflow, records.records);
  // Before the state is saved: a result that cannot reach the next step leaves no trace.
  await fitForTransfer(done.outputs, request.node.name, objectStorageOf());
  if (windmill) {
    // Saved whether or not the node failed, as n8n keeps what a failed execution recorded.
    const ours = { staticData: done.staticData, processedData: done.processedData ?? {} };
    const changed = JSON.stringify(ours) !== JSON.stringify(base);
    const conflicts = changed ? await windmill.save(base, ours, records) : [];
    for (const c of conflicts) {
      console.error(`phoenix node host: another run of this flow changed ${c.key} in ${windmill.path} meanwhile; ` +
        `this run's value replaced it (was ${JSON.stringify(c.stored)?.slice(0, 200)}, now ${JSON.stringify(c.ours)?.slice(0, 200)})`);
    }
    done.state = { path: windmill.path, saved: changed, conflicts };
  }
  return done;
}

/** The flow's Windmill state, when this run runs inside Windmill and the request does not bring its own. */
function stateInWindmill(request: RunRequest): WindmillState | undefined {
  const context = request.context ?? {};
  if ("staticData" in context || "processedData" in context) return undefined;
  const location = windmillStateLocation(process.env, context.statePath);
  return location && new WindmillState(location);
}

function givenState(request: RunRequest): WorkflowState {
  const { staticData = {}, processedData = {} } = request.context ?? {};
  for (const [name, value] of [["staticData", staticData], ["processedData", processedData]] as const) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new HostRequestError(`context.${name} must be an object, got ${Array.isArray(value) ? "a list" : value === null ? "null" : typeof value}`);
    }
  }
  return { ...emptyState(), staticData, processedData };
}

function plainJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value ?? {}));
}

/** What a generated step calls: runs the node and throws when it failed, so Windmill marks the step failed. */
export async function runStep(request: RunRequest): Promise<RunResult> {
  const result = await runNode(request);
  if (result.error) throw new NodeFailedError(result.error);
  return result;
}

export class NodeFailedError extends Error {
  name = "NodeFailedError";
  constructor(readonly failure: RunError) {
    super(`n8n node ${failure.node ? JSON.stringify(failure.node) + " " : ""}failed: ${failure.message}`);
  }
}

type Plan = { nodes: any[]; connections: Record<string, any>; pinData: Record<string, Item[]>; contextNames: string[]; inputNames: string[] };

function planWorkflow(request: RunRequest): Plan {
  const target = workflowNode(request.node);
  const inputs = request.inputs ?? [request.items ?? []];
  if (request.inputs && request.items) throw new HostRequestError("give either items or inputs, not both");
  const inputNames = inputs.map((_, i) => request.inputNodes?.[i] ?? (i === 0 ? "Input" : `Input ${i + 1}`));
  const pinned = new Map<string, Item[]>();
  for (const [name, items] of Object.entries(request.context?.nodes ?? {})) pinned.set(name, checkedItems(items, `context node ${name}`));
  inputNames.forEach((name, i) => {
    if (pinned.has(name)) throw new HostRequestError(`${JSON.stringify(name)} is both an input and a context node: give its items once`);
    pinned.set(name, checkedItems(inputs[i], `input ${i}`));
  });
  if (pinned.has(START)) throw new HostRequestError(`the node name ${JSON.stringify(START)} is reserved by the host`);
  if (pinned.has(target.name) || target.name === START) {
    throw new HostRequestError(`the node ${JSON.stringify(target.name)} cannot also be its own input or context`);
  }
  const parentsOf = request.context?.parents ?? {};

  const nodes: any[] = [{ id: "phoenix-start", name: START, type: "n8n-nodes-base.manualTrigger", typeVersion: 1, position: [0, 0], parameters: {} }];
  const connections: Record<string, any> = {};
  const connect = (from: string, to: string, index: number) => {
    const main = ((connections[from] ??= { main: [[]] }).main[0] ??= []);
    main.push({ node: to, type: "main", index });
  };
  let row = 0;
  for (const name of pinned.keys()) {
    nodes.push({ id: `phoenix-pinned-${row}`, name, type: "n8n-nodes-base.noOp", typeVersion: 1, position: [200, 200 * row++], parameters: {} });
    const parents = parentsOf[name] ?? [];
    const unknown = parents.filter((p) => !pinned.has(p));
    if (unknown.length) {
      throw new HostRequestError(`the parents of ${JSON.stringify(name)} must be input or context nodes too: ${JSON.stringify(unknown)} are not`);
    }
    if (parents.length === 0) connect(START, name, 0);
    for (const parent of parents) connect(parent, name, 0);
  }
  nodes.push({ ...target, position: [400, 0] });
  inputNames.forEach((name, i) => connect(name, target.name, i));
  const pinData = Object.fromEntries(pinned);
  return { nodes, connections, pinData, contextNames: [...pinned.keys()], inputNames };
}

function workflowNode(node: HostNode): any {
  if (!node || typeof node.name !== "string" || !node.name || typeof node.type !== "string" || typeof node.typeVersion !== "number") {
    throw new HostRequestError("node needs a name, a type and a typeVersion");
  }
  const { settings, ...rest } = node;
  // n8n keys a node's deduplication records by its id: one per node name unless the workflow's id is given.
  const merged: any = { id: `phoenix:${node.name}`, parameters: {}, ...rest };
  for (const key of SETTING_KEYS) if (settings?.[key] !== undefined) merged[key] = settings[key];
  return merged;
}

/** Items as they travel between Windmill steps, made n8n items.
 *
 * Steps hand on either n8n items ({json, binary?, pairedItem?}, what the host returns) or plain
 * JSON objects (what native steps return); loops and branches nest lists and routed results
 * ({outputs: [[...], ...]}). As n8n's own normalizeItems does, a list is taken as n8n items when
 * every entry has an object `json`; otherwise every entry must be an object and is wrapped,
 * paired with the input item of the same index.
 */
export function wireItems(value: unknown, where: string): Item[] {
  const flat = flatEntries(value); // the runtime's reading, so native and host steps agree on what a result is
  const isObject = (v: any) => v !== null && typeof v === "object" && !Array.isArray(v);
  if (flat.length && flat.every((v: any) => isObject(v) && isObject(v.json))) return flat as Item[];
  return flat.map((v, i) => {
    if (!isObject(v)) throw new HostRequestError(`${where}, item ${i}: an item must be an object, got ${v === null ? "null" : typeof v}`);
    return { json: v as Record<string, unknown>, pairedItem: { item: i } };
  });
}

function checkedItems(items: unknown, where: string): Item[] {
  if (!Array.isArray(items)) throw new HostRequestError(`${where}: expected a list of items`);
  return wireItems(items, where);
}

function additionalData(e: Engine, workflow: any, credentialsHelper: CredentialsHelper): any {
  return {
    credentialsHelper,
    hooks: new e.core.ExecutionLifecycleHooks("manual", "phoenix-host", workflow),
    executeWorkflow: async () => {
      throw new HostRequestError("this node calls another workflow, which the node host cannot run");
    },
    restApiUrl: "", instanceBaseUrl: "", webhookBaseUrl: "", webhookWaitingBaseUrl: "", webhookTestBaseUrl: "",
    formWaitingBaseUrl: "", currentNodeParameters: undefined, variables: {}, userId: "phoenix",
    setExecutionStatus() {}, logAiEvent() {}, getRunExecutionData: async () => undefined,
  };
}

function result(run: any, name: string, workflow: any, records: ProcessedData): RunResult {
  const data = run.data.resultData;
  const staticData = JSON.parse(JSON.stringify(workflow.staticData ?? {}));
  delete staticData.__dataChanged;
  const processedData = plainJson(records);
  const task = data.runData?.[name]?.[0];
  const outputs: Item[][] = (task?.data?.main ?? []).map((output: Item[] | null) => (output ?? []).map(plainItem));
  const failure = data.error ?? task?.error;
  if (!failure) return { outputs, staticData, processedData };
  return {
    outputs, staticData, processedData,
    error: { message: String(failure.message), description: failure.description ?? undefined, node: failure.node?.name },
  };
}

function plainItem(item: any): Item {
  // Only what travels between steps: JSON data, binary metadata, the pairing with the input.
  const out: Item = { json: item.json };
  if (item.binary) out.binary = item.binary;
  if (item.pairedItem !== undefined) out.pairedItem = item.pairedItem;
  return out;
}
