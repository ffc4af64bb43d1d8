"""The n8n catalog: generated from the installed n8n, equal to what is committed, safe on any name."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import pytest

from lib.n8n_host import catalog, catalog_data
from scripts.tooling import n8n_catalog
from tests.support.n8n_host_run import bun_binary, missing, n8n_modules

REPO = Path(__file__).resolve().parents[2]
needs_n8n = [pytest.mark.n8n, pytest.mark.skipif(missing() is not None, reason=str(missing()))]


@pytest.mark.n8n
@pytest.mark.skipif(missing() is not None, reason=str(missing()))
def test_the_committed_catalog_is_what_the_installed_n8n_generates():
    started = time.monotonic()
    text = n8n_catalog.generate(n8n_modules(), bun_binary())
    print(f"catalog generated in {time.monotonic() - started:.1f} s, {len(text.encode())} bytes")
    committed = (REPO / "lib" / "n8n_host" / "catalog_data.py").read_text(encoding="utf-8")
    assert text == committed, "lib/n8n_host/catalog_data.py drifted: run `python -m scripts.tooling.n8n_catalog`"


@pytest.mark.n8n
@pytest.mark.skipif(missing() is not None, reason=str(missing()))
def test_every_known_class_is_in_the_catalog_but_the_enterprise_ones():
    for package in ("n8n-nodes-base", "@n8n/n8n-nodes-langchain"):
        root = n8n_modules() / package
        prefix = json.loads((root / "package.json").read_text())["name"] + "."
        known = json.loads((root / "dist" / "known" / "nodes.json").read_text())
        for short, entry in known.items():
            enterprise = ".ee." in entry["sourcePath"]
            assert (catalog.node_type(prefix + short) is None) == enterprise, (package, short)
        credentials = json.loads((root / "dist" / "known" / "credentials.json").read_text())
        assert all(catalog.credential_type(name) for name in credentials), package


def test_node_types_versions_and_flags():
    set_node = catalog.node_type("n8n-nodes-base.set")
    assert set_node.package == "n8n-nodes-base" and set_node.display_name == "Set"  # the versioned class's baseDescription
    assert {1, 2, 3, 3.4}.issubset(set(set_node.versions)) and not set_node.is_trigger
    assert catalog.supports("n8n-nodes-base.set", 3.4) and catalog.supports("n8n-nodes-base.set", 2.0)
    assert not catalog.supports("n8n-nodes-base.set", 99)
    webhook = catalog.node_type("n8n-nodes-base.webhook")
    assert webhook.is_trigger and webhook.webhook and not webhook.polling
    assert catalog.node_type("n8n-nodes-base.rssFeedReadTrigger").polling
    wait = catalog.node_type("n8n-nodes-base.wait")
    assert wait.webhook and not wait.is_trigger  # resumes through a webhook, starts nothing
    assert catalog.node_type("n8n-nodes-base.scheduleTrigger").is_trigger


def test_langchain_nodes_are_in_the_same_catalog_marked_with_their_package():
    agent = catalog.node_type("@n8n/n8n-nodes-langchain.agent")
    assert agent.package == "@n8n/n8n-nodes-langchain" and agent.supports(1.7)
    ollama = catalog.node_type("@n8n/n8n-nodes-langchain.lmChatOllama")
    assert ollama.credential_names() == ("ollamaApi",)
    assert catalog.credential_type("ollamaApi").package == "@n8n/n8n-nodes-langchain"


def test_enterprise_nodes_are_absent_and_named_as_skipped():
    assert catalog.node_type("n8n-nodes-base.evaluation") is None
    assert catalog.node_type("n8n-nodes-base.evaluationTrigger") is None
    assert "Skipped: n8n-nodes-base:Evaluation (enterprise)" in catalog_data.__doc__


def test_node_credentials_carry_their_condition_and_versions():
    http = catalog.node_type("n8n-nodes-base.httpRequest")
    v1 = http.at(1)
    header = next(c for c in v1.credentials if c.name == "httpHeaderAuth")
    assert header.display_options == {"show": {"authentication": ["headerAuth"]}} and header.versions == (1,)
    assert header.applies({"authentication": "headerAuth"}, 1) is True
    assert header.applies({"authentication": "basicAuth"}, 1) is False
    assert header.applies({}, 1) is None  # n8n would use the parameter's default: not known here
    assert header.applies({"authentication": "headerAuth"}, 4.2) is False  # not declared by 4.2
    assert http.at(4.2).credential_names() == ("httpSslAuth",)
    assert http.at(7) is None
    slack = catalog.node_type("n8n-nodes-base.slack")
    assert set(slack.credential_names()) == {"slackApi", "slackOAuth2Api"}


def test_display_conditions_with_operators():
    cred = catalog.NodeCredential("x", True, {"show": {"@version": [{"_cnd": {"gte": 2}}], "mode": ["a", "b"]}}, (1, 2, 3))
    assert cred.applies({"mode": "a"}, 2) is True
    assert cred.applies({"mode": "a"}, 1) is False
    assert cred.applies({"mode": "c"}, 3) is False
    hidden = catalog.NodeCredential("x", True, {"hide": {"mode": [{"_cnd": {"startsWith": "leg"}}]}}, (1,))
    assert hidden.applies({"mode": "legacy"}, 1) is False and hidden.applies({"mode": "new"}, 1) is True
    odd = catalog.NodeCredential("x", True, {"show": {"mode": [{"_cnd": {"someFutureOp": 1}}]}}, (1,))
    assert odd.applies({"mode": "a"}, 1) is None


def test_credential_types_chain_merge_and_flags():
    sheets = catalog.credential_type("googleSheetsOAuth2Api")
    assert sheets.chain == ("googleSheetsOAuth2Api", "googleOAuth2Api", "oAuth2Api") and sheets.is_oauth2
    by_name = {p.name: p for p in sheets.properties}
    # googleOAuth2Api fixes what oAuth2Api lets the operator choose; the nearest definition wins, in n8n's order
    assert by_name["grantType"].type == "hidden" and by_name["grantType"].default == "authorizationCode"
    assert [p.name for p in sheets.properties][:2] == ["useDynamicClientRegistration", "grantType"]
    assert by_name["clientSecret"].secret and sheets.secret_names == ("clientSecret",)
    header = catalog.credential_type("httpHeaderAuth")
    assert header.authenticate == "generic" and not header.is_oauth2 and header.extends == ()
    assert [(p.name, p.secret) for p in header.properties] == [("name", False), ("value", True)]
    oauth = catalog.credential_type("oAuth2Api")
    grant = next(p for p in oauth.properties if p.name == "grantType")
    assert grant.options == ("authorizationCode", "clientCredentials", "pkce") and grant.type == "options"
    assert catalog.credential_type("metabaseApi").pre_authentication
    assert catalog.credential_type("twitterOAuth1Api").is_oauth1


@pytest.mark.parametrize("name", [None, 7, 1.5, True, "", " ", "x" * 100_000, "__proto__", "constructor",
                                  "n8n-nodes-base.", "n8n-nodes-base.__proto__", "../../etc/passwd",
                                  "n8n-nodes-base.set\x00", "N8N-NODES-BASE.SET", ["n8n-nodes-base.set"],
                                  {"n8n-nodes-base.set": 1}, b"n8n-nodes-base.set"])
def test_unknown_or_hostile_names_are_none_not_a_crash(name):
    assert catalog.node_type(name) is None
    assert catalog.supports(name, 1) is False
    assert catalog.credential_type(name) is None


@pytest.mark.parametrize("version", [None, "3.4", True, math.nan, math.inf, -1, [3.4], {"v": 3.4}])
def test_odd_versions_are_not_supported(version):
    assert catalog.supports("n8n-nodes-base.set", version) is False
    assert catalog.node_type("n8n-nodes-base.set").at(version) is None


def test_extends_cycles_and_unknown_parents_stop(monkeypatch):
    fake = {"a": {"package": "p", "display": "A", "extends": ["b"], "properties": [{"name": "x", "type": "string"}]},
            "b": {"package": "p", "display": "B", "extends": ["a", "missing"],
                  "properties": [{"name": "y", "type": "string"}]}}
    monkeypatch.setattr(catalog, "CREDENTIALS", fake)
    catalog._credential_type.cache_clear()
    try:
        info = catalog.credential_type("a")
        assert info.chain == ("a", "b") and [p.name for p in info.properties] == ["y", "x"]
    finally:
        catalog._credential_type.cache_clear()


def _plain(value, where="catalog"):
    """Only JSON-like data: no code object, no function text survives in the catalog."""
    if isinstance(value, dict):
        for key, inner in value.items():
            assert isinstance(key, str), where
            _plain(inner, f"{where}.{key}")
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            _plain(inner, f"{where}[{i}]")
    else:
        assert value is None or isinstance(value, (str, int, float, bool)), where


def test_the_catalog_holds_names_and_field_lists_only():
    _plain(catalog_data.NODES)
    _plain(catalog_data.CREDENTIALS)
    node_keys = {"package", "display", "variants"}
    variant_keys = {"versions", "group", "polling", "webhook", "trigger", "credentials", "webhooks", "webhookMethods"}
    assert all(set(entry) <= node_keys for entry in catalog_data.NODES.values())
    assert all(set(v) <= variant_keys for entry in catalog_data.NODES.values() for v in entry["variants"])
    assert all(set(w) == {"name", "httpMethod", "path"} for entry in catalog_data.NODES.values()
               for v in entry["variants"] for w in v.get("webhooks", ()))
    credential_keys = {"package", "display", "extends", "properties", "authenticate", "preAuthentication"}
    property_keys = {"name", "type", "displayName", "default", "options", "required", "password", "expirable",
                     "displayOptions"}
    assert all(set(entry) <= credential_keys for entry in catalog_data.CREDENTIALS.values())
    assert all(set(p) <= property_keys for entry in catalog_data.CREDENTIALS.values() for p in entry["properties"])
    text = (REPO / "lib" / "n8n_host" / "catalog_data.py").read_text(encoding="utf-8")
    assert "sourcePath" not in text and ".ee." not in text.split("# fmt: off", 1)[1]
    assert "Sustainable Use License" in catalog_data.__doc__


def test_figures():
    """Not an assertion on speed: prints the catalog's size for the report."""
    size = (REPO / "lib" / "n8n_host" / "catalog_data.py").stat().st_size
    print(f"catalog: {len(catalog_data.NODES)} node types, {len(catalog_data.CREDENTIALS)} credential types, "
          f"{size} bytes")
    assert len(catalog_data.NODES) > 500 and len(catalog_data.CREDENTIALS) > 400
