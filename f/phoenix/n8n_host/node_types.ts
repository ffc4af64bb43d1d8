// n8n-nodes-base's node and credential types, loaded one by one when first used.
//
// A node type's class file and the files only it uses are bundled into one file plus its
// bytecode cache the first time a step of this worker runs that type (bundle.ts), so a
// step does not read its ~10-200 files one by one; packages the engine bundle holds are
// the engine's instances either way (engine.ts).
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { ENTERPRISE_FILE, type Engine } from "./engine.ts";

type Known = Record<string, { className: string; sourcePath: string }>;

export class UnknownNodeTypeError extends Error {
  name = "UnknownNodeTypeError";
}

const PREFIX = "n8n-nodes-base.";
export const NODE_BUNDLES_ENV = "PHOENIX_N8N_NODE_BUNDLES"; // "0": load node types file by file

/** Where the bundle of the node type in `sourceFile` lives under the engine bundle `engineDir`. */
export function nodeBundleDir(engineDir: string, sourceFile: string): string {
  const key = createHash("sha256").update(sourceFile).digest("hex").slice(0, 16);
  return join(engineDir, "nodes", `${basename(sourceFile, ".js").replace(/[^\w.-]/g, "_")}-${key}`);
}

export class NodeTypes {
  private nodes = new Map<string, any>();
  private credentials = new Map<string, any>();
  private knownNodes?: Known;
  private knownCredentials?: Known;

  constructor(private engine: Engine) {}

  private known(kind: "nodes" | "credentials"): Known {
    const path = join(this.engine.modulesDir, "n8n-nodes-base", "dist", "known", `${kind}.json`);
    if (kind === "nodes") return (this.knownNodes ??= this.engine.requireFromNodes(path));
    return (this.knownCredentials ??= this.engine.requireFromNodes(path));
  }

  private entry(kind: "nodes" | "credentials", name: string): { className: string; sourcePath: string } {
    const entry = kind === "credentials" ? this.known("credentials")[name] : name.startsWith(PREFIX) ? this.known("nodes")[name.slice(PREFIX.length)] : undefined;
    if (!entry) {
      throw new UnknownNodeTypeError(kind === "nodes"
        ? `node type ${JSON.stringify(name)} is not in n8n-nodes-base (the host runs n8n-nodes-base's nodes only)`
        : `credential type ${JSON.stringify(name)} is not in n8n-nodes-base`);
    }
    if (ENTERPRISE_FILE.test(entry.sourcePath)) {
      throw new UnknownNodeTypeError(
        `${entry.className} is under n8n's Enterprise License (${entry.sourcePath}), not the Sustainable Use License: ` +
          "the node host does not run it",
      );
    }
    return entry;
  }

  private sourceFile(entry: { sourcePath: string }): string {
    return join(this.engine.modulesDir, "n8n-nodes-base", entry.sourcePath);
  }

  /** Loads the node types a run needs (bundling those this worker never ran), before n8n asks for them. */
  async load(types: string[]): Promise<void> {
    for (const type of new Set(types)) {
      if (this.nodes.has(type)) continue;
      const entry = this.entry("nodes", type);
      const source = this.sourceFile(entry);
      let mod: any;
      if (process.env[NODE_BUNDLES_ENV] !== "0") {
        const dir = nodeBundleDir(this.engine.bundleDir, source);
        try {
          if (!existsSync(join(dir, "SOURCE"))) {
            const { buildNodeBundle } = await import("./bundle.ts"); // the bundler's code, only when building
            await buildNodeBundle(source, dir, this.engine.shared);
          }
          if (!existsSync(join(dir, "UNBUNDLED"))) mod = this.engine.requireFromNodes(join(dir, "node.js"));
        } catch (error: any) {
          // Still runs, file by file as n8n loads it; only slower. Said on stderr, and remembered
          // so later steps of this worker do not try again.
          const reason = `${type} runs unbundled: ${error?.message ?? error}`;
          console.error(`phoenix node host: ${reason}`);
          try {
            mkdirSync(dir, { recursive: true });
            writeFileSync(join(dir, "UNBUNDLED"), `${reason}\n`);
            writeFileSync(join(dir, "SOURCE"), `${source}\n`);
          } catch {
            // a read-only cache: the next step tries again
          }
        }
      }
      this.nodes.set(type, new (mod ?? this.engine.requireFromNodes(source))[entry.className]());
    }
  }

  // --- the INodeTypes interface n8n-workflow and n8n-core call ---
  getByName(type: string): any {
    let node = this.nodes.get(type);
    if (!node) {
      // A type the run did not announce (load() above): loaded file by file.
      const entry = this.entry("nodes", type);
      node = new (this.engine.requireFromNodes(this.sourceFile(entry)))[entry.className]();
      this.nodes.set(type, node);
    }
    return node;
  }

  getByNameAndVersion(type: string, version?: number): any {
    return this.engine.workflow.NodeHelpers.getVersionedNodeType(this.getByName(type), version);
  }

  getKnownTypes(): Record<string, unknown> {
    return {};
  }

  // --- credential types, for the credentials helper ---
  credentialType(name: string): any {
    let type = this.credentials.get(name);
    if (!type) {
      const entry = this.entry("credentials", name);
      type = new (this.engine.requireFromNodes(this.sourceFile(entry)))[entry.className]();
      this.credentials.set(name, type);
    }
    return type;
  }

  /** The credential type and those it extends (n8n's `extends`), nearest first. */
  credentialChain(name: string): any[] {
    const type = this.credentials.get(name) ?? this.credentialType(name);
    return [type, ...(type.extends ?? []).flatMap((parent: string) => this.credentialChain(parent))];
  }
}
