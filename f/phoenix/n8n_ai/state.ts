// Windmill state for what n8n keeps in its own process between executions (chat memory,
// in-memory vector stores). Each Windmill job is a fresh process, so these live in
// resources of Windmill's `state` resource type, read and written through Windmill's REST
// API the way windmill-client's getState/setState do (GET resources/get_value_interpolated,
// then resources/update_value, or resources/create when the state does not exist yet).
import { createHash } from "node:crypto";

export class StateError extends Error {
  name = "StateError";
}

export type StateApi = { base: string; token: string; workspace: string };

/** Windmill's API as a job sees it: BASE_INTERNAL_URL (or WM_BASE_URL), WM_TOKEN, WM_WORKSPACE. */
export function stateApi(env: Record<string, string | undefined> = process.env): StateApi {
  const base = (env.BASE_INTERNAL_URL || env.WM_BASE_URL || "").replace(/\/+$/, "");
  const token = env.WM_TOKEN || "";
  const workspace = env.WM_WORKSPACE || "";
  const missing = [!base && "BASE_INTERNAL_URL (or WM_BASE_URL)", !token && "WM_TOKEN", !workspace && "WM_WORKSPACE"].filter(Boolean);
  if (missing.length) {
    throw new StateError(`keeping n8n's memory and vector stores needs Windmill's API; ${missing.join(", ")} not set (Windmill sets them in every job)`);
  }
  return { base, token, workspace };
}

/** Where a piece of state lives: under PHOENIX_N8N_STATE_FOLDER, else beside the flow (its folder),
 * named by a hash of its key so that any key (a chat session id, a memory key) makes a valid path. */
export function statePath(kind: "memory" | "vectors", key: string, env: Record<string, string | undefined> = process.env): string {
  const owner = env.PHOENIX_N8N_STATE_FOLDER || folderOf(env.WM_FLOW_PATH || env.WM_JOB_PATH || "");
  if (!owner) {
    throw new StateError("no folder for n8n's state: set PHOENIX_N8N_STATE_FOLDER (Windmill sets WM_FLOW_PATH in flow steps)");
  }
  if (!/^[fu]\/[\w.-]+(\/[\w.-]+)*$/.test(owner)) throw new StateError(`not a Windmill folder for n8n's state: ${JSON.stringify(owner)}`);
  const digest = createHash("sha256").update(`${kind}\0${key}`).digest("hex").slice(0, 32);
  return `${owner}/n8n_${kind}_${digest}`;
}

function folderOf(path: string): string {
  const parts = path.split("/");
  return parts.length > 2 ? parts.slice(0, -1).join("/") : "";
}

async function call(api: StateApi, method: string, route: string, body?: unknown): Promise<Response> {
  const url = `${api.base}/api/w/${encodeURIComponent(api.workspace)}/resources/${route}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: { Authorization: `Bearer ${api.token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error: any) {
    throw new StateError(`Windmill's API did not answer at ${api.base}: ${error?.message ?? error}`);
  }
  return response;
}

async function failed(response: Response, what: string): Promise<never> {
  const text = (await response.text()).slice(0, 300);
  throw new StateError(`${what}: Windmill answered ${response.status}${text ? `: ${text}` : ""}`);
}

/** The state at `path`, or undefined when there is none yet. */
export async function getState(api: StateApi, path: string): Promise<unknown> {
  const response = await call(api, "GET", `get_value_interpolated/${path}`);
  if (response.status === 404) return undefined;
  if (!response.ok) await failed(response, `reading state ${path}`);
  const text = await response.text();
  return text ? JSON.parse(text) : undefined;
}

/** Write the state at `path`, creating the resource (type `state`) the first time. */
export async function setState(api: StateApi, path: string, value: unknown): Promise<void> {
  const exists = await call(api, "GET", `get/${path}`);
  if (exists.status === 404) {
    const created = await call(api, "POST", "create", { path, value, resource_type: "state" });
    if (created.ok) return;
    if (created.status !== 409 && created.status !== 400) await failed(created, `creating state ${path}`);
    // created meanwhile by a concurrent step: update it below
  } else if (!exists.ok) {
    await failed(exists, `looking up state ${path}`);
  }
  const updated = await call(api, "POST", `update_value/${path}`, { value });
  if (!updated.ok) await failed(updated, `writing state ${path}`);
}
