// Node types for an AI cluster: n8n-nodes-base (through the node host's loader), the
// LangChain package @n8n/n8n-nodes-langchain, and n8n-nodes-base nodes used as agent tools
// ("<name>Tool", which n8n builds from the node on the fly: n8n's convertNodeToAiTool).
//
// The LangChain package is installed by the operator beside n8n's other packages (it ships
// with `npm install n8n@2.8.4`); it is never part of Phoenix (Sustainable Use License).
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { ENTERPRISE_FILE, SHARED_PACKAGES, type Engine } from "../n8n_host/engine.ts";
import { NodeTypes, UnknownNodeTypeError } from "../n8n_host/node_types.ts";

export const LANGCHAIN_PACKAGE = "@n8n/n8n-nodes-langchain";
export const LANGCHAIN_PREFIX = `${LANGCHAIN_PACKAGE}.`;
const BASE_PREFIX = "n8n-nodes-base.";

type Known = Record<string, { className: string; sourcePath: string }>;

export class AiNodeTypes extends NodeTypes {
  private readonly lcDir: string;
  private readonly lcRequire: NodeRequire;
  private lcNodes?: Known;
  private lcCredentials?: Known;
  private readonly lcLoaded = new Map<string, any>();
  private readonly lcCredentialTypes = new Map<string, any>();
  private readonly tools = new Map<string, any>();

  constructor(private readonly ai: Engine) {
    super(ai);
    this.lcDir = join(ai.modulesDir, LANGCHAIN_PACKAGE);
    if (!existsSync(join(this.lcDir, "package.json"))) {
      throw new UnknownNodeTypeError(
        `${LANGCHAIN_PACKAGE} is not installed in ${ai.modulesDir}: AI nodes need it beside n8n's other packages`,
      );
    }
    this.lcRequire = createRequire(join(this.lcDir, "package.json"));
    shareEngine(ai, this.lcRequire);
    oneLangchainCore(ai.modulesDir, this.lcDir);
  }

  /** require() as the LangChain package sees it (its own dependencies, the shared engine). */
  get langchainRequire(): NodeRequire {
    return this.lcRequire;
  }

  /** A module of the LangChain package by its path inside the package (e.g. "dist/utils/helpers.js"). */
  langchainModule(path: string): any {
    return this.lcRequire(join(this.lcDir, path));
  }

  private lcKnown(kind: "nodes" | "credentials"): Known {
    if (kind === "nodes") return (this.lcNodes ??= this.langchainModule("dist/known/nodes.json"));
    return (this.lcCredentials ??= this.langchainModule("dist/known/credentials.json"));
  }

  private lcInstance(entry: { className: string; sourcePath: string }): any {
    if (ENTERPRISE_FILE.test(entry.sourcePath)) {
      throw new UnknownNodeTypeError(`${entry.className} is under n8n's Enterprise License (${entry.sourcePath}): not run`);
    }
    return new (this.langchainModule(entry.sourcePath))[entry.className]();
  }

  override getByName(type: string): any {
    if (type.startsWith(LANGCHAIN_PREFIX)) {
      let node = this.lcLoaded.get(type);
      if (!node) {
        const entry = this.lcKnown("nodes")[type.slice(LANGCHAIN_PREFIX.length)];
        if (!entry) throw new UnknownNodeTypeError(`node type ${JSON.stringify(type)} is not in ${LANGCHAIN_PACKAGE}`);
        node = this.lcInstance(entry);
        this.lcLoaded.set(type, node);
      }
      return node;
    }
    return super.getByName(type);
  }

  override getByNameAndVersion(type: string, version?: number): any {
    if (type.startsWith(BASE_PREFIX) && type.endsWith("Tool") && !this.isBaseType(type)) {
      const key = `${type}@${version ?? ""}`;
      let tool = this.tools.get(key);
      if (!tool) {
        tool = this.asTool(type, version);
        this.tools.set(key, tool);
      }
      return tool;
    }
    const node = super.getByNameAndVersion(type, version);
    return type.startsWith(BASE_PREFIX) ? withDeclarativeExecute(this.ai, node) : node;
  }

  private isBaseType(type: string): boolean {
    try {
      super.getByName(type);
      return true;
    } catch (error) {
      if (error instanceof UnknownNodeTypeError) return false;
      throw error;
    }
  }

  /** An n8n-nodes-base node as an agent tool, as n8n's own NodeTypes builds "<name>Tool". */
  private asTool(type: string, version?: number): any {
    const baseType = type.slice(0, -"Tool".length);
    const node = withDeclarativeExecute(this.ai, super.getByNameAndVersion(baseType, version));
    if (!node.description.usableAsTool) {
      throw new UnknownNodeTypeError(`${baseType} cannot be used as a tool (n8n does not offer it as one)`);
    }
    if (typeof node.supplyData === "function") throw new UnknownNodeTypeError(`${baseType} already supplies data`);
    const properties = [...node.description.properties];
    if (!properties.some((p: any) => p.name === "toolDescription")) {
      const described = properties.some((p: any) => p.name === "resource" || p.name === "operation");
      const lastCallout = properties.map((p: any) => p.type).lastIndexOf("callout");
      const description: any = {
        displayName: "Description", name: "toolDescription", type: "string", default: node.description.description,
        required: true, typeOptions: { rows: 2 },
      };
      const inserted: any[] = [description];
      if (described) {
        description.displayOptions = { show: { descriptionType: ["manual"] } };
        inserted.unshift({
          displayName: "Tool Description", name: "descriptionType", type: "options", noDataExpression: true,
          options: [{ name: "Set Automatically", value: "auto" }, { name: "Set Manually", value: "manual" }], default: "auto",
        });
      }
      properties.splice(lastCallout + 1, 0, ...inserted);
    }
    const description = Object.create(node.description, {
      name: { value: node.description.name + "Tool" },
      displayName: { value: node.description.displayName + " Tool" },
      inputs: { value: [] },
      outputs: { value: ["ai_tool"] },
      usableAsTool: { value: undefined },
      properties: { value: properties },
    });
    return Object.create(node, { description: { value: description } });
  }

  override credentialType(name: string): any {
    const own = this.lcKnown("credentials")[name];
    if (!own) return super.credentialType(name);
    let type = this.lcCredentialTypes.get(name);
    if (!type) {
      type = this.lcInstance(own);
      this.lcCredentialTypes.set(name, type);
    }
    return type;
  }

  override credentialChain(name: string): any[] {
    const type = this.credentialType(name);
    return [type, ...(type.extends ?? []).flatMap((parent: string) => this.credentialChain(parent))];
  }
}

/** Declarative nodes (routing, no execute()) get n8n's RoutingNode as execute(), as n8n's own NodeTypes
 * does (its shouldAssignExecuteMethod), so they also run when an agent calls them as tools. */
function withDeclarativeExecute(e: Engine, node: any): any {
  const declarative = node?.description?.requestDefaults !== undefined;
  const assign = !node.execute && !node.poll && !node.trigger && (!node.webhook || declarative) && (!node.methods || declarative);
  if (!assign) return node;
  node.execute = async function (this: any) {
    const routing = new e.core.RoutingNode(this, node);
    return (await routing.runNode()) ?? [];
  };
  return node;
}

/** One @langchain/core for every package, as in n8n's own build (one version for its whole monorepo).
 *
 * Installed with npm, @n8n/n8n-nodes-langchain keeps a copy of @langchain/core of its own
 * (node_modules/@n8n/n8n-nodes-langchain/node_modules/@langchain/core) while @langchain/classic and
 * the provider packages share the top-level one, and LangChain's `instanceof` checks then fail
 * across the two (a retriever rejects the in-memory vector store). Requires that resolve into the
 * nested copy are pointed at the same file of the top-level copy, when it exists. */
let coreUnified = false;
function oneLangchainCore(modulesDir: string, lcDir: string): void {
  if (coreUnified) return;
  const nested = join(lcDir, "node_modules", "@langchain", "core") + "/";
  const top = join(modulesDir, "@langchain", "core") + "/";
  if (!existsSync(nested) || !existsSync(join(top, "package.json"))) return;
  coreUnified = true;
  const Module = createRequire(import.meta.url)("node:module");
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (this: unknown, ...args: unknown[]): string {
    const found: string = resolve.apply(this, args);
    if (!found.startsWith(nested)) return found;
    const shared = top + found.slice(nested.length);
    return existsSync(shared) ? shared : found;
  };
}

/** The LangChain package's require() finds the bundled engine instances, as n8n-nodes-base's does. */
function shareEngine(e: Engine, lcRequire: NodeRequire): void {
  const Module = createRequire(import.meta.url)("node:module");
  const bundled = [e.workflow, e.core, e.di, e.config];
  SHARED_PACKAGES.forEach((name, i) => {
    let file: string;
    try {
      file = lcRequire.resolve(name);
    } catch {
      return; // the package does not depend on it
    }
    if (lcRequire.cache[file]?.exports === bundled[i]) return;
    const mod = new Module(file);
    mod.filename = file;
    mod.loaded = true;
    mod.exports = bundled[i];
    lcRequire.cache[file] = mod;
  });
}
