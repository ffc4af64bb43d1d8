// n8n's engine (n8n-workflow, n8n-core, @n8n/di, @n8n/config), loaded fast and shared.
//
// The packages are NOT part of Phoenix (Sustainable Use License): the operator's
// workers install them and PHOENIX_N8N_MODULES names their node_modules folder.
// Importing them file by file costs about a second per step, so on first use they
// are bundled once with Bun's bundler into one CommonJS file plus its bytecode
// cache (in PHOENIX_N8N_HOST_CACHE, default ~/.cache/phoenix/n8n-host), and every
// later step loads that single file. n8n-nodes-base stays unbundled and loads
// only the node types a step uses; its own `require("n8n-workflow")` and friends
// are pointed at the bundled instances so there is one engine, one DI container.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const MODULES_ENV = "PHOENIX_N8N_MODULES";
export const CACHE_ENV = "PHOENIX_N8N_HOST_CACHE";
export const SHARED_PACKAGES = ["n8n-workflow", "n8n-core", "@n8n/di", "@n8n/config"] as const;
const BUNDLE_FORMAT = 2;
export const ENTERPRISE_FILE = /\.ee($|[./])/; // n8n's marker of enterprise-licensed source files // bump when the bundle's entry or options change

export type Engine = {
  modulesDir: string;
  workflow: any; // n8n-workflow
  core: any; // n8n-core
  di: any; // @n8n/di
  config: any; // @n8n/config
  requireFromNodes: NodeRequire; // require() as n8n-nodes-base sees it
};

export class HostSetupError extends Error {
  name = "HostSetupError";
}

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
  const key = createHash("sha256").update(`${BUNDLE_FORMAT}\0${dir}\0${versionsOf(dir)}`).digest("hex").slice(0, 16);
  return join(root, key);
}

const ENTRY = SHARED_PACKAGES.map((p, i) => `export * as m${i} from ${JSON.stringify(p)};`).join("\n") + "\n";

async function buildBundle(dir: string, target: string): Promise<void> {
  // Built beside the target and renamed into place, so concurrent steps never see half a bundle.
  const work = `${target}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(work, { recursive: true });
  try {
    const entry = join(work, "entry.ts");
    writeFileSync(entry, ENTRY);
    const resolveFrom = createRequire(join(dir, "n8n-core", "package.json"));
    const shared = {
      name: "phoenix-n8n-shared",
      setup(build: any) {
        // n8n-workflow's CommonJS build is a UMD wrapper that bundlers cannot follow: take its ESM build.
        build.onResolve({ filter: /^n8n-workflow$/ }, () => ({ path: join(dir, "n8n-workflow", "dist", "esm", "index.js") }));
        build.onResolve({ filter: /^(n8n-core|@n8n\/di|@n8n\/config)$/ }, (args: any) => ({ path: resolveFrom.resolve(args.path) }));
        // Files named *.ee.* are under n8n's Enterprise License, not the Sustainable Use License:
        // never copied into the bundle (the engine the host uses imports none of them today).
        build.onResolve({ filter: ENTERPRISE_FILE }, (args: any) => {
          throw new HostSetupError(`refusing to bundle ${args.path} (imported by ${args.importer}): n8n's Enterprise License`);
        });
        // n8n-core loads Sentry only when error reporting is switched on: left out of the bundle
        // (a smaller bytecode cache loads faster), still found at its installed path if ever used.
        build.onResolve({ filter: /^@sentry\// }, (args: any) => {
          try {
            return { path: createRequire(join(args.resolveDir || dir, "x.js")).resolve(args.path), external: true };
          } catch {
            return { path: args.path, external: true }; // not installed: n8n-core copes when it asks
          }
        });
      },
    };
    // Bun's own bundler (Windmill runs these steps with Bun): no extra tool on the workers.
    const result = await (globalThis as any).Bun.build({
      entrypoints: [entry], outdir: join(work, "out"), target: "bun", format: "cjs", bytecode: true,
      plugins: [shared], external: ["*.node"],
    });
    if (!result.success) {
      throw new HostSetupError(`bundling n8n's engine from ${dir} failed: ${result.logs.map(String).join("; ")}`);
    }
    writeFileSync(join(work, "out", "SOURCE"), `${dir}\n${versionsOf(dir)}\n`);
    mkdirSync(join(target, ".."), { recursive: true });
    try {
      renameSync(join(work, "out"), target);
    } catch (error) {
      if (!existsSync(join(target, "entry.js"))) throw error; // another step won the race: use its bundle
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function shareWithNodes(dir: string, bundled: any[]): NodeRequire {
  const requireFromNodes = createRequire(join(dir, "n8n-nodes-base", "package.json"));
  const Module = createRequire(fileURLToPath(import.meta.url))("node:module");
  SHARED_PACKAGES.forEach((name, i) => {
    const file = requireFromNodes.resolve(name);
    const mod = new Module(file);
    mod.filename = file;
    mod.loaded = true;
    mod.exports = bundled[i];
    requireFromNodes.cache[file] = mod;
  });
  return requireFromNodes;
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
  if (!existsSync(join(target, "entry.js"))) await buildBundle(dir, target);
  const bundle = createRequire(fileURLToPath(import.meta.url))(join(target, "entry.js"));
  const bundled = SHARED_PACKAGES.map((_, i) => bundle[`m${i}`]);
  const requireFromNodes = shareWithNodes(dir, bundled);
  const [workflow, core, di, config] = bundled;
  // Code nodes: without n8n's task-runner process, run JavaScript in n8n's in-process sandbox.
  di.Container.get(config.TaskRunnersConfig).enabled = false;
  return { modulesDir: dir, workflow, core, di, config, requireFromNodes };
}
