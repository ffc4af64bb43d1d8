# GENERATED from lib/n8n/services.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Translators for service nodes whose n8n behaviour is one documented API call.

Each registers in ``translate/registry.py``'s ``TRANSLATORS`` like the core ones. The service's
credential is read from a Windmill resource holding the n8n credential's own
fields (``f/phoenix/n8n_credentials/<type>_<name>``), so an operator recreates
each credential once, by the name n8n showed. Operations not listed here stay
placeholders with the operation named in the reason.
"""

from __future__ import annotations

import re

from .expressions import Untranslatable
from .literals import js_value
from .translate.context import BASE, NodeContext, NodeTranslation
from .translate.registry import translates
from .translate.steps import CREDENTIAL_RESOURCE_PREFIX, bun_step, params_js, per_item
from .workflow import Node


def service_credential(node: Node, kind: str) -> str:
    """The resource path for the node's credential of type ``kind`` (named as in n8n when known)."""
    entry = node.credentials.get(kind)
    name = entry.get("name", "") if isinstance(entry, dict) else ""
    slug = re.sub(r"[^a-z0-9]+", "_", f"{kind}_{name}".lower()).strip("_")
    return CREDENTIAL_RESOURCE_PREFIX + slug[:80]


def _credential_input(node: Node, kind: str) -> tuple[dict, str]:
    path = service_credential(node, kind)
    return ({"auth": {"type": "static", "value": f"$res:{path}"}},
            "Credential: the Windmill resource in this step's auth input holds the n8n credential's fields.")


def _resolve_locators(value):
    """n8n resource locators ({"__rl": true, "value": ...}) to plain values, anywhere in a tree."""
    if isinstance(value, dict):
        if "__rl" in value:
            return value.get("value")
        return {k: _resolve_locators(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve_locators(v) for v in value]
    return value


def _only(node: Node, resource_default: str, operation_default: str, allowed: dict[str, set[str]]) -> tuple[str, str]:
    resource = node.parameters.get("resource", resource_default)
    operation = node.parameters.get("operation", operation_default)
    if operation not in allowed.get(resource, set()):
        raise Untranslatable(f"{node.short_type} {resource}/{operation} is not translated "
                             f"(translated: {', '.join(f'{r}/{o}' for r, ops in allowed.items() for o in sorted(ops))})")
    return resource, operation


# --- Telegram Bot API --------------------------------------------------------------------------

TELEGRAM_JS = r"""
async function telegram(auth: any, method: string, body: Record<string, any>) {
  const base = String(auth?.baseUrl ?? "https://api.telegram.org").replace(/\/$/, "");
  const response = await fetch(`${base}/bot${auth.accessToken}/${method}`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  const data = await response.json();
  if (!data.ok) throw new Error(`Telegram ${method} failed: ${data.description ?? response.status}`);
  return data;
}
"""

TELEGRAM_METHODS = {"sendMessage": "sendMessage", "sendChatAction": "sendChatAction", "sendPhoto": "sendPhoto",
                    "sendDocument": "sendDocument", "editMessageText": "editMessageText",
                    "deleteMessage": "deleteMessage", "sendLocation": "sendLocation"}
# n8n parameter name -> Bot API field, per method
TELEGRAM_FIELDS = {"chatId": "chat_id", "text": "text", "action": "action", "file": None, "messageId": "message_id",
                   "latitude": "latitude", "longitude": "longitude"}


@translates(BASE + "telegram")
def telegram(ctx: NodeContext) -> NodeTranslation:
    node = ctx.node
    _resource, operation = _only(node, "message", "sendMessage", {"message": set(TELEGRAM_METHODS)})
    if operation in ("sendPhoto", "sendDocument") and node.parameters.get("binaryData"):
        raise Untranslatable("sending a binary file from n8n's binary data")
    if node.parameters.get("replyMarkup", "none") != "none":
        raise Untranslatable("reply markup (keyboards) is not translated")
    fields = {api: node.parameters[key] for key, api in TELEGRAM_FIELDS.items() if api and key in node.parameters}
    if operation in ("sendPhoto", "sendDocument") and "file" in node.parameters:
        fields["photo" if operation == "sendPhoto" else "document"] = node.parameters["file"]
    extra = node.parameters.get("additionalFields") if isinstance(node.parameters.get("additionalFields"), dict) else {}
    inputs, comment = _credential_input(node, "telegramApi")
    # As n8n's addAdditionalFields: Markdown by default and no link previews unless the text has a URL
    # (always none from v1.2). The "sent with n8n" attribution is deliberately not reproduced.
    message_rules = (
        "if (method === 'sendMessage') {\n"
        "      request.parse_mode ??= 'Markdown';\n"
        "      const hasUrl = /(https?|ftp|file):\\/\\/\\S+|www\\.\\S+|\\S+\\.\\S+/.test(String(request.text ?? ''));\n"
        f"      if (!hasUrl || ({js_value(node.type_version)} >= 1.2 && options.disable_web_page_preview === undefined)) request.disable_web_page_preview = true;\n"
        "    }\n")
    body = (TELEGRAM_JS + per_item(
        params_js({"fields": fields, "extra": _resolve_locators(extra)}),
        "const { appendAttribution, ...options } = params.extra ?? {};\n"
        f"    const method = {js_value(TELEGRAM_METHODS[operation])};\n"
        "    const request: any = { ...options, ...params.fields };\n"
        f"    {message_rules}"
        "    out.push(await telegram(auth, method, request));"))
    return bun_step(ctx, body, extra_inputs=inputs, comment=f"Telegram Bot API, once per item.\n{comment}")


# --- Slack Web API ----------------------------------------------------------------------------

@translates(BASE + "slack")
def slack(ctx: NodeContext) -> NodeTranslation:
    node = ctx.node
    _only(node, "message", "post", {"message": {"post"}})
    p = _resolve_locators(node.parameters)
    if node.type_version >= 2:
        target = p.get("user") if p.get("select") == "user" else p.get("channelId")
    else:
        target = p.get("channel")
    options = p.get("otherOptions") if isinstance(p.get("otherOptions"), dict) else {}
    request = {"channel": target, "text": p.get("text", ""),
               "blocks": p.get("blocksUi") if p.get("messageType") == "block" else None,
               "thread_ts": ((options.get("thread_ts") or {}).get("replyValues") or {}).get("thread_ts")
               if isinstance(options.get("thread_ts"), dict) else None}
    kind = "slackOAuth2Api" if p.get("authentication") == "oAuth2" else "slackApi"
    inputs, comment = _credential_input(node, kind)
    body = per_item(params_js(request), (
        "const payload: any = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== null && v !== undefined && v !== ''));\n"
        "    if (typeof payload.blocks === 'string') payload.blocks = JSON.parse(payload.blocks);\n"
        "    const response = await fetch('https://slack.com/api/chat.postMessage', { method: 'POST',\n"
        "      headers: { 'Content-Type': 'application/json; charset=utf-8', Authorization: `Bearer ${auth.accessToken ?? auth.oauthTokenData?.access_token}` },\n"
        "      body: JSON.stringify(payload) });\n"
        "    const data = await response.json();\n"
        "    if (!data.ok) throw new Error(`Slack chat.postMessage failed: ${data.error}`);\n"
        "    out.push(data);"))
    return bun_step(ctx, body, extra_inputs=inputs, comment=f"Slack chat.postMessage, once per item.\n{comment}")


# --- SMTP e-mail ------------------------------------------------------------------------------

@translates(BASE + "emailSend")
def email_send(ctx: NodeContext) -> NodeTranslation:
    node = ctx.node
    p = node.parameters
    if p.get("attachments") or (isinstance(p.get("options"), dict) and p["options"].get("attachments")):
        raise Untranslatable("e-mail attachments come from n8n's binary data")
    options = p.get("options") if isinstance(p.get("options"), dict) else {}
    fmt = p.get("emailFormat", "both" if node.type_version < 2 else "html")
    message = {"from": p.get("fromEmail", ""), "to": p.get("toEmail", ""), "subject": p.get("subject", ""),
               "text": p.get("text") if fmt in ("text", "both") else None,
               "html": p.get("html") if fmt in ("html", "both") else None,
               "cc": options.get("ccEmail") or p.get("ccEmail"), "bcc": options.get("bccEmail") or p.get("bccEmail"),
               "replyTo": options.get("replyTo")}
    inputs, comment = _credential_input(node, "smtp")
    body = (per_item(params_js(message), (
        "const transport = nodemailer.createTransport({ host: auth.host, port: Number(auth.port ?? 465),\n"
        "      secure: auth.secure ?? true, auth: auth.user ? { user: auth.user, pass: auth.password } : undefined });\n"
        "    const mail = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== null && v !== undefined && v !== ''));\n"
        "    const info = await transport.sendMail(mail);\n"
        "    out.push({ accepted: info.accepted, rejected: info.rejected, response: info.response, messageId: info.messageId });")))
    return bun_step(ctx, body, extra_inputs=inputs, imports='import nodemailer from "nodemailer";\n',
                    comment=f"Sends one e-mail per item over SMTP (nodemailer).\n{comment}")


# --- local commands and hashing -----------------------------------------------------------------

@translates(BASE + "executeCommand")
def execute_command(ctx: NodeContext) -> NodeTranslation:
    once = ctx.node.parameters.get("executeOnce", True)
    body = (per_item(params_js({"command": ctx.node.parameters.get("command", "")}), (
                "const run = spawnSync('sh', ['-c', String(params.command)], { encoding: 'utf8' });\n"
                "    out.push({ exitCode: run.status ?? 1, stderr: (run.stderr ?? '').trim(), stdout: (run.stdout ?? '').trim() });\n"
                f"    if ({js_value(bool(once))}) break;")))
    return bun_step(ctx, body, imports='import { spawnSync } from "node:child_process";\n',
                    comment="Runs the command on the Windmill worker (sh -c), like n8n did on its host.")


@translates(BASE + "crypto")
def crypto(ctx: NodeContext) -> NodeTranslation:
    p = ctx.node.parameters
    action = p.get("action", "hash")
    if action not in ("hash", "hmac", "generate"):
        raise Untranslatable(f"crypto action {action!r} is not translated")
    params = {"action": action, "type": p.get("type", "MD5"), "value": p.get("value", ""), "secret": p.get("secret", ""),
              "encoding": p.get("encoding", "hex"), "property": p.get("dataPropertyName", "data"),
              "encodingType": p.get("encodingType", "uuid"), "length": p.get("stringLength", 32)}
    body = (per_item(params_js(params), (
                "const algorithm = String(params.type).toLowerCase().replace('sha', 'sha').replace(/^sha(\\d)/, 'sha$1');\n"
                "    let value: string;\n"
                "    if (params.action === 'generate') value = params.encodingType === 'uuid' ? randomUUID()\n"
                "      : randomBytes(Number(params.length)).toString(params.encodingType === 'base64' ? 'base64' : 'hex').slice(0, Number(params.length));\n"
                "    else if (params.action === 'hmac') value = createHmac(algorithm, String(params.secret)).update(String(params.value)).digest(params.encoding);\n"
                "    else value = createHash(algorithm).update(String(params.value)).digest(params.encoding);\n"
                "    const item = structuredClone($json);\n"
                "    item[params.property] = value;\n"
                "    out.push(item);")))
    return bun_step(ctx, body, imports='import { createHash, createHmac, randomUUID, randomBytes } from "node:crypto";\n')


# --- HTML extraction ----------------------------------------------------------------------------

@translates(BASE + "html")
def html(ctx: NodeContext) -> NodeTranslation:
    operation = ctx.node.parameters.get("operation", "generateHtmlTemplate")
    translator = {"generateHtmlTemplate": html_template, "convertToHtmlTable": html_table,
                  "extractHtmlContent": html_extract}.get(operation)
    if translator is None:
        raise Untranslatable(f"HTML operation {operation!r} is not translated")
    return translator(ctx)


def html_template(ctx: NodeContext) -> NodeTranslation:
    """n8n resolves ``{{ }}`` in the template even without a leading "=": compile it as an expression."""
    template = str(ctx.node.parameters.get("html", ""))
    template = template if template.startswith("=") else "=" + template
    return bun_step(ctx, per_item(params_js({"html": template}), "out.push({ html: params.html });"))


def html_table(ctx: NodeContext) -> NodeTranslation:
    options = ctx.node.parameters.get("options") if isinstance(ctx.node.parameters.get("options"), dict) else {}
    settings = {key: options.get(key, "") for key in ("caption", "tableAttributes", "headerAttributes",
                                                      "rowAttributes", "cellAttributes")}
    settings.update(capitalize=bool(options.get("capitalize")), custom=bool(options.get("customStyling")))
    body = (f"  const o: any = {js_value(settings)};\n"
            "  if (!input.length) return [];\n"
            "  // As n8n's convertToHtmlTable: one table of every item, the union of their keys as columns.\n"
            "  const table = o.custom ? '' : \"style='border-spacing:0; font-family:helvetica,arial,sans-serif'\";\n"
            "  const head = o.custom ? '' : \"style='margin:0; padding:7px 20px 7px 0px; border-bottom:1px solid #eee; text-align:left; color:#888; font-weight:normal'\";\n"
            "  const cell = o.custom ? '' : \"style='margin:0; padding:7px 20px 7px 0px; border-bottom:1px solid #eee'\";\n"
            "  const headers = [...new Set(input.flatMap((i) => Object.keys(i)))];\n"
            "  const title = (h: string) => (o.capitalize ? h.split('_').filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join(' ') : h);\n"
            "  let html = `<table ${table} ${o.tableAttributes}>` + (o.caption ? `<caption>${o.caption}</caption>` : '');\n"
            "  html += `<thead ${head} ${o.headerAttributes}><tr>` + headers.map((h) => `<th>${title(h)}</th>`).join('') + '</tr></thead><tbody>';\n"
            "  for (const entry of input) {\n"
            "    html += `<tr  ${o.rowAttributes}>` + headers.map((h) => `<td ${cell} ${o.cellAttributes}>`\n"
            "      + (typeof entry[h] === 'boolean' ? `<input type=\"checkbox\" ${entry[h] ? 'checked=\"checked\"' : ''}/>` : entry[h]) + '</td>').join('') + '</tr>';\n"
            "  }\n"
            "  return [{ table: html + '</tbody></table>' }];")
    return bun_step(ctx, body)


@translates(BASE + "htmlExtract")
def html_extract(ctx: NodeContext) -> NodeTranslation:
    p = ctx.node.parameters
    if p.get("sourceData", "json") != "json":
        raise Untranslatable("extracting HTML from n8n's binary data")
    values = [{"key": v.get("key", ""), "cssSelector": v.get("cssSelector", ""), "returnValue": v.get("returnValue", "text"),
               "attribute": v.get("attribute", ""), "returnArray": bool(v.get("returnArray"))}
              for v in ((p.get("extractionValues") or {}).get("values") or []) if isinstance(v, dict)]
    options = p.get("options") if isinstance(p.get("options"), dict) else {}
    params = {"property": p.get("dataPropertyName", "data"), "values": values,
              "trim": options.get("trimValues", True), "clean": options.get("cleanUpText", True)}
    body = (per_item(params_js(params), (
                "const get = (o: any, path: string) => path.split('.').reduce((v, k) => v?.[k], o);\n"
                "    const source = get($json, String(params.property));\n"
                "    if (source === undefined) throw new Error(`No property named \"${params.property}\" exists!`);\n"
                "    for (const html of Array.isArray(source) ? source : [source]) {\n"
                "      const $doc = cheerio.load(String(html));\n"
                "      const read = (el: any, v: any) => {\n"
                "        let value = v.returnValue === 'attribute' ? el.attr(v.attribute) : v.returnValue === 'html' ? el.html()\n"
                "          : v.returnValue === 'value' ? el.val() : el.text();\n"
                "        if (typeof value === 'string' && params.trim) value = value.trim();\n"
                "        if (typeof value === 'string' && params.clean) value = value.replace(/\\s+/g, ' ').trim();\n"
                "        return value;\n"
                "      };\n"
                "      const item: any = {};\n"
                "      for (const v of params.values) {\n"
                "        const found = $doc(v.cssSelector);\n"
                "        item[v.key] = v.returnArray ? found.toArray().map((el: any) => read($doc(el), v)) : read(found, v);\n"
                "      }\n"
                "      out.push(item);\n"
                "    }")))
    return bun_step(ctx, body, imports='import * as cheerio from "cheerio";\n',
                    comment="CSS-selector extraction with cheerio (the library n8n uses).")


# --- Google Sheets (Sheets API v4; the resource is Windmill's gsheets OAuth resource: {token}) ------

SHEETS_JS = r"""
function sheetsApi(auth: any, spreadsheet: string) {
  const base = `${String(auth?.baseUrl ?? "https://sheets.googleapis.com").replace(/\/$/, "")}/v4/spreadsheets/${spreadsheet}`;
  const call = async (path: string, init: any = {}) => {
    const response = await fetch(base + path, { ...init, headers: { Authorization: `Bearer ${auth.token}`, "Content-Type": "application/json" } });
    const data = await response.json();
    if (!response.ok) throw new Error(`Google Sheets ${response.status}: ${data?.error?.message ?? JSON.stringify(data)}`);
    return data;
  };
  return {
    async title(sheet: any) {
      // n8n stores the sheet as "gid=0", a gid number, or its name.
      const gid = String(sheet ?? "").replace(/^gid=/, "");
      const meta = await call("?fields=sheets.properties");
      const found = meta.sheets.map((s: any) => s.properties).find((p: any) => String(p.sheetId) === gid || p.title === sheet);
      if (!found) throw new Error(`sheet ${sheet} not found in spreadsheet ${spreadsheet}`);
      return found.title;
    },
    rows: async (title: string) => (await call(`/values/${encodeURIComponent(title)}?valueRenderOption=UNFORMATTED_VALUE&dateTimeRenderOption=FORMATTED_STRING`)).values ?? [],
    append: (title: string, values: any[][]) => call(`/values/${encodeURIComponent(title)}:append?valueInputOption=USER_ENTERED`, { method: "POST", body: JSON.stringify({ values }) }),
    update: (range: string, values: any[][]) => call(`/values/${encodeURIComponent(range)}?valueInputOption=USER_ENTERED`, { method: "PUT", body: JSON.stringify({ values }) }),
  };
}
function sheetObjects(rows: any[][]) {
  // Row 1 holds the column names; data starts on row 2 (row_number is the sheet's row).
  const width = Math.max(0, ...rows.map((r) => r.length));
  const keys = Array.from({ length: width }, (_, i) => rows[0]?.[i] || `col_${i}`);
  return rows.slice(1).map((row, i) => ({ row_number: i + 2, ...Object.fromEntries(keys.map((k, c) => [k, row[c] ?? ""])) }));
}
function sheetRow(header: string[], entry: any, keep: any[] = []) {
  return header.map((key, c) => (entry[key] === undefined || entry[key] === null ? (keep[c] ?? "")
    : typeof entry[key] === "object" ? JSON.stringify(entry[key]) : entry[key]));
}
function columnName(index: number) {
  let name = "";
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}
"""

SHEETS_OPERATIONS = {
    "read": """const rows = await api.rows(title);
    let found = sheetObjects(rows);
    const filters = (params.filters ?? []).filter((f: any) => f.lookupColumn);
    if (filters.length) {
      const match = (r: any) => filters[params.combine === "AND" ? "every" : "some"]((f: any) => String(r[f.lookupColumn] ?? "") === String(f.lookupValue ?? ""));
      found = found.filter(match);
      if (params.firstMatch) found = found.slice(0, 1);
    }
    out.push(...found);""",
    "append": """const header = (await api.rows(title))[0] ?? Object.keys(params.entry);
    await api.append(title, [sheetRow(header, params.entry)]);
    out.push(params.entry);""",
    "update": """const rows = await api.rows(title);
    const header = rows[0] ?? [];
    const column = header.indexOf(params.match);
    const at = rows.findIndex((r: any[], i: number) => i > 0 && column >= 0 && String(r[column] ?? "") === String(params.entry[params.match] ?? ""));
    if (at > 0) await api.update(`${title}!A${at + 1}:${columnName(header.length - 1)}${at + 1}`, [sheetRow(header, params.entry, rows[at])]);
    else if (params.operation === "appendOrUpdate") await api.append(title, [sheetRow(header, params.entry)]);
    out.push(params.entry);""",
}


@translates(BASE + "googleSheets")
def google_sheets(ctx: NodeContext) -> NodeTranslation:
    node = ctx.node
    p = _resolve_locators(node.parameters)
    if node.type_version < 4:
        raise Untranslatable("Google Sheets before v4 is not translated")
    resource, operation = p.get("resource", "sheet"), p.get("operation", "read")
    if resource != "sheet" or operation not in ("read", "append", "update", "appendOrUpdate"):
        raise Untranslatable(f"Google Sheets {resource}/{operation} is not translated")
    columns = p.get("columns") if isinstance(p.get("columns"), dict) else {}
    mapped = columns.get("mappingMode", "defineBelow") == "defineBelow" and isinstance(columns.get("value"), dict)
    options = p.get("options") if isinstance(p.get("options"), dict) else {}
    params = {"spreadsheet": _spreadsheet_id(p.get("documentId", "")), "sheet": p.get("sheetName", "gid=0"),
              "operation": operation,
              "entry": columns.get("value") if mapped else "={{ $json }}",
              "match": (columns.get("matchingColumns") or [None])[0],
              "filters": ((p.get("filtersUI") or {}).get("values") or []),
              "combine": p.get("combineFilters", "OR"),
              "firstMatch": bool(options.get("returnFirstMatch")) if node.type_version >= 4.5
              else options.get("returnAllMatches") != "returnAllMatches"}
    if operation in ("update", "appendOrUpdate") and not params["match"]:
        raise Untranslatable("update without a column to match on")
    inputs, comment = _credential_input(node, "googleSheetsOAuth2Api")
    step = SHEETS_OPERATIONS["update" if operation == "appendOrUpdate" else operation]
    body = SHEETS_JS + per_item(params_js(params), (
        "const api = sheetsApi(auth, String(params.spreadsheet));\n"
        "    const title = await api.title(params.sheet);\n"
        f"    {step}"))
    return bun_step(ctx, body, extra_inputs=inputs,
                    comment=f"Google Sheets (Sheets API v4), once per item; row 1 holds the column names.\n"
                            f"{comment}\nUse a Windmill gsheets resource there: its token is refreshed by Windmill.")


def _spreadsheet_id(value) -> str:
    """A spreadsheet id, from the id itself or a docs.google.com URL."""
    match = re.search(r"/d/([A-Za-z0-9_-]+)", str(value))
    return match.group(1) if match else value


# --- Gmail (send only; the resource is Windmill's gmail OAuth resource: {token}) ----------------------

GMAIL_JS = r"""
async function gmailSend(auth: any, mail: any) {
  const base = String(auth?.baseUrl ?? "https://gmail.googleapis.com").replace(/\/$/, "");
  const headers = { Authorization: `Bearer ${auth.token}`, "Content-Type": "application/json" };
  const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
  let from = "";
  if (mail.senderName) {
    const profile = await (await fetch(`${base}/gmail/v1/users/me/profile`, { headers })).json();
    from = `${mail.senderName} <${profile.emailAddress}>`;
  }
  // Absent headers are left out (null/false entries are dropped below); the blank line ends the headers.
  const lines = [from ? `From: ${from}` : null, `To: ${mail.to}`, mail.cc ? `Cc: ${mail.cc}` : null, mail.bcc ? `Bcc: ${mail.bcc}` : null,
    mail.replyTo ? `Reply-To: ${mail.replyTo}` : null, `Subject: =?UTF-8?B?${b64(String(mail.subject ?? ""))}?=`, "MIME-Version: 1.0",
    `Content-Type: text/${mail.html ? "html" : "plain"}; charset=UTF-8`, "Content-Transfer-Encoding: base64", "",
    b64(String(mail.message ?? "").trim())].filter((line) => typeof line === "string");
  const raw = Buffer.from(lines.join("\r\n"), "utf8").toString("base64url");
  const response = await fetch(`${base}/gmail/v1/users/me/messages/send`, { method: "POST", headers, body: JSON.stringify({ raw }) });
  const data = await response.json();
  if (!response.ok) throw new Error(`Gmail ${response.status}: ${data?.error?.message ?? JSON.stringify(data)}`);
  return data;
}
"""


@translates(BASE + "gmail")
def gmail(ctx: NodeContext) -> NodeTranslation:
    node = ctx.node
    _only(node, "message", "send", {"message": {"send"}})
    p = node.parameters
    options = p.get("options") if isinstance(p.get("options"), dict) else {}
    if options.get("attachmentsUi"):
        raise Untranslatable("e-mail attachments come from n8n's binary data")
    mail = {"to": p.get("sendTo", ""), "subject": p.get("subject", ""), "message": p.get("message", ""),
            "html": p.get("emailType", "html") == "html", "cc": options.get("ccList"), "bcc": options.get("bccList"),
            "replyTo": options.get("replyTo"), "senderName": options.get("senderName")}
    inputs, comment = _credential_input(node, "gmailOAuth2")
    body = GMAIL_JS + per_item(params_js(mail), "out.push(await gmailSend(auth, params));")
    return bun_step(ctx, body, extra_inputs=inputs,
                    comment=f"Sends one e-mail per item with the Gmail API (n8n's attribution line is not added).\n"
                            f"{comment}\nUse a Windmill gmail resource there: its token is refreshed by Windmill.")


# --- Airtable (v2 record operations; the resource holds the airtableTokenApi credential: {accessToken}) ----

AIRTABLE_JS = r"""
function airtableApi(auth: any, base: string, table: string) {
  const root = `${String(auth?.baseUrl ?? "https://api.airtable.com").replace(/\/$/, "")}/v0/${base}/${encodeURIComponent(table)}`;
  const call = async (method: string, path: string, body?: any) => {
    const response = await fetch(root + path, { method, headers: { Authorization: `Bearer ${auth.accessToken ?? auth.apiKey}`,
      "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    const data = await response.json();
    if (!response.ok) throw new Error(`Airtable ${response.status}: ${data?.error?.message ?? JSON.stringify(data?.error ?? data)}`);
    return data;
  };
  const list = async (query: URLSearchParams, all: boolean) => {
    const records: any[] = [];
    for (let offset = ""; ; ) {
      if (offset) query.set("offset", offset);
      const page = await call("GET", `?${query}`);
      records.push(...page.records);
      if (!all || !page.offset) return records;
      offset = page.offset;
    }
  };
  return { call, list };
}
// Search and get hand on {id, createdTime, ...fields}; writes hand on Airtable's records as they come.
const flatten = ({ fields, ...rest }: any) => ({ ...rest, ...fields });
"""

AIRTABLE_OPERATIONS = {
    "search": """const query = new URLSearchParams();
    if (params.formula) query.set("filterByFormula", String(params.formula));
    if (!params.returnAll) query.set("maxRecords", String(params.limit));
    for (const field of params.fields) query.append("fields[]", field);
    out.push(...(await api.list(query, params.returnAll)).map(flatten));""",
    "get": """out.push(flatten(await api.call("GET", `/${params.id}`)));""",
    "deleteRecord": """out.push(await api.call("DELETE", `/${params.id}`));""",
    "create": """out.push(await api.call("POST", "", { fields: params.entry, typecast: params.typecast }));""",
    "update": """const { id, ...fields } = params.entry;
    let ids = [id];
    if (!params.match.includes("id")) {
      const all = await api.list(new URLSearchParams(), true);
      ids = all.filter((r: any) => params.match.every((m: string) => r.fields?.[m] === params.entry[m])).map((r: any) => r.id);
    }
    const records = ids.filter(Boolean).map((rid: string) => ({ id: rid, fields }));
    if (records.length) out.push(...(await api.call("PATCH", "", { records, typecast: params.typecast })).records);""",
    "upsert": """const { id, ...fields } = params.entry;
    const answer = await api.call("PATCH", "", { records: [{ fields }], typecast: params.typecast,
      performUpsert: { fieldsToMergeOn: params.match } });
    out.push(...answer.records);""",
}


@translates(BASE + "airtable")
def airtable(ctx: NodeContext) -> NodeTranslation:
    node = ctx.node
    if node.type_version < 2:
        raise Untranslatable("Airtable v1 is not translated")
    p = _resolve_locators(node.parameters)
    operation = p.get("operation", "search" if node.type_version >= 2 else "list")
    if p.get("resource", "record") != "record" or operation not in AIRTABLE_OPERATIONS:
        raise Untranslatable(f"Airtable {p.get('resource', 'record')}/{operation} is not translated")
    columns = p.get("columns") if isinstance(p.get("columns"), dict) else {}
    options = p.get("options") if isinstance(p.get("options"), dict) else {}
    auto = columns.get("mappingMode", "defineBelow") == "autoMapInputData"
    fields = options.get("fields") or []
    params = {"base": p.get("base", ""), "table": p.get("table", ""), "id": p.get("id", ""),
              "formula": p.get("filterByFormula", ""), "returnAll": p.get("returnAll", True) is not False,
              "limit": p.get("limit", 50), "fields": [f.strip() for f in fields.split(",")] if isinstance(fields, str) else fields,
              "entry": "={{ $json }}" if auto else (columns.get("value") or {}),
              "match": columns.get("matchingColumns") or ["id"], "typecast": bool(options.get("typecast"))}
    inputs, comment = _credential_input(node, "airtableTokenApi" if "airtableTokenApi" in node.credentials or not node.credentials
                                        else sorted(node.credentials)[0])
    body = AIRTABLE_JS + per_item(params_js(params), (
        "const api = airtableApi(auth, String(params.base), String(params.table));\n"
        f"    {AIRTABLE_OPERATIONS[operation]}"))
    return bun_step(ctx, body, extra_inputs=inputs, comment=f"Airtable, once per item.\n{comment}")


# --- Postgres (execute query; the resource holds the n8n postgres credential or a Windmill postgresql one) ----

@translates(BASE + "postgres")
def postgres(ctx: NodeContext) -> NodeTranslation:
    p = ctx.node.parameters
    operation = p.get("operation", "executeQuery")
    if operation != "executeQuery":
        raise Untranslatable(f"Postgres {operation!r} is not translated (only 'execute query')")
    options = p.get("options") if isinstance(p.get("options"), dict) else {}
    params = {"query": p.get("query", ""), "values": _query_values(options.get("queryReplacement", ""))}
    inputs, comment = _credential_input(ctx.node, "postgres")
    body = ("  const client = new pg.Client({ host: auth.host, port: Number(auth.port ?? 5432),\n"
            "    database: auth.database ?? auth.dbname, user: auth.user, password: auth.password,\n"
            "    ssl: ['disable', undefined, false].includes(auth.ssl ?? auth.sslmode) ? false : { rejectUnauthorized: !auth.allowUnauthorizedCerts } });\n"
            "  await client.connect();\n"
            "  try {\n"
            + per_item(params_js(params), (
                "const answer: any = await client.query(String(params.query), params.values);\n"
                "    // n8n: the rows a query returns, or {success: true} for a statement without rows.\n"
                "    for (const result of Array.isArray(answer) ? answer : [answer]) {\n"
                "      out.push(...(result.rows?.length ? result.rows : result.command === 'SELECT' ? [] : [{ success: true }]));\n"
                "    }"))
            .replace("  return out;\n", "    return out;\n")
            + "  } finally {\n    await client.end();\n  }")
    return bun_step(ctx, body, extra_inputs=inputs, imports='import pg from "pg";\n',
                    comment=f"Runs the query once per item over one connection (node-postgres).\n{comment}")


def _query_values(raw) -> list:
    """n8n's query parameters ($1, $2...): each ``{{ }}`` is one value, else comma-separated text."""
    if isinstance(raw, list):
        return raw
    text = str(raw or "").lstrip("=")
    resolvables = re.findall(r"{{[\s\S]*?}}", text)
    if resolvables:
        return ["=" + r for r in resolvables]
    return [v.strip() for v in text.split(",") if v.strip()]


# --- Markdown (the libraries n8n uses: node-html-markdown and showdown) -----------------------------

@translates(BASE + "markdown")
def markdown(ctx: NodeContext) -> NodeTranslation:
    p = ctx.node.parameters
    mode = p.get("mode", "htmlToMarkdown")
    if mode not in ("htmlToMarkdown", "markdownToHtml"):
        raise Untranslatable(f"Markdown mode {mode!r} is not translated")
    options = p.get("options") if isinstance(p.get("options"), dict) else {}
    if mode == "htmlToMarkdown" and any(options.get(k) for k in ("textReplace", "lineStartEscape", "globalEscape")):
        raise Untranslatable("Markdown escape/replace options are not translated")
    source = p.get("html", "") if mode == "htmlToMarkdown" else p.get("markdown", "")
    params = {"source": source, "key": p.get("destinationKey", "data"), "options": options}
    if mode == "htmlToMarkdown":
        imports = 'import { NodeHtmlMarkdown } from "node-html-markdown";\n'
        convert = ("const o: any = Object.fromEntries(Object.entries(params.options ?? {}).filter(([, v]) => v));\n"
                   "    for (const k of ['ignore', 'blockElements']) if (typeof o[k] === 'string') o[k] = o[k].split(',').map((e: string) => e.trim());\n"
                   "    const text = NodeHtmlMarkdown.translate(String(params.source ?? ''), o);")
    else:
        imports = 'import showdown from "showdown";\n'
        convert = ("const converter = new showdown.Converter();\n"
                   "    for (const [k, v] of Object.entries(params.options ?? {})) converter.setOption(k, v);\n"
                   "    const text = converter.makeHtml(String(params.source ?? ''));")
    body = per_item(params_js(params), (
        f"{convert}\n"
        "    const item: any = structuredClone($json);\n"
        "    const keys = String(params.key).split('.');\n"
        "    let cursor = item;\n"
        "    for (const k of keys.slice(0, -1)) cursor = cursor[k] = typeof cursor[k] === 'object' && cursor[k] ? cursor[k] : {};\n"
        "    cursor[keys.at(-1)!] = text;\n"
        "    out.push(item);"))
    return bun_step(ctx, body, imports=imports)


# --- Supabase (rows over PostgREST; the resource holds the supabaseApi credential: {host, serviceRole}) -----

SUPABASE_JS = r"""
async function supabase(auth: any, method: string, table: string, query: string, body?: any) {
  const url = `${String(auth.host).replace(/\/$/, "")}/rest/v1/${encodeURIComponent(table)}${query ? `?${query}` : ""}`;
  const response = await fetch(url, { method, body: body === undefined ? undefined : JSON.stringify(body),
    headers: { apikey: auth.serviceRole, Authorization: `Bearer ${auth.serviceRole}`, "Content-Type": "application/json",
               Prefer: "return=representation" } });
  const text = await response.text();
  if (!response.ok) throw new Error(`Supabase ${response.status}: ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : [];
}
function supabaseFilter(p: any) {
  // As n8n: conditions "key=op.value" (all) or "or=(key.op.value,...)" (any), or the raw filter string.
  if (p.filterType === "string") return encodeURI(String(p.filterString ?? ""));
  const conditions = (p.conditions ?? []).filter((c: any) => c.keyName);
  const term = (c: any) => (c.condition === "fullText" ? `${c.searchFunction}.${c.keyValue}` : `${c.condition ?? "eq"}.${c.keyValue}`);
  const query = new URLSearchParams();
  if (p.matchType === "anyFilter") query.set("or", `(${conditions.map((c: any) => `${c.keyName}.${term(c)}`).join(",")})`);
  else for (const c of conditions) query.append(c.keyName, term(c));
  return query.toString();
}
"""

SUPABASE_OPERATIONS = {
    "create": "out.push(...await supabase(auth, 'POST', params.table, '', [params.row]));",
    "getAll": """const query = [supabaseFilter(params), params.returnAll ? "" : `limit=${params.limit}`].filter(Boolean).join("&");
    out.push(...await supabase(auth, 'GET', params.table, query));""",
    "get": """const query = params.conditions.map((c: any) => `${encodeURIComponent(c.keyName)}=eq.${encodeURIComponent(c.keyValue)}`).join("&");
    out.push(...await supabase(auth, 'GET', params.table, query));""",
    "update": "out.push(...await supabase(auth, 'PATCH', params.table, supabaseFilter(params), params.row));",
    "delete": "out.push(...await supabase(auth, 'DELETE', params.table, supabaseFilter(params)));",
}


@translates(BASE + "supabase")
def supabase(ctx: NodeContext) -> NodeTranslation:
    p = _resolve_locators(ctx.node.parameters)
    operation = p.get("operation", "create")
    if p.get("resource", "row") != "row" or operation not in SUPABASE_OPERATIONS:
        raise Untranslatable(f"Supabase {p.get('resource', 'row')}/{operation} is not translated")
    if p.get("useCustomSchema"):
        raise Untranslatable("a custom Postgres schema is not translated")
    fields = ((p.get("fieldsUi") or {}).get("fieldValues") or [])
    row = "={{ $json }}" if p.get("dataToSend", "defineBelow") == "autoMapInputData" else \
        {f.get("fieldId", ""): f.get("fieldValue") for f in fields if isinstance(f, dict)}
    params = {"table": p.get("tableId", ""), "row": row, "conditions": ((p.get("filters") or {}).get("conditions") or []),
              "matchType": p.get("matchType", "anyFilter"),
              "filterType": p.get("filterType", "manual"), "filterString": p.get("filterString", ""),
              "returnAll": bool(p.get("returnAll")), "limit": p.get("limit", 50)}
    inputs, comment = _credential_input(ctx.node, "supabaseApi")
    body = SUPABASE_JS + per_item(params_js(params), SUPABASE_OPERATIONS[operation])
    return bun_step(ctx, body, extra_inputs=inputs, comment=f"Supabase, once per item.\n{comment}")
