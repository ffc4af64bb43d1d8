"""Date & Time (v2): Luxon operations per item, in the workflow's time zone.
"""

from __future__ import annotations

from ...expressions import Untranslatable
from ...literals import js_value
from ..context import BASE, NodeContext, NodeTranslation
from ..registry import translates
from ..steps import bun_step, params_js, per_item


DATETIME_JS = r"""
// As n8n's Date & Time node (v2): numbers are epoch seconds or milliseconds, text is parsed leniently,
// results are Luxon strings; the workflow's timezone applies where n8n applies it.
function parseDate(value: any, zone?: string, fromFormat?: string) {
  if (value instanceof DateTime) return value;
  let date: any = value;
  if (!fromFormat && !Number.isNaN(Number(date)) && date !== "" && date !== null) {
    date = Number(date);
    if (!Number.isInteger(date)) date = date * 1000;
  }
  let parsed: DateTime;
  if (Number.isInteger(date)) parsed = String(date).length < 12 ? DateTime.fromSeconds(date) : DateTime.fromMillis(date);
  else {
    if (!zone && String(date).includes("+")) zone = `Etc/GMT-${Number(String(date).split("+")[1].slice(0, 2))}`;
    parsed = fromFormat ? DateTime.fromFormat(String(date), fromFormat) : DateTime.fromISO(new Date(date).toISOString());
  }
  parsed = parsed.setZone(zone || "Etc/UTC");
  if (!parsed.isValid) throw new Error("Invalid date format");
  return parsed;
}
"""

DATETIME_OPERATIONS = {
    "getCurrentDate": """const now = DateTime.now().setZone(params.timezone || zone);
    item[params.field] = (params.includeTime ? now : now.startOf("day")).toString();""",
    "addToDate": """item[params.field] = parseDate(params.magnitude, zone).plus({ [params.unit]: Number(params.duration) }).toString();""",
    "subtractFromDate": """item[params.field] = parseDate(params.magnitude, zone).minus({ [params.unit]: Number(params.duration) }).toString();""",
    "formatDate": """item[params.field] = params.date == null ? params.date
      : parseDate(params.date, params.timezone ? zone : undefined, params.fromFormat || undefined)
          .toFormat(params.format === "custom" ? params.customFormat : params.format);""",
    "roundDate": """const date = parseDate(params.date, zone);
    item[params.field] = (params.mode === "roundUp" ? date.plus({ [params.to]: 1 }).startOf(params.to) : date.startOf(params.toNearest)).toString();""",
    "getTimeBetweenDates": """const duration = parseDate(params.endDate, zone).diff(parseDate(params.startDate, zone), params.units);
    item[params.field] = params.isoString ? duration.toString() : duration.toObject();""",
    "extractDate": """const date = parseDate(params.date, zone);
    item[params.field] = params.part === "week" ? date.weekNumber : date.get(params.part);""",
}
DATETIME_FIELDS = {"getCurrentDate": "currentDate", "addToDate": "newDate", "subtractFromDate": "newDate",
                   "formatDate": "formattedDate", "roundDate": "roundedDate", "getTimeBetweenDates": "timeDifference",
                   "extractDate": "datePart"}


@translates(BASE + "dateTime")
def date_time(ctx: NodeContext) -> NodeTranslation:
    p = ctx.node.parameters
    if ctx.node.type_version < 2:
        raise Untranslatable("Date & Time v1 (moment.js formats) is not translated")
    operation = p.get("operation", "getCurrentDate")
    if operation not in DATETIME_OPERATIONS:
        raise Untranslatable(f"Date & Time operation {operation!r} is not translated")
    options = p.get("options") if isinstance(p.get("options"), dict) else {}
    params = {"field": p.get("outputFieldName", DATETIME_FIELDS[operation]), "includeTime": p.get("includeTime", True),
              "timezone": options.get("timezone", "") if operation == "getCurrentDate" else bool(options.get("timezone")),
              "magnitude": p.get("magnitude", ""), "unit": p.get("timeUnit", "days"), "duration": p.get("duration", 0),
              "date": p.get("date", ""), "format": p.get("format", "MM/dd/yyyy"), "customFormat": p.get("customFormat", ""),
              "fromFormat": options.get("fromFormat", ""), "mode": p.get("mode", "roundDown"),
              "toNearest": p.get("toNearest", "month"), "to": p.get("to", "month"),
              "startDate": p.get("startDate", ""), "endDate": p.get("endDate", ""), "units": p.get("units", ["day"]),
              "isoString": bool(options.get("isoString")), "part": p.get("part", "month")}
    settings = ctx.workflow.raw.get("settings") if isinstance(ctx.workflow.raw.get("settings"), dict) else {}
    zone = js_value(settings.get("timezone") or "")
    include = "true" if options.get("includeInputFields") else "false"
    body = DATETIME_JS + per_item(params_js(params), (
        f"const zone = {zone} || process.env.GENERIC_TIMEZONE || \"America/New_York\";  // n8n's default timezone\n"
        f"    const item: any = {include} ? {{ ...$json }} : {{}};\n"
        f"    {DATETIME_OPERATIONS[operation]}\n"
        "    out.push(item);"))
    return bun_step(ctx, body)
