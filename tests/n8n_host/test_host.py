"""The n8n node host against n8n's own engine, and the outputs the hand port used to get wrong.

Every case (cases.py) runs twice: through the host under Bun (bundled engine,
f/phoenix/n8n_host/host.ts) and through n8n's engine loaded the spike's way
(reference.cjs). The outputs must be equal, and for each known hand-port
difference n8n's own answer is pinned as well.
"""

from __future__ import annotations

import json
import subprocess

import pytest
from pytest_httpserver import HTTPServer

from tests.n8n_host.cases import BAD_REQUESTS, CASES, MISSING_CREDENTIALS, assignment, http_case, items, set_node
from tests.support.n8n_host_run import (HOST_RUNNER, bun_binary, host_environment, missing, run_host,
                                       run_reference)

pytestmark = pytest.mark.skipif(missing() is not None, reason=str(missing()))

SECRET = "s3cr3t-token-never-in-output"


@pytest.fixture(scope="module")
def loopback():
    """The service the HTTP Request case calls: a fixed answer per item's path."""
    with HTTPServer(host="127.0.0.1", port=0) as server:
        for path in ("/items/7", "/items/8"):
            server.expect_request(path, method="GET", query_string="").respond_with_json({"path": path, "ok": True})
        yield server


@pytest.fixture(scope="module")
def runs(loopback, tmp_path_factory):
    cases = {**CASES, "http_header_auth": http_case(loopback.url_for("").rstrip("/"), SECRET)}
    host = run_host(cases, cache=tmp_path_factory.mktemp("host-cache"))
    host_requests = [{"path": request.path, "token": request.headers.get("X-Token")}
                     for request, _ in loopback.log]
    reference = run_reference(cases)
    return {"host": host, "reference": reference, "host_requests": host_requests}


def outputs(result: dict) -> list[list[dict]]:
    assert "thrown" not in result, result
    return result["outputs"]


def jsons(result: dict, output: int = 0) -> list[dict]:
    return [item["json"] for item in outputs(result)[output]]


@pytest.mark.parametrize("case", [*CASES, "http_header_auth"])
def test_host_gives_n8n_engines_output(runs, case):
    host, reference = runs["host"][case], runs["reference"][case]
    assert "thrown" not in host and "thrown" not in reference, (host, reference)
    assert host["outputs"] == reference["outputs"]
    assert host["staticData"] == reference["staticData"]
    assert (host.get("error") or {}).get("message") == (reference.get("error") or {}).get("message")


def test_node_types_loaded_file_by_file_give_the_bundled_types_output(runs, tmp_path):
    """Bundling a node type (bundle.ts) changes how fast it loads, never what it does."""
    unbundled = run_host(CASES, cache=tmp_path, env={"PHOENIX_N8N_NODE_BUNDLES": "0"})
    for case in CASES:
        assert unbundled[case]["outputs"] == runs["host"][case]["outputs"], case
    assert not (tmp_path / "nodes").exists() and not list(tmp_path.glob("*/nodes"))


def test_each_node_type_is_bundled_once_per_worker(runs, tmp_path):
    run_host({"a": CASES["execute_once"]}, cache=tmp_path)
    bundles = sorted(p.parent.name.split("-")[0] for p in tmp_path.glob("*/nodes/*/SOURCE"))
    assert bundles == ["ManualTrigger.node", "NoOp.node", "Set.node"]
    stamp = {p: p.stat().st_mtime_ns for p in tmp_path.glob("*/nodes/*/node.js")}
    run_host({"b": CASES["execute_once"]}, cache=tmp_path)
    assert {p: p.stat().st_mtime_ns for p in tmp_path.glob("*/nodes/*/node.js")} == stamp


def test_a_node_bundle_that_fails_to_load_falls_back_to_n8n_s_files_once(tmp_path):
    run_host({"a": CASES["execute_once"]}, cache=tmp_path)
    [bundle] = [p.parent for p in tmp_path.glob("*/nodes/Set.node-*/node.js")]
    (bundle / "node.js").write_text("throw new Error('a damaged bundle');\n")
    (bundle / "node.js.jsc").unlink()
    proc = subprocess.run([str(bun_binary()), str(HOST_RUNNER), str(_write(tmp_path, {"a": CASES["execute_once"]}))],
                          capture_output=True, text=True, env=host_environment(tmp_path), timeout=300)
    assert "n8n-nodes-base.set runs unbundled: a damaged bundle" in proc.stderr
    assert json.loads(proc.stdout.split("RESULTS ", 1)[1])["a"]["outputs"] == [[{"json": {"seen": 1}, "pairedItem": {"item": 0}}]]
    assert (bundle / "UNBUNDLED").read_text().startswith("n8n-nodes-base.set runs unbundled")
    again = subprocess.run([str(bun_binary()), str(HOST_RUNNER), str(_write(tmp_path, {"a": CASES["execute_once"]}))],
                           capture_output=True, text=True, env=host_environment(tmp_path), timeout=300)
    assert "runs unbundled" not in again.stderr and '"seen":1' in again.stdout


def test_expression_code_is_kept_for_later_steps_of_the_worker(tmp_path):
    request = {"node": set_node(assignment("twice", "={{ $json.n * 2 }}", "number")), "items": items({"n": 4})}
    first = run_host({"a": request}, cache=tmp_path)["a"]
    kept = list(tmp_path.glob("*/expressions/*/*.json"))
    assert len(kept) == 1 and json.loads(kept[0].read_text())[0].startswith("var global = {};")
    # A later process reads the kept code instead of compiling the expression again:
    code, analysis = json.loads(kept[0].read_text())
    kept[0].write_text(json.dumps([code.replace("* 2", "* 3"), analysis]))
    later = run_host({"b": request}, cache=tmp_path)["b"]
    assert jsons(first) == [{"twice": 8}] and jsons(later) == [{"twice": 12}]


def test_string_functions_whose_packages_load_on_first_call(runs):
    assert jsons(runs["host"]["string_extension_packages"]) == [{
        "plain": "Nandu cafe", "title": "The Host of N8n",
        "md5": "ea8cac4436b61cbf8dc428f355ccbfb5",  # of the UTF-8 bytes
        "sha": "a396975607d08923af777d86292ab24d8bfe6869a1f14a91126f0378a3267aa1"}]


def test_set_luxon_and_extensions_in_the_workflow_time_zone(runs):
    first, second = jsons(runs["host"]["set_luxon_timezone"])
    assert first == {"zone": "Asia/Tokyo", "local": "2024-01-02 09:30", "iso": "2024-03-06", "url": True, "count": "7"}
    assert second["url"] is False and second["count"] == "8"  # type string stringifies numbers


def test_expressions_read_other_nodes_through_paired_items(runs):
    result = runs["host"]["other_node_reference"]
    # Orders item 0 pairs with Customer item 1: $('Customer').item follows the pairing.
    assert [j["customer"] for j in jsons(result)] == ["Bo", "Ana"]
    assert [j["first"] for j in jsons(result)] == ["Ana", "Ana"]
    assert [item["pairedItem"] for item in outputs(result)[0]] == [{"item": 0}, {"item": 1}]


def test_code_node_both_modes_and_legacy_sloppy_function(runs):
    assert jsons(runs["host"]["code_all_items"]) == [{"x": x, "index": x - 1, "total": 3} for x in (1, 2, 3)]
    assert jsons(runs["host"]["code_each_item"]) == [{"doubled": 2, "itemIndex": 0}, {"doubled": 4, "itemIndex": 1}]
    assert jsons(runs["host"]["function_sloppy"]) == [{"x": 1, "doubled": 2}, {"x": 5, "doubled": 10}]


def test_summarize_and_split_out_as_n8n_names_and_keeps_them(runs):
    assert jsons(runs["host"]["summarize"]) == [{"concatenated_tag": "a,b,c", "unique_count_user_id": 2, "sum_amount": 9}]
    assert jsons(runs["host"]["split_out_other_fields"]) == [{"id": 1, "tags": {"t": "x"}}, {"id": 1, "tags": "y"}]


def test_merge_v2_combines_two_inputs_by_position(runs):
    result = runs["host"]["merge_v2_two_inputs"]
    assert jsons(result) == [{"a": 1, "same": "right", "b": 1}, {"a": 2, "b": 2}]
    assert outputs(result)[0][0]["pairedItem"] == [{"item": 0}, {"item": 0, "input": 1}]


def test_execute_once_and_always_output_data(runs):
    assert jsons(runs["host"]["execute_once"]) == [{"seen": 1}]
    assert jsons(runs["host"]["always_output_data"]) == [{}]


def test_on_error_continue_turns_the_failure_into_an_item_and_stop_reports_it(runs):
    assert jsons(runs["host"]["on_error_continue"]) == [{"error": "boom from the node"}]
    error_output = outputs(runs["host"]["on_error_error_output"])
    assert len(error_output) == 2 and error_output[0] == [] and "too big" in json.dumps(error_output[1])
    stopped = runs["host"]["on_error_stop"]
    assert stopped["error"] == {"message": "boom from the node", "node": "Code"} and stopped["outputs"] == []


def test_retry_on_fail_retries_and_static_data_comes_back(runs):
    result = runs["host"]["retry_then_succeed"]
    assert jsons(result) == [{"tries": 2}]
    assert result["staticData"] == {"kept": "yes", "global": {"tries": 2}}


def test_http_request_sends_the_header_credential_and_never_returns_it(runs):
    result = runs["host"]["http_header_auth"]
    assert jsons(result) == [{"path": "/items/7", "ok": True}, {"path": "/items/8", "ok": True}]
    # n8n sends the two requests concurrently: their arrival order is not part of the contract.
    assert sorted(runs["host_requests"], key=lambda r: r["path"]) == [
        {"path": "/items/7", "token": SECRET}, {"path": "/items/8", "token": SECRET}]
    assert SECRET not in json.dumps(result)


@pytest.fixture(scope="module")
def refused(tmp_path_factory):
    cases = {name: request for name, (request, _) in BAD_REQUESTS.items()}
    return run_host({**cases, "missing_credentials": MISSING_CREDENTIALS}, cache=tmp_path_factory.mktemp("host-cache"))


@pytest.mark.parametrize("case", BAD_REQUESTS)
def test_bad_requests_are_refused_saying_what_is_wrong(refused, case):
    assert BAD_REQUESTS[case][1] in refused[case].get("thrown", ""), refused[case]


def test_missing_credentials_fail_the_node_naming_the_type(refused):
    error = refused["missing_credentials"]["error"]["message"]
    assert "httpHeaderAuth" in error and "Service token" in error


def test_without_the_modules_folder_the_host_names_the_variable(tmp_path):
    env = {k: v for k, v in host_environment(tmp_path).items() if k != "PHOENIX_N8N_MODULES"}
    proc = subprocess.run([str(bun_binary()), str(HOST_RUNNER), str(_write(tmp_path, {"a": CASES["execute_once"]}))],
                          capture_output=True, text=True, env=env, timeout=120)
    assert "HostSetupError: PHOENIX_N8N_MODULES is not set" in proc.stdout
    env["PHOENIX_N8N_MODULES"] = str(tmp_path)
    proc = subprocess.run([str(bun_binary()), str(HOST_RUNNER), str(_write(tmp_path, {"a": CASES["execute_once"]}))],
                          capture_output=True, text=True, env=env, timeout=120)
    assert f"PHOENIX_N8N_MODULES={tmp_path} lacks n8n-workflow" in proc.stdout


def _write(folder, cases: dict):
    file = folder / "cases.json"
    file.write_text(json.dumps(cases), encoding="utf-8")
    return file


def test_plain_json_from_native_steps_and_nested_lists_are_n8n_items(tmp_path):
    """Native steps hand on plain objects, loops nest lists, routed steps give {outputs}: all are items."""
    as_items = {"node": set_node(), "items": items({"a": 1}, {"a": 2})}
    as_plain = {"node": set_node(), "items": [{"a": 1}, [{"a": 2}]]}
    as_routed = {"node": set_node(), "items": [{"outputs": [items({"a": 1}), []]}, {"outputs": [items({"a": 2})]}]}
    host = run_host({"items": as_items, "plain": as_plain, "routed": as_routed}, cache=tmp_path)
    assert "thrown" not in host["plain"], host["plain"]
    assert host["plain"]["outputs"] == host["items"]["outputs"]
    assert host["routed"]["outputs"][0][0]["json"] == host["items"]["outputs"][0][0]["json"]
