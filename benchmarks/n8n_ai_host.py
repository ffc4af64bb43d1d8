"""What an AI cluster step costs under Bun: start, an agent calling a tool, a retrieval chain.

Windmill starts one process per step; each sample here is a fresh Bun process
running one cluster with f/phoenix/n8n_ai/cluster.ts, as a generated step does:

- ``agent``: an agent (n8n 2.2) with Phoenix's chat model, a LangChain Code tool
  and an n8n-nodes-base node as tool; the model is a loopback route that calls both
  tools, then answers (two model calls), so the figure is the host's own cost;
- ``insert`` / ``ask``: three documents into the in-memory vector store, then a
  Q&A chain retrieving one: embeddings and the answer come from Phoenix's own
  routes (the stack's embedding model through the Ollama stand-in backed by the
  embedded SmolLM2 GGUF, the router answering on it), state through the
  loopback Windmill API.

``loaded`` is Bun's clock when cluster.ts and n8n's engine are imported (from the
process's own start), ``run`` the cluster's run inside the process (LangChain
node types load on first use, inside it), ``wall`` the process from spawn to exit.
Medians of --runs samples.

    python scripts/bench.py n8n_ai_host [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from tests.support import one_library  # noqa: E402

one_library.install()

from tests.support.n8n_host_run import bun_binary, host_environment, missing  # noqa: E402
from tests.support.ollama_server import OllamaStandIn  # noqa: E402
from tests.support.tiny_gguf import write_tiny_gguf  # noqa: E402
from tests.support.windmill_standin import WindmillStandIn  # noqa: E402

CLUSTER = REPO / "f" / "phoenix" / "n8n_ai" / "cluster.ts"
SMOL = Path.home() / ".cache" / "phoenix" / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"
LC = "@n8n/n8n-nodes-langchain."
PHOENIX = {"openAiApi": {"id": None, "name": "Phoenix router"}}
PROBE = """
const { runCluster } = await import(process.argv[2]);
const { engine } = await import(process.argv[4]);
await engine();
const loaded = performance.now();
const result = await runCluster(JSON.parse(process.argv[3]));
const run = performance.now() - loaded;
console.log("TIMES " + JSON.stringify({ loaded, run, error: result.error?.message ?? null }));
process.exit(0);
"""


def model(name: str = "Model") -> dict:
    return {"name": name, "type": LC + "lmChatOpenAi", "typeVersion": 1.2, "credentials": PHOENIX,
            "parameters": {"model": {"__rl": True, "mode": "id", "value": "phoenix"}, "options": {}}}


def embeddings() -> dict:
    return {"name": "Embed", "type": LC + "embeddingsOpenAi", "typeVersion": 1.2, "credentials": PHOENIX,
            "parameters": {"model": "phoenix", "options": {}}}


AGENT = {"node": {"name": "Agent", "type": LC + "agent", "typeVersion": 2.2,
                  "parameters": {"promptType": "define", "text": "={{ $json.q }}", "options": {}}},
         "items": [{"json": {"q": "shout and hash abc"}}],
         "subNodes": [model(), {"name": "Shout", "type": LC + "toolCode", "typeVersion": 1.1,
                                "parameters": {"name": "shout", "description": "upper-cases", "jsCode": "return query.toUpperCase();"}},
                      {"name": "Hash", "type": "n8n-nodes-base.cryptoTool", "typeVersion": 1,
                       "parameters": {"action": "hash", "type": "SHA256", "toolDescription": "hashes",
                                      "value": "={{ $fromAI('text') }}"}}],
         "connections": [{"source": "Model", "type": "ai_languageModel", "target": "Agent"},
                         {"source": "Shout", "type": "ai_tool", "target": "Agent"},
                         {"source": "Hash", "type": "ai_tool", "target": "Agent"}]}
DOCS = ["The capital of France is Paris.", "Bananas are yellow fruit rich in potassium.", "Python is a programming language."]
INSERT = {"node": {"name": "Store", "type": LC + "vectorStoreInMemory", "typeVersion": 1.3,
                   "parameters": {"mode": "insert", "memoryKey": {"__rl": True, "mode": "list", "value": "kb"}}},
          "items": [{"json": {"text": d}} for d in DOCS],
          "subNodes": [embeddings(), {"name": "Loader", "type": LC + "documentDefaultDataLoader", "typeVersion": 1.1,
                                      "parameters": {"jsonMode": "expressionData", "jsonData": "={{ $json.text }}",
                                                     "textSplittingMode": "simple", "options": {}}}],
          "connections": [{"source": "Embed", "type": "ai_embedding", "target": "Store"},
                          {"source": "Loader", "type": "ai_document", "target": "Store"}]}
ASK = {"node": {"name": "QA", "type": LC + "chainRetrievalQa", "typeVersion": 1.7,
                "parameters": {"promptType": "define", "text": "={{ $json.q }}", "options": {}}},
       "items": [{"json": {"q": "Which city is the capital of France?"}}],
       "subNodes": [model(), {"name": "Retriever", "type": LC + "retrieverVectorStore", "typeVersion": 1, "parameters": {"topK": 1}},
                    {"name": "Store", "type": LC + "vectorStoreInMemory", "typeVersion": 1.3,
                     "parameters": {"memoryKey": {"__rl": True, "mode": "list", "value": "kb"}}}, embeddings()],
       "connections": [{"source": "Model", "type": "ai_languageModel", "target": "QA"},
                       {"source": "Retriever", "type": "ai_retriever", "target": "QA"},
                       {"source": "Store", "type": "ai_vectorStore", "target": "Retriever"},
                       {"source": "Embed", "type": "ai_embedding", "target": "Store"}]}


def scripted_chat(body):
    results = [m for m in body["messages"] if m["role"] == "tool"]
    if results or not body.get("tools"):
        message = {"role": "assistant", "content": " | ".join(m["content"] for m in results) or "ok"}
    else:
        message = {"role": "assistant", "content": None, "tool_calls": [
            {"id": f"c{i}", "type": "function", "function": {"name": t["function"]["name"],
                                                              "arguments": json.dumps({"input": "abc", "text": "abc"})}}
            for i, t in enumerate(body["tools"])]}
    return 200, {"id": "x", "object": "chat.completion", "created": 1, "model": "phoenix",
                 "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                 "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


def sample(probe: Path, request: dict, env: dict) -> dict:
    started = time.perf_counter()
    proc = subprocess.run([str(bun_binary()), str(probe), str(CLUSTER), json.dumps(request),
                           str(REPO / "f" / "phoenix" / "n8n_host" / "engine.ts")],
                          capture_output=True, text=True, env=env, timeout=600)
    wall = time.perf_counter() - started
    lines = [line for line in proc.stdout.split("\n") if line.startswith("TIMES ")]
    if not lines:
        raise SystemExit(f"the probe failed: {proc.stderr[-2000:]}")
    times = json.loads(lines[-1][len("TIMES "):])
    if times["error"]:
        raise SystemExit(f"the cluster failed: {times['error']}")
    return {"loaded": times["loaded"] / 1000, "run": times["run"] / 1000, "wall": wall}


def report(name: str, samples: list[dict]) -> None:
    medians = {key: statistics.median(s[key] for s in samples) for key in ("loaded", "run", "wall")}
    print(f"{name:7} loaded {medians['loaded']:.2f} s   run {medians['run']:.2f} s   wall {medians['wall']:.2f} s"
          f"   ({len(samples)} runs)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    if missing():
        print(f"skipped: {missing()}")
        return 0
    with tempfile.TemporaryDirectory(prefix="phoenix-ai-bench-") as tmp:
        probe = Path(tmp, "probe.ts")
        probe.write_text(PROBE, encoding="utf-8")
        routes = {("POST", "/api/r/phoenix/v1/chat/completions"): scripted_chat}
        with WindmillStandIn("bench", scripted=routes) as windmill:
            env = {**host_environment(), **windmill.env()}
            sample(probe, AGENT, env)  # the engine bundle, built once per worker
            report("agent", [sample(probe, AGENT, env) for _ in range(options.runs)])
        if not SMOL.is_file():
            print(f"retrieval skipped: the embedded model is not at {SMOL}")
            return 0
        tiny = write_tiny_gguf(Path(tmp, "tiny.gguf"))
        with OllamaStandIn(SMOL, ["smol"]) as ollama:
            stack = {"root": tmp, "state_dir": str(Path(tmp, "state")), "services": {"ollama": {"url": ollama.url}},
                     "models": {"embedded": {"path": str(tiny)}, "embeddings": {"ollama": ["smol"]},
                                "ollama": {"reasoning": ["smol"], "coding": [], "fast": [], "complex": []}},
                     "routing": {"max_tokens": 24, "threads": 1}}
            with WindmillStandIn("bench", stack=stack) as windmill:
                env = {**host_environment(), **windmill.env()}
                inserts, asks = [], []
                for _ in range(options.runs):
                    inserts.append(sample(probe, INSERT, env))
                    asks.append(sample(probe, ASK, env))
                report("insert", inserts)
                report("ask", asks)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
