"""A real n8n 2.8.4 whose OpenAI Chat Model node points at Phoenix (scripts/serve.py, tiny model).

The node's ``openAiApi`` credential holds serve.py's token and, as its Base
URL, the OpenAI-compatible route; a Basic LLM Chain and an AI Agent with one
tool answer through it, called through each workflow's Webhook.
"""

from __future__ import annotations

import uuid

import pytest
import requests

from lib.n8n.client import N8nClient
from tests.openai.conftest import own_model, served_stack, server  # noqa: F401 - fixtures

pytestmark = pytest.mark.n8n


def _node(name: str, kind: str, version: float, parameters: dict, x: int, **extra) -> dict:
    return {"id": str(uuid.uuid4()), "name": name, "type": kind, "typeVersion": version,
            "position": [x, 0], "parameters": parameters, **extra}


def _workflow(name: str, path: str, worker: dict, credential: dict, tool: dict | None = None) -> dict:
    hook = _node("Webhook", "n8n-nodes-base.webhook", 2, {"path": path, "httpMethod": "POST",
                                                          "responseMode": "lastNode", "options": {}}, 0,
                 webhookId=str(uuid.uuid4()))
    model = _node("Phoenix", "@n8n/n8n-nodes-langchain.lmChatOpenAi", 1.2,
                  {"model": {"__rl": True, "mode": "id", "value": "phoenix"},
                   "options": {"temperature": 0, "maxTokens": 3000}}, 200,
                  credentials={"openAiApi": credential})
    nodes = [hook, worker, model] + ([tool] if tool else [])
    connections = {"Webhook": {"main": [[{"node": worker["name"], "type": "main", "index": 0}]]},
                   "Phoenix": {"ai_languageModel": [[{"node": worker["name"], "type": "ai_languageModel",
                                                      "index": 0}]]}}
    if tool:
        connections[tool["name"]] = {"ai_tool": [[{"node": worker["name"], "type": "ai_tool", "index": 0}]]}
    return {"name": name, "nodes": nodes, "connections": connections, "settings": {"executionOrder": "v1"}}


@pytest.fixture(scope="module")
def n8n(n8n_server):
    with N8nClient(n8n_server.url, n8n_server.api_key, timeout=(5, 120)) as client:
        yield client


@pytest.fixture(scope="module")
def phoenix_credential(n8n_server, server):
    base, token, _lines = server
    answer = requests.post(f"{n8n_server.url}/api/v1/credentials", timeout=30,
                           headers={"X-N8N-API-KEY": n8n_server.api_key},
                           json={"name": f"Phoenix {uuid.uuid4().hex[:6]}", "type": "openAiApi",
                                 "data": {"apiKey": token, "url": f"{base}/api/r/phoenix/v1", "header": False}})
    answer.raise_for_status()
    return {"id": answer.json()["id"], "name": answer.json()["name"]}


def _run(n8n, n8n_server, workflow: dict, path: str, question: str) -> requests.Response:
    created = n8n.create_workflow(workflow)
    n8n.publish_workflow(created["id"])
    answer = requests.post(f"{n8n_server.url}/webhook/{path}", json={"question": question}, timeout=180)
    if answer.status_code != 200:  # say why: the webhook only answers "Error in workflow"
        (execution,) = n8n.list_executions(workflow_id=created["id"], limit=1)[:1]
        detail = n8n.get_execution(execution["id"], include_data=True)
        pytest.fail(f"{answer.status_code}: {str(detail.get('data', {}).get('resultData', {}).get('error'))[:1500]}")
    return answer


def test_basic_llm_chain_answers_through_phoenix(n8n, n8n_server, phoenix_credential):
    path = f"chain-{uuid.uuid4().hex[:8]}"
    chain = _node("Chain", "@n8n/n8n-nodes-langchain.chainLlm", 1.7,
                  {"promptType": "define", "text": "={{ $json.body.question }}"}, 200)
    answer = _run(n8n, n8n_server, _workflow("Phoenix chain", path, chain, phoenix_credential), path, "Hello there")
    assert answer.status_code == 200, answer.text
    assert isinstance(answer.json()["text"], str) and answer.json()["text"]


def test_ai_agent_calls_one_tool_through_phoenix(n8n, n8n_server, phoenix_credential):
    path = f"agent-{uuid.uuid4().hex[:8]}"
    agent = _node("Agent", "@n8n/n8n-nodes-langchain.agent", 2.2,
                  {"promptType": "define", "text": "={{ $json.body.question }}",
                   "options": {"maxIterations": 4, "returnIntermediateSteps": True}}, 200)
    think = _node("Think", "@n8n/n8n-nodes-langchain.toolThink", 1.1, {}, 400)
    answer = _run(n8n, n8n_server, _workflow("Phoenix agent", path, agent, phoenix_credential, think), path,
                  "Think it over with the think tool, then answer: what is 2 + 2?")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    steps = body.get("intermediateSteps", [])
    assert steps and {step["action"]["tool"] for step in steps} == {"Think"}  # the tool n8n ran, via Phoenix
    assert all(isinstance(step["action"]["toolInput"], dict) for step in steps)  # arguments parsed as JSON
    assert isinstance(body["output"], str) and body["output"]  # then a plain answer ended the loop
