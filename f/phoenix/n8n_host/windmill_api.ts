// The few Windmill API calls trigger jobs make (state, resources, starting a flow), as windmill-client makes them.
//
// A trigger keeps n8n's workflow static data (the webhook id a service gave, the date of
// the last item a poll saw) between runs: Windmill runs each job in a fresh process, so the
// data lives in a Windmill resource of type "state" (what windmill-client's getState and
// setState read and write), at a path the translator chose so that the setup script and the
// flow's steps share it. The calls are windmill-client's own: GET
// /api/w/{ws}/resources/get_value_interpolated/{path} (404: nothing stored yet), GET
// /resources/exists/{path}, then POST /resources/update_value/{path} {value} or POST
// /resources/create {path, value, resource_type}. A worker's job environment gives the base
// URL (BASE_INTERNAL_URL, else BASE_URL), the token (WM_TOKEN) and the workspace (WM_WORKSPACE).

export type WindmillApi = { base: string; token: string; workspace: string };

export class WindmillApiError extends Error {
  name = "WindmillApiError";
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

/** The API this job may call, from the environment Windmill gives every job. */
export function windmillApi(env: Record<string, string | undefined> = process.env): WindmillApi {
  const base = env.BASE_INTERNAL_URL || env.BASE_URL;
  const missing = [!base && "BASE_INTERNAL_URL (or BASE_URL)", !env.WM_TOKEN && "WM_TOKEN", !env.WM_WORKSPACE && "WM_WORKSPACE"]
    .filter(Boolean);
  if (missing.length) {
    throw new WindmillApiError(`this step keeps its state in Windmill and needs ${missing.join(", ")}, which Windmill sets in every job`);
  }
  return { base: String(base).replace(/\/+$/, ""), token: String(env.WM_TOKEN), workspace: String(env.WM_WORKSPACE) };
}

function checkedPath(path: string): string {
  // Windmill paths: u/<user>/... or f/<folder>/...; nothing that could step out of the URL.
  if (typeof path !== "string" || !/^[uf]\/[A-Za-z0-9_\-]+(\/[A-Za-z0-9_\-.]+)+$/.test(path) || path.includes("..")) {
    throw new WindmillApiError(`not a Windmill path: ${JSON.stringify(path)}`);
  }
  return path;
}

async function call(api: WindmillApi, method: string, route: string, body?: unknown): Promise<Response> {
  const url = `${api.base}/api/w/${encodeURIComponent(api.workspace)}/${route}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: { Authorization: `Bearer ${api.token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error: any) {
    throw new WindmillApiError(`Windmill's API at ${api.base} did not answer ${method} ${route}: ${error?.message ?? error}`);
  }
  return response;
}

async function failed(response: Response, what: string): Promise<WindmillApiError> {
  const text = (await response.text().catch(() => "")).slice(0, 500);
  return new WindmillApiError(`${what}: Windmill answered ${response.status}${text ? ` (${text})` : ""}`, response.status);
}

/** A resource's value, or undefined when there is none at the path (windmill-client's getResource(path, true)). */
export async function getResourceValue(path: string, api: WindmillApi = windmillApi()): Promise<any> {
  const response = await call(api, "GET", `resources/get_value_interpolated/${encodeURI(checkedPath(path))}`);
  if (response.status === 404) return undefined;
  if (!response.ok) throw await failed(response, `reading the resource ${path}`);
  const text = await response.text();
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    throw new WindmillApiError(`reading the resource ${path}: Windmill's answer is not JSON`);
  }
}

/** The state kept at ``path`` (undefined before the first save). */
export async function getState(path: string, api: WindmillApi = windmillApi()): Promise<any> {
  return await getResourceValue(path, api);
}

/** Keeps ``value`` as the state at ``path``, creating the state resource on first use (windmill-client's setState). */
export async function setState(path: string, value: unknown, api: WindmillApi = windmillApi()): Promise<void> {
  const resource = encodeURI(checkedPath(path));
  const exists = await call(api, "GET", `resources/exists/${resource}`);
  if (!exists.ok) throw await failed(exists, `checking the state ${path}`);
  const answer = (await exists.text()).trim();
  if (answer !== "true" && answer !== "false") throw new WindmillApiError(`checking the state ${path}: Windmill answered ${JSON.stringify(answer.slice(0, 100))}`);
  const response = answer === "true"
    ? await call(api, "POST", `resources/update_value/${resource}`, { value })
    : await call(api, "POST", "resources/create", { path, value, resource_type: "state" });
  if (!response.ok) throw await failed(response, `saving the state ${path}`);
}

/** Starts the flow at ``path`` with ``args`` and returns its job id (windmill-client's runFlowAsync). */
export async function runFlowAsync(path: string, args: Record<string, unknown>, api: WindmillApi = windmillApi()): Promise<string> {
  const response = await call(api, "POST", `jobs/run/f/${encodeURI(checkedPath(path))}`, args);
  if (!response.ok) throw await failed(response, `starting the flow ${path}`);
  const id = (await response.text()).trim().replace(/^"|"$/g, "");
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new WindmillApiError(`starting the flow ${path}: Windmill answered ${JSON.stringify(id.slice(0, 100))}, not a job id`);
  return id;
}
