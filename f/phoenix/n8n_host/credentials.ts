// The credentials helper n8n-core calls: the secrets a step was given (from Windmill
// resources), completed with the credential type's defaults, and applied to requests
// exactly as n8n's own CredentialsHelper does (the type's `authenticate` block or
// function; `preAuthentication` for types with an expirable token). OAuth2 is n8n-core's
// own: its requestOAuth2 signs requests with `oauthTokenData`, fetches or refreshes the
// token when the grant allows it (a 401, a refresh_token, client credentials) and calls
// updateCredentialsOauthTokenData, which here writes the new tokens back to the Windmill
// resource the values came from (BASE_INTERNAL_URL, WM_TOKEN, WM_WORKSPACE: what Windmill
// gives every job), never to a log.
import type { Engine } from "./engine.ts";
import type { NodeTypes } from "./node_types.ts";

export type CredentialValues = Record<string, Record<string, unknown>>;

/** In the values a step is given: {credential type: Windmill resource path} the values came from
 * (lib/n8n_host/credentials.py writes it beside the `$res:` references), so tokens n8n renews
 * are written back to their resource. */
export const RESOURCES_KEY = "@resources";
const RESOURCE_PATH = /^[fu]\/[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)+$/;
const OAUTH_TOKEN_FIELD = "oauthTokenData";

export class MissingCredentialsError extends Error {
  name = "MissingCredentialsError";
}

export class CredentialStoreError extends Error {
  name = "CredentialStoreError";
}

export class CredentialsHelper {
  private resources: Record<string, string>;

  constructor(private engine: Engine, private types: NodeTypes, private values: CredentialValues) {
    const { [RESOURCES_KEY]: resources, ...rest } = values ?? {};
    this.values = rest;
    this.resources = {};
    for (const [type, path] of Object.entries((resources ?? {}) as Record<string, unknown>)) {
      if (typeof path !== "string" || !RESOURCE_PATH.test(path)) {
        throw new CredentialStoreError(`the resource path given for ${type} credentials is not a Windmill path (f/... or u/...)`);
      }
      this.resources[type] = path;
    }
  }

  getCredentialsProperties(type: string): any[] {
    const seen = new Set<string>();
    return this.types
      .credentialChain(type)
      .flatMap((t) => t.properties ?? [])
      .filter((p: any) => !seen.has(p.name) && seen.add(p.name));
  }

  getParentTypes(type: string): string[] {
    return this.types.credentialChain(type).slice(1).map((t) => t.name);
  }

  async getDecrypted(_additionalData: unknown, nodeCredentials: { name?: string }, type: string): Promise<any> {
    const given = this.values[type];
    if (!given) {
      throw new MissingCredentialsError(
        `the node needs credentials of type ${type}${nodeCredentials?.name ? ` ("${nodeCredentials.name}")` : ""} ` +
          "and the step was given none of that type",
      );
    }
    const withDefaults = this.engine.workflow.NodeHelpers.getNodeParameters(
      this.getCredentialsProperties(type), given, true, false, null, null,
    );
    return { ...withDefaults, ...given };
  }

  async getCredentials(): Promise<never> {
    throw new MissingCredentialsError("the host passes decrypted credentials only");
  }

  async authenticate(credentials: any, typeName: string, requestOptions: any, workflow: any, node: any): Promise<any> {
    const { authenticate } = this.types.credentialType(typeName);
    if (typeof authenticate === "function") return await authenticate(credentials, requestOptions);
    if (authenticate?.type === "generic") {
      requestOptions.headers ??= {};
      for (const [outerKey, outerValue] of Object.entries(authenticate.properties ?? {})) {
        for (const [key, value] of Object.entries(outerValue as Record<string, unknown>)) {
          const resolvedKey = this.resolve(key, credentials, workflow, node);
          requestOptions[outerKey] ??= {};
          requestOptions[outerKey][resolvedKey] = this.resolve(value, credentials, workflow, node);
        }
      }
    }
    return requestOptions;
  }

  async preAuthentication(helpers: any, credentials: any, typeName: string, node: any, expired: boolean): Promise<any> {
    const type = this.types.credentialType(typeName);
    const expirable = (type.properties ?? []).find((p: any) => p.type === "hidden" && p?.typeOptions?.expirable === true);
    if (!expirable?.name || typeof type.preAuthentication !== "function") return undefined;
    if (credentials[expirable.name] !== "" && !expired) return undefined;
    const output = await type.preAuthentication.call(helpers, credentials);
    if (output?.[expirable.name] === undefined) return undefined;
    Object.assign(credentials, output);
    // n8n saves the renewed token with the credential; only that token goes back to the resource.
    this.values[typeName] = { ...this.values[typeName], ...output };
    await this.persist(typeName, output);
    return credentials;
  }

  async updateCredentials(_nodeCredentials: unknown, type: string, data: Record<string, unknown>): Promise<void> {
    this.values[type] = { ...this.values[type], ...data }; // visible to later requests of this step
  }

  /** n8n-core's requestOAuth2 calls this after fetching or refreshing a token: as n8n's own helper
   * does, only `oauthTokenData` is stored, here in the step's values and in the Windmill resource. */
  async updateCredentialsOauthTokenData(_nodeCredentials: unknown, type: string, data: Record<string, unknown>): Promise<void> {
    const tokens = { [OAUTH_TOKEN_FIELD]: data?.[OAUTH_TOKEN_FIELD] };
    this.values[type] = { ...this.values[type], ...tokens };
    await this.persist(type, tokens);
  }

  /** Write `fields` into the resource the type's values came from, keeping its other fields as stored
   * (a `$var:` reference stays a reference). Outside Windmill, or without a known resource, the
   * renewed values live for this step only. Errors name the resource and the status, never a value. */
  private async persist(type: string, fields: Record<string, unknown>): Promise<void> {
    const path = this.resources[type];
    const base = process.env.BASE_INTERNAL_URL;
    const token = process.env.WM_TOKEN;
    const workspace = process.env.WM_WORKSPACE;
    if (!path || !base || !token || !workspace) return;
    const url = `${base.replace(/\/+$/, "")}/api/w/${encodeURIComponent(workspace)}/resources`;
    const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };
    const stored = await fetch(`${url}/get_value/${path}`, { headers });
    if (!stored.ok) throw new CredentialStoreError(`reading the Windmill resource ${path} failed: HTTP ${stored.status}`);
    const current = await stored.json();
    const value = { ...(current && typeof current === "object" && !Array.isArray(current) ? current : {}), ...fields };
    const updated = await fetch(`${url}/update_value/${path}`, { method: "POST", headers, body: JSON.stringify({ value }) });
    if (!updated.ok) {
      throw new CredentialStoreError(`writing the renewed ${type} token to the Windmill resource ${path} failed: HTTP ${updated.status}`);
    }
  }

  private resolve(value: unknown, credentials: any, workflow: any, node: any): string {
    if (!this.engine.workflow.isExpression(value)) return value as string;
    const resolved = workflow.expression.getSimpleParameterValue(
      node, value, "internal", { $credentials: credentials }, undefined, "",
    );
    return resolved ? resolved.toString() : "";
  }
}
