// What n8n keeps per workflow between executions, kept per Windmill flow between runs.
//
// n8n persists two things per workflow: its static data (getWorkflowStaticData('global')
// and ('node'), stored under the keys "global" and "node:<node name>", used by polling
// triggers and Code nodes) and its deduplication records (the Remove Duplicates node's
// "seen in previous executions", one record per context: "" for the workflow scope,
// "n:<node id>" for the node scope). A host step loads both before the node runs and saves
// them after, when they changed:
//
// - inside Windmill, in one Windmill state resource per flow (not per step, as n8n keeps
//   it per workflow): `<flow path>/n8n_workflow_state` (WM_FLOW_PATH; a script run alone
//   uses its own path), through the REST API the windmill-client's getState/setState use
//   (BASE_INTERNAL_URL, WM_TOKEN, WM_WORKSPACE);
// - outside Windmill (tests, local runs), from and to the request and the result.
//
// Two runs of one flow may overlap. Nothing is lost silently: the save takes a lock (a
// lock resource beside the state), re-reads the state and applies only this run's changes
// to what is stored now: other keys, other records and other deduplication entries are
// kept; a key both runs changed gets this run's value and is reported (in the result
// and on stderr, so it shows in the job's log).
import { createHash, randomUUID } from "node:crypto";

export type ProcessedRecord = { mode: string; data: unknown };
export type ProcessedData = Record<string, ProcessedRecord>; // by deduplication context
export type WorkflowState = { staticData: Record<string, unknown>; processedData: ProcessedData };
export type StateConflict = { key: string; stored: unknown; ours: unknown };

export class HostStateError extends Error {
  name = "HostStateError";
}

export class DeduplicationError extends Error {
  name = "DeduplicationError";
}

const clone = <T>(value: T): T => (value === undefined ? value : JSON.parse(JSON.stringify(value)));
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

export function emptyState(): WorkflowState {
  return { staticData: {}, processedData: {} };
}

// ---------------------------------------------------------------- deduplication records

type DedupOptions = { mode: string; maxEntries?: number };
type DedupContext = { node?: { id?: string; name?: string }; workflow?: { id?: string } };
const LATEST_MODES = ["latestIncrementalKey", "latestDate"];

/** n8n's deduplication store (what n8n's DeduplicationHelper does with its processed_data
 * table), over the records of one run; `parseDate` is n8n-workflow's tryToParseDateTime. */
export class ProcessedDataStore {
  private limits = new Map<string, number>(); // the history size each context was last used with

  constructor(readonly records: ProcessedData, private parseDate: (value: unknown) => unknown) {}

  /** The history size last applied to a record (a merge with another run keeps to it). */
  limitOf(context: string): number | undefined {
    return this.limits.get(context);
  }

  private static context(scope: string, contextData: DedupContext): string {
    if (scope !== "node") return "";
    if (!contextData.node) throw new DeduplicationError("No node information has been provided and so cannot use scope 'node'");
    return `n:${contextData.node.id}`;
  }

  private static hash(value: unknown): string {
    return createHash("md5").update(String(value)).digest("base64");
  }

  compare(mode: string, a: unknown, b: unknown): number {
    if (mode === "latestIncrementalKey") {
      const x = Number(a), y = Number(b);
      if (!isNaN(x) && !isNaN(y)) return x === y ? 0 : x > y ? 1 : -1;
      throw new DeduplicationError('Invalid value. Only numbers are supported in mode "latestIncrementalKey"');
    }
    if (mode === "latestDate") {
      let x: any, y: any;
      try {
        x = this.parseDate(a);
        y = this.parseDate(b);
      } catch {
        throw new DeduplicationError('Invalid value. Only valid dates are supported in mode "latestDate"');
      }
      return x === y ? 0 : x > y ? 1 : -1;
    }
    throw new DeduplicationError("Invalid mode. Only 'latestIncrementalKey' and 'latestDate' are supported.");
  }

  async checkProcessedAndRecord(items: unknown[], scope: string, contextData: DedupContext, options: DedupOptions) {
    const context = ProcessedDataStore.context(scope, contextData);
    const record = this.records[context];
    if (record && record.mode !== options.mode) {
      throw new DeduplicationError(
        "Deduplication data was originally saved with an incompatible setting of the ‘Keep Items Where’ parameter. Try ’Clean Database’ operation to reset.",
      );
    }
    if (LATEST_MODES.includes(options.mode)) {
      const sorted = items.slice().sort((a, b) => this.compare(options.mode, a, b));
      if (!record) {
        this.records[context] = { mode: options.mode, data: sorted.pop() };
        return { new: items, processed: [] };
      }
      const result = { new: [] as unknown[], processed: [] as unknown[] };
      if (Array.isArray(record.data)) return result;
      let largest = record.data;
      for (const item of sorted) {
        if (this.compare(options.mode, item, record.data) === 1) {
          result.new.push(item);
          if (this.compare(options.mode, item, largest) === 1) largest = item;
        } else {
          result.processed.push(item);
        }
      }
      record.data = largest;
      return result;
    }
    const hashes = items.map(ProcessedDataStore.hash);
    if (options.maxEntries) this.limits.set(context, Number(options.maxEntries));
    if (!record) {
      if (options.maxEntries) hashes.splice(0, hashes.length - options.maxEntries);
      this.records[context] = { mode: options.mode, data: hashes };
      return { new: items, processed: [] };
    }
    const result = { new: [] as unknown[], processed: [] as unknown[] };
    if (!Array.isArray(record.data)) return result;
    const seen = new Set(record.data);
    hashes.forEach((hash, index) => {
      if (seen.has(hash)) {
        result.processed.push(items[index]);
      } else {
        result.new.push(items[index]);
        (record.data as string[]).push(hash);
      }
    });
    if (options.maxEntries) record.data.splice(0, record.data.length - options.maxEntries);
    return result;
  }

  async checkProcessedItemsAndRecord(key: string, items: any[], scope: string, contextData: DedupContext, options: DedupOptions) {
    // What n8n-core's DataDeduplicationService does before calling the store.
    const lookup: Record<string, number> = {};
    items.forEach((item, index) => {
      const value = JSON.stringify(key.split(".").reduce((v: any, k) => (v == null ? undefined : v[k]), item));
      lookup[value ? value.toString() : ""] = index;
    });
    const checked = await this.checkProcessedAndRecord(Object.keys(lookup), scope, contextData, options);
    return { new: checked.new.map((k: any) => items[lookup[k]]), processed: checked.processed.map((k: any) => items[lookup[k]]) };
  }

  async removeProcessed(items: unknown[], scope: string, contextData: DedupContext, options: DedupOptions) {
    if (LATEST_MODES.includes(options.mode)) throw new DeduplicationError('Removing processed data is not possible in mode "latest"');
    const record = this.records[ProcessedDataStore.context(scope, contextData)];
    if (!record || !Array.isArray(record.data)) return;
    for (const hash of items.map(ProcessedDataStore.hash)) {
      const index = (record.data as string[]).indexOf(hash);
      if (index !== -1) record.data.splice(index, 1);
    }
  }

  async clearAllProcessedItems(scope: string, contextData: DedupContext) {
    delete this.records[ProcessedDataStore.context(scope, contextData)];
  }

  async getProcessedDataCount(scope: string, contextData: DedupContext, options: DedupOptions) {
    const record = this.records[ProcessedDataStore.context(scope, contextData)];
    return options.mode === "entries" && record && Array.isArray(record.data) ? record.data.length : 0;
  }
}

// ---------------------------------------------------------------- merging two runs' changes

/** How records of one mode compare, and the history size a context was last used with. */
export type RecordRules = { compare(mode: string, a: unknown, b: unknown): number; limitOf(context: string): number | undefined };

/** This run's changes (base -> ours) applied to what is stored now; keys both runs changed are reported. */
export function mergeState(base: WorkflowState, ours: WorkflowState, stored: WorkflowState, rules: RecordRules): { state: WorkflowState; conflicts: StateConflict[] } {
  const conflicts: StateConflict[] = [];
  const staticData = mergeObjects(base.staticData, ours.staticData, stored.staticData, "staticData", conflicts);
  const processedData = clone(stored.processedData);
  const contexts = new Set([...Object.keys(base.processedData), ...Object.keys(ours.processedData)]);
  for (const context of contexts) {
    const b = base.processedData[context], o = ours.processedData[context], s = processedData[context];
    if (same(b, o)) continue; // this run did not touch it
    if (o === undefined) {
      if (s !== undefined && !same(s, b)) conflicts.push({ key: `processedData[${JSON.stringify(context)}]`, stored: s, ours: undefined });
      delete processedData[context]; // this run cleared it
      continue;
    }
    if (s === undefined || s.mode !== o.mode || same(s, b)) {
      processedData[context] = clone(o);
      continue;
    }
    processedData[context] = mergeRecords(b, o, s, rules, context);
  }
  return { state: { staticData, processedData }, conflicts };
}

function mergeRecords(base: ProcessedRecord | undefined, ours: ProcessedRecord, stored: ProcessedRecord, rules: RecordRules, context: string): ProcessedRecord {
  if (Array.isArray(ours.data) && Array.isArray(stored.data)) {
    // Seen-entries: what this run added joins what is stored; what it removed goes.
    const before = new Set(Array.isArray(base?.data) ? (base!.data as string[]) : []);
    const now = new Set(ours.data as string[]);
    const removed = new Set([...before].filter((h) => !now.has(h)));
    const data = (stored.data as string[]).filter((h) => !removed.has(h));
    const present = new Set(data);
    for (const hash of ours.data as string[]) if (!before.has(hash) && !present.has(hash)) data.push(hash);
    const limit = rules.limitOf(context);
    if (limit) data.splice(0, Math.max(0, data.length - limit));
    return { mode: stored.mode, data };
  }
  // The latest key or date: the larger of the two runs' values (each run saw every item up to its own).
  const pick = rules.compare(stored.mode, ours.data, stored.data) === 1 ? ours.data : stored.data;
  return { mode: stored.mode, data: clone(pick) };
}

function mergeObjects(base: any, ours: any, stored: any, path: string, conflicts: StateConflict[]): any {
  const result: Record<string, unknown> = isPlainObject(stored) ? clone(stored) : {};
  const keys = new Set([...Object.keys(isPlainObject(base) ? base : {}), ...Object.keys(isPlainObject(ours) ? ours : {})]);
  for (const key of keys) {
    const b = base?.[key], o = ours?.[key], s = isPlainObject(stored) ? stored[key] : undefined;
    if (same(b, o)) continue; // unchanged by this run: whatever is stored stays
    const where = `${path}[${JSON.stringify(key)}]`;
    if (same(s, b) || same(s, o)) {
      if (o === undefined) delete result[key];
      else result[key] = clone(o);
    } else if (isPlainObject(o) && isPlainObject(s) && (b === undefined || isPlainObject(b))) {
      result[key] = mergeObjects(b ?? {}, o, s, where, conflicts);
    } else {
      conflicts.push({ key: where, stored: s, ours: o });
      if (o === undefined) delete result[key];
      else result[key] = clone(o);
    }
  }
  return result;
}

// ---------------------------------------------------------------- Windmill state

type WindmillEnv = { base: string; token: string; workspace: string; path?: string; owner: string };

const WINDMILL_PATH = /^[uf]\/[A-Za-z0-9_\-]+(\/[A-Za-z0-9_\-.]+)+$/; // u/<user>/... or f/<folder>/..., nothing more

/** Where this process keeps the flow's state in Windmill, or undefined outside Windmill.
 * `statePath` (the request's) replaces the default `<flow path>/n8n_workflow_state`. */
export function windmillStateLocation(env: Record<string, string | undefined> = process.env, statePath?: string): WindmillEnv | undefined {
  const base = env.BASE_INTERNAL_URL || env.WM_BASE_URL;
  const { WM_TOKEN: token, WM_WORKSPACE: workspace } = env;
  if (!base || !token || !workspace) return undefined;
  // The flow's path in a flow step; a script run alone has its own path or at least its state path.
  const runnable = env.WM_FLOW_PATH || env.WM_JOB_PATH || env.WM_STATE_PATH;
  const path = statePath ?? (runnable ? `${runnable}/n8n_workflow_state` : undefined);
  if (path !== undefined && (!WINDMILL_PATH.test(path) || path.includes(".."))) {
    throw new HostStateError(`not a Windmill path for the workflow state: ${JSON.stringify(path)}`);
  }
  return { base: base.replace(/\/+$/, ""), token, workspace, path, owner: `${env.WM_JOB_ID ?? "job"}:${randomUUID()}` };
}

const LOCK_TTL_MS = 30_000;
const LOCK_WAIT_ENV = "PHOENIX_N8N_STATE_LOCK_WAIT_MS"; // how long a save waits for the flow's lock (default 60 s)
const lockWaitMs = () => Number(process.env[LOCK_WAIT_ENV]) || 60_000;
const SETTLE_MS = 40;

export class WindmillState {
  constructor(private env: WindmillEnv, private wait = (ms: number) => new Promise((r) => setTimeout(r, ms))) {}

  get path(): string | undefined {
    return this.env.path;
  }

  private where(): string {
    if (!this.env.path) {
      throw new HostStateError("this run changed the workflow's static data or deduplication records, and Windmill gave this job " +
        "no flow, script or state path (WM_FLOW_PATH, WM_JOB_PATH, WM_STATE_PATH) to keep them at");
    }
    return this.env.path;
  }

  private url(op: string, path?: string): string {
    return `${this.env.base}/api/w/${encodeURIComponent(this.env.workspace)}/resources/${op}${path ? `/${path}` : ""}`;
  }

  private async call(method: string, op: string, path: string | undefined, body?: unknown): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(this.url(op, path), {
        method,
        headers: { Authorization: `Bearer ${this.env.token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error: any) {
      throw new HostStateError(`Windmill's API at ${this.env.base} cannot be reached (${op} ${path ?? ""}): ${error?.message ?? error}`);
    }
    return response;
  }

  private async failed(response: Response, what: string): Promise<never> {
    const text = (await response.text().catch(() => "")).slice(0, 300);
    throw new HostStateError(`${what} failed: HTTP ${response.status} ${text}`);
  }

  private async read(path: string): Promise<unknown | undefined> {
    const response = await this.call("GET", "get_value", path);
    if (response.status === 404) return undefined;
    if (!response.ok) await this.failed(response, `reading the Windmill state ${path}`);
    return await response.json();
  }

  private async create(path: string, value: unknown, description: string): Promise<boolean> {
    const response = await this.call("POST", "create", undefined, { path, value, resource_type: "state", description });
    if (response.ok) return true;
    if (response.status === 400 || response.status === 409) return false; // already there
    return await this.failed(response, `creating the Windmill state ${path}`);
  }

  private async update(path: string, value: unknown): Promise<void> {
    const response = await this.call("POST", "update_value", path, { value });
    if (!response.ok) await this.failed(response, `writing the Windmill state ${path}`);
  }

  private async remove(path: string): Promise<void> {
    const response = await this.call("DELETE", "delete", path);
    if (!response.ok && response.status !== 404) await this.failed(response, `removing the lock ${path}`);
  }

  /** The flow's state as stored now (empty when never saved). */
  async load(): Promise<WorkflowState> {
    if (!this.env.path) return emptyState(); // only a run that changes it needs a place (save)
    return parseState(await this.read(this.env.path), this.env.path);
  }

  /** Saves this run's changes (base -> ours) onto what is stored now, under the flow's lock. */
  async save(base: WorkflowState, ours: WorkflowState, rules: RecordRules): Promise<StateConflict[]> {
    const path = this.where();
    const lock = `${path}_lock`;
    await this.acquire(lock);
    try {
      const stored = await this.read(path);
      const { state, conflicts } = mergeState(base, ours, parseState(stored, path), rules);
      const value = { format: "phoenix-n8n-workflow-state/1", ...state };
      if (stored === undefined) {
        if (!(await this.create(path, value, "n8n static data and deduplication records of this flow (Phoenix node host)"))) {
          await this.update(path, value);
        }
      } else {
        await this.update(path, value);
      }
      return conflicts;
    } finally {
      await this.release(lock);
    }
  }

  /** Windmill has no compare-and-set: creating the lock fails when it exists; two creations in
   * the same instant both succeed, the later one's value stays, so each re-reads its lock
   * after a moment and only the one whose owner is stored goes on. A lock older than its
   * time to live (a run that died) is taken over the same way. */
  private async acquire(lock: string): Promise<void> {
    const deadline = Date.now() + lockWaitMs();
    const mine = () => ({ owner: this.env.owner, until: Date.now() + LOCK_TTL_MS });
    for (let attempt = 0; ; attempt++) {
      const held = (await this.read(lock)) as { owner?: string; until?: number } | undefined;
      let claimed = false;
      if (held === undefined) {
        claimed = await this.create(lock, mine(), "lock of the n8n workflow state beside it (Phoenix node host)");
      } else if (typeof held?.until !== "number" || held.until < Date.now()) {
        await this.update(lock, mine()); // a dead run's lock
        claimed = true;
      }
      if (claimed) {
        await this.wait(SETTLE_MS);
        if (((await this.read(lock)) as any)?.owner === this.env.owner) return;
      }
      if (Date.now() > deadline) {
        throw new HostStateError(`the flow's state lock ${lock} stayed taken for ${lockWaitMs() / 1000} s (held: ${JSON.stringify(held)}); ` +
          "the static data of this run was not saved");
      }
      await this.wait(50 + Math.random() * 100 * Math.min(attempt + 1, 5));
    }
  }

  private async release(lock: string): Promise<void> {
    if (((await this.read(lock)) as any)?.owner === this.env.owner) await this.remove(lock);
  }
}

function parseState(value: unknown, path: string): WorkflowState {
  if (value === undefined || value === null) return emptyState();
  if (!isPlainObject(value) || !isPlainObject(value.staticData ?? {}) || !isPlainObject(value.processedData ?? {})) {
    throw new HostStateError(`the Windmill state ${path} is not n8n workflow state (expected {staticData, processedData}): ${JSON.stringify(value).slice(0, 200)}`);
  }
  return { staticData: clone((value.staticData ?? {}) as Record<string, unknown>), processedData: clone((value.processedData ?? {}) as ProcessedData) };
}
