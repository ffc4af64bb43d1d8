// n8n's In-Memory Vector Store kept in Windmill state, one state per memory key.
//
// In n8n the store lives in the n8n process (one MemoryVectorStore per memory key, shared by
// every workflow of the instance). A Windmill step is a fresh process, so a store is filled
// from Windmill state the first time this process asks for its key (unless the node clears
// it), and stores that changed are written back after the node ran. Embeddings are kept as
// base64 float32, a third of their JSON size.
import type { AiNodeTypes } from "./node_types.ts";
import { getState, setState, statePath, type StateApi } from "./state.ts";

const MANAGER = "dist/nodes/vector_store/shared/MemoryManager/MemoryVectorStoreManager.js";
export const VECTORS_FORMAT = 1;

type Vector = { content: string; embedding: number[]; metadata: Record<string, unknown>; id?: string };
type StoredVector = { content: string; embedding: string; metadata: Record<string, unknown>; id?: string };
type Stored = { format: number; key: string; vectors: StoredVector[] };

export class VectorStores {
  private readonly stores = new Map<string, { store: any; saved: string }>();
  private readonly cleared = new Set<string>();

  constructor(private readonly types: AiNodeTypes, private readonly api: () => StateApi) {}

  install(): void {
    const { MemoryVectorStoreManager } = this.types.langchainModule(MANAGER);
    const proto = MemoryVectorStoreManager.prototype;
    if (proto.__phoenixVectors) {
      proto.__phoenixVectors = this;
      return;
    }
    proto.__phoenixVectors = this;
    const getVectorStore = proto.getVectorStore;
    const addDocuments = proto.addDocuments;
    proto.getVectorStore = async function (this: any, memoryKey: string) {
      const keeper: VectorStores = proto.__phoenixVectors;
      const store = await getVectorStore.call(this, memoryKey);
      await keeper.loaded(memoryKey, store);
      return store;
    };
    proto.addDocuments = async function (this: any, memoryKey: string, documents: unknown[], clearStore?: boolean) {
      const keeper: VectorStores = proto.__phoenixVectors;
      if (clearStore) keeper.clear(memoryKey);
      return await addDocuments.call(this, memoryKey, documents, clearStore);
    };
  }

  private clear(key: string): void {
    this.cleared.add(key);
    this.stores.delete(key);
  }

  private async loaded(key: string, store: any): Promise<void> {
    const known = this.stores.get(key);
    if (known?.store === store) return;
    this.stores.set(key, { store, saved: "" });
    if (this.cleared.has(key)) return; // "Clear Store": starts empty, as in n8n
    const stored = (await getState(this.api(), statePath("vectors", key))) as Stored | undefined;
    const vectors = stored?.format === VECTORS_FORMAT && Array.isArray(stored.vectors) ? stored.vectors.map(decoded) : [];
    store.memoryVectors = [...vectors, ...(store.memoryVectors ?? [])];
    this.stores.get(key)!.saved = JSON.stringify(stored?.vectors ?? []);
  }

  /** Write every store this process changed back to state. */
  async save(): Promise<void> {
    for (const [key, entry] of this.stores) {
      const vectors = (entry.store.memoryVectors ?? []).map(encoded);
      const text = JSON.stringify(vectors);
      if (text === entry.saved) continue;
      const value: Stored = { format: VECTORS_FORMAT, key, vectors };
      await setState(this.api(), statePath("vectors", key), value);
      entry.saved = text;
      this.cleared.delete(key);
    }
  }
}

function encoded(vector: Vector): StoredVector {
  const bytes = new Uint8Array(Float32Array.from(vector.embedding).buffer);
  return { content: vector.content, embedding: Buffer.from(bytes).toString("base64"), metadata: vector.metadata ?? {}, ...(vector.id ? { id: vector.id } : {}) };
}

function decoded(vector: StoredVector): Vector {
  const bytes = Buffer.from(String(vector.embedding ?? ""), "base64");
  const floats = new Float32Array(new Uint8Array(bytes).buffer, 0, Math.floor(bytes.byteLength / 4)); // a copy: aligned
  return { content: String(vector.content ?? ""), embedding: Array.from(floats), metadata: vector.metadata ?? {}, ...(vector.id ? { id: vector.id } : {}) };
}
