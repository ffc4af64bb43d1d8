// Runs an n8n AI cluster (a root node such as an agent or a chain, with the sub-nodes that
// hang off it: model, memory, tools, output parser, retriever, vector store, embeddings,
// document loader, text splitter) with n8n's own engine, inside one Windmill step.
//
// A generated step imports it as `import { runCluster } from "/f/phoenix/n8n_ai/cluster.ts"`.
// The translator has already replaced every chat-model and embeddings sub-node by n8n's
// OpenAI node pointed at Phoenix (credential "Phoenix router"): here that credential becomes
// the Phoenix OpenAI-compatible route of this Windmill (the router picks the operator's
// local model), each model node asks for the first of its hinted models that Phoenix
// serves, else "phoenix". Tools run as n8n runs them (n8n-nodes-base nodes as tools
// included); Simple Memory and the In-Memory Vector Store keep their data in Windmill state.
import { CredentialsHelper, type CredentialValues } from "../n8n_host/credentials.ts";
import { engine, type Engine } from "../n8n_host/engine.ts";
import { HostRequestError, wireItems, type HostNode, type Item, type RunRequest, type RunResult } from "../n8n_host/host.ts";
import { SessionMemories } from "./memory.ts";
import { AiNodeTypes } from "./node_types.ts";
import { stateApi, type StateApi } from "./state.ts";
import { VectorStores } from "./vectors.ts";

export type { Item, RunResult } from "../n8n_host/host.ts";

export const PHOENIX_CREDENTIAL = "Phoenix router";
export const ROUTED_MODEL = "phoenix";
const START = "Phoenix host start";
const SETTING_KEYS = ["executeOnce", "alwaysOutputData", "onError", "continueOnFail", "retryOnFail", "maxTries", "waitBetweenTries"] as const;

export type AiConnection = { source: string; type: string; target: string; index?: number };

export type ClusterRequest = RunRequest & {
  subNodes?: HostNode[]; // the sub-nodes of the root (and theirs), as workflow nodes
  connections?: AiConnection[]; // ai_* edges among the root and its sub-nodes
  models?: Record<string, string[]>; // Phoenix model node name -> model ids to ask for first (else "phoenix")
  subWorkflows?: Record<string, SubFlow>; // n8n workflow id -> the Windmill flow translated from it
};

/** A translated workflow a tool calls: its flow path, and the entry to start at when it has several. */
export type SubFlow = { path: string; entry?: string | null };

export class ClusterError extends Error {
  name = "ClusterError";
}

type Prepared = { engine: Engine; types: AiNodeTypes; memories: SessionMemories; vectors: VectorStores };
let shared: Prepared | undefined;
let api: StateApi | undefined;
const servedModels = new Map<string, Promise<Set<string>>>();

async function prepared(): Promise<Prepared> {
  if (!shared) {
    const e = await engine();
    const types = new AiNodeTypes(e);
    const state = () => (api ??= stateApi());
    shared = { engine: e, types, memories: new SessionMemories(types, state), vectors: new VectorStores(types, state) };
  }
  return shared;
}

/** Phoenix's OpenAI-compatible route as this job reaches it (PHOENIX_OPENAI_URL overrides it). */
export function phoenixEndpoint(env: Record<string, string | undefined> = process.env): { url: string; token: string } {
  const base = (env.BASE_INTERNAL_URL || env.WM_BASE_URL || "").replace(/\/+$/, "");
  const url = (env.PHOENIX_OPENAI_URL || (base ? `${base}/api/r/phoenix/v1` : "")).replace(/\/+$/, "");
  const token = env.PHOENIX_OPENAI_TOKEN || env.WM_TOKEN || "";
  if (!url || !token) {
    throw new ClusterError("the AI nodes answer through Phoenix's OpenAI-compatible route: BASE_INTERNAL_URL and WM_TOKEN " +
      "(set by Windmill in every job) or PHOENIX_OPENAI_URL and PHOENIX_OPENAI_TOKEN are needed");
  }
  return { url, token };
}

/** The credentials helper, with the "Phoenix router" OpenAI credential pointing at Phoenix. */
class ClusterCredentials extends CredentialsHelper {
  constructor(e: Engine, types: AiNodeTypes, values: CredentialValues, private readonly phoenix: () => { url: string; token: string }) {
    super(e, types, values);
  }

  override async getDecrypted(additionalData: unknown, nodeCredentials: { name?: string }, type: string): Promise<any> {
    if (nodeCredentials?.name === PHOENIX_CREDENTIAL && type === "openAiApi") {
      const { url, token } = this.phoenix();
      return { apiKey: token, url, header: false };
    }
    return await super.getDecrypted(additionalData, nodeCredentials, type);
  }
}

async function modelsServed(endpoint: { url: string; token: string }): Promise<Set<string>> {
  let found = servedModels.get(endpoint.url);
  if (!found) {
    found = (async () => {
      try {
        const response = await fetch(`${endpoint.url}/models`, { headers: { Authorization: `Bearer ${endpoint.token}` } });
        if (!response.ok) return new Set<string>();
        const body: any = await response.json();
        return new Set<string>((body?.data ?? []).map((m: any) => String(m?.id)));
      } catch {
        return new Set<string>(); // the route answers the chat itself; without the list, ask for "phoenix"
      }
    })();
    servedModels.set(endpoint.url, found);
  }
  return await found;
}

/** Each Phoenix model node asks for its first hinted model Phoenix serves, else the routed "phoenix". */
async function chooseModels(nodes: any[], hints: Record<string, string[]>, endpoint: () => { url: string; token: string }): Promise<void> {
  const hinted = nodes.filter((n) => hints[n.name]?.length);
  if (!hinted.length) return;
  const served = await modelsServed(endpoint());
  for (const node of hinted) {
    const chosen = hints[node.name].find((id) => served.has(id)) ?? ROUTED_MODEL;
    // the OpenAI app node names it modelId, the older n8n-nodes-base one chatModel (chat, from v1.1) or model
    const key = ["modelId", "chatModel", "model"].find((name) => name in (node.parameters ?? {})) ?? "model";
    const given = node.parameters?.[key];
    const value = given !== null && typeof given === "object" ? { __rl: true, mode: "id", value: chosen } : chosen; // its own shape
    node.parameters = { ...node.parameters, [key]: value };
  }
}

export async function runCluster(request: ClusterRequest): Promise<RunResult> {
  const p = await prepared();
  const e = p.engine;
  const plan = planCluster(request);
  const types = new Set(plan.nodes.map((n) => n.type));
  if (types.has("@n8n/n8n-nodes-langchain.memoryBufferWindow")) p.memories.install();
  if ([...types].some((t) => /\.(vectorStoreInMemory|vectorStoreInMemoryInsert|vectorStoreInMemoryLoad)$/.test(t))) p.vectors.install();
  await chooseModels(plan.nodes, request.models ?? {}, phoenixEndpoint);
  const workflow = new e.workflow.Workflow({
    // n8n keys Simple Memory by workflow id: without one, the Windmill flow's path keeps flows apart
    id: request.context?.workflowId || process.env.WM_FLOW_PATH || "phoenix-host",
    name: request.context?.workflowName ?? "Phoenix host",
    nodes: plan.nodes,
    connections: plan.connections,
    active: false,
    nodeTypes: p.types,
    staticData: structuredClone(request.context?.staticData ?? {}),
    settings: { executionOrder: "v1", ...(request.context?.timezone ? { timezone: request.context.timezone } : {}) },
  });
  const credentials = new ClusterCredentials(e, p.types, structuredClone(request.credentials ?? {}), phoenixEndpoint);
  const execution = new e.core.WorkflowExecute(additionalData(e, workflow, credentials, request.subWorkflows ?? {}), "manual");
  const run = await execution.run({
    workflow,
    startNode: workflow.getNode(START),
    destinationNode: { nodeName: request.node.name, mode: "inclusive" },
    pinData: plan.pinData,
    additionalRunFilterNodes: plan.contextNames,
  });
  const outcome = result(run, request.node.name, workflow);
  if (!outcome.error) {
    await p.memories.save();
    await p.vectors.save();
  }
  return outcome;
}

/** What a generated step calls: runs the cluster and throws when its root failed, so Windmill marks the step failed. */
export async function runClusterStep(request: ClusterRequest): Promise<RunResult> {
  const outcome = await runCluster(request);
  if (outcome.error) {
    const where = outcome.error.node ? `n8n node ${JSON.stringify(outcome.error.node)} ` : "n8n node ";
    throw new ClusterError(`${where}failed: ${outcome.error.message}${outcome.error.description ? ` (${outcome.error.description})` : ""}`);
  }
  return outcome;
}

type Plan = { nodes: any[]; connections: Record<string, any>; pinData: Record<string, Item[]>; contextNames: string[] };

function planCluster(request: ClusterRequest): Plan {
  const root = workflowNode(request.node);
  const subNodes = (request.subNodes ?? []).map(workflowNode);
  const inputs = request.inputs ?? [request.items ?? []];
  if (request.inputs && request.items) throw new HostRequestError("give either items or inputs, not both");
  const inputNames = inputs.map((_, i) => request.inputNodes?.[i] ?? (i === 0 ? "Input" : `Input ${i + 1}`));
  const pinned = new Map<string, Item[]>();
  for (const [name, items] of Object.entries(request.context?.nodes ?? {})) pinned.set(name, checked(items, `context node ${name}`));
  inputNames.forEach((name, i) => {
    if (pinned.has(name)) throw new HostRequestError(`${JSON.stringify(name)} is both an input and a context node: give its items once`);
    pinned.set(name, checked(inputs[i], `input ${i}`));
  });
  const own = new Set([root.name, ...subNodes.map((n) => n.name)]);
  if (own.size !== subNodes.length + 1) throw new HostRequestError("the root and its sub-nodes need distinct names");
  for (const name of [START, ...pinned.keys()]) {
    if (own.has(name) || (name === START && pinned.has(START))) {
      throw new HostRequestError(`the node name ${JSON.stringify(name)} is used twice (or reserved by the host)`);
    }
  }
  const nodes: any[] = [{ id: "phoenix-start", name: START, type: "n8n-nodes-base.manualTrigger", typeVersion: 1, position: [0, 0], parameters: {} }];
  const connections: Record<string, any> = {};
  const connect = (from: string, to: string, type: string, index: number) => {
    const slots = ((connections[from] ??= {})[type] ??= [[]]);
    (slots[0] ??= []).push({ node: to, type, index });
  };
  const parentsOf = request.context?.parents ?? {};
  let row = 0;
  for (const name of pinned.keys()) {
    nodes.push({ id: `phoenix-pinned-${row}`, name, type: "n8n-nodes-base.noOp", typeVersion: 1, position: [200, 200 * row++], parameters: {} });
    const parents = parentsOf[name] ?? [];
    const unknown = parents.filter((p) => !pinned.has(p));
    if (unknown.length) throw new HostRequestError(`the parents of ${JSON.stringify(name)} must be input or context nodes too: ${JSON.stringify(unknown)} are not`);
    if (parents.length === 0) connect(START, name, "main", 0);
    for (const parent of parents) connect(parent, name, "main", 0);
  }
  nodes.push({ ...root, position: [400, 0] });
  subNodes.forEach((node, i) => nodes.push({ ...node, position: [400 + 200 * (i % 5), 300 + 200 * Math.floor(i / 5)] }));
  inputNames.forEach((name, i) => connect(name, root.name, "main", i));
  for (const edge of request.connections ?? []) {
    if (!own.has(edge.source) || !own.has(edge.target)) {
      throw new HostRequestError(`connection ${JSON.stringify(edge.source)} -> ${JSON.stringify(edge.target)} names a node outside the cluster`);
    }
    if (typeof edge.type !== "string" || !edge.type.startsWith("ai_")) throw new HostRequestError(`connection type ${JSON.stringify(edge.type)} is not an ai_* connection`);
    connect(edge.source, edge.target, edge.type, edge.index ?? 0);
  }
  return { nodes, connections, pinData: Object.fromEntries(pinned), contextNames: [...pinned.keys()] };
}

function workflowNode(node: HostNode): any {
  if (!node || typeof node.name !== "string" || !node.name || typeof node.type !== "string" || typeof node.typeVersion !== "number") {
    throw new HostRequestError("node needs a name, a type and a typeVersion");
  }
  const { settings, ...rest } = node;
  const merged: any = { id: `phoenix-${node.name}`, parameters: {}, ...rest };
  for (const key of SETTING_KEYS) if (settings?.[key] !== undefined) merged[key] = settings[key];
  return structuredClone(merged);
}

function checked(items: unknown, where: string): Item[] {
  if (!Array.isArray(items)) throw new HostRequestError(`${where}: expected a list of items`);
  return wireItems(items, where);
}

function additionalData(e: Engine, workflow: any, credentialsHelper: CredentialsHelper, flows: Record<string, SubFlow>): any {
  return {
    credentialsHelper,
    hooks: new e.core.ExecutionLifecycleHooks("manual", "phoenix-host", workflow),
    executeWorkflow: async (info: { id?: string; code?: unknown }, _data: unknown, options: { inputData?: Item[] }) =>
      await runSubFlow(flows, info, options?.inputData ?? []),
    restApiUrl: "", instanceBaseUrl: "", webhookBaseUrl: "", webhookWaitingBaseUrl: "", webhookTestBaseUrl: "",
    formWaitingBaseUrl: "", currentNodeParameters: undefined, variables: {}, userId: "phoenix",
    setExecutionStatus() {}, logAiEvent() {}, getRunExecutionData: async () => undefined,
  };
}

/** A tool or retriever calling another n8n workflow: the Windmill flow translated from it, run to its
 * result (Windmill's run_wait_result) with the items as its `items` input (and `n8n_trigger` naming the
 * entry to start at, when the flow has several), as Execute Workflow steps call it. */
async function runSubFlow(flows: Record<string, SubFlow>, info: { id?: string; code?: unknown }, items: Item[]) {
  const flow = info?.id !== undefined ? flows[String(info.id)] : undefined;
  if (!flow?.path) {
    throw new HostRequestError(info?.code !== undefined
      ? "this node runs a workflow given inline as JSON, which has no translated Windmill flow"
      : `this node calls n8n workflow ${JSON.stringify(info?.id)}, which was not translated beside this one`);
  }
  const path = flow.path;
  const state = api ?? (api = stateApi());
  const url = `${state.base}/api/w/${encodeURIComponent(state.workspace)}/jobs/run_wait_result/f/${path}`;
  const response = await fetch(url, {
    method: "POST",
    headers: { Authorization: `Bearer ${state.token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ items: items.map((item) => item.json), ...(flow.entry ? { n8n_trigger: flow.entry } : {}) }),
  });
  const text = await response.text();
  if (!response.ok) throw new ClusterError(`the flow ${path} failed (${response.status}): ${text.slice(0, 300)}`);
  return { data: [wireItems(text ? JSON.parse(text) : [], `the result of ${path}`)], executionId: `windmill:${path}` };
}

function result(run: any, name: string, workflow: any): RunResult {
  const data = run.data.resultData;
  const staticData = JSON.parse(JSON.stringify(workflow.staticData ?? {}));
  delete staticData.__dataChanged;
  const task = data.runData?.[name]?.[0];
  const outputs: Item[][] = (task?.data?.main ?? []).map((output: Item[] | null) => (output ?? []).map(plainItem));
  const failure = data.error ?? task?.error;
  if (!failure) return { outputs, staticData };
  return { outputs, staticData, error: { message: String(failure.message), description: failure.description ?? undefined, node: failure.node?.name } };
}

function plainItem(item: any): Item {
  const out: Item = { json: item.json };
  if (item.binary) out.binary = item.binary;
  if (item.pairedItem !== undefined) out.pairedItem = item.pairedItem;
  return out;
}
