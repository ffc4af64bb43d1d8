"""Failover cost: what a dead preferred backend costs the requests after it.

Preferred backend: Ollama (the loopback stand-in). Fallback: llama.cpp's
OpenAI-compatible server. Both serve the tiny GGUF. For each way of being
dead, a fresh breaker state, then eleven requests in a row:

- ``refused``: nothing listens on Ollama's port;
- ``hung``: Ollama accepts connections and never answers (attempt deadline
  ``--attempt-timeout`` seconds).

Printed: the first request's latency, the median and worst of the next ten,
against the healthy path (Ollama answering) and the fallback's own healthy
latency (what a request costs when it goes straight to the fallback). The
same is then run with every request in a NEW PROCESS (as every Windmill job
is), timing ``route()`` inside each. With ``--litellm``, LiteLLM's Router
with the same primary, fallback and timeout goes through the hung case too.

    python scripts/bench.py failover_cost [--attempt-timeout 2] [--litellm]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from benchmarks._loopback import REPO, free_port, phoenix_stack, server, tiny_model  # noqa: E402
from lib.router.core import route  # noqa: E402
from lib.stack import load_stack  # noqa: E402

PROMPT = "Explain why the sky is blue"


def _stack(work: Path, name: str, ollama_url: str, openai_url: str, attempt_timeout: float) -> dict:
    return phoenix_stack(work / f"state-{name}", ollama_url=ollama_url, openai_url=openai_url,
                         attempt_timeout_s=attempt_timeout, max_tokens=8, temperature=0,
                         breaker={"failures_to_open": 1, "cooldown_s": 300})


def in_process(stack: dict, prefer: list[str], count: int = 11) -> tuple[list[float], list[str]]:
    loaded = load_stack(stack)
    times, answered_by = [], []
    for _ in range(count):
        began = time.perf_counter()
        result = route(PROMPT, loaded, prefer=prefer)
        times.append(time.perf_counter() - began)
        answered_by.append(result["model"]["backend"])
    return times, answered_by


def in_new_processes(stack: dict, work: Path, name: str, prefer: str = "ollama", count: int = 11):
    path = work / f"stack-{name}.json"
    path.write_text(json.dumps(stack))
    times, answered_by, spent = [], [], []
    for _ in range(count):
        done = subprocess.run([sys.executable, "-m", "tests.support.route_once", str(path), prefer],
                              cwd=REPO, capture_output=True, text=True, timeout=300, check=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        times.append(result["route_s"])
        answered_by.append(result["model"]["backend"])
        spent.append(sum(a["seconds"] for a in result["attempts"] if a["backend"] == "ollama"))
    return times, answered_by, spent


def litellm_series(primary_url: str, fallback_url: str, timeout: float, count: int = 11):
    try:
        import litellm
    except ImportError:
        sys.exit("--litellm compares against LiteLLM: pip install litellm==1.110.2")
    from litellm import Router

    litellm.telemetry = False
    router = Router(model_list=[
        {"model_name": "primary", "litellm_params": {"model": "ollama_chat/llama3:8b", "api_base": primary_url,
                                                     "timeout": timeout}},
        {"model_name": "fallback", "litellm_params": {"model": "openai/tiny", "api_base": f"{fallback_url}/v1",
                                                      "api_key": "none", "timeout": timeout}}],
        fallbacks=[{"primary": ["fallback"]}], num_retries=0, timeout=timeout)
    times, answered_by = [], []
    for _ in range(count):
        began = time.perf_counter()
        reply = router.completion(model="primary", messages=[{"role": "user", "content": PROMPT}], max_tokens=8,
                                  temperature=0)
        times.append(time.perf_counter() - began)
        answered_by.append(str(reply.model))
    return times, answered_by


def line(label: str, times: list[float], answered_by: list[str], spent: list[float] | None = None) -> None:
    first, rest = times[0] * 1000, [t * 1000 for t in times[1:]]
    text = (f"  {label:44s} first {first:9.1f}   next ten median {statistics.median(rest):7.1f}"
            f"   worst {max(rest):7.1f}   answered by {', '.join(sorted(set(answered_by)))}")
    if spent:
        text += (f"\n  {'':44s} of which on Ollama's attempts: first {spent[0] * 1000:.1f},"
                 f" next ten at most {max(spent[1:]) * 1000:.1f}")
    print(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempt-timeout", type=float, default=2.0)
    parser.add_argument("--litellm", action="store_true", help="also run LiteLLM's Router through the hung case")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        gguf = tiny_model(work)
        with server("llamacpp", gguf) as fallback, server("ollama", gguf) as healthy, \
                server("ollama", gguf, fault="hang") as hung:
            refused = f"http://127.0.0.1:{free_port()}"
            timeout = args.attempt_timeout
            print(f"latency in ms; attempt deadline {timeout}s; breaker cooldown 300s\n\nin one process:")
            in_process(_stack(work, "warm", healthy, fallback, timeout), ["ollama"], 3)  # load, connect
            line("healthy path (Ollama answers)", *in_process(_stack(work, "healthy", healthy, fallback, timeout),
                                                               ["ollama"]))
            line("fallback alone (llama.cpp server answers)",
                 *in_process(_stack(work, "fallback", healthy, fallback, timeout), ["openai:llamacpp"]))
            for name, url in (("refused", refused), ("hung", hung)):
                line(f"Ollama {name}, falls back", *in_process(_stack(work, name, url, fallback, timeout), ["ollama"]))
            print("\none new process per request (route() timed inside each, client libraries imported first):")
            line("healthy path (Ollama answers)",
                 *in_new_processes(_stack(work, "p-healthy", healthy, fallback, timeout), work, "p-healthy"))
            line("fallback alone (llama.cpp server answers)",
                 *in_new_processes(_stack(work, "p-fallback", healthy, fallback, timeout), work, "p-fallback",
                                   "openai:llamacpp"))
            for name, url in (("refused", refused), ("hung", hung)):
                line(f"Ollama {name}, falls back",
                     *in_new_processes(_stack(work, f"p-{name}", url, fallback, timeout), work, f"p-{name}"))
            if args.litellm:
                print("\nLiteLLM Router, same primary, fallback and timeout, one process:")
                line("Ollama hung, falls back", *litellm_series(hung, fallback, timeout))


if __name__ == "__main__":
    main()
