// Items' binary properties between steps, as n8n moves them between nodes.
//
// n8n-core keeps binary data inline (base64 in `binary[property].data`) when no storage
// manager is set up, which is how the host runs it: a node reads and writes binaries with
// its own helpers. Between steps the bytes travel in the step's result:
//
// - inline, up to PHOENIX_N8N_INLINE_BINARY_MAX bytes per property (default 5 MiB);
// - larger ones, inside Windmill, go to the workspace's object storage (Windmill's S3
//   integration, the job_helpers upload/download API windmill-client's writeS3File and
//   loadS3File use) and travel as a reference, as n8n's filesystem and S3 modes do:
//   `data: "windmill-s3"`, `id: "windmill-s3:<key>"`, and `s3: {s3: key}` (Windmill's
//   S3Object, so the job's result shows a download link). A later host step registers a
//   reader for such ids with n8n-core's BinaryDataService, so nodes read them with the
//   same helpers (getBinaryDataBuffer, getBinaryStream, getBinaryMetadata, getBinaryPath);
// - larger ones with no object storage fail the step, naming the node, the property, the
//   size, the limit and what to do.
import { createReadStream, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const INLINE_MAX_ENV = "PHOENIX_N8N_INLINE_BINARY_MAX";
export const DEFAULT_INLINE_MAX = 5 * 1024 * 1024;
export const REFERENCE_MODE = "windmill-s3";

export class BinaryDataError extends Error {
  name = "BinaryDataError";
}

type S3Object = { s3: string; storage?: string };
type Env = { base: string; token: string; workspace: string };
type Metadata = { fileName?: string; mimeType?: string; fileSize: number };

export function inlineMax(env: Record<string, string | undefined> = process.env): number {
  const raw = env[INLINE_MAX_ENV];
  if (raw === undefined || raw === "") return DEFAULT_INLINE_MAX;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new BinaryDataError(`${INLINE_MAX_ENV}=${JSON.stringify(raw)} is not a number of bytes`);
  }
  return value;
}

/** Windmill's object storage API for this job, or undefined outside Windmill. */
export function objectStorageOf(env: Record<string, string | undefined> = process.env): WindmillObjectStorage | undefined {
  const base = env.BASE_INTERNAL_URL || env.WM_BASE_URL;
  if (!base || !env.WM_TOKEN || !env.WM_WORKSPACE) return undefined;
  return new WindmillObjectStorage({ base: base.replace(/\/+$/, ""), token: env.WM_TOKEN, workspace: env.WM_WORKSPACE });
}

export class WindmillObjectStorage {
  constructor(private env: Env) {}

  private url(op: string, query: Record<string, string | undefined>): string {
    const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined) as [string, string][]);
    return `${this.env.base}/api/w/${encodeURIComponent(this.env.workspace)}/job_helpers/${op}?${params}`;
  }

  private async request(url: string, init: RequestInit, what: string): Promise<Response> {
    try {
      return await fetch(url, { ...init, headers: { Authorization: `Bearer ${this.env.token}`, ...(init.headers ?? {}) } });
    } catch (error: any) {
      throw new BinaryDataError(`${what}: Windmill's API at ${this.env.base} cannot be reached: ${error?.message ?? error}`);
    }
  }

  /** Puts the bytes in the workspace's object storage; Windmill's error when it has none. */
  async upload(bytes: Uint8Array, extension: string | undefined, what: string): Promise<S3Object> {
    const response = await this.request(this.url("upload_s3_file", { file_extension: extension || undefined }), {
      method: "POST", headers: { "Content-Type": "application/octet-stream" }, body: new Blob([bytes as Uint8Array<ArrayBuffer>]),
    }, what);
    const text = await response.text();
    if (!response.ok) throw new BinaryDataError(`${what}: Windmill's object storage refused it: HTTP ${response.status} ${text.slice(0, 300)}`);
    const key = JSON.parse(text)?.file_key;
    if (typeof key !== "string" || !key) throw new BinaryDataError(`${what}: Windmill's object storage answered no file key: ${text.slice(0, 300)}`);
    return { s3: key };
  }

  async download(object: S3Object, what: string): Promise<Buffer> {
    const response = await this.request(this.url("download_s3_file", { file_key: object.s3, storage: object.storage }), { method: "GET" }, what);
    if (!response.ok) {
      throw new BinaryDataError(`${what}: Windmill's object storage has no ${JSON.stringify(object.s3)}: HTTP ${response.status} ${(await response.text()).slice(0, 300)}`);
    }
    return Buffer.from(await response.arrayBuffer());
  }
}

// A binary data id is "<mode>:<file id>" and n8n-core splits it at the first ":" only, so
// the object's key (which may hold ":") is carried as base64url.
export function referenceId(object: S3Object): string {
  return `${REFERENCE_MODE}:${Buffer.from(JSON.stringify([object.s3, object.storage ?? null])).toString("base64url")}`;
}

function objectOf(fileId: string): S3Object {
  try {
    const [s3, storage] = JSON.parse(Buffer.from(fileId, "base64url").toString("utf8"));
    if (typeof s3 === "string" && s3) return storage ? { s3, storage } : { s3 };
  } catch {
    // fall through: not one of ours
  }
  throw new BinaryDataError(`${JSON.stringify(`${REFERENCE_MODE}:${fileId}`)} is not a binary data reference the node host made`);
}

/** The reader n8n-core's BinaryDataService uses for "windmill-s3:" ids: each object downloaded
 * once into a folder of this process, so every helper (also the synchronous getBinaryPath) works. */
export class ReferencedBinaries {
  private files = new Map<string, Promise<string>>();
  private ready = new Map<string, string>();
  private metadata = new Map<string, Metadata>();
  private dir?: string;

  constructor(private storage: () => WindmillObjectStorage | undefined) {}

  /** Downloads the objects the given items refer to (before the node runs). */
  async prefetch(items: any[][]): Promise<void> {
    const waits: Promise<string>[] = [];
    for (const list of items) for (const item of list ?? []) for (const [property, binary] of Object.entries(item?.binary ?? {})) {
      const id = (binary as any)?.id;
      if (typeof id !== "string" || !id.startsWith(`${REFERENCE_MODE}:`)) continue;
      const fileId = id.slice(REFERENCE_MODE.length + 1);
      const b = binary as any;
      this.metadata.set(fileId, { fileName: b.fileName, mimeType: b.mimeType, fileSize: Number(b.bytes ?? 0) });
      waits.push(this.fetch(fileId, `binary property ${JSON.stringify(property)}`));
    }
    await Promise.all(waits);
  }

  private fetch(fileId: string, what: string): Promise<string> {
    let file = this.files.get(fileId);
    if (!file) {
      file = (async () => {
        const storage = this.storage();
        if (!storage) {
          throw new BinaryDataError(`${what} is in Windmill's object storage (${REFERENCE_MODE}), and this run is not inside Windmill`);
        }
        const bytes = await storage.download(objectOf(fileId), what);
        this.dir ??= mkdtempSync(join(tmpdir(), "phoenix-n8n-binary-"));
        const path = join(this.dir, `${this.ready.size}-${this.files.size}`);
        writeFileSync(path, bytes);
        this.ready.set(fileId, path);
        return path;
      })();
      this.files.set(fileId, file);
    }
    return file;
  }

  // --- n8n-core's BinaryData.Manager, reading side ---
  async init(): Promise<void> {}

  getPath(fileId: string): string {
    const path = this.ready.get(fileId);
    if (!path) throw new BinaryDataError(`binary data ${REFERENCE_MODE}:${fileId} was not downloaded before the node ran`);
    return path;
  }

  async getAsBuffer(fileId: string): Promise<Buffer> {
    return readFileSync(await this.fetch(fileId, "binary data"));
  }

  async getAsStream(fileId: string, chunkSize?: number): Promise<any> {
    return createReadStream(await this.fetch(fileId, "binary data"), { highWaterMark: chunkSize });
  }

  async getMetadata(fileId: string): Promise<Metadata> {
    const path = await this.fetch(fileId, "binary data");
    return { ...this.metadata.get(fileId), fileSize: statSync(path).size };
  }

  async store(): Promise<never> {
    throw new BinaryDataError("the node host stores binary data inline; windmill-s3 references are made between steps");
  }

  async copyByFileId(): Promise<never> {
    return this.store();
  }

  async copyByFilePath(): Promise<never> {
    return this.store();
  }

  async rename(): Promise<void> {}
}

/** Byte size of an inline base64 binary (n8n 2 also records `bytes`; older items may not). */
function inlineBytes(binary: any): number {
  if (typeof binary?.data !== "string" || binary.id) return 0;
  const data = binary.data.replace(/\s+/g, "");
  const padding = data.endsWith("==") ? 2 : data.endsWith("=") ? 1 : 0;
  return Math.floor((data.length * 3) / 4) - padding;
}

const megabytes = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MiB (${bytes} bytes)`;

/** The step's outputs with every binary over the inline limit moved to Windmill's object
 * storage, or a BinaryDataError naming the first that cannot travel inline. */
export async function fitForTransfer(outputs: any[][], node: string, storage: WindmillObjectStorage | undefined, limit = inlineMax()): Promise<void> {
  for (const [o, list] of outputs.entries()) for (const [i, item] of (list ?? []).entries()) {
    for (const [property, binary] of Object.entries(item?.binary ?? {})) {
      const size = inlineBytes(binary);
      if (size <= limit) continue;
      const where = `n8n node ${JSON.stringify(node)}, output ${o}, item ${i}, binary property ${JSON.stringify(property)}`;
      if (!storage) {
        throw new BinaryDataError(
          `${where}: ${megabytes(size)} is more than a step may pass inline (${INLINE_MAX_ENV} = ${megabytes(limit)}). ` +
            "Configure the workspace's object storage in Windmill (workspace settings, object storage / S3) so large files " +
            `travel as references, or raise ${INLINE_MAX_ENV} on the workers if Windmill's result size allows it.`,
        );
      }
      let object: S3Object;
      try {
        object = await storage.upload(Buffer.from((binary as any).data, "base64"), (binary as any).fileExtension, where);
      } catch (error: any) {
        throw new BinaryDataError(
          `${error.message}. ${megabytes(size)} is more than a step may pass inline (${INLINE_MAX_ENV} = ${megabytes(limit)}): ` +
            "configure the workspace's object storage in Windmill (workspace settings, object storage / S3).",
        );
      }
      const b = binary as any;
      item.binary[property] = { ...b, data: REFERENCE_MODE, id: referenceId(object), s3: object, bytes: size };
    }
  }
}
