// n8n's engine (n8n-workflow, n8n-core, @n8n/di, @n8n/config), loaded fast and shared.
//
// The packages are NOT part of Phoenix (Sustainable Use License): the operator's
// workers install them and PHOENIX_N8N_MODULES names their node_modules folder.
// Importing them file by file costs about a second per step, so on first use they
// are bundled once with Bun's bundler into one CommonJS file plus its bytecode
// cache (bundle.ts; in PHOENIX_N8N_HOST_CACHE, default ~/.cache/phoenix/n8n-host),
// and every later step loads that single file. n8n-nodes-base's node types are
// bundled one by one when first used (node_types.ts); every package file the
// engine bundle holds is registered in require's cache under its installed path,
// so node types get the engine's instances: one engine, one DI container, one
// copy of each package, as in n8n.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ENTERPRISE_FILE = /\.ee($|[./])/; // n8n's marker of enterprise-licensed source files
export const SHARED_PACKAGES = ["n8n-workflow", "n8n-core", "@n8n/di", "@n8n/config"] as const;
export const BUNDLE_FORMAT = 6; // bump when the bundles' entry, options or rewriting change (bundle.ts)

export class HostSetupError extends Error {
  name = "HostSetupError";
}

export const MODULES_ENV = "PHOENIX_N8N_MODULES";
export const CACHE_ENV = "PHOENIX_N8N_HOST_CACHE";

export type Engine = {
  modulesDir: string;
  workflow: any; // n8n-workflow
  core: any; // n8n-core
  di: any; // @n8n/di
  config: any; // @n8n/config
  requireFromNodes: NodeRequire; // require() as n8n-nodes-base sees it
  bundleDir: string; // this worker's engine bundle (node type bundles live under it)
  shared: Set<string>; // installed paths of the package files the engine bundle provides
};

export function modulesDir(): string {
  const dir = process.env[MODULES_ENV];
  if (!dir) {
    throw new HostSetupError(
      `${MODULES_ENV} is not set: it must name the node_modules folder where this worker installed ` +
        "n8n's packages (n8n-workflow, n8n-core, n8n-nodes-base; e.g. `npm install n8n@2.8.4`). " +
        "Phoenix does not ship them (n8n's Sustainable Use License).",
    );
  }
  const missing = [...SHARED_PACKAGES, "n8n-nodes-base"].filter((p) => !existsSync(join(dir, p, "package.json")));
  if (missing.length) {
    throw new HostSetupError(`${MODULES_ENV}=${dir} lacks ${missing.join(", ")}: install n8n's packages there`);
  }
  return dir;
}

function versionsOf(dir: string): string {
  return [...SHARED_PACKAGES, "n8n-nodes-base"]
    .map((p) => `${p}@${JSON.parse(readFileSync(join(dir, p, "package.json"), "utf8")).version}`)
    .join(" ");
}

function bundleDir(dir: string): string {
  const root = process.env[CACHE_ENV] || join(homedir(), ".cache", "phoenix", "n8n-host");
  // Bun's bytecode is for one Bun version (another one falls back to parsing, silently slow).
  const bun = (globalThis as any).Bun?.version ?? "no-bun";
  const key = createHash("sha256").update(`${BUNDLE_FORMAT}\0${dir}\0${versionsOf(dir)}\0${bun}`).digest("hex").slice(0, 16);
  return join(root, key);
}

/** Every package file of the bundle, registered in require's cache under its installed path. */
function shareWithNodes(dir: string, bundle: any): { requireFromNodes: NodeRequire; shared: Set<string> } {
  const requireFromNodes = createRequire(join(dir, "n8n-nodes-base", "package.json"));
  const fromCore = createRequire(join(dir, "n8n-core", "package.json"));
  const Module = createRequire(fileURLToPath(import.meta.url))("node:module");
  const cache = requireFromNodes.cache;
  const shared = new Set<string>();
  const register = (file: string, load: () => unknown) => {
    shared.add(file);
    const mod = new Module(file);
    mod.filename = file;
    mod.loaded = true;
    let value: unknown;
    let done = false;
    Object.defineProperty(mod, "exports", { // loaded when first required, as the bundle loads it
      configurable: true, enumerable: true,
      get: () => (done ? value : ((value = load()), (done = true), value)),
      set: (v) => ((value = v), (done = true)),
    });
    cache[file] = mod;
  };
  SHARED_PACKAGES.forEach((name, i) => {
    // n8n-workflow is bundled from its ES modules: its namespace stands for its CommonJS entry.
    const inBundle = i === 0 ? undefined : bundle.shared[fromCore.resolve(name)];
    register(requireFromNodes.resolve(name), inBundle ?? (() => bundle[`m${i}`]));
  });
  for (const [file, load] of Object.entries(bundle.shared as Record<string, () => unknown>)) register(file, load);
  return { requireFromNodes, shared };
}

let loaded: Promise<Engine> | undefined;

/** The engine, loaded once per process (bundling it first if this worker never did). */
export function engine(): Promise<Engine> {
  return (loaded ??= loadEngine());
}

async function loadEngine(): Promise<Engine> {
  const dir = modulesDir();
  // n8n-core's instance settings read and write a user folder: keep it out of the worker's home.
  process.env.N8N_USER_FOLDER ??= join(tmpdir(), "phoenix-n8n-host-home");
  const target = bundleDir(dir);
  if (!existsSync(join(target, "entry.js"))) {
    const { buildEngineBundle } = await import("./bundle.ts"); // the bundler's code, only when building
    await buildEngineBundle(dir, target, versionsOf(dir));
  }
  const bundle = createRequire(fileURLToPath(import.meta.url))(join(target, "entry.js"));
  const [workflow, core, di, config] = SHARED_PACKAGES.map((_, i) => bundle[`m${i}`]);
  const { requireFromNodes, shared } = shareWithNodes(dir, bundle);
  // Code nodes: without n8n's task-runner process, run JavaScript in n8n's in-process sandbox.
  di.Container.get(config.TaskRunnersConfig).enabled = false;
  cacheExpressionCode(dir, bundle, join(target, "expressions"));
  return { modulesDir: dir, workflow, core, di, config, requireFromNodes, bundleDir: target, shared };
}

/** n8n turns each `{{ }}` expression into JavaScript code with @n8n/tournament (parse, sandbox
 * rewrites, print: ~10 ms per expression in a fresh process) before running it. The code
 * depends only on the expression's text and n8n's version, so it is kept on disk beside the
 * bundle and a later step reads it instead (what n8n's own in-memory cache does in one process). */
function cacheExpressionCode(dir: string, bundle: any, cacheDir: string): void {
  const load = bundle.shared[createRequire(join(dir, "n8n-workflow", "package.json")).resolve("@n8n/tournament")];
  const Tournament = load?.()?.Tournament;
  if (typeof Tournament?.prototype?.getExpressionCode !== "function") return;
  const original = Tournament.prototype.getExpressionCode;
  Tournament.prototype.getExpressionCode = function (this: any, expression: string) {
    const hooks = [...(this.astHooks?.before ?? []), "|", ...(this.astHooks?.after ?? [])].map((h: any) => (h === "|" ? h : h?.name));
    if (typeof expression !== "string" || hooks.some((name: unknown) => !name)) return original.call(this, expression);
    const key = createHash("sha256").update(JSON.stringify([expression, this._dataNodeName, hooks])).digest("hex");
    const file = join(cacheDir, key.slice(0, 2), `${key}.json`);
    try {
      return JSON.parse(readFileSync(file, "utf8"));
    } catch {
      // not seen on this worker yet
    }
    const code = original.call(this, expression); // an expression n8n refuses throws here, and is not kept
    try {
      mkdirSync(join(cacheDir, key.slice(0, 2)), { recursive: true });
      const temporary = `${file}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify(code));
      renameSync(temporary, file);
    } catch {
      // a read-only cache only costs the next step the same work
    }
    return code;
  };
}
