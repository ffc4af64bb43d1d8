// Builds the bundles the node host loads: n8n's engine once per worker and n8n version, and
// each n8n-nodes-base node type the first time a step of this worker runs it.
//
// Windmill starts a process per step, and loading n8n's packages file by file costs most of a
// second (one HTTP Request node type alone is ~200 files). So Bun's bundler puts them into one
// CommonJS file plus its bytecode cache each:
//
// - the ENGINE bundle holds n8n-workflow, n8n-core, @n8n/di, @n8n/config and everything they
//   import. Every package file in it is also reachable by its installed path (the `shared`
//   map of the entry): the host registers each in require's cache, so a node type's
//   `require("luxon")` or `require("form-data")` gets the very instance n8n-core uses, as in
//   n8n where all packages share one node_modules (n8n-core's `instanceof FormData` must see
//   the HTTP Request node's FormData). Imports resolve as Node's require() resolves them, so
//   n8n-workflow's ES modules and n8n-core's CommonJS share one copy of each package too.
// - a NODE bundle holds one node type's class file with the files only it uses; whatever the
//   engine bundle has stays an external require of that installed path (see above).
//
// A step runs one node, yet n8n-core's index pulls in everything it has (SSH tunnels,
// LangChain tools, the nodes loader, ...). While bundling, n8n-core's own files are rewritten
// to load their imports on first use (lazyCommonJs), and n8n-workflow's heaviest third-party
// imports that only a few expression functions need are stand-ins that load the real package
// on first call (LAZY_ESM_IMPORTS).
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules, createRequire } from "node:module";
import { dirname, join, sep } from "node:path";

import { ENTERPRISE_FILE, HostSetupError, SHARED_PACKAGES } from "./engine.ts";

const BUILTINS = new Set<string>(builtinModules);
const isBuiltin = (spec: string) => spec.startsWith("node:") || spec.startsWith("bun:") || BUILTINS.has(spec) || spec === "bun";
const isBare = (spec: string) => !spec.startsWith(".") && !spec.startsWith("/") && !isBuiltin(spec);

// Loaded by every process anyway, or needed for their side effects: never made lazy.
const EAGER = new Set<string>([...SHARED_PACKAGES, "reflect-metadata", "tslib"]);

const RUNTIME = "phoenix-lazy-runtime";
const RUNTIME_SOURCE = String.raw`
"use strict";
// A namespace standing in for a module until it is first used; then every operation goes to it.
exports.lazy = function lazy(load) {
  let real, done = false;
  const get = () => (done ? real : ((real = load()), (done = true), real));
  const obj = () => Object(get());
  return new Proxy(function () {}.bind(null), {
    get: (_, key) => Reflect.get(obj(), key),
    set: (_, key, value) => Reflect.set(obj(), key, value),
    has: (_, key) => Reflect.has(obj(), key),
    deleteProperty: (_, key) => Reflect.deleteProperty(obj(), key),
    ownKeys: () => Reflect.ownKeys(obj()),
    getOwnPropertyDescriptor: (_, key) => {
      const desc = Reflect.getOwnPropertyDescriptor(obj(), key);
      if (desc) desc.configurable = true; // a proxy may not report non-configurable keys its target lacks
      return desc;
    },
    defineProperty: (_, key, desc) => Reflect.defineProperty(obj(), key, desc),
    getPrototypeOf: () => Reflect.getPrototypeOf(obj()),
    apply: (_, self, args) => Reflect.apply(get(), self, args),
    construct: (_, args) => Reflect.construct(get(), args),
  });
};
// What TypeScript's __exportStar(require(m), exports) does, with m's names known beforehand.
exports.lazyStar = function lazyStar(exports, load, names) {
  for (const name of names) {
    if (name === "default" || Object.prototype.hasOwnProperty.call(exports, name)) continue;
    Object.defineProperty(exports, name, { enumerable: true, get: () => load()[name] });
  }
};
`;

/** n8n-workflow's third-party imports that only some expression functions use, as lazy stand-ins.
 * Each entry: its named exports n8n-workflow imports, whether it imports the default, and for a
 * class n8n-workflow tests with instanceof, a method every instance has (an object without it
 * cannot be an instance, so the test answers false without loading the package). */
const LAZY_ESM_IMPORTS: Record<string, { names: string[]; defaultExport?: boolean; instanceMethod?: string }> = {
  transliteration: { names: ["transliterate"] },
  "form-data": { names: [], defaultExport: true, instanceMethod: "getLengthSync" },
  xml2js: { names: ["parseString"] },
  jssha: { names: [], defaultExport: true },
  md5: { names: [], defaultExport: true },
  "title-case": { names: ["titleCase"] },
  jsonrepair: { names: ["jsonrepair"] },
};

function lazyEsmSource(real: string, spec: (typeof LAZY_ESM_IMPORTS)[string]): string {
  // `import x from "cjs"` gives module.exports (Node's rule for ES modules importing CommonJS).
  const load = `let real; const load = () => (real ??= require(${JSON.stringify(real)}));`;
  const standIn = (get: string) =>
    // \`new\` builds the real class's instance (a subclass of the stand-in, never seen in n8n-workflow, keeps its own).
    `(function () { const f = function (...args) { return new.target ? Reflect.construct(${get}, args, new.target === f ? ${get} : new.target) : Reflect.apply(${get}, this, args); };` +
    (spec.instanceMethod
      ? ` Object.defineProperty(f, Symbol.hasInstance, { value: (o) => o != null && typeof o[${JSON.stringify(spec.instanceMethod)}] === "function" && o instanceof ${get} });`
      : "") +
    " return f; })()";
  const lines = [load];
  for (const name of spec.names) lines.push(`export const ${name} = ${standIn(`load().${name}`)};`);
  if (spec.defaultExport) lines.push(`export default ${standIn("load()")};`);
  return lines.join("\n") + "\n";
}

const REQUIRE_LINE = /^(const|var|let) ([\w$]+) = ((?:__importStar|__importDefault)\()?require\("([^"]+)"\)(\))?;$/;
const EXPORT_STAR_LINE = /^__exportStar\(require\("([^"]+)"\), exports\);$/;

/** A TypeScript-compiled CommonJS file with its top-level imports made lazy (see the header);
 * `exportNames` gives the names a re-exported module has (without it, re-exports stay eager). */
export function lazyCommonJs(source: string, exportNames?: (spec: string) => string[]): string {
  let changed = false;
  const lines = source.split("\n").map((line) => {
    const star = exportNames && EXPORT_STAR_LINE.exec(line);
    if (star) {
      changed = true;
      return `__phoenixLazy.lazyStar(exports, () => require(${JSON.stringify(star[1])}), ${JSON.stringify(exportNames(star[1]))});`;
    }
    const req = REQUIRE_LINE.exec(line);
    if (!req || EAGER.has(req[4]) || isBuiltin(req[4]) || Boolean(req[3]) !== Boolean(req[5])) return line;
    changed = true;
    const call = `require(${JSON.stringify(req[4])})`;
    return `${req[1]} ${req[2]} = __phoenixLazy.lazy(() => ${req[3] ? `${req[3]}${call})` : call});`;
  });
  if (!changed) return source;
  const body = lines.join("\n");
  const prelude = `const __phoenixLazy = require(${JSON.stringify(RUNTIME)});`;
  // "use strict" (if any) stays the first statement.
  return body.startsWith('"use strict";') ? `"use strict";${prelude}${body.slice('"use strict";'.length)}` : `${prelude}\n${body}`;
}

// A CommonJS file that reads __dirname/__filename keeps its installed location (vm2 and the
// Code node resolve files from it); Bun would give it the bundle's.
const USES_LOCATION = /\b__(dirname|filename)\b/;
const IS_COMMONJS = /\brequire\s*\(|\bmodule\.exports\b|\bexports\.[\w$]+\s*=/;
function keepLocation(source: string, file: string): string {
  if (!USES_LOCATION.test(source) || !IS_COMMONJS.test(source) || /^\s*(import|export)\s/m.test(source)) return source;
  const prelude = `var __dirname = ${JSON.stringify(dirname(file))}, __filename = ${JSON.stringify(file)};`;
  return source.startsWith("#!") ? source.replace(/^#!.*/, prelude) : `${prelude}${source}`;
}

// A file that computes what it requires at run time (moment's locales, vm2's resolver) would
// look next to the bundle, not beside itself: such a file stays outside node bundles, required
// from its installed path at run time (its own imports then load as n8n loads them).
const COMPUTED_REQUIRE = /(?<![\w$.])require\((?!\s*["'`])|(?<![\w$.])require\.resolve\(|=\s*require\b(?!\s*[.(\w])|(?<![\w$.])import\((?!\s*["'`])/;

const resolveLikeNode = (spec: string, importer: string): string | undefined => {
  try {
    return createRequire(importer).resolve(spec); // Node's require() resolution, as nodes-base's own
  } catch {
    return undefined; // no CommonJS entry (or not installed): Bun's own resolution decides
  }
};

/** Runs Bun's bundler into a fresh folder renamed onto `target` (concurrent steps never see half a bundle). */
async function bundleInto(target: string, options: Record<string, unknown>, what: string, sourceNote: string): Promise<void> {
  const work = `${target}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(work, { recursive: true });
  try {
    await runBuild({ outdir: join(work, "out"), target: "bun", format: "cjs", bytecode: true, external: ["*.node"], ...options }, what);
    writeFileSync(join(work, "out", "SOURCE"), sourceNote);
    mkdirSync(dirname(target), { recursive: true });
    try {
      renameSync(join(work, "out"), target);
    } catch (error) {
      if (!existsSync(join(target, "SOURCE"))) throw error; // another step won the race: use its bundle
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function enginePlugin(dir: string, record: Set<string>) {
  const resolveFrom = createRequire(join(dir, "n8n-core", "package.json"));
  const coreDist = join(dir, "n8n-core", "dist") + sep;
  const workflowEsm = join(dir, "n8n-workflow", "dist", "esm") + sep;
  const nodeModules = dir + sep;
  return {
    name: "phoenix-n8n-engine",
    setup(build: any) {
      // n8n-workflow's CommonJS build is a UMD wrapper that bundlers cannot follow: take its ESM build.
      build.onResolve({ filter: /^n8n-workflow$/ }, () => ({ path: join(workflowEsm, "index.js") }));
      build.onResolve({ filter: /^(n8n-core|@n8n\/di|@n8n\/config)$/ }, (args: any) => ({ path: resolveFrom.resolve(args.path) }));
      // Files named *.ee.* are under n8n's Enterprise License, not the Sustainable Use License:
      // never copied into the bundle (the engine the host uses imports none of them today).
      build.onResolve({ filter: ENTERPRISE_FILE }, (args: any) => {
        throw new HostSetupError(`refusing to bundle ${args.path} (imported by ${args.importer}): n8n's Enterprise License`);
      });
      // n8n-core loads Sentry only when error reporting is switched on: left out of the bundle
      // (a smaller bytecode cache loads faster), still found at its installed path if ever used.
      build.onResolve({ filter: /^@sentry\// }, (args: any) => ({
        path: resolveLikeNode(args.path, join(args.resolveDir || dir, "x.js")) ?? args.path, external: true,
      }));
      build.onResolve({ filter: new RegExp(`^${RUNTIME}$`) }, () => ({ path: RUNTIME, namespace: "phoenix" }));
      build.onResolve({ filter: new RegExp(`^(${Object.keys(LAZY_ESM_IMPORTS).join("|")})$`) }, (args: any) => {
        if (!args.importer?.startsWith(workflowEsm)) return undefined;
        const real = resolveLikeNode(args.path, args.importer);
        if (!real) return undefined;
        return { path: `lazy-esm:${JSON.stringify([args.path, real])}`, namespace: "phoenix" };
      });
      // Every other package import resolves as require() would: one copy per package file.
      build.onResolve({ filter: /^[^./]/ }, (args: any) => {
        if (!isBare(args.path) || !args.importer || args.namespace === "phoenix") return undefined;
        const path = resolveLikeNode(args.path, args.importer);
        return path ? { path } : undefined;
      });
      build.onLoad({ filter: /.*/, namespace: "phoenix" }, (args: any) => {
        if (args.path === RUNTIME) return { contents: RUNTIME_SOURCE, loader: "js" };
        const [spec, real] = JSON.parse(args.path.slice("lazy-esm:".length));
        return { contents: lazyEsmSource(real, LAZY_ESM_IMPORTS[spec]), loader: "js", resolveDir: dirname(real) };
      });
      build.onLoad({ filter: /\.(js|cjs|mjs|json)$/ }, (args: any) => {
        if (args.path.startsWith(nodeModules) && !args.path.startsWith(workflowEsm)) record.add(args.path);
        if (args.path.endsWith(".json")) return undefined;
        let source = readFileSync(args.path, "utf8");
        if (args.path.startsWith(coreDist)) {
          const from = createRequire(args.path);
          source = lazyCommonJs(source, (spec) => Object.keys(from(spec))); // n8n-core's real module, at build time only
        }
        return { contents: keepLocation(source, args.path), loader: "js" };
      });
    },
  };
}

/** Bundles n8n's engine from `dir` (a node_modules folder) into `target` (entry.js + bytecode). */
export async function buildEngineBundle(dir: string, target: string, versions: string): Promise<void> {
  const work = `${target}.entry-${process.pid}-${Date.now()}`;
  mkdirSync(work, { recursive: true });
  // lazyCommonJs reads export names by loading n8n-core's real files: forgotten afterwards, so
  // this process, too, gets the bundle's instances only.
  const cache = createRequire(import.meta.url).cache;
  const before = new Set(Object.keys(cache));
  try {
    const exportsLine = SHARED_PACKAGES.map((p, i) => `export * as m${i} from ${JSON.stringify(p)};`).join("\n") + "\n";
    const entry = join(work, "entry.ts");
    // First pass: which package files the engine consists of (each becomes reachable by its path).
    writeFileSync(entry, exportsLine);
    const files = new Set<string>();
    await runBuild({ entrypoints: [entry], target: "bun", format: "cjs", plugins: [enginePlugin(dir, files)], external: ["*.node"] }, `n8n's engine from ${dir}`);
    files.delete(createRequire(join(dir, "n8n-nodes-base", "package.json")).resolve("n8n-workflow")); // bundled from its ES modules
    const shared = [...files].sort().map((f) => `  ${JSON.stringify(f)}: () => require(${JSON.stringify(f)}),`).join("\n");
    writeFileSync(entry, `${exportsLine}export const shared = {\n${shared}\n};\n`);
    await bundleInto(target, { entrypoints: [entry], plugins: [enginePlugin(dir, new Set())], naming: "entry.[ext]" },
      `n8n's engine from ${dir}`, `${dir}\n${versions}\n`);
  } finally {
    for (const key of Object.keys(cache)) if (!before.has(key)) delete cache[key];
    rmSync(work, { recursive: true, force: true });
  }
}

/** The installed package a file belongs to (its folder right under the last node_modules). */
function packageOf(file: string): string {
  const at = file.lastIndexOf(`${sep}node_modules${sep}`);
  if (at < 0) return dirname(file);
  const rest = file.slice(at + 14).split(sep);
  return file.slice(0, at + 14) + (rest[0].startsWith("@") ? `${rest[0]}${sep}${rest[1]}` : rest[0]);
}

/** Bundles one node type's class file into `target` (node.js + bytecode, or UNBUNDLED saying why).
 *
 * `shared` are the installed paths the engine bundle provides: they stay external requires of
 * those paths. A package with a file that computes what it requires stays external as a whole,
 * and so does every package it requires (found by a first pass), so no file is ever loaded
 * twice, once bundled and once from disk. nodes-base's own imports load on first use. */
export async function buildNodeBundle(sourceFile: string, target: string, shared: Set<string>): Promise<void> {
  const nodesBase = packageOf(sourceFile);
  const computes = new Set<string>(); // packages with a file that computes its requires
  const edges = new Map<string, Set<string>>(); // package -> packages it requires
  let outside = new Set<string>();
  const plugin = (pass: "discover" | "emit") => ({
    name: "phoenix-n8n-node",
    setup(build: any) {
      build.onResolve({ filter: new RegExp(`^${RUNTIME}$`) }, () => ({ path: RUNTIME, namespace: "phoenix" }));
      build.onLoad({ filter: /.*/, namespace: "phoenix" }, () => ({ contents: RUNTIME_SOURCE, loader: "js" }));
      build.onResolve({ filter: /.*/ }, (args: any) => {
        if (isBuiltin(args.path) || !args.importer || args.namespace === "phoenix") return undefined;
        const path = resolveLikeNode(args.path, args.importer) ?? bunResolve(args.path, args.importer);
        // Not installed (an optional dependency): require() fails when it runs, as in n8n.
        if (!path) return isBare(args.path) ? { path: args.path, external: true } : undefined;
        if (shared.has(path) || path.endsWith(".node")) return { path, external: true };
        const pkg = packageOf(path);
        if (pass === "discover") {
          const from = packageOf(args.importer);
          if (from !== pkg) (edges.get(from) ?? edges.set(from, new Set()).get(from)!).add(pkg);
        } else if (outside.has(pkg)) {
          return { path, external: true }; // loaded from its installed path, with all it requires
        }
        return { path };
      });
      build.onLoad({ filter: /\.(js|cjs)$/ }, (args: any) => {
        let source = readFileSync(args.path, "utf8");
        if (pass === "discover" && COMPUTED_REQUIRE.test(source)) computes.add(packageOf(args.path));
        if (packageOf(args.path) === nodesBase) source = lazyCommonJs(source);
        return { contents: keepLocation(source, args.path), loader: "js" };
      });
    },
  });
  const options = { entrypoints: [sourceFile], target: "bun", format: "cjs", external: ["*.node"] };
  await runBuild({ ...options, plugins: [plugin("discover")] }, sourceFile); // in memory only
  const pending = [...computes];
  outside = new Set(pending);
  while (pending.length) {
    for (const next of edges.get(pending.pop()!) ?? []) if (!outside.has(next)) outside.add(next), pending.push(next);
  }
  if (outside.has(nodesBase)) {
    mkdirSync(target, { recursive: true });
    writeFileSync(join(target, "UNBUNDLED"), `${sourceFile}: n8n-nodes-base computes what it requires\n`);
    writeFileSync(join(target, "SOURCE"), `${sourceFile}\n`);
    return;
  }
  await bundleInto(target, { ...options, plugins: [plugin("emit")], naming: "node.[ext]" }, sourceFile, `${sourceFile}\n`);
}

function bunResolve(spec: string, importer: string): string | undefined {
  try {
    return (globalThis as any).Bun.resolveSync(spec, dirname(importer)); // packages with ES module entries only
  } catch {
    return undefined;
  }
}

/** Bun.build, its failure as a HostSetupError carrying the bundler's messages. */
async function runBuild(options: Record<string, unknown>, what: string): Promise<any> {
  let result: any;
  try {
    result = await (globalThis as any).Bun.build(options);
  } catch (error: any) {
    const messages = (error?.errors ?? [error]).map((e: any) => String(e?.message ?? e)).slice(0, 5);
    throw new HostSetupError(`bundling ${what} failed: ${messages.join("; ")}`);
  }
  if (!result.success) throw new HostSetupError(`bundling ${what} failed: ${result.logs.map(String).slice(0, 5).join("; ")}`);
  return result;
}
