// The credentials helper n8n-core calls: the secrets a step was given (from Windmill
// resources), completed with the credential type's defaults, and applied to requests
// exactly as n8n's own CredentialsHelper does (the type's `authenticate` block or
// function; `preAuthentication` for types with an expirable token).
import type { Engine } from "./engine.ts";
import type { NodeTypes } from "./node_types.ts";

export type CredentialValues = Record<string, Record<string, unknown>>;

export class MissingCredentialsError extends Error {
  name = "MissingCredentialsError";
}

export class CredentialsHelper {
  constructor(private engine: Engine, private types: NodeTypes, private values: CredentialValues) {}

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
    await this.updateCredentials(node?.credentials?.[typeName], typeName, credentials);
    return credentials;
  }

  async updateCredentials(_nodeCredentials: unknown, type: string, data: Record<string, unknown>): Promise<void> {
    this.values[type] = { ...this.values[type], ...data }; // visible to later requests of this step
  }

  async updateCredentialsOauthTokenData(_nodeCredentials: unknown, type: string, data: Record<string, unknown>): Promise<void> {
    await this.updateCredentials(_nodeCredentials, type, data);
  }

  private resolve(value: unknown, credentials: any, workflow: any, node: any): string {
    if (!this.engine.workflow.isExpression(value)) return value as string;
    const resolved = workflow.expression.getSimpleParameterValue(
      node, value, "internal", { $credentials: credentials }, undefined, "",
    );
    return resolved ? resolved.toString() : "";
  }
}
