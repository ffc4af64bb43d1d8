"""The orchestrator mode is written from the stack: only the models, agents and ports it really has."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from lib.stack import Stack, load_stack
from lib.workspace import roo
from lib.workspace.vscode import tasks

REPO = Path(__file__).resolve().parents[2]
SEED_MODELS = set(Stack().models.ollama.every_model())
SEED_PORTS = {"5678", "8002", "11435", "5432"}

STACK_A = {
    "name": "alpha",
    "services": {"n8n": {"url": "http://127.0.0.1:15678"}, "windmill": {"url": "http://127.0.0.1:18002"},
                 "ollama": {"url": "http://127.0.0.1:21435"}, "postgres": {"host": "db.local", "port": 25432}},
    "models": {"ollama": {"reasoning": ["alpha-reason:1b"], "coding": ["alpha-code:2b"], "fast": [], "complex": []},
               "phoenixcore": {"path": "models/alpha/Core-A.gguf"},
               "huggingface": {"gguf": {"education": [{"repo": "org/alpha-GGUF", "file": "alpha.Q4.gguf"}]}}},
}
STACK_B = {
    "name": "beta",
    "services": {"n8n": {"url": "https://n8n.example.org"}, "windmill": {"url": "http://127.0.0.1:30002"},
                 "ollama": {"url": "http://127.0.0.1:31435"}, "postgres": {"host": "127.0.0.1", "port": 35432}},
    "models": {"ollama": {"reasoning": [], "coding": [], "fast": ["beta-fast:3b"], "complex": ["beta-big:70b"]},
               "phoenixcore": {"path": None},
               "huggingface": {"endpoints": [{"name": "lab", "url": "http://127.0.0.1:8088/v1", "model": "beta-ep"}]}},
}


def _mode_text(stack: dict, root: Path) -> str:
    stack = load_stack({**stack, "root": str(root)})
    facts = roo.stack_facts(stack)
    mode = roo.orchestrator_mode(facts)
    return json.dumps(mode, ensure_ascii=False) + "\n".join(roo.rules_files(facts, "PHOENIX_MCP_TOKEN").values())


def test_the_prompt_names_only_what_each_stack_has(tmp_path):
    (tmp_path / "b" / "omas" / "agents").mkdir(parents=True)
    (tmp_path / "b" / "omas" / "agents" / "chaos.yaml").write_text("role: Beta's own explorer of options\n")
    (tmp_path / "a").mkdir()
    alpha, beta = _mode_text(STACK_A, tmp_path / "a"), _mode_text(STACK_B, tmp_path / "b")
    for text, own, other in ((alpha, ["alpha-reason:1b", "alpha-code:2b", "org/alpha-GGUF/alpha.Q4.gguf",
                                      "models/alpha/Core-A.gguf", "15678", "18002", "21435", "25432"],
                              ["beta-fast:3b", "beta-big:70b", "beta-ep", "30002", "31435", "35432"]),
                             (beta, ["beta-fast:3b", "beta-big:70b", "beta-ep", "port 443", "30002", "31435",
                                     "35432", "Beta's own explorer of options"],
                              ["alpha-reason:1b", "alpha-code:2b", "Core-A", "15678", "18002", "21435", "25432"])):
        for name in own:
            assert name in text, name
        for name in other + sorted(SEED_MODELS):
            assert name not in text, name
        for port in SEED_PORTS:
            assert not re.search(rf"\b{port}\b", text), port
        for agent in ("chaos", "thanatos", "demigod"):
            assert f"  - {agent}: `" in text
    assert "No PhoenixCore is configured" in beta and "PhoenixCore, the main quantized model: not configured" in beta


def test_the_seed_defaults_appear_when_the_stack_is_the_default(tmp_path):
    text = _mode_text({}, tmp_path)
    for name in SEED_MODELS:
        assert json.dumps(name) in text
    for port in SEED_PORTS:
        assert f"port {port}" in text


def test_the_mode_has_roo_codes_shape():
    mode = roo.orchestrator_mode(roo.stack_facts(load_stack({"root": "/tmp/x"})))
    # RooCodeInc/Roo-Code schemas/roomodes.json: required keys, slug pattern, group names
    assert {"slug", "name", "roleDefinition", "groups"} <= set(mode)
    assert set(mode) <= {"slug", "name", "roleDefinition", "whenToUse", "description", "customInstructions", "groups"}
    assert re.fullmatch(r"[a-zA-Z0-9-]+", mode["slug"])
    names = [g[0] if isinstance(g, list) else g for g in mode["groups"]]
    assert set(names) <= {"read", "edit", "command", "mcp", "modes"} and len(names) == len(set(names))
    edit = next(g for g in mode["groups"] if isinstance(g, list))
    assert set(edit[1]) == {"fileRegex", "description"}


def test_nothing_roo_code_would_rewrite_is_in_the_generated_text(tmp_path):
    hostile = {**STACK_A, "name": "a\u2013b \u201cquoted\u201d\u00a0x"}
    text = _mode_text(hostile, tmp_path)
    assert not set(text) & roo._ROO_REWRITES
    assert "a\\u2013b \\u201cquoted\\u201d\\u00a0x" in text


@pytest.mark.parametrize("raw,shown", [
    ("llama3:8b", '`"llama3:8b"`'),
    ("two\nlines", '`"two\\nlines"`'),
    ("tick`tock", '`"tick\\u0060tock"`'),
    ("sep\u2028arator\u200b", '`"sep\\u2028arator\\u200b"`'),
    ("emoji 🔥 ok", '`"emoji 🔥 ok"`'),
    ("bidi\u202eevil", '`"bidi\\u202eevil"`'),
])
def test_literal_is_one_inert_line(raw, shown):
    assert roo.literal(raw) == shown


def _js_regex_matches(pattern: str, paths: list[str]) -> list[bool]:
    node = shutil.which("node")
    if not node:
        pytest.skip("node is not installed")
    script = "const [p, ...xs] = JSON.parse(process.argv[1]); console.log(JSON.stringify(xs.map(x => new RegExp(p).test(x))))"
    out = subprocess.run([node, "-e", script, json.dumps([pattern, *paths])], capture_output=True, text=True, timeout=60)
    return json.loads(out.stdout)


def test_the_edit_restriction_blocks_roo_and_omas_in_javascript():
    blocked = [".roo/rules/x.md", "./.roo/mcp.json", ".Roo/core", "omas/agents/chaos.yaml", "OMAS/x",
               "D:\\BooPhoenix\\.roo\\core\\a.yaml", "/home/op/BooPhoenix/omas/rules/r.yaml", ".roo"]
    allowed = ["src/app.py", ".roomodes", "docs/roo.md", "omasx/file", "n8n/workflows/a.json", ".vscode/tasks.json"]
    assert _js_regex_matches(roo.EDIT_REGEX, blocked + allowed) == [False] * len(blocked) + [True] * len(allowed)


def test_tool_and_task_paths_exist_in_the_package():
    for path, kind, _ in roo.PHOENIX_TOOLS:
        if kind == "flow":
            assert (REPO / f"{path}__flow" / "flow.yaml").is_file(), path
        else:
            assert (REPO / f"{path}.py").is_file(), path
    for task in tasks(str(REPO), None):
        script = task["args"][0]
        if script.endswith(".py"):
            assert (REPO / script).is_file(), script
        if script == "scripts/run.py":
            target = task["args"][1]
            assert (REPO / f"{target}.py").is_file() or (REPO / f"{target}__flow").is_dir(), target


def test_windmill_tool_names_follow_windmills_transform():
    assert roo.mcp_tool_name("f/phoenix/router", "script") == "s-f_phoenix_router"
    assert roo.mcp_tool_name("f/phoenix/n8n/call_webhook", "script") == "s-f_phoenix_n8n_call__webhook"
    assert roo.mcp_tool_name("f/phoenix/omas/council", "flow") == "f-f_phoenix_omas_council"


def test_the_mcp_entry_references_the_token_and_quotes_the_workspace():
    stack = load_stack({"services": {"windmill": {"url": "http://127.0.0.1:8002/", "workspace": "my ws/../x"}},
                        "routing": {"overall_timeout_s": 5000}})
    entry = roo.mcp_server_entry(stack, "MY_TOKEN")
    assert entry == {"type": "streamable-http", "url": "http://127.0.0.1:8002/api/mcp/w/my%20ws%2F..%2Fx/mcp",
                     "headers": {"Authorization": "Bearer ${env:MY_TOKEN}"}, "timeout": 3600}


def test_roo_provider_points_at_the_openai_route_and_says_what_it_needs():
    provider = roo.roo_provider(load_stack({}), route_present=False)
    assert provider["base_url"] == "http://127.0.0.1:8002/api/r/phoenix/v1" and provider["model"] == "phoenix"
    assert "issue 16" in provider["needs"] and provider["route_in_package"] is False
