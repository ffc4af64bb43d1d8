"""What an app trigger node becomes: its script, routes, schedules and names, checked without running it.

The poll times are checked against n8n's own code (n8n-workflow's toCronExpression on the
pollTimes n8n's parameter defaults fill in); the documents against Windmill's validator
and the script's arguments against Windmill's own TypeScript parser.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from lib.n8n.expressions import Untranslatable
from lib.n8n_host.trigger_steps import (TriggerType, Webhook, app_trigger, node_key, poll_crons, route_path,
                                        state_path)
from scripts.tooling.step_tools import StepReader
from scripts.tooling.windmill_tools import ToolingError, ensure_npm_tools, validate_documents
from tests.support.n8n_host_run import bun_binary, host_environment, missing

GITHUB = TriggerType(webhooks=(Webhook("default", "POST", "webhook"),), registers=frozenset({"default"}))
FACEBOOK = TriggerType(webhooks=(Webhook("setup", "GET", "webhook"), Webhook("default", "POST", "webhook")),
                       registers=frozenset({"default"}))
TRELLO = TriggerType(webhooks=(Webhook("setup", "HEAD", "webhook"), Webhook("default", "POST", "webhook")),
                     registers=frozenset({"default"}))
POLLING = TriggerType(polling=True)
HOSTILE = ['"); process.exit(3); ("', "line\u2028separator", "</script><!--", "`${process.exit(4)}`",
           "\u202eevil\u202c", "\ud800 lone", "tab\tnew\nline"]


def node(name="GitHub Trigger", kind="githubTrigger", **parameters) -> dict:
    return {"name": name, "type": f"n8n-nodes-base.{kind}", "typeVersion": 1, "parameters": parameters,
            "webhookId": "6c1f6b5e-5d0a-4c55-9a55-0d1f1d7f2a11", "position": [0, 0], "notes": "not needed"}


# --- poll times -------------------------------------------------------------------------------

POLL_TIMES = [{"mode": "everyMinute"}, {"mode": "everyHour", "minute": 7}, {"mode": "everyHour"},
              {"mode": "everyDay"}, {"mode": "everyDay", "hour": 3, "minute": 30},
              {"mode": "everyWeek", "hour": 9, "weekday": "5"}, {"mode": "everyMonth", "dayOfMonth": 15},
              {"mode": "everyX", "value": 10, "unit": "minutes"}, {"mode": "everyX", "value": 6, "unit": "hours"},
              {"mode": "custom", "cronExpression": "0 15 10 * * 1-5"}]

N8N_CRON = r"""
const path = require("path");
const NM = process.env.PHOENIX_N8N_MODULES;
const wf = require(path.join(NM, "n8n-workflow"));
const { commonPollingParameters } = require(path.join(NM, "n8n-core/dist/nodes-loader/constants"));
const items = JSON.parse(process.argv[2]);
const out = items.map((item) => {
  const filled = wf.NodeHelpers.getNodeParameters(commonPollingParameters, { pollTimes: { item: [item] } }, true, false, null, null);
  return wf.toCronExpression(filled.pollTimes.item[0]);
});
console.log("CRONS " + JSON.stringify(out));
"""


@pytest.mark.skipif(missing() is not None, reason=str(missing()))
def test_poll_times_become_n8ns_own_cron_expressions(tmp_path):
    script = tmp_path / "crons.cjs"
    script.write_text(N8N_CRON)
    proc = subprocess.run([str(bun_binary()), str(script), json.dumps(POLL_TIMES)], capture_output=True, text=True,
                          env=host_environment(), timeout=120)
    line = next(line for line in proc.stdout.splitlines() if line.startswith("CRONS "))
    theirs = json.loads(line[len("CRONS "):])
    ours = poll_crons({"pollTimes": {"item": POLL_TIMES}}, "f/n8n/x\nNode")
    assert len(ours) == len(theirs)
    for item, mine, n8n in zip(POLL_TIMES, ours, theirs):
        mine_fields, n8n_fields = mine.split(), n8n.split()
        if len(n8n_fields) == 5:
            n8n_fields = ["0", *n8n_fields]
        random = {0} if item["mode"] != "custom" else set()  # n8n draws the second at random
        if item == {"mode": "everyX", "value": 6, "unit": "hours"}:
            random.add(1)  # ... and the minute of "every X hours"
        assert [f for i, f in enumerate(mine_fields) if i not in random] == \
               [f for i, f in enumerate(n8n_fields) if i not in random], (item, mine, n8n)


def test_poll_seconds_are_spread_but_reproducible():
    one = poll_crons({}, "f/n8n/a\nRSS")
    assert one == poll_crons({}, "f/n8n/a\nRSS") and re.match(r"^\d{1,2} \* \* \* \* \*$", one[0])
    assert len({poll_crons({}, f"f/n8n/a\nRSS {i}")[0] for i in range(20)}) > 5
    assert poll_crons({}, "x") == poll_crons({"pollTimes": {"item": [{"mode": "everyMinute"}]}}, "x")  # n8n's default


@pytest.mark.parametrize("item, reason", [
    ({"mode": "custom", "cronExpression": "* * * * * *"}, "which n8n refuses too"),
    ({"mode": "custom", "cronExpression": "*/5 * * * *"}, "which n8n refuses too"),
    ({"mode": "custom", "cronExpression": "={{ $json.cron }}"}, "not a plain cron expression"),
    ({"mode": "custom", "cronExpression": "0 0 12 * * * ; rm -rf /"}, "not a plain cron expression"),
    ({"mode": "everyHour", "minute": "={{ 5 }}"}, "is an expression"),
    ({"mode": "everyDay", "hour": 24}, "outside 0..23"),
    ({"mode": "everyDay", "hour": 2.5}, "outside 0..23"),
    ({"mode": "everyX", "unit": "minutes", "value": 0}, "outside 1..1000"),
    ({"mode": "everyWeek", "weekday": "Monday"}, "not a number"),
    ({"mode": "sometimes"}, "not one n8n knows"),
])
def test_poll_times_that_cannot_be_a_schedule_are_refused_with_the_reason(item, reason):
    with pytest.raises(Untranslatable, match=re.escape(reason)):
        poll_crons({"pollTimes": {"item": [item]}}, "seed")


@pytest.mark.parametrize("times", [{"item": "everyMinute"}, {"item": [3]}, "everyMinute"])
def test_poll_times_of_a_foreign_shape_are_refused(times):
    with pytest.raises(Untranslatable, match="not a list of poll times"):
        poll_crons({"pollTimes": times}, "seed")


def test_an_empty_poll_list_is_refused_rather_than_never_polling():
    with pytest.raises(Untranslatable, match="list no time to poll at"):
        app_trigger(node(kind="rssFeedReadTrigger", pollTimes={"item": []}), POLLING, flow_path="f/n8n/news")


# --- names and documents ------------------------------------------------------------------------

def test_names_are_slugs_that_keep_distinct_nodes_distinct():
    assert node_key("A B") != node_key("A_B") != node_key("a b")
    assert re.match(r"^[a-z0-9_]+$", node_key("../../etc/passwd \u202e")) and ".." not in node_key("../..")
    assert state_path("f/n8n/x", "T") != state_path("f/n8n/y", "T")
    assert route_path("f/n8n/x", "T", "webhook", "6c1f6b5e-5d0a") == "n8n/app/n8n/x/6c1f6b5e-5d0a/webhook"
    assert route_path("f/n8n/x", "T", "webhook", "../x") == f"n8n/app/n8n/x/{node_key('T')}/webhook"
    assert route_path("f/n8n/x", "T", "../../a b") == f"n8n/app/n8n/x/{node_key('T')}/_/_/a_b"  # no dot survives
    for bad in ("f/../etc", "n8n/x", "f/n8n", "", "f/n8n/x y"):
        with pytest.raises(ValueError, match="not a Windmill flow path"):
            state_path(bad, "T")


def test_a_webhook_trigger_gets_one_synchronous_route_per_webhook_and_method():
    trigger = app_trigger(node("Facebook", "facebookTrigger"), FACEBOOK, flow_path="f/n8n/fb")
    assert [(r["http_method"], r["route_path"]) for r in trigger.routes] == [
        ("get", "n8n/app/n8n/fb/6c1f6b5e-5d0a-4c55-9a55-0d1f1d7f2a11/webhook"),
        ("post", "n8n/app/n8n/fb/6c1f6b5e-5d0a-4c55-9a55-0d1f1d7f2a11/webhook")]
    assert all(r["request_type"] == "sync" and r["raw_string"] and r["script_path"] == trigger.script_path
               and r["is_flow"] is False for r in trigger.routes)
    assert trigger.schedules == [] and trigger.kind == "webhook"
    assert trigger.flow_inputs["n8n_outputs"]["type"] == "array"
    assert trigger.output(1) == "(flow_input.n8n_outputs?.[1] ?? [])"
    head = app_trigger(node("Trello", "trelloTrigger"), TRELLO, flow_path="f/n8n/t").routes[0]
    assert head["http_method"] == "get" and "no HEAD method" in head["description"]


def test_a_polling_trigger_gets_one_schedule_per_poll_time():
    trigger = app_trigger(node("RSS", "rssFeedReadTrigger", pollTimes={"item": [{"mode": "everyHour"}, {"mode": "everyDay"}]}),
                          POLLING, flow_path="f/n8n/news", timezone="Europe/Madrid", active=True)
    assert [s["args"] for s in trigger.schedules] == [{"action": "poll"}] * 2
    assert all(s["timezone"] == "Europe/Madrid" and s["enabled"] and s["script_path"] == trigger.script_path
               for s in trigger.schedules)
    assert trigger.routes == [] and "has_preprocessor" not in trigger.metadata
    assert trigger.metadata["schema"]["properties"]["action"]["enum"] == ["poll"]


@pytest.mark.parametrize("webhooks, reason", [
    ((Webhook("default", "POST", "={{$parameter.path}}"),), "from an expression"),
    ((Webhook("default", "OPTIONS", "webhook"),), "which a Windmill route cannot"),
    ((Webhook("default", "POST", "webhook"), Webhook("other", "POST", "webhook")), "share one path and method"),
    ((Webhook("setup", "HEAD", "webhook"), Webhook("default", "GET", "webhook")), "share one path and method"),
    ((), "neither polls nor has webhooks"),
])
def test_webhooks_a_route_cannot_serve_are_refused(webhooks, reason):
    with pytest.raises(Untranslatable, match=re.escape(reason)):
        app_trigger(node(), TriggerType(webhooks=webhooks), flow_path="f/n8n/x")


def test_the_documents_pass_windmills_validator():
    webhook = app_trigger(node("Facebook", "facebookTrigger"), FACEBOOK, flow_path="f/n8n/fb")
    poll = app_trigger(node("RSS", "rssFeedReadTrigger"), POLLING, flow_path="f/n8n/news")
    documents = [(f"fb_{i}.http_trigger.yaml", r) for i, r in enumerate(webhook.routes)]
    documents += [(f"news_{i}.schedule.yaml", s) for i, s in enumerate(poll.schedules)]
    try:
        errors = validate_documents(documents)
    except ToolingError as exc:
        pytest.skip(f"Windmill's validator is not installed: {exc}")
    assert {name: e for name, e in errors.items() if e} == {}


PARSE_TS = r"""
import fs from "node:fs";
import { createRequire } from "node:module";
const req = createRequire(process.argv[2] + "/");
const parser = req("windmill-parser-wasm-ts");
parser.initSync({ module: fs.readFileSync(req.resolve("windmill-parser-wasm-ts/windmill_parser_wasm_bg.wasm")) });
console.log(parser.parse_deno(fs.readFileSync(process.argv[3], "utf8")));
"""


@pytest.mark.parametrize("kind", ["webhook", "poll"])
def test_windmills_parser_reads_the_scripts_arguments_as_its_metadata_says(tmp_path, kind):
    trigger = (app_trigger(node(), GITHUB, flow_path="f/n8n/x") if kind == "webhook" else
               app_trigger(node("RSS", "rssFeedReadTrigger"), POLLING, flow_path="f/n8n/x"))
    try:
        modules = ensure_npm_tools()
    except ToolingError as exc:
        pytest.skip(f"Windmill's parser is not installed: {exc}")
    (tmp_path / "parse.mjs").write_text(PARSE_TS)
    (tmp_path / "script.ts").write_text(trigger.script)
    proc = subprocess.run(["node", str(tmp_path / "parse.mjs"), str(modules), str(tmp_path / "script.ts")],
                          capture_output=True, text=True, timeout=120)
    parsed = json.loads(proc.stdout)
    schema = trigger.metadata["schema"]
    assert [a["name"] for a in parsed["args"]] == schema["order"] == list(schema["properties"])
    assert parsed["args"][0]["typ"] == {"str": schema["properties"]["action"]["enum"]}
    assert [a["default"] for a in parsed["args"]] == [p["default"] for p in schema["properties"].values()]
    assert all("resource" not in a["typ"] for a in parsed["args"])  # plain objects, not resource pickers
    assert parsed["has_preprocessor"] is True and trigger.metadata.get("has_preprocessor", True) is True


LITERAL_LINE = re.compile(r'^const TRIGGER = "(?:[^"\\]|\\.)*";$')


@pytest.mark.parametrize("text", HOSTILE)
def test_workflow_text_reaches_the_script_only_inside_its_literal(text):
    plain = app_trigger(node(), GITHUB, flow_path="f/n8n/x", workflow_name="w").script.splitlines()
    hostile_node = {**node(text), "parameters": {"owner": text, "__proto__": {"polluted": text}},
                    "webhookId": text, "credentials": {text: {"name": text}}}
    trigger = app_trigger(hostile_node, GITHUB, flow_path="f/n8n/x", workflow_name=text, timezone="UTC",
                          resources={text: "f/phoenix/n8n_credentials/x"})
    script = trigger.script.splitlines()
    assert len(script) == len(plain)
    for generated, reference in zip(script, plain):
        if LITERAL_LINE.match(reference):
            assert LITERAL_LINE.match(generated) and generated.isprintable() and "</" not in generated
        else:
            assert generated == reference
    for document in [trigger.metadata, *trigger.routes]:
        for key in ("summary", "description"):
            assert "\u2028" not in document[key] and "\u202e" not in document[key] and "\ud800" not in document[key]


# --- in the translator ----------------------------------------------------------------------------

from lib.n8n.report import render_translation  # noqa: E402  (the translator's part, below)
from lib.n8n.translate.emit import translate_workflow  # noqa: E402
from lib.n8n_host.trigger_steps import trigger_type_of  # noqa: E402


def workflow(*nodes, connections=None, **extra) -> dict:
    return {"name": "Issues", "nodes": list(nodes), "connections": connections or {}, **extra}


def noop(name="Next") -> dict:
    return {"name": name, "type": "n8n-nodes-base.noOp", "typeVersion": 1, "position": [200, 0], "parameters": {}}


def github_workflow_node() -> dict:
    rl = lambda value: {"__rl": True, "mode": "name", "value": value}  # noqa: E731
    return {**node(), "parameters": {"owner": rl("octo"), "repository": rl("hello"), "events": ["issues"]},
            "credentials": {"githubApi": {"id": "1", "name": "GitHub account"}}}


def test_the_catalogs_facts_are_the_ones_the_trigger_tests_assume():
    assert trigger_type_of("n8n-nodes-base.githubTrigger", 1) == GITHUB
    assert trigger_type_of("n8n-nodes-base.facebookTrigger", 1) == FACEBOOK
    assert trigger_type_of("n8n-nodes-base.trelloTrigger", 1) == TRELLO
    assert trigger_type_of("n8n-nodes-base.rssFeedReadTrigger", 1) == POLLING
    assert trigger_type_of("n8n-nodes-base.gmailTrigger", 1.2) == POLLING
    for not_an_app_trigger in ("n8n-nodes-base.emailReadImap", "n8n-nodes-base.set", "x.githubTrigger", None, 3):
        assert trigger_type_of(not_an_app_trigger, 1) is None
    assert trigger_type_of("n8n-nodes-base.githubTrigger", 99) is None  # a version the installed n8n lacks


def test_a_webhook_trigger_translates_to_its_script_its_route_and_the_flows_entry():
    document = workflow(github_workflow_node(), noop(),
                        connections={"GitHub Trigger": {"main": [[{"node": "Next", "type": "main", "index": 0}]]}})
    translation = translate_workflow(document, "issues.json", "f/n8n/issues")
    assert translation.status == {"GitHub Trigger": "translated", "Next": "translated"}
    (stem,) = translation.scripts
    assert stem == f"issues_trigger_{node_key('GitHub Trigger')}"
    assert "triggerMain" in translation.scripts[stem]["code"]
    (route,) = translation.http_triggers
    assert route["script_path"] == f"f/n8n/{stem}" and route["http_method"] == "post"
    assert translation.flow["schema"]["properties"]["n8n_outputs"]["type"] == "array"
    assert "(flow_input.n8n_outputs?.[0] ?? [])" in json.dumps(translation.flow["value"])
    description = translation.flow["description"]
    assert f"n8n trigger script: f/n8n/{stem} (run it once with action register" in description
    assert "f/phoenix/n8n_credentials/githubapi_github_account" in description
    files = render_translation(translation, "issues")
    assert f"{stem}.ts" in files and f"{stem}.script.yaml" in files and "issues.http_trigger.yaml" in files


def test_a_polling_trigger_among_several_entry_points_starts_its_own_entry():
    rss = {**node("RSS", "rssFeedReadTrigger"), "parameters": {"feedUrl": "https://example.org/feed"}}
    manual = {"name": "Manual", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1, "position": [0, 0],
              "parameters": {}}
    link = lambda: {"main": [[{"node": "Next", "type": "main", "index": 0}]]}  # noqa: E731
    translation = translate_workflow(workflow(rss, manual, noop(), connections={"RSS": link(), "Manual": link()},
                                              settings={"timezone": "Europe/Madrid"}, active=True),
                                     "news.json", "f/n8n/news")
    (schedule,) = translation.schedules
    assert schedule["args"] == {"action": "poll"} and schedule["timezone"] == "Europe/Madrid" and schedule["enabled"]
    code = next(iter(translation.scripts.values()))["code"]
    config = json.loads(json.loads(re.search(r'^const TRIGGER = (".*");$', code, re.M).group(1)))
    assert config["flowArgs"] == {"n8n_trigger": "RSS"} and config["flowPath"] == "f/n8n/news"


def test_an_app_trigger_that_cannot_be_translated_is_a_placeholder_with_the_reason():
    rss = {**node("RSS", "rssFeedReadTrigger"), "parameters": {"pollTimes": {"item": [{"mode": "custom", "cronExpression": "* * * * * *"}]}}}
    translation = translate_workflow(workflow(rss), "news.json", "f/n8n/news")
    assert translation.status == {"RSS": "placeholder"} and translation.scripts == {}
    assert "n8n refuses too" in translation.reasons["RSS"]
    mqtt = {**node("Mail", "mqttTrigger"), "typeVersion": 1}  # trigger(): a connection kept open, no webhook, no poll
    translation = translate_workflow(workflow(mqtt), "mail.json", "f/n8n/mail")
    assert translation.status == {"Mail": "placeholder"} and "listens to an external service" in translation.reasons["Mail"]


def test_trigger_scripts_hold_nothing_that_runs_when_they_load():
    scripts = {"webhook.ts": app_trigger(node(HOSTILE[0]), GITHUB, flow_path="f/n8n/x").script,
               "poll.ts": app_trigger(node(HOSTILE[1], "rssFeedReadTrigger"), POLLING, flow_path="f/n8n/x").script}
    try:
        with StepReader() as reader:
            assert reader.shape(scripts) == {"webhook.ts": [], "poll.ts": []}
    except ToolingError as exc:
        pytest.skip(f"TypeScript's parser is not installed: {exc}")
