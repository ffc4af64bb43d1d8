"""The host's run-time pieces across steps: paired items kept from step to step, and a
declarative node (n8n-core's routing) against a loopback stand-in of its service.

Chains run as separate host runs (one Bun process each, as Windmill runs steps), each
given what a translated step passes on: its input's items (the previous step's output),
the earlier nodes' outputs as context and who feeds whom. They must give what n8n's
engine gives running the same nodes as one workflow (reference.cjs runChain).
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.n8n_host.cases import assignment, items, node, set_node
from tests.support.n8n_host_run import missing, run_host, run_reference

pytestmark = pytest.mark.skipif(missing() is not None, reason=str(missing()))


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("host-cache")


def as_steps(chain: list[dict], first_items: list[dict], cache, credentials: dict | None = None) -> list[dict]:
    """Each node a host run; it gets the previous node's first output as items, every earlier
    node's output as context and the chain of parents, as the translator's steps pass them."""
    outputs: dict[str, list] = {"Input": first_items}
    parents: dict[str, list[str]] = {}
    previous, results = "Input", []
    for step in chain:
        request = {"node": step, "items": outputs[previous], "inputNodes": [previous],
                   "context": {"nodes": {k: v for k, v in outputs.items() if k != previous},
                               "parents": {k: v for k, v in parents.items()}}}
        if credentials:
            request["credentials"] = credentials
        result = run_host({"s": request}, cache=cache)["s"]
        assert "thrown" not in result and not result.get("error"), (step["name"], result)
        results.append(result)
        parents[step["name"]] = [previous]
        outputs[step["name"]] = result["outputs"][0]
        previous = step["name"]
    return results


def test_paired_items_survive_the_steps_between_two_nodes(cache):
    """Third reads $('First').item after Sort reordered and Filter dropped items in steps of their own."""
    first = set_node(assignment("label", "={{ 'row ' + $json.n }}"), name="First")
    first["parameters"]["includeOtherFields"] = True
    sort = node("Sort", "sort", 1, {"sortFieldsUi": {"sortField": [{"fieldName": "n", "order": "descending"}]}, "options": {}})
    drop = node("Filter", "filter", 2, {"conditions": {"options": {"caseSensitive": True, "typeValidation": "strict", "version": 1},
                                                       "conditions": [{"id": "c", "leftValue": "={{ $json.n }}", "rightValue": 2,
                                                                       "operator": {"type": "number", "operation": "notEquals"}}],
                                                       "combinator": "and"}, "options": {}})
    third = set_node(assignment("from_first", "={{ $('First').item.json.label }}"),
                     assignment("first_index", "={{ $('First').item.json.n }}", "number"), name="Third")
    chain = [first, sort, drop, third]
    start = items({"n": 1}, {"n": 2}, {"n": 3})
    host = as_steps(chain, start, cache)
    reference = run_reference({"chain": {"chain": chain, "items": start}})["chain"]
    assert "thrown" not in reference and not reference.get("error"), reference
    for step, result in zip(chain, host):
        assert result["outputs"] == reference["byNode"][step["name"]], step["name"]
    assert [i["json"]["from_first"] for i in host[-1]["outputs"][0]] == ["row 3", "row 1"]
    assert [i["pairedItem"] for i in host[1]["outputs"][0]] == [{"item": 2}, {"item": 1}, {"item": 0}]


PACKAGES = {  # registry.npmjs.org's JSON shapes
    "left-pad": {"name": "left-pad", "time": {"created": "2014-03-01T00:00:00.000Z", "1.0.0": "2014-03-02T00:00:00.000Z",
                                              "1.3.0": "2018-04-10T00:00:00.000Z", "1.1.0": "2016-03-23T00:00:00.000Z"},
                 "versions": {"1.3.0": {"name": "left-pad", "version": "1.3.0", "license": "WTFPL"}}},
    "@scope/pkg": {"name": "@scope/pkg", "time": {"0.1.0": "2020-01-01T00:00:00.000Z"},
                   "versions": {"0.1.0": {"name": "@scope/pkg", "version": "0.1.0"}}},
}


def _search(request: Request) -> Response:
    found = [{"package": {"name": n, "version": "1.3.0", "description": f"about {n}"}}
             for n in PACKAGES if request.args["text"] in n]
    return Response(json.dumps({"objects": found, "total": len(found)}), content_type="application/json")


@pytest.fixture(scope="module")
def registry():
    """Stand-in of the npm registry's read API: the answers the npm node's operations below ask for."""
    with HTTPServer(host="127.0.0.1", port=0) as server:
        server.expect_request("/-/v1/search").respond_with_handler(_search)
        server.expect_request("/left-pad").respond_with_json(PACKAGES["left-pad"])
        server.expect_request("/@scope/pkg/0.1.0").respond_with_json(PACKAGES["@scope/pkg"]["versions"]["0.1.0"])
        server.expect_request("/no-such-package/latest").respond_with_json({"error": "Not found"}, status=404)
        yield server


def _sent(request: Request) -> dict:
    """What the client sent: the path as on the wire (still percent-encoded), its query and credential."""
    return {"path": request.environ["RAW_URI"].split("?")[0], "query": parse_qs(request.query_string.decode()),
            "auth": request.headers.get("Authorization")}


TOKEN = "npm_t0ken_never_in_output"


def npm(operation: str, **parameters) -> dict:
    return {**node("npm", "npm", 1, {"resource": "package", "operation": operation, **parameters}),
            "credentials": {"npmApi": {"id": "1", "name": "Registry"}}}


def test_a_declarative_node_runs_through_n8n_s_routing_as_n8n_runs_it(registry, cache):
    url = registry.url_for("").rstrip("/")
    credentials = {"npmApi": {"accessToken": TOKEN, "registryUrl": url}}
    cases = {
        "versions": {"node": npm("getVersions", packageName="={{ $json.package }}"), "items": items({"package": "left-pad"}),
                     "credentials": credentials},
        "metadata": {"node": npm("getMetadata", packageName="@scope/pkg", packageVersion="0.1.0"), "items": items({}),
                     "credentials": credentials},
        "search": {"node": npm("search", query="={{ $json.q }}", limit=5), "items": items({"q": "pad"}, {"q": "pkg"}),
                   "credentials": credentials},
        "missing": {"node": npm("getMetadata", packageName="no-such-package", packageVersion="latest"), "items": items({}),
                    "credentials": credentials},
    }
    registry.clear_log()
    host = run_host(cases, cache=cache)
    host_requests = [_sent(request) for request, _ in registry.log]
    reference = run_reference(cases)
    for case in cases:
        assert "thrown" not in host[case], host[case]
        assert host[case]["outputs"] == reference[case]["outputs"], case
        assert (host[case].get("error") or {}).get("message") == (reference[case].get("error") or {}).get("message"), case
    # postReceive sorted the versions newest first and dropped what is not a version
    assert [i["json"]["version"] for i in host["versions"]["outputs"][0]] == ["1.3.0", "1.1.0", "1.0.0"]
    assert host["metadata"]["outputs"][0][0]["json"] == {"name": "@scope/pkg", "version": "0.1.0"}
    assert [i["json"]["name"] for i in host["search"]["outputs"][0]] == ["left-pad", "@scope/pkg"]
    assert host["missing"]["error"]["message"] == "The resource you are requesting could not be found"  # n8n's words for a 404
    # the request the routing built: URL from the expression, query string, the credential's header
    assert {"path": "/%40scope%2Fpkg/0.1.0", "query": {}, "auth": f"Bearer {TOKEN}"} in host_requests
    search = [r for r in host_requests if r["path"] == "/-/v1/search"]
    assert sorted(r["query"]["text"][0] for r in search) == ["pad", "pkg"] and search[0]["query"]["size"] == ["5"]
    assert all(r["auth"] == f"Bearer {TOKEN}" for r in host_requests)
    assert TOKEN not in json.dumps(host)


def _form(request: Request) -> dict:
    """A multipart request's media type and its parts (headers and content) in the order sent."""
    boundary = request.mimetype_params["boundary"].encode()
    parts = [p.strip(b"\r\n") for p in request.get_data().split(b"--" + boundary) if p.strip(b"\r\n-")]
    return {"type": request.mimetype, "parts": [p.decode("utf-8", "replace") for p in parts]}


def _received(request: Request) -> Response:
    return Response(json.dumps({"received": len(_form(request)["parts"])}), content_type="application/json")


def test_a_multipart_upload_of_an_items_binary_reaches_the_service_as_from_n8n(cache, httpserver_ipv4):
    """The HTTP Request node builds the form with form-data; n8n-core recognises it by class:
    the host gives both the same form-data instance, as n8n's one node_modules does."""
    httpserver_ipv4.expect_request("/upload", method="POST").respond_with_handler(_received)
    upload = node("HTTP Request", "httpRequest", 4.2, {
        "method": "POST", "url": httpserver_ipv4.url_for("/upload"), "sendBody": True,
        "contentType": "multipart-form-data",
        "bodyParameters": {"parameters": [
            {"parameterType": "formBinaryData", "name": "file", "inputDataFieldName": "data"},
            {"parameterType": "formData", "name": "note", "value": "={{ $json.note }}"}]},
        "options": {}})
    item = {"json": {"note": "hello"}, "pairedItem": {"item": 0}, "binary": {"data": {
        "data": "aWQsbmFtZQoxLEFuYQo=", "mimeType": "text/csv", "fileName": "rows.csv", "fileExtension": "csv"}}}
    host = run_host({"u": {"node": upload, "items": [item]}}, cache=cache)["u"]
    reference = run_reference({"u": {"node": upload, "items": [item]}})["u"]
    assert host["outputs"] == reference["outputs"] == [[{"json": {"received": 2}, "pairedItem": {"item": 0}}]]
    host_seen, reference_seen = [_form(request) for request, _ in httpserver_ipv4.log]
    assert host_seen == reference_seen and host_seen["type"] == "multipart/form-data"
    file_part = host_seen["parts"][0]
    assert 'name="file"; filename="rows.csv"' in file_part and "Content-Type: text/csv" in file_part
    assert file_part.endswith("id,name\n1,Ana")
    assert host_seen["parts"][1].endswith('name="note"\r\n\r\nhello')
