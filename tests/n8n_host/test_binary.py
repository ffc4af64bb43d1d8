"""Binary properties move between host steps as n8n moves them between nodes.

A chain of file nodes runs twice: once as separate host runs (one Bun process each, as
Windmill runs steps) where each run's outputs are the next one's items, once through
n8n's engine as one workflow (reference.cjs runChain). Both must give the same items.
Binaries over the inline limit go to Windmill's object storage (a loopback stand-in of
its job_helpers API) or fail naming what to do.
"""

from __future__ import annotations

import base64
import json

import pytest

from tests.n8n_host.cases import items, node
from tests.n8n_host.windmill_state_stub import StateStub
from tests.support.n8n_host_run import missing, run_host, run_reference

pytestmark = pytest.mark.skipif(missing() is not None, reason=str(missing()))

ROWS = [{"name": "Ana", "city": "Porto", "n": 3}, {"name": "Bo", "city": "Oslo, Norway", "n": 12}]


def convert(operation: str, **options) -> dict:
    return node(f"Convert {operation}", "convertToFile", 1.1, {"operation": operation, "options": options})


def extract(operation: str, **options) -> dict:
    return node(f"Extract {operation}", "extractFromFile", 1, {"operation": operation, "options": options})


def disk(operation: str, path: str, **extra) -> dict:
    return node(f"Disk {operation}", "readWriteFile", 1, {"operation": operation, "fileSelector" if operation == "read" else "fileName": path,
                                                          "options": {}, **extra})


def chained(chain: list[dict], first_items: list[dict], cache, env: dict | None = None) -> list[dict]:
    """Each node a host run of its own; its first output is the next run's items."""
    results, current = [], first_items
    for step in chain:
        result = run_host({"s": {"node": step, "items": current}}, cache=cache, env=env)["s"]
        results.append(result)
        if "thrown" in result or result.get("error"):
            break
        current = result["outputs"][0]
    return results


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("host-cache")


@pytest.fixture
def files_env(tmp_path):
    folder = tmp_path / "files"
    folder.mkdir()
    return folder, {"N8N_RESTRICT_FILE_ACCESS_TO": str(folder)}


def assert_same_as_one_workflow(chain, first_items, cache, env=None, reference_env=None):
    host = chained(chain, first_items, cache, env)
    assert all("thrown" not in r and not r.get("error") for r in host), host[-1]
    reference = run_reference({"chain": {"chain": chain, "items": first_items}}, env=reference_env or env)["chain"]
    assert "thrown" not in reference and not reference.get("error"), reference
    for step, result in zip(chain, host):
        assert result["outputs"] == reference["byNode"][step["name"]], step["name"]
    return host


def test_csv_file_converted_and_extracted_as_in_one_workflow(cache):
    host = assert_same_as_one_workflow([convert("csv"), extract("csv")], items(*ROWS), cache)
    binary = host[0]["outputs"][0][0]["binary"]["data"]
    assert binary["mimeType"] == "text/csv" and binary["fileName"] == "File.csv"
    assert base64.b64decode(binary["data"]).decode().splitlines()[0] == "\ufeffname,city,n"  # n8n writes a BOM
    # n8n's own answer: its CSV parser keeps the byte order mark in the first column's name.
    assert [i["json"] for i in host[1]["outputs"][0]] == [{"\ufeffname": "Ana", "city": "Porto", "n": "3"},
                                                           {"\ufeffname": "Bo", "city": "Oslo, Norway", "n": "12"}]


def test_json_file_written_to_disk_read_back_and_extracted_as_in_one_workflow(cache, files_env):
    folder, env = files_env
    path = str(folder / "rows.json")
    chain = [convert("toJson", fileName="rows.json"), disk("write", path), disk("read", path), extract("fromJson")]
    host = chained(chain, items(*ROWS), cache, env)
    assert all("thrown" not in r and not r.get("error") for r in host), host[-1]
    assert json.loads((folder / "rows.json").read_text()) == ROWS
    (folder / "rows.json").unlink()
    reference = run_reference({"chain": {"chain": chain, "items": items(*ROWS)}}, env=env)["chain"]
    for step, result in zip(chain, host):
        assert result["outputs"] == reference["byNode"][step["name"]], step["name"]
    assert host[3]["outputs"][0][0]["json"] == {"data": ROWS}


def test_an_oversized_binary_fails_naming_node_property_size_and_the_fix(cache):
    result = run_host({"s": {"node": convert("toJson"), "items": items(*ROWS)}}, cache=cache,
                      env={"PHOENIX_N8N_INLINE_BINARY_MAX": "20"})["s"]
    message = result["thrown"]
    assert message.startswith('BinaryDataError: n8n node "Convert toJson", output 0, item 0, binary property "data": ')
    assert "(PHOENIX_N8N_INLINE_BINARY_MAX = 0.0 MiB (20 bytes))" in message
    assert "Configure the workspace's object storage in Windmill" in message


def test_a_bad_inline_limit_is_refused(cache):
    result = run_host({"s": {"node": convert("toJson"), "items": items(*ROWS)}}, cache=cache,
                      env={"PHOENIX_N8N_INLINE_BINARY_MAX": "5MB"})["s"]
    assert result["thrown"] == 'BinaryDataError: PHOENIX_N8N_INLINE_BINARY_MAX="5MB" is not a number of bytes'


def test_inside_windmill_large_binaries_travel_through_object_storage(cache):
    with StateStub() as stub:
        env = {**stub.env(), "PHOENIX_N8N_INLINE_BINARY_MAX": "20"}
        host = chained([convert("csv"), extract("csv")], items(*ROWS), cache, env)
        assert all("thrown" not in r and not r.get("error") for r in host), host[-1]
        reference = run_reference({"chain": {"chain": [convert("csv"), extract("csv")], "items": items(*ROWS)}})["chain"]
        moved = host[0]["outputs"][0][0]["binary"]["data"]
        assert moved["data"] == "windmill-s3" and moved["id"].startswith("windmill-s3:")
        assert base64.b64decode(reference["byNode"]["Convert csv"][0][0]["binary"]["data"]["data"]) == stub.objects[moved["s3"]["s3"]]
        inline = reference["byNode"]["Convert csv"][0][0]["binary"]["data"]
        assert {k: v for k, v in moved.items() if k not in ("data", "id", "s3")} == {k: v for k, v in inline.items() if k != "data"}
        assert host[1]["outputs"] == reference["outputs"]


def test_without_object_storage_windmill_s_refusal_is_passed_on(cache):
    with StateStub(object_storage=False) as stub:
        env = {**stub.env(), "PHOENIX_N8N_INLINE_BINARY_MAX": "20"}
        result = run_host({"s": {"node": convert("csv"), "items": items(*ROWS)}}, cache=cache, env=env)["s"]
    assert ("Windmill's object storage refused it: HTTP 500 Internal: No files storage resource defined at the workspace level"
            in result["thrown"])
    assert 'binary property "data"' in result["thrown"] and "configure the workspace's object storage" in result["thrown"]


def test_a_reference_outside_windmill_is_refused_by_name(cache):
    reference = {"json": {}, "binary": {"data": {"data": "windmill-s3", "id": "windmill-s3:eyJ4IjoxfQ", "mimeType": "text/csv"}}}
    result = run_host({"s": {"node": extract("csv"), "items": [reference]}}, cache=cache)["s"]
    assert result["thrown"] == ('BinaryDataError: binary property "data" is in Windmill\'s object storage (windmill-s3), '
                                "and this run is not inside Windmill")
