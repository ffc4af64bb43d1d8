"""n8n app triggers run as Windmill jobs: the node's own code against loopback stand-ins.

Webhook: n8n's GitHub Trigger registers its hook with a stand-in of GitHub's repository
webhooks API (tests/support/github_standin.py), finds it again instead of duplicating it,
removes it; a delivery GitHub would send becomes exactly the items the node's webhook()
gives, and starts the translated flow. Polling: n8n's RSS Feed Trigger polls a loopback feed
in one fresh process per run, its static data in a stand-in of Windmill's state API, and
delivers every entry exactly once: the same items, run for run, as n8n's own poller alive
in one process. Every generated script runs under Bun as a Windmill job would run it.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from lib.n8n_host.trigger_steps import TriggerType, Webhook, app_trigger
from tests.support.github_standin import GitHubStandIn
from tests.support.n8n_host_run import missing
from tests.support.trigger_run import REPO_TRIGGERS, ReferencePoller, run_job, serve_feed
from tests.support.windmill_api_stub import WindmillApiStub

pytestmark = pytest.mark.skipif(missing() is not None, reason=str(missing()))

TOKEN = "ghp_loopback_token_never_in_a_result"
CREDENTIAL = "f/phoenix/n8n_credentials/githubapi_github_account"
GITHUB_TYPE = TriggerType(webhooks=(Webhook("default", "POST", "webhook"),), registers=frozenset({"default"}))
RSS_TYPE = TriggerType(polling=True)
WEBHOOK_ID = "6c1f6b5e-5d0a-4c55-9a55-0d1f1d7f2a11"


def github_node(events=("push", "issues"), name="GitHub Trigger") -> dict:
    rl = lambda value: {"__rl": True, "mode": "name", "value": value}  # noqa: E731
    return {"name": name, "type": "n8n-nodes-base.githubTrigger", "typeVersion": 1, "webhookId": WEBHOOK_ID,
            "position": [0, 0], "parameters": {"owner": rl("octo"), "repository": rl("hello"),
                                                "events": list(events), "options": {}},
            "credentials": {"githubApi": {"id": "1", "name": "GitHub account"}}}


@pytest.fixture
def github():
    standin = GitHubStandIn(token=TOKEN, repositories={("octo", "hello")}).start()
    yield standin
    standin.stop()


@pytest.fixture
def windmill(github):
    stub = WindmillApiStub().start()
    stub.resources[CREDENTIAL] = {"value": {"accessToken": TOKEN, "server": github.url}, "resource_type": "c_n8n_githubApi"}
    yield stub
    stub.stop()


@pytest.fixture
def cache(tmp_path_factory):
    return tmp_path_factory.getbasetemp() / "host-cache"  # one engine bundle for the module's jobs


def github_trigger(node=None):
    return app_trigger(node or github_node(), GITHUB_TYPE, flow_path="f/n8n/github_issues", workflow_name="Issues",
                       resources={"githubApi": CREDENTIAL}, module=REPO_TRIGGERS)


def job(trigger, windmill, cache, **args):
    return run_job(trigger.script, {"args": args}, windmill.environment(), cache)


def route_url(trigger) -> str:
    return f"{WindmillApiStub.public_url}/api/r/{trigger.routes[0]['route_path']}"


def deliver(trigger, windmill, cache, request: dict, method: str = "POST"):
    """What Windmill does with a request on the route: the preprocessor's event, then the job."""
    route = trigger.routes[0]["route_path"]
    event = {"kind": "http", "trigger_path": trigger.script_path, "route": route, "path": route, "method": method,
             "params": {}, "query": request.get("query", {}), "headers": request["headers"],
             "body": json.loads(request["raw"]) if request["raw"] else {}, "raw_string": request["raw"]}
    return run_job(trigger.script, {"event": event}, windmill.environment(), cache)


# --- webhook: registering and removing ---------------------------------------------------------

def test_register_creates_the_hook_with_the_route_url_and_events_and_keeps_its_id(github, windmill, cache):
    trigger = github_trigger()
    answer = job(trigger, windmill, cache, action="register")
    assert answer["ok"], answer
    assert answer["result"]["webhooks"] == [{"webhook": "default", "method": "POST", "url": route_url(trigger),
                                             "registers": True, "existed": False, "created": True}]
    assert [(m, p) for m, p in github.calls] == [("POST", "/repos/octo/hello/hooks")]
    (hook,) = github.hooks.values()
    assert hook["config"]["url"] == route_url(trigger) and hook["events"] == ["push", "issues"]
    assert hook["config"]["content_type"] == "json" and hook["active"] is True
    kept = windmill.state(trigger.state_path)["node:GitHub Trigger"]
    assert kept["webhookId"] == hook["id"] and kept["webhookEvents"] == ["push", "issues"]
    assert kept["webhookSecret"] == github.secrets[hook["id"]]  # the secret the node made, kept for its signature check
    assert TOKEN not in json.dumps(answer) and kept["webhookSecret"] not in json.dumps(answer)


def test_a_second_register_finds_the_hook_and_does_not_duplicate_it(github, windmill, cache):
    trigger = github_trigger()
    assert job(trigger, windmill, cache, action="register")["ok"]
    state = json.dumps(windmill.state(trigger.state_path))
    again = job(trigger, windmill, cache, action="register")
    assert again["ok"], again
    assert again["result"]["webhooks"][0]["existed"] is True and "created" not in again["result"]["webhooks"][0]
    assert again["result"]["state"] == "unchanged" and json.dumps(windmill.state(trigger.state_path)) == state
    assert len(github.hooks) == 1
    assert github.calls[-1] == ("GET", f"/repos/octo/hello/hooks/{next(iter(github.hooks))}")


def test_remove_deletes_the_hook_and_a_later_register_makes_a_new_one(github, windmill, cache):
    trigger = github_trigger()
    assert job(trigger, windmill, cache, action="register")["ok"]
    first = next(iter(github.hooks))
    removed = job(trigger, windmill, cache, action="remove")
    assert removed["ok"] and removed["result"]["webhooks"][0]["removed"] is True
    assert github.hooks == {} and github.calls[-1] == ("DELETE", f"/repos/octo/hello/hooks/{first}")
    assert windmill.state(trigger.state_path) == {"node:GitHub Trigger": {}}
    assert job(trigger, windmill, cache, action="check")["result"]["webhooks"][0]["existed"] is False
    assert job(trigger, windmill, cache, action="register")["ok"]
    assert list(github.hooks) == [first + 1]


def test_a_hook_deleted_on_the_service_is_created_again(github, windmill, cache):
    trigger = github_trigger()
    assert job(trigger, windmill, cache, action="register")["ok"]
    github.hooks.clear()  # someone deleted it on GitHub: the node's checkExists gets 404
    answer = job(trigger, windmill, cache, action="register")
    assert answer["ok"] and answer["result"]["webhooks"][0] == {
        "webhook": "default", "method": "POST", "url": route_url(trigger), "registers": True, "existed": False,
        "created": True}
    assert len(github.hooks) == 1


def test_refused_credentials_fail_the_job_and_register_nothing(github, windmill, cache):
    trigger = github_trigger()
    windmill.resources[CREDENTIAL]["value"]["accessToken"] = "wrong"
    answer = job(trigger, windmill, cache, action="register")
    assert not answer["ok"]
    assert answer["error"].startswith('TriggerFailedError: n8n trigger "GitHub Trigger" failed:')
    assert github.hooks == {}
    assert windmill.state(trigger.state_path) == {"node:GitHub Trigger": {}}  # the node's (empty) static data, as n8n keeps it


def test_without_a_public_base_url_the_node_is_told_clearly(github, windmill, cache):
    trigger = github_trigger()
    environment = {k: v for k, v in windmill.environment().items() if k != "WM_BASE_URL"}
    answer = run_job(trigger.script, {"args": {"action": "register"}}, environment, cache)
    assert not answer["ok"] and "none was given (give the Windmill base URL)" in answer["error"]
    assert github.hooks == {}
    bad = job(trigger, windmill, cache, action="register", base_url="javascript:alert(1)")
    assert not bad["ok"] and "must be http(s)://host" in bad["error"]


def test_an_unknown_action_and_a_foreign_state_are_refused(github, windmill, cache):
    trigger = github_trigger()
    assert "actions are register, remove, check, receive" in job(trigger, windmill, cache, action="poll")["error"]
    windmill.resources[trigger.state_path] = {"value": ["not", "static", "data"], "resource_type": "state"}
    answer = job(trigger, windmill, cache, action="register")
    assert not answer["ok"] and "is not an object" in answer["error"] and github.hooks == {}


# --- webhook: deliveries ---------------------------------------------------------------------

@pytest.fixture
def registered(github, windmill, cache):
    trigger = github_trigger()
    assert job(trigger, windmill, cache, action="register")["ok"]
    return trigger, next(iter(github.hooks))


def test_a_delivery_becomes_the_nodes_items_and_starts_the_flow(github, windmill, cache, registered):
    trigger, hook = registered
    payload = {"action": "opened", "issue": {"number": 7, "title": "Broken \u2028 build"}, "hook_id": hook}
    request = github.delivery(hook, "issues", payload) | {"query": {"source": "github"}}
    answer = deliver(trigger, windmill, cache, request)
    assert answer["ok"], answer
    assert answer["result"]["started"] is True and answer["result"]["windmill_status_code"] == 200
    ((flow, args),) = windmill.flow_runs
    assert flow == "f/n8n/github_issues"
    # GithubTrigger.webhook(): one item {body, headers, query}, the request's own
    assert args == {"n8n_outputs": [[{"json": {"body": payload, "headers": request["headers"],
                                               "query": {"source": "github"}}}]]}
    assert answer["result"]["flow_job"] == "00000000-0000-0000-0000-000000000001"


def test_githubs_ping_is_answered_ok_and_starts_nothing(github, windmill, cache, registered):
    trigger, hook = registered
    answer = deliver(trigger, windmill, cache, github.delivery(hook, "ping", {"zen": "Design for failure.", "hook_id": hook}))
    assert answer["ok"] and answer["result"]["started"] is False
    assert (answer["result"]["windmill_status_code"], answer["result"]["result"]) == (200, "OK")
    assert windmill.flow_runs == []


@pytest.mark.parametrize("forgery", ["wrong secret", "no signature", "body changed"])
def test_a_forged_delivery_is_refused_with_401_and_starts_nothing(github, windmill, cache, registered, forgery):
    trigger, hook = registered
    request = github.delivery(hook, "issues", {"action": "deleted", "issue": {"number": 1}},
                              secret="guess" if forgery == "wrong secret" else None)
    if forgery == "no signature":
        request["headers"].pop("x-hub-signature-256")
    if forgery == "body changed":
        request["raw"] = request["raw"].replace("deleted", "opened")
    answer = deliver(trigger, windmill, cache, request)
    assert answer["ok"], answer
    assert (answer["result"]["windmill_status_code"], answer["result"]["result"]) == (401, "Unauthorized")
    assert answer["result"]["started"] is False and windmill.flow_runs == []


def test_a_body_that_is_not_json_is_answered_422_as_n8n_answers_it(github, windmill, cache, registered):
    trigger, hook = registered
    request = github.delivery(hook, "issues", {"action": "opened"})
    request["raw"] = '{"action": "opened", '
    route = trigger.routes[0]["route_path"]
    event = {"kind": "http", "route": route, "path": route, "method": "POST", "params": {}, "query": {},
             "headers": request["headers"], "body": {}, "raw_string": request["raw"]}
    answer = run_job(trigger.script, {"event": event}, windmill.environment(), cache)
    assert answer["ok"], answer
    assert answer["result"]["windmill_status_code"] == 422
    assert answer["result"]["result"]["message"] == "Failed to parse request body"
    assert answer["result"]["started"] is False and windmill.flow_runs == []


def test_a_method_the_route_does_not_take_is_refused(github, windmill, cache, registered):
    trigger, hook = registered
    answer = deliver(trigger, windmill, cache, github.delivery(hook, "issues", {"action": "x"}), method="PUT")
    assert not answer["ok"] and "take POST requests, not PUT" in answer["error"]


# --- polling ----------------------------------------------------------------------------------

def rss_node(url: str, name: str = "RSS Feed Trigger") -> dict:
    return {"name": name, "type": "n8n-nodes-base.rssFeedReadTrigger", "typeVersion": 1, "position": [0, 0],
            "parameters": {"feedUrl": url, "pollTimes": {"item": [{"mode": "everyMinute"}]}}}


def entry(title: str, days: float) -> dict:
    return {"title": title, "link": f"http://feed.example/{title}", "guid": title,
            "date": datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=days)}


@pytest.fixture
def feed(httpserver_ipv4):
    return serve_feed(httpserver_ipv4, [entry("old", -400), entry("b", 1)])


@pytest.fixture
def state():
    stub = WindmillApiStub().start()
    yield stub
    stub.stop()


def delivered(stub: WindmillApiStub) -> list[list[str]]:
    return [[item["json"]["guid"] for item in args["n8n_outputs"][0]] for _flow, args in stub.flow_runs]


def test_each_entry_is_delivered_once_across_runs_as_n8ns_own_poller_delivers_it(feed, state, cache):
    node = rss_node(feed.url)
    trigger = app_trigger(node, RSS_TYPE, flow_path="f/n8n/news", module=REPO_TRIGGERS)
    reference = ReferencePoller(node)
    try:
        ticks = []
        for change in (None, entry("c", 2), None, entry("d", 3)):
            if change:
                feed.entries.insert(0, change)
            expected = reference.tick()
            run = run_job(trigger.script, {"args": {"action": "poll"}}, state.environment(), cache)
            assert run["ok"], run
            ticks.append((expected, run["result"]))
    finally:
        reference.close()
    assert delivered(state) == [["b"], ["c"], ["d"]]
    runs = iter(args["n8n_outputs"] for _flow, args in state.flow_runs)
    for expected, result in ticks:  # run for run: what n8n emitted, Phoenix started the flow with
        assert result["started"] is (expected is not None)
        assert (next(runs) if expected is not None else None) == expected
    assert state.state(trigger.state_path) == {"node:RSS Feed Trigger": {"lastItemDate": feed.entries[0]["date"].strftime(
        "%Y-%m-%dT%H:%M:%S.000Z")}}


def test_a_failed_state_save_fails_the_run_and_the_next_run_delivers_the_entries(feed, state, cache):
    trigger = app_trigger(rss_node(feed.url), RSS_TYPE, flow_path="f/n8n/news", module=REPO_TRIGGERS)
    state.fail_writes = True
    failed = run_job(trigger.script, {"args": {"action": "poll"}}, state.environment(), cache)
    assert not failed["ok"] and "saving the state" in failed["error"] and "Windmill answered 500" in failed["error"]
    assert state.flow_runs == [] and state.state(trigger.state_path) is None  # nothing delivered, nothing marked seen
    state.fail_writes = False
    again = run_job(trigger.script, {"args": {"action": "poll"}}, state.environment(), cache)
    assert again["ok"] and delivered(state) == [["b"]]


def test_a_poll_that_fails_reports_the_node_and_starts_nothing(state, cache):
    trigger = app_trigger(rss_node("http://127.0.0.1:9/feed.xml"), RSS_TYPE, flow_path="f/n8n/news", module=REPO_TRIGGERS)
    answer = run_job(trigger.script, {"args": {"action": "poll"}}, state.environment(), cache)
    assert not answer["ok"] and answer["error"].startswith('TriggerFailedError: n8n trigger "RSS Feed Trigger" failed:')
    assert state.flow_runs == []
    assert "actions are poll" in run_job(trigger.script, {"args": {"action": "register"}}, state.environment(), cache)["error"]


def test_without_windmills_job_environment_the_script_says_what_is_missing(feed, cache):
    trigger = app_trigger(rss_node(feed.url), RSS_TYPE, flow_path="f/n8n/news", module=REPO_TRIGGERS)
    answer = run_job(trigger.script, {"args": {"action": "poll"}}, {"BASE_INTERNAL_URL": "", "BASE_URL": "",
                                                                     "WM_TOKEN": "", "WM_WORKSPACE": ""}, cache)
    assert not answer["ok"] and "needs BASE_INTERNAL_URL (or BASE_URL), WM_TOKEN, WM_WORKSPACE" in answer["error"]


def test_hostile_names_and_values_stay_data(feed, state, cache):
    name = '"); process.exit(3); ("\u2028</script>`${1}`\u202e'
    node = rss_node(feed.url, name=name)
    trigger = app_trigger(node, RSS_TYPE, flow_path="f/n8n/news", workflow_name=name, module=REPO_TRIGGERS)
    run = run_job(trigger.script, {"args": {"action": "poll"}}, state.environment(), cache)
    assert run["ok"], run
    assert delivered(state) == [["b"]]
    assert list(state.state(trigger.state_path)) == [f"node:{name}"]
