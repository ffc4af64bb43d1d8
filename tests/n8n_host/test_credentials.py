"""n8n credentials as Windmill resources: the step's transform, the resources, the resource types."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
import yaml

from lib.n8n.workflow import Node
from lib.n8n_host import catalog
from lib.n8n_host.credentials import (CREDENTIAL_FOLDER, RESOURCES_KEY, credential_inputs, resource_path,
                                      resource_type_document, resource_type_name)
from scripts.tooling.metadata import dump_yaml

# Windmill's backend: check_proper_type_name (windmill-common utils.rs): 1 to 50 of [A-Za-z0-9_-].
WINDMILL_TYPE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,50}$")
# What wmill sync pushes of a resource-type file (windmill-cli: pushResourceType sends the file's fields;
# sync compares schema, description, is_fileset, format_extension).
RESOURCE_TYPE_FIELDS = {"schema", "description", "format_extension", "is_fileset"}
# The keys Windmill's schema form reads on a property (frontend/src/lib/common.ts SchemaProperty).
WINDMILL_PROPERTY_KEYS = {"type", "description", "pattern", "default", "enum", "contentEncoding", "format", "items",
                          "min", "max", "properties", "required", "password", "order", "nullable", "title",
                          "placeholder", "oneOf"}
RESOURCE_PATH = re.compile(r"^f/phoenix/n8n_credentials/[a-z0-9_]{1,80}$")


def http_node(credentials, **parameters) -> Node:
    params = {"authentication": "genericCredentialType", "genericAuthType": "httpHeaderAuth", **parameters}
    return Node(name="HTTP", type="n8n-nodes-base.httpRequest", type_version=4.2, parameters=params,
                credentials=credentials)


def test_the_transform_references_one_resource_per_credential_and_names_it_for_the_host():
    inputs = credential_inputs(http_node({"httpHeaderAuth": {"id": "7", "name": "Service token"}}))
    path = "f/phoenix/n8n_credentials/httpheaderauth_service_token"
    assert inputs.problem is None
    assert inputs.transform == {"type": "static", "value": {"httpHeaderAuth": f"$res:{path}",
                                                            RESOURCES_KEY: {"httpHeaderAuth": path}}}
    assert inputs.resources == ((path, "c_n8n_http_header_auth"),)
    assert inputs.credential_types == ("httpHeaderAuth",)


def test_stale_credentials_the_node_no_longer_asks_for_need_no_resource():
    slack = Node(name="Slack", type="n8n-nodes-base.slack", type_version=2.2, parameters={"authentication": "oAuth2"},
                 credentials={"slackApi": {"id": "1", "name": "old token"}, "slackOAuth2Api": {"id": "2", "name": "App"}})
    assert credential_inputs(slack).credential_types == ("slackOAuth2Api",)
    http = http_node({"httpHeaderAuth": {"name": "A"}, "httpBasicAuth": {"name": "left over"}})
    assert credential_inputs(http).credential_types == ("httpHeaderAuth",)
    none = http_node({"httpHeaderAuth": {"name": "A"}}, authentication="none")
    assert credential_inputs(none).transform is None


def test_a_condition_the_catalog_cannot_decide_keeps_the_credential():
    # Slack without an `authentication` parameter: n8n would use its default, which the catalog does not hold.
    slack = Node(name="Slack", type="n8n-nodes-base.slack", type_version=2.2, parameters={},
                 credentials={"slackApi": {"id": "1", "name": "token"}})
    assert credential_inputs(slack).credential_types == ("slackApi",)


def test_no_credentials_no_transform():
    assert credential_inputs(http_node({})) == credential_inputs(http_node(None))
    assert credential_inputs(http_node({})).transform is None and credential_inputs(http_node({})).problem is None


@pytest.mark.parametrize("credentials, says", [
    ({"noSuchCredentialApi": {"name": "x"}}, "credential type noSuchCredentialApi is not defined"),
    ({"httpHeaderAuth": "just a string"}, "must be an object with a text name"),
    ({"httpHeaderAuth": {"name": ["list"]}}, "must be an object with a text name"),
    ("not an object", "not an object of credential type"),
    ({'httpHeaderAuth"; rm -rf /': {"name": "x"}}, "letters, digits and _"),
    ({"__proto__": {"name": "x"}}, "letters, digits and _"),
])
def test_credentials_that_cannot_map_say_why(credentials, says):
    node = Node(name="X", type="n8n-nodes-base.noSuchNode", type_version=1, parameters={}, credentials=credentials)
    inputs = credential_inputs(node)
    assert inputs.transform is None and inputs.resources == ()
    assert says in inputs.problem


@pytest.mark.parametrize("name", ["Service token", "Ünïcödé Ñame", "a/../../b", "$res:f/evil", "quote\" and '",
                                  "new\nline", "\u2028sep", "<script>", "x" * 500, "", "   ", "日本語", "a\x00b"])
def test_resource_paths_are_safe_whatever_the_name(name):
    path = resource_path("httpHeaderAuth", name)
    assert RESOURCE_PATH.match(path), path
    assert path.startswith(CREDENTIAL_FOLDER) and not path.endswith("_")


def test_names_that_fold_alike_get_distinct_paths():
    names = ["My API", "my api", "My-API", "My API!", "Mý API", "My  API?"]
    paths = {resource_path("httpHeaderAuth", n) for n in names}
    assert resource_path("httpHeaderAuth", "My API") == resource_path("httpHeaderAuth", "my api")  # case only
    assert len(paths) == len(names) - 2  # "My-API" folds like "My API" too (separators only)
    assert resource_path("httpHeaderAuth", "My API") == "f/phoenix/n8n_credentials/httpheaderauth_my_api"


def test_resource_type_names_are_unique_and_what_windmill_accepts():
    names = [resource_type_name(t) for t in catalog.credential_type_names()]
    assert len(set(names)) == len(names)
    assert all(WINDMILL_TYPE_NAME.match(n) and n.startswith("c_n8n_") for n in names)
    assert resource_type_name("httpHeaderAuth") == "c_n8n_http_header_auth"
    long = resource_type_name("aVeryLongCredentialTypeNameThatNoWindmillWouldTakeApi")
    assert WINDMILL_TYPE_NAME.match(long) and long != resource_type_name("aVeryLongCredentialTypeNameThatNoWindmillWould")


def _check_document(type_name: str) -> None:
    file_name, document = resource_type_document(type_name)
    name = file_name.removesuffix(".resource-type.yaml")
    assert file_name.endswith(".resource-type.yaml") and "/" not in file_name and name == resource_type_name(type_name)
    assert set(document) <= RESOURCE_TYPE_FIELDS and isinstance(document["description"], str)
    schema = document["schema"]
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["type"] == "object" and schema["order"] == list(schema["properties"])
    assert set(schema["required"]) <= set(schema["properties"])
    info = catalog.credential_type(type_name)
    secrets = set(info.secret_names)
    for key, prop in schema["properties"].items():
        assert set(prop) <= WINDMILL_PROPERTY_KEYS, (type_name, key, set(prop) - WINDMILL_PROPERTY_KEYS)
        assert prop.get("password", False) == (key in secrets or key == "oauthTokenData"), (type_name, key)
        if "default" in prop:
            jsonschema.validate(prop["default"], {k: v for k, v in prop.items() if k != "password"})
    # A value holding every default validates, and the YAML file reads back to the same document.
    sample = {k: p["default"] for k, p in schema["properties"].items() if "default" in p}
    sample.update({k: "x" for k in schema["required"] if k not in sample})
    jsonschema.validate(sample, schema)
    assert yaml.safe_load(dump_yaml(document)) == document


def test_every_credential_types_resource_type_is_a_valid_windmill_resource_type():
    for type_name in catalog.credential_type_names():
        _check_document(type_name)


def test_header_and_oauth2_resource_types_say_what_the_host_reads():
    _, header = resource_type_document("httpHeaderAuth")
    assert header["schema"]["properties"] == {"name": {"type": "string", "title": "Name", "default": ""},
                                              "value": {"type": "string", "title": "Value", "default": "",
                                                        "password": True}}
    _, sheets = resource_type_document("googleSheetsOAuth2Api")
    props = sheets["schema"]["properties"]
    # Fields googleOAuth2Api fixes (hidden) or never shows are not asked; clientId/secret are always shown.
    assert "grantType" not in props and "serverUrl" not in props and "authUrl" not in props
    assert sheets["schema"]["required"] == ["clientId", "clientSecret"]
    assert props["oauthTokenData"]["type"] == "object" and props["oauthTokenData"]["password"]
    _, generic = resource_type_document("oAuth2Api")
    assert generic["schema"]["properties"]["grantType"]["enum"] == ["authorizationCode", "clientCredentials", "pkce"]
    # authUrl is needed only for some grant types: not required, whatever the default grant is.
    assert "authUrl" not in generic["schema"]["required"] and "accessTokenUrl" in generic["schema"]["required"]


@pytest.mark.parametrize("bad", ["noSuchApi", "", None, "__proto__", "x" * 1000])
def test_resource_type_document_refuses_unknown_types(bad):
    with pytest.raises(ValueError, match="is not in the n8n catalog"):
        resource_type_document(bad)


def test_the_transform_holds_references_only():
    inputs = credential_inputs(http_node({"httpHeaderAuth": {"id": "1", "name": "token"}}))
    values = inputs.transform["value"]
    assert all(v.startswith("$res:f/phoenix/n8n_credentials/") for k, v in values.items() if k != RESOURCES_KEY)
    assert all(RESOURCE_PATH.match(v) for v in values[RESOURCES_KEY].values())
    assert "\"1\"" not in json.dumps(inputs.transform)  # n8n's credential id is n8n's, not the flow's
