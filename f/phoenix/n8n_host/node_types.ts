// n8n-nodes-base's node and credential types, loaded one by one when first used.
import { join } from "node:path";
import { ENTERPRISE_FILE, type Engine } from "./engine.ts";

type Known = Record<string, { className: string; sourcePath: string }>;

export class UnknownNodeTypeError extends Error {
  name = "UnknownNodeTypeError";
}

const PREFIX = "n8n-nodes-base.";

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

  private instantiate(entry: { className: string; sourcePath: string }): any {
    if (ENTERPRISE_FILE.test(entry.sourcePath)) {
      throw new UnknownNodeTypeError(
        `${entry.className} is under n8n's Enterprise License (${entry.sourcePath}), not the Sustainable Use License: ` +
          "the node host does not run it",
      );
    }
    const mod = this.engine.requireFromNodes(join(this.engine.modulesDir, "n8n-nodes-base", entry.sourcePath));
    return new mod[entry.className]();
  }

  // --- the INodeTypes interface n8n-workflow and n8n-core call ---
  getByName(type: string): any {
    let node = this.nodes.get(type);
    if (!node) {
      const entry = type.startsWith(PREFIX) ? this.known("nodes")[type.slice(PREFIX.length)] : undefined;
      if (!entry) {
        throw new UnknownNodeTypeError(
          `node type ${JSON.stringify(type)} is not in n8n-nodes-base (the host runs n8n-nodes-base's nodes only)`,
        );
      }
      node = this.instantiate(entry);
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
      const entry = this.known("credentials")[name];
      if (!entry) throw new UnknownNodeTypeError(`credential type ${JSON.stringify(name)} is not in n8n-nodes-base`);
      type = this.instantiate(entry);
      this.credentials.set(name, type);
    }
    return type;
  }

  /** The credential type and those it extends (n8n's `extends`), nearest first. */
  credentialChain(name: string): any[] {
    const type = this.credentialType(name);
    return [type, ...(type.extends ?? []).flatMap((parent: string) => this.credentialChain(parent))];
  }
}
