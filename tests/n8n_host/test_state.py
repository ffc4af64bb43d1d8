"""Static data and deduplication records kept per flow in Windmill state, as n8n keeps them per workflow.

Each host run is its own Bun process (as Windmill runs each step), talking to a loopback
stand-in of Windmill's resources API (windmill_state_stub.py). Remove Duplicates' "seen in
previous executions" is compared with n8n's own DeduplicationHelper (tests/n8n_host/reference.cjs).
"""

from __future__ import annotations

import json
import threading

import pytest

from tests.n8n_host.cases import code, items, node
from tests.n8n_host.windmill_state_stub import StateStub
from tests.support.n8n_host_run import missing, run_host, run_reference

pytestmark = pytest.mark.skipif(missing() is not None, reason=str(missing()))

FLOW = "f/test/orders"
STATE = f"{FLOW}/n8n_workflow_state"


def remove_duplicates(**options) -> dict:
    return node("Remove Duplicates", "removeDuplicates", 2, {
        "operation": "removeItemsSeenInPreviousExecutions", "logic": "removeItemsWithAlreadySeenKeyValues",
        "dedupeValue": "={{ $json.id }}", "options": options})


def ids(*values) -> list[dict]:
    return items(*({"id": v} for v in values))


def kept_and_discarded(result: dict) -> tuple[list, list]:
    assert "thrown" not in result and not result.get("error"), result
    kept, discarded = (result["outputs"] + [[], []])[:2]
    return [i["json"]["id"] for i in kept], [i["json"]["id"] for i in discarded]


@pytest.fixture
def stub():
    with StateStub() as running:
        yield running


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("host-cache")


def step(stub: StateStub, request: dict, cache, flow: str = FLOW, job: str = "job-1", **env) -> dict:
    """One host step, in a process of its own, as Windmill runs it."""
    return run_host({"step": request}, cache=cache, env={**stub.env(flow, job), **env})["step"]


def test_remove_duplicates_run_twice_delivers_each_new_item_once_as_n8n(stub, cache):
    first = step(stub, {"node": remove_duplicates(), "items": ids(1, 2, 3)}, cache)
    second = step(stub, {"node": remove_duplicates(), "items": ids(2, 3, 4, 4)}, cache, job="job-2")
    assert kept_and_discarded(first) == ([1, 2, 3], [])
    assert kept_and_discarded(second) == ([4, 4], [2, 3])
    # n8n's own DeduplicationHelper, the two executions in one process:
    reference = run_reference({"one": {"node": remove_duplicates(), "items": ids(1, 2, 3)},
                               "two": {"node": remove_duplicates(), "items": ids(2, 3, 4, 4)}})
    assert [first["outputs"], second["outputs"]] == [reference["one"]["outputs"], reference["two"]["outputs"]]
    stored = stub.value(STATE)
    assert list(stored["processedData"]) == ["n:phoenix:Remove Duplicates"]
    record = stored["processedData"]["n:phoenix:Remove Duplicates"]
    assert record["mode"] == "entries" and len(record["data"]) == 4  # md5 hashes, as n8n stores them
    assert second["state"] == {"path": STATE, "saved": True, "conflicts": []}


def test_incremental_key_and_workflow_scope_as_n8n(stub, cache):
    incremental = node("Dedupe", "removeDuplicates", 2, {
        "operation": "removeItemsSeenInPreviousExecutions", "logic": "removeItemsUpToStoredIncrementalKey",
        "incrementalDedupeValue": "={{ $json.id }}", "options": {"scope": "workflow"}})
    runs = [ids(3, 1, 2), ids(2, 5, 4), ids(5)]
    host = [step(stub, {"node": incremental, "items": r}, cache, job=f"job-{i}") for i, r in enumerate(runs)]
    reference = run_reference({f"r{i}": {"node": incremental, "items": r} for i, r in enumerate(runs)})
    assert [h["outputs"] for h in host] == [reference[f"r{i}"]["outputs"] for i in range(3)]
    assert kept_and_discarded(host[1]) == ([4, 5], [2])
    assert stub.value(STATE)["processedData"] == {"": {"mode": "latestIncrementalKey", "data": "5"}}


STATIC_CODE = code(
    "const g = $getWorkflowStaticData('global'); g.runs = (g.runs || 0) + 1;\n"
    "const n = $getWorkflowStaticData('node'); n.last = $input.first().json.id;\n"
    "return [{ json: { runs: g.runs, last: n.last } }];")


def test_static_data_is_kept_per_flow_with_global_and_node_parts(stub, cache):
    assert step(stub, {"node": STATIC_CODE, "items": ids("a")}, cache)["outputs"][0][0]["json"] == {"runs": 1, "last": "a"}
    assert step(stub, {"node": STATIC_CODE, "items": ids("b")}, cache)["outputs"][0][0]["json"] == {"runs": 2, "last": "b"}
    assert stub.value(STATE)["staticData"] == {"global": {"runs": 2}, "node:Code": {"last": "b"}}
    # Another node of the same flow shares the global part and has its own node part.
    other = {**STATIC_CODE, "name": "Other Code"}
    assert step(stub, {"node": other, "items": ids("c")}, cache)["outputs"][0][0]["json"] == {"runs": 3, "last": "c"}
    # Another flow has its own static data.
    elsewhere = step(stub, {"node": STATIC_CODE, "items": ids("d")}, cache, flow="f/test/other")
    assert elsewhere["outputs"][0][0]["json"] == {"runs": 1, "last": "d"}
    assert stub.value(STATE)["staticData"]["global"] == {"runs": 3}


def test_a_node_that_changes_nothing_writes_nothing(stub, cache):
    result = step(stub, {"node": code("return $input.all();"), "items": ids(1)}, cache)
    assert result["state"] == {"path": STATE, "saved": False, "conflicts": []}
    assert all(verb == "GET" for verb, _ in stub.requests) and STATE not in stub.resources


def test_a_failed_node_still_saves_what_it_recorded(stub, cache):
    failing = code("$getWorkflowStaticData('global').cursor = 7; throw new Error('upstream down');")
    result = step(stub, {"node": failing, "items": ids(1)}, cache)
    assert result["error"]["message"] == "upstream down"
    assert stub.value(STATE)["staticData"] == {"global": {"cursor": 7}}


def concurrently(*calls):
    results: list = [None] * len(calls)

    def run(i, call):
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


SLOW_SET = code("const g = $getWorkflowStaticData('global');\n"
                "await new Promise((r) => setTimeout(r, 1500));\n"
                "g[$input.first().json.key] = $input.first().json.value; return $input.all();")


def test_two_overlapping_runs_keep_both_updates(stub, cache):
    stub.resources[STATE] = {"value": {"staticData": {"global": {"kept": 1}}, "processedData": {}}, "resource_type": "state"}
    a, b = concurrently(
        lambda: step(stub, {"node": SLOW_SET, "items": items({"key": "a", "value": 1})}, cache, job="job-a"),
        lambda: step(stub, {"node": SLOW_SET, "items": items({"key": "b", "value": 2})}, cache, job="job-b"))
    assert not a.get("error") and not b.get("error"), (a, b)
    assert stub.value(STATE)["staticData"] == {"global": {"kept": 1, "a": 1, "b": 2}}
    assert a["state"]["conflicts"] == [] and b["state"]["conflicts"] == []
    assert f"{STATE}_lock" not in stub.resources  # released


def saved_meanwhile(state: dict):
    """A change for the stub: another run of the flow saves ``state`` right after this one loaded."""
    return lambda resources: resources.__setitem__(STATE, {"value": state, "resource_type": "state"})


SET_KEY = code("$getWorkflowStaticData('global')[$input.first().json.key] = $input.first().json.value; return $input.all();")


def test_a_key_both_runs_changed_is_reported_not_lost_silently(stub, cache):
    stub.after_first_read[STATE] = saved_meanwhile({"staticData": {"global": {"cursor": "theirs", "other": 1}}, "processedData": {}})
    result = step(stub, {"node": SET_KEY, "items": items({"key": "cursor", "value": "ours"})}, cache)
    assert result["state"]["conflicts"] == [{"key": 'staticData["global"]["cursor"]', "stored": "theirs", "ours": "ours"}]
    assert stub.value(STATE)["staticData"] == {"global": {"cursor": "ours", "other": 1}}  # their other key kept


def test_deduplication_entries_another_run_saved_meanwhile_are_kept(stub, cache):
    step(stub, {"node": remove_duplicates(), "items": ids(1)}, cache)
    theirs = json.loads(json.dumps(stub.value(STATE)))
    context = "n:phoenix:Remove Duplicates"
    theirs["processedData"][context]["data"] += run_host(
        {"s": {"node": remove_duplicates(), "items": ids(9), "context": {"processedData": {}}}}, cache=cache,
    )["s"]["processedData"][context]["data"]  # the hash n8n stores for id 9
    stub.after_first_read[STATE] = saved_meanwhile(theirs)
    assert kept_and_discarded(step(stub, {"node": remove_duplicates(), "items": ids(1, 2)}, cache)) == ([2], [1])
    assert len(stub.value(STATE)["processedData"][context]["data"]) == 3  # 1, 9 (theirs), 2 (ours)
    assert kept_and_discarded(step(stub, {"node": remove_duplicates(), "items": ids(1, 2, 9, 10)}, cache)) == ([10], [1, 2, 9])


def test_given_static_data_is_used_and_returned_without_touching_windmill(stub, cache):
    request = {"node": STATIC_CODE, "items": ids("x"), "context": {"staticData": {"global": {"runs": 41}}, "processedData": {}}}
    result = step(stub, request, cache)
    assert result["outputs"][0][0]["json"] == {"runs": 42, "last": "x"}
    assert result["staticData"] == {"global": {"runs": 42}, "node:Code": {"last": "x"}} and "state" not in result
    assert stub.requests == []
    again = run_host({"s": {"node": remove_duplicates(), "items": ids(1),
                            "context": {"processedData": result["processedData"]}}}, cache=cache)["s"]
    records = again["processedData"]
    assert kept_and_discarded(run_host({"s": {"node": remove_duplicates(), "items": ids(1, 2),
                                              "context": {"processedData": records}}}, cache=cache)["s"]) == ([2], [1])


def test_outside_windmill_a_run_starts_from_nothing_and_returns_what_it_kept(cache):
    result = run_host({"s": {"node": STATIC_CODE, "items": ids("y")}}, cache=cache)["s"]
    assert result["staticData"] == {"global": {"runs": 1}, "node:Code": {"last": "y"}} and "state" not in result


@pytest.mark.parametrize("bad, message", [
    ({"staticData": []}, "HostRequestError: context.staticData must be an object, got a list"),
    ({"processedData": "x"}, "HostRequestError: context.processedData must be an object, got string"),
])
def test_bad_given_state_is_refused(cache, bad, message):
    result = run_host({"s": {"node": STATIC_CODE, "items": ids(1), "context": bad}}, cache=cache)["s"]
    assert result.get("thrown") == message


def test_stored_state_that_is_not_workflow_state_is_refused_by_name(stub, cache):
    stub.resources[STATE] = {"value": ["not", "state"], "resource_type": "state"}
    result = step(stub, {"node": STATIC_CODE, "items": ids(1)}, cache)
    assert result["thrown"].startswith(f"HostStateError: the Windmill state {STATE} is not n8n workflow state")
    assert stub.value(STATE) == ["not", "state"]  # nothing overwritten


def test_unreachable_windmill_fails_the_step_saying_so(stub, cache):
    env = {**stub.env(FLOW), "BASE_INTERNAL_URL": "http://127.0.0.1:9"}
    result = run_host({"s": {"node": STATIC_CODE, "items": ids(1)}}, cache=cache, env=env)["s"]
    assert result["thrown"].startswith("HostStateError: Windmill's API at http://127.0.0.1:9 cannot be reached")


def test_a_wrong_token_fails_naming_the_state(stub, cache):
    result = step(stub, {"node": STATIC_CODE, "items": ids(1)}, cache, WM_TOKEN="stale")
    assert result["thrown"] == f"HostStateError: reading the Windmill state {STATE} failed: HTTP 401 Unauthorized"


def test_a_lock_held_by_a_live_run_is_waited_for_then_reported(stub, cache):
    far = 4_000_000_000_000
    stub.resources[f"{STATE}_lock"] = {"value": {"owner": "job-x:1", "until": far}, "resource_type": "state"}
    result = step(stub, {"node": STATIC_CODE, "items": ids(1)}, cache, PHOENIX_N8N_STATE_LOCK_WAIT_MS="400")
    assert f"the flow's state lock {STATE}_lock stayed taken" in result["thrown"]
    assert "was not saved" in result["thrown"] and STATE not in stub.resources


def test_a_dead_run_s_lock_is_taken_over(stub, cache):
    stub.resources[f"{STATE}_lock"] = {"value": {"owner": "job-dead:1", "until": 1}, "resource_type": "state"}
    result = step(stub, {"node": STATIC_CODE, "items": ids(1)}, cache)
    assert result["state"]["saved"] and stub.value(STATE)["staticData"]["global"] == {"runs": 1}
    assert f"{STATE}_lock" not in stub.resources


def test_only_windmill_s_resource_routes_are_used(stub, cache):
    step(stub, {"node": STATIC_CODE, "items": ids(1)}, cache)
    assert stub.unknown == []
    assert {verb for verb, _ in stub.requests} <= {"GET", "POST", "DELETE"}
    assert json.dumps(stub.requests).count("/resources/create") >= 1


def test_a_given_state_path_is_used_and_a_bad_one_refused(stub, cache):
    request = {"node": STATIC_CODE, "items": ids(1), "context": {"statePath": "f/test/shared_state"}}
    assert step(stub, request, cache)["state"]["path"] == "f/test/shared_state"
    assert stub.value("f/test/shared_state")["staticData"]["global"] == {"runs": 1}
    for bad in ["../etc", "f/x", "f/a/b?c=1", "f/a/../b"]:
        result = step(stub, {**request, "context": {"statePath": bad}}, cache)
        assert result["thrown"] == f"HostStateError: not a Windmill path for the workflow state: {json.dumps(bad)}"


def test_without_any_windmill_path_only_a_run_that_changes_state_fails(stub, cache):
    env = {k: v for k, v in stub.env().items() if k != "WM_FLOW_PATH"}
    quiet = run_host({"s": {"node": code("return $input.all();"), "items": ids(1)}}, cache=cache, env=env)["s"]
    assert quiet["state"] == {"saved": False, "conflicts": []} and stub.requests == []
    changing = run_host({"s": {"node": STATIC_CODE, "items": ids(1)}}, cache=cache, env=env)["s"]
    assert changing["thrown"].startswith("HostStateError: this run changed the workflow's static data")
