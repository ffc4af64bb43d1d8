// The runtime translated steps share (shared module, no main): how items travel between
// steps, and the n8n bindings native steps evaluate their expressions with.
//
// Generated steps import it as `import { ... } from "/f/phoenix/n8n_host/runtime.ts"`, the way
// Windmill resolves a workspace script for a Bun step (as host steps import host.ts).
//
// Items between steps. Host steps return n8n's {outputs: Item[][]} and hand on n8n items
// ({json, binary?, pairedItem?}); native steps and the flow's entry points hand on plain JSON
// objects; loops and branches nest lists. The rule is n8n's own (normalizeItems, and the host's
// wireItems): a list where every entry is an n8n item is n8n items. A list that mixes both (a
// node where a native and a host branch meet) is read entry by entry.
//
// Loading it defines functions and constants only. Expressions and Code sources are strings the
// node's own step hands over when the node runs.

export type Item = { json: Record<string, unknown>; binary?: Record<string, unknown>; pairedItem?: unknown };

const ITEM_KEYS = new Set(["json", "binary", "pairedItem", "error", "metadata", "index"]);
/** The keys of a host step's result (host.ts RunResult): such an object is a routed result, not an item. */
export const RESULT_KEYS = new Set(["outputs", "staticData", "processedData", "state"]);

function isObject(value: unknown): value is Record<string, any> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** An n8n item: an object with an object `json` and nothing but n8n's item keys. */
export function isItem(value: unknown): value is Item {
  return isObject(value) && isObject(value.json) && Object.keys(value).every((key) => ITEM_KEYS.has(key));
}

/** Every entry of nested lists and routed results ({outputs: [[...], ...]}), in order. */
export function flatEntries(value: unknown): unknown[] {
  const flat: unknown[] = [];
  const walk = (v: any) => {
    if (v == null) return;
    if (Array.isArray(v)) v.forEach(walk);
    else if (isObject(v) && Array.isArray(v.outputs) && Object.keys(v).every((k) => RESULT_KEYS.has(k))) {
      v.outputs.forEach(walk);
    } else flat.push(v);
  };
  walk(value);
  return flat;
}

/** The items as plain JSON objects, what native code works on (n8n items give their `json`). */
export function toItems(value: unknown): any[] {
  return flatEntries(value).map((entry) => (isItem(entry) ? entry.json : entry));
}

/** The items handed on unchanged, as one list; when n8n items and plain objects are mixed, all
 * become n8n items (pairedItem and binary data stay where they were). */
export function passItems(value: unknown): unknown[] {
  const flat = flatEntries(value);
  if (flat.every((entry) => !isItem(entry)) || flat.every(isItem)) return flat;
  return flat.map((entry, item) => (isItem(entry) ? entry : { json: entry, pairedItem: { item } }));
}

/** As passItems, always n8n items: what a host step gives the node host. */
export function wiredItems(value: unknown): Item[] {
  const flat = flatEntries(value);
  return flat.map((entry, item) => (isItem(entry) ? entry : { json: entry as Record<string, unknown>, pairedItem: { item } }));
}

// ---- native steps proven equal to n8n's nodes (tests/n8n/test_native_vs_host.py) ----

/** n8n's Limit: the first or last `count` items, the items themselves (pairedItem and binary kept). */
export function limitItems(items: unknown, count: number, keep: "firstItems" | "lastItems"): Item[] {
  const all = wiredItems(items);
  if (count > all.length) return all;
  return keep === "firstItems" ? all.slice(0, count) : all.slice(all.length - count, all.length);
}

// lodash paths as n8n's Rename Keys reads them: a key the object has as such, else dot-separated.
function keyPath(o: any, key: string): string[] {
  return o !== null && typeof o === "object" && key in o ? [key] : key.split(".");
}

function getPath(o: any, key: string): any {
  return keyPath(o, key).reduce((v: any, k) => (v == null ? undefined : v[k]), o);
}

function setPath(o: any, key: string, value: any): void {
  const keys = keyPath(o, key);
  let cursor = o;
  for (const k of keys.slice(0, -1)) {
    if (cursor[k] === null || typeof cursor[k] !== "object") cursor[k] = {};
    cursor = cursor[k];
  }
  cursor[keys[keys.length - 1]] = value;
}

function unsetPath(o: any, key: string): void {
  const keys = keyPath(o, key);
  const parent = keys.slice(0, -1).reduce((v: any, k) => (v == null ? undefined : v[k]), o);
  if (parent !== null && typeof parent === "object") delete parent[keys[keys.length - 1]];
}

/** n8n's Rename Keys (without regex replacements): each item's JSON copied, each key moved, paired with its input. */
export function renameItemKeys(items: unknown, pairs: [string, string][]): Item[] {
  return wiredItems(items).map((item, index) => {
    const out: Item = { json: structuredClone(item.json), pairedItem: { item: index } };
    if (item.binary !== undefined) out.binary = item.binary;
    for (const [from, to] of pairs) {
      if (from === "" || to === "" || from === to) continue;
      const value = getPath(item.json, from);
      if (value === undefined) continue;
      setPath(out.json, to, value);
      unsetPath(out.json, from);
    }
    return out;
  });
}

/** Split In Batches: the items cut into lists of `size`, one per round of the for-loop that follows. */
export function inBatches(items: unknown, size: number): unknown[][] {
  const all = passItems(items);
  const batches: unknown[][] = [];
  for (let i = 0; i < all.length; i += size) batches.push(all.slice(i, i + size));
  return batches;
}

export type HostInputs = {
  main: { items: Item[] } | { inputs: Item[][] };
  nodes: Record<string, Item[]>;
  parents: Record<string, string[]>;
};

/** What a host step hands the node host: its items (or one list per input), the earlier nodes its
 * expressions read that ran in this flow run (a node on a branch that did not run is left out, as
 * are the parent links to it), and the parents of each. */
export function hostInputs(
  items: unknown,
  inputs: unknown[] | null,
  nodes: Record<string, unknown> | null,
  inputNodes: (string | null)[],
  parents: Record<string, string[]>,
): HostInputs {
  const ran: Record<string, Item[]> = {};
  for (const [name, value] of Object.entries(nodes ?? {})) if (value != null) ran[name] = wiredItems(value);
  const pinned = new Set([...Object.keys(ran), ...inputNodes.filter((n): n is string => typeof n === "string")]);
  const linked: Record<string, string[]> = {};
  for (const [name, list] of Object.entries(parents ?? {})) {
    if (pinned.has(name)) linked[name] = list.filter((parent) => pinned.has(parent));
  }
  const main = Array.isArray(inputs) ? { inputs: inputs.map(wiredItems) } : { items: wiredItems(items) };
  return { main, nodes: ran, parents: linked };
}

// ---- n8n's bindings for native steps ($json, $input, $('Node'), $node, $items, $now ...) ----

export function __str(value: any): string {
  if (value == null) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

const compiled = new Map<string, Function>();

// Compiled once per text: an n8n expression or Code node source is evaluated, never pasted into code.
function n8nCompile(kind: "expression" | "code", source: string, names: string[]): Function {
  const key = `${kind}\u0000${names.join(",")}\u0000${source}`;
  let found = compiled.get(key);
  if (!found) {
    const AsyncFunction = (async () => {}).constructor as FunctionConstructor;
    try {
      found = kind === "code" ? new AsyncFunction(...names, source) : new Function(...names, `return (\n${source}\n);`);
    } catch (error: any) {
      throw new Error(`the n8n ${kind} is not valid JavaScript (${error?.message ?? error}): ${source.slice(0, 200)}`);
    }
    compiled.set(key, found);
  }
  return found;
}

// As n8n's expression evaluator: these globals do not exist inside {{ }} (n8n's own denylist). Not a
// security boundary (an expression is the workflow author's code, run with the step's rights, as a
// Code node is), but an expression sees what it would see in n8n.
function n8nExpressionGlobals(): Record<string, any> {
  const denied: Record<string, any> = {};
  for (const name of ["document", "global", "window", "Window", "globalThis", "self", "alert", "prompt", "confirm",
    "eval", "uneval", "setTimeout", "setInterval", "Function", "fetch", "XMLHttpRequest", "Promise", "Generator",
    "GeneratorFunction", "AsyncFunction", "AsyncGenerator", "AsyncGeneratorFunction", "WebAssembly", "Reflect",
    "Proxy", "escape", "unescape", "require", "module", "Bun", "Deno"]) denied[name] = {};
  denied.process = { arch: process.arch, env: {}, platform: process.platform, pid: process.pid, ppid: process.ppid,
    release: process.release, version: process.version, versions: process.versions };
  return denied;
}

export function n8nContext(items: any[], nodes: Record<string, any>, workflow: Record<string, any>,
                           extra: Record<string, any> = {}) {
  installN8nExtensions();
  let index = 0;
  const wrap = (list: any[]) => list.map((json) => ({ json }));
  const view = (list: any[]) => ({
    all: () => wrap(list),
    first: () => ({ json: list[0] ?? {} }),
    last: () => ({ json: list.at(-1) ?? {} }),
    get item() { return { json: list[index] ?? list[0] ?? {} }; },
    itemMatching: (i: number) => ({ json: list[i] ?? {} }),
    get json() { return list[index] ?? list[0] ?? {}; },
    isExecuted: true,
    params: {},
    context: {},
    runIndex: 0,
  });
  const node = (name: string) => {
    if (!(name in nodes)) {
      throw new Error(`this step reads n8n node "${name}", which has not run before it in the Windmill flow`);
    }
    return view(toItems(nodes[name]));
  };
  const input = view(items);
  const bindings: Record<string, any> = {
    $: node,
    $input: input,
    $node: new Proxy({}, { get: (_t, name) => node(String(name)) }) as Record<string, any>,
    $items: (name?: string) => (name ? node(name).all() : input.all()),
    $workflow: { active: true, ...workflow },
    $execution: { id: process.env.WM_FLOW_JOB_ID ?? process.env.WM_JOB_ID ?? "", mode: "production", customData: { set() {}, get() {} } },
    $env: process.env,
    $vars: new Proxy({}, { get: (_t, name) => process.env[`N8N_VAR_${String(name)}`] }) as Record<string, any>,
    $runIndex: 0,
    $prevNode: { name: "", outputIndex: 0, runIndex: 0 },
    $ifEmpty: (value: any, fallback: any) => (value == null || value === "" || (Array.isArray(value) && !value.length) ? fallback : value),
    $if: (condition: any, yes: any, no: any) => (condition ? yes : no),
    $max: Math.max,
    $min: Math.min,
    ...extra,
  };
  const scope = (more: Record<string, any> = {}) => ({ ...bindings, $json: items[index] ?? {}, $itemIndex: index, ...more });
  const denied = n8nExpressionGlobals();
  const evaluate = (source: string) => {
    if (!source.trim()) return undefined;
    const values = { ...denied, ...scope() };
    return n8nCompile("expression", source, Object.keys(values))(...Object.values(values));
  };
  return {
    ...bindings,
    setIndex(i: number) { index = i; },
    // an n8n expression's value ("={{ code }}")
    $e: evaluate,
    // text mixed with expressions ("=a {{ x }} b"): texts around each code part, stringified like n8n
    $t: (texts: string[], codes: string[]) => texts.map((text, i) => (i < codes.length ? text + __str(evaluate(codes[i])) : text)).join(""),
    // a Code node's source, with n8n's bindings and ``more`` (items, item, require...) as its parameters
    runCode: (source: string, more: Record<string, any>) => {
      const values = scope(more);
      return n8nCompile("code", source, Object.keys(values))(...Object.values(values));
    },
  };
}

// n8n adds these helpers to built-in types; the common ones are provided here (once, when a step runs).
const EXTENSIONS: [any, string, Function][] = [
  [String.prototype, "isEmpty", function (this: string) { return this.length === 0; }],
  [String.prototype, "isNotEmpty", function (this: string) { return this.length > 0; }],
  [String.prototype, "toNumber", function (this: string) { return Number(this); }],
  [String.prototype, "toInt", function (this: string) { return parseInt(this, 10); }],
  [String.prototype, "toFloat", function (this: string) { return parseFloat(this); }],
  [String.prototype, "toJsonString", function (this: string) { return JSON.stringify(String(this)); }],
  [String.prototype, "parseJson", function (this: string) { return JSON.parse(String(this)); }],
  [String.prototype, "toTitleCase", function (this: string) { return this.replace(/\w\S*/g, (w) => w[0].toUpperCase() + w.slice(1).toLowerCase()); }],
  [String.prototype, "urlEncode", function (this: string) { return encodeURIComponent(String(this)); }],
  [String.prototype, "extractDomain", function (this: string) { try { return new URL(this.includes("://") ? String(this) : `http://${this}`).hostname; } catch { return String(this).split("@").pop(); } }],
  [Array.prototype, "isEmpty", function (this: any[]) { return this.length === 0; }],
  [Array.prototype, "isNotEmpty", function (this: any[]) { return this.length > 0; }],
  [Array.prototype, "first", function (this: any[]) { return this[0]; }],
  [Array.prototype, "last", function (this: any[]) { return this[this.length - 1]; }],
  [Array.prototype, "sum", function (this: any[]) { return this.reduce((a, b) => a + Number(b), 0); }],
  [Array.prototype, "removeDuplicates", function (this: any[]) { return [...new Set(this)]; }],
  [Array.prototype, "compact", function (this: any[]) { return this.filter((v) => v != null && v !== ""); }],
  [Array.prototype, "pluck", function (this: any[], ...keys: string[]) { return this.map((o) => (keys.length === 1 ? o?.[keys[0]] : Object.fromEntries(keys.map((k) => [k, o?.[k]])))); }],
  [Number.prototype, "round", function (this: number, d = 0) { return Math.round(Number(this) * 10 ** d) / 10 ** d; }],
  [Number.prototype, "toInt", function (this: number) { return Math.trunc(Number(this)); }],
];

function installN8nExtensions() {
  for (const [proto, name, fn] of EXTENSIONS) {
    if (!(name in proto)) Object.defineProperty(proto, name, { value: fn, writable: true, configurable: true });
  }
}
