"""HTTP Request (v1-v4): one request per incoming item, credentials from a Windmill resource.
"""

from __future__ import annotations

from ...expressions import Untranslatable
from ..context import BASE, NodeContext, NodeTranslation
from ..registry import translates
from ..steps import bun_step, credential_resource, params_js, per_item


HTTP_JS = r"""
async function n8nRequest(p: any, auth: any) {
  const headers: Record<string, string> = { ...(auth?.headers ?? {}) };
  const query = new URLSearchParams(auth?.query ?? {});
  for (const h of p.headers ?? []) if (h?.name) headers[h.name] = String(h.value ?? "");
  if (p.jsonHeaders) Object.assign(headers, typeof p.jsonHeaders === "string" ? JSON.parse(p.jsonHeaders) : p.jsonHeaders);
  for (const q of p.query ?? []) if (q?.name) query.append(q.name, String(q.value ?? ""));
  if (p.jsonQuery) for (const [k, v] of Object.entries(typeof p.jsonQuery === "string" ? JSON.parse(p.jsonQuery) : p.jsonQuery)) query.append(k, String(v));
  // The resource holds the n8n credential's own fields: {name, value} (header or query auth),
  // {user, password} (basic), {token} / {accessToken} / {apiKey} (bearer), or explicit headers/query.
  if (auth?.name && auth?.value !== undefined) {
    if (p.authType === "httpQueryAuth") query.append(auth.name, String(auth.value)); else headers[auth.name] = String(auth.value);
  }
  const user = auth?.user ?? auth?.username;
  if (user) headers.Authorization = "Basic " + btoa(`${user}:${auth.password ?? ""}`);
  const bearer = auth?.token ?? auth?.accessToken ?? auth?.apiKey;
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  let body: any = undefined;
  if (p.sendBody) {
    if (p.contentType === "form-urlencoded") {
      body = new URLSearchParams(Object.fromEntries((p.body ?? []).map((b: any) => [b.name, String(b.value ?? "")])));
    } else if (p.contentType === "raw") {
      body = String(p.rawBody ?? ""); headers["Content-Type"] ??= p.rawContentType ?? "text/plain";
    } else {
      const data = p.jsonBody !== undefined ? (typeof p.jsonBody === "string" ? JSON.parse(p.jsonBody) : p.jsonBody)
        : Object.fromEntries((p.body ?? []).map((b: any) => [b.name, b.value]));
      body = JSON.stringify(data); headers["Content-Type"] ??= "application/json";
    }
  }
  const url = new URL(String(p.url));
  for (const [k, v] of query) url.searchParams.append(k, v);
  const response = await fetch(url, { method: String(p.method ?? "GET").toUpperCase(), headers, body,
    signal: p.timeout ? AbortSignal.timeout(Number(p.timeout)) : undefined });
  const text = await response.text();
  let data: any = text;
  if (p.responseFormat !== "text") { try { data = JSON.parse(text); } catch { data = p.responseFormat === "json" ? text : text; } }
  if (!response.ok && !p.neverError) throw new Error(`HTTP ${response.status} from ${url.host}: ${text.slice(0, 500)}`);
  if (p.fullResponse) return [{ body: data, headers: Object.fromEntries(response.headers), statusCode: response.status, statusMessage: response.statusText }];
  if (Array.isArray(data)) return data.map((d) => (d && typeof d === "object" ? d : { data: d }));
  return [data && typeof data === "object" ? data : { data }];
}
"""


@translates(BASE + "httpRequest")
def http_request(ctx: NodeContext) -> NodeTranslation:
    p, version = ctx.node.parameters, ctx.node.type_version
    if version < 3:
        return _legacy_http(ctx)
    if p.get("contentType") in ("multipart-form-data", "binaryData") or any(
            isinstance(b, dict) and b.get("parameterType") == "formBinaryData"
            for b in ((p.get("bodyParameters") or {}).get("parameters") or [])):
        raise Untranslatable("the request sends binary/multipart data, which translated steps do not carry")
    options = p.get("options") or {}
    response = ((options.get("response") or {}).get("response") or {})
    request = {
        "method": p.get("method", "GET"), "url": p.get("url", ""),
        "headers": ((p.get("headerParameters") or {}).get("parameters") or []) if p.get("sendHeaders") and p.get("specifyHeaders", "keypair") == "keypair" else [],
        "jsonHeaders": p.get("jsonHeaders") if p.get("sendHeaders") and p.get("specifyHeaders") == "json" else None,
        "query": ((p.get("queryParameters") or {}).get("parameters") or []) if p.get("sendQuery") and p.get("specifyQuery", "keypair") == "keypair" else [],
        "jsonQuery": p.get("jsonQuery") if p.get("sendQuery") and p.get("specifyQuery") == "json" else None,
        "sendBody": bool(p.get("sendBody")), "contentType": p.get("contentType", "json"),
        "body": ((p.get("bodyParameters") or {}).get("parameters") or []) if p.get("specifyBody", "keypair") == "keypair" else [],
        "rawBody": p.get("body"), "rawContentType": p.get("rawContentType"),
        "responseFormat": response.get("responseFormat", "autodetect"),
        "fullResponse": bool(response.get("fullResponse")), "neverError": bool(response.get("neverError")),
        "timeout": options.get("timeout"), "authType": p.get("genericAuthType") or p.get("nodeCredentialType"),
    }
    if p.get("sendBody") and p.get("specifyBody") == "json":
        request["jsonBody"] = p.get("jsonBody", "{}")
    return _http_step(ctx, request)


def _legacy_http(ctx: NodeContext) -> NodeTranslation:
    p = ctx.node.parameters
    if p.get("responseFormat") == "file" or p.get("sendBinaryData"):
        raise Untranslatable("the request reads or sends binary files")
    pairs = lambda key: ((p.get(key) or {}).get("parameter") or [])  # noqa: E731
    request = {"method": p.get("requestMethod", "GET"), "url": p.get("url", ""),
               "headers": pairs("headerParametersUi"), "query": pairs("queryParametersUi"),
               "sendBody": p.get("requestMethod", "GET") not in ("GET", "HEAD"),
               "contentType": "json", "body": pairs("bodyParametersUi"),
               "responseFormat": "text" if p.get("responseFormat") == "string" else "autodetect",
               "fullResponse": bool((p.get("options") or {}).get("fullResponse"))}
    if p.get("jsonParameters"):
        request.update(jsonBody=p.get("bodyParametersJson") or "{}", jsonHeaders=p.get("headerParametersJson") or None,
                       jsonQuery=p.get("queryParametersJson") or None, headers=[], query=[])
    return _http_step(ctx, request)


def _http_step(ctx: NodeContext, request: dict) -> NodeTranslation:
    extra, comment = {}, "One request per incoming item, like n8n; JSON arrays in the answer become items."
    credential = credential_resource(ctx.node)
    if credential:
        extra["auth"] = {"type": "static", "value": f"$res:{credential}"}
        comment += (f"\nCredentials: the n8n credential is expected as the Windmill resource {credential},"
                    "\nholding the credential's own fields (see n8nRequest).")
    auth = "auth" if credential else "undefined"
    body = HTTP_JS + per_item(params_js(request), f"out.push(...await n8nRequest(params, {auth}));")
    return bun_step(ctx, body, extra_inputs=extra, comment=comment)
