#!/usr/bin/env python3
"""What the OpenAI-compatible route adds over calling route() in process.

  python scripts/bench.py openai_route                  # tiny model, 20 runs, 16 tokens
  python scripts/bench.py openai_route --runs 50 --tokens 32

Same stack (only the tiny generated GGUF, as the embedded model), same prompt,
greedy sampling, one thread, in one run:

- ``route()`` in this process;
- ``chat_completions()`` in this process (the OpenAI request checks and
  response shaping on top of route());
- the official ``openai`` client against ``scripts/serve.py`` on loopback
  (the HTTP server, the client, JSON both ways);

the median of each and the difference per request, then the first-token
latency streamed: ``route_stream()``'s first piece in process vs the first
content chunk the client reads from the route. Windmill itself adds a job
per request (a queue, a new process: tens of milliseconds) that this does not
measure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from benchmarks._loopback import REPO, tiny_model

from lib.openai_api.chat import chat_completions
from lib.router.core import route, route_stream
from lib.stack import load_stack

PROMPT = "Describe how a home AI stack routes tasks between local models."
TOKEN = "benchmark-token"


def median_ms(call, runs: int) -> float:
    call()  # warm: the model loaded, the connection open
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def first_piece_ms(pieces_of, runs: int) -> float:
    def once():
        started = time.perf_counter()  # the request is sent by pieces_of() for a client stream
        pieces = pieces_of()
        next(pieces)
        took = time.perf_counter() - started
        for _ in pieces:
            pass
        return took

    once()
    return statistics.median(once() for _ in range(runs)) * 1000


def start_server(stack_file: Path) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "PHOENIX_SERVE_TOKEN": TOKEN, "HF_HUB_OFFLINE": "1"}
    process = subprocess.Popen([sys.executable, str(REPO / "scripts" / "serve.py"), "--port", "0",
                                "--stack", str(stack_file)], cwd=REPO, env=env, stderr=subprocess.PIPE, text=True)
    for line in process.stderr:
        if line.startswith("serving on "):
            return process, line.split()[-1]
    raise SystemExit("serve.py did not start")


def main(argv: list[str] | None = None) -> int:
    """Print the medians and the route's added latency.

    Args:
        argv: command-line arguments: --runs (requests per measurement, default 20),
            --tokens (max_tokens of each request, default 16).
    """
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--tokens", type=int, default=16)
    options = parser.parse_args(argv)
    from openai import OpenAI

    folder = Path(tempfile.mkdtemp(prefix="phoenix-openai-bench-"))
    document = {"root": str(folder), "state_dir": str(folder / "state"),
                "models": {"embedded": {"path": str(tiny_model(folder)), "n_ctx": 2048},
                           "ollama": {"reasoning": [], "coding": [], "fast": [], "complex": []}},
                "routing": {"threads": 1}}
    stack_file = folder / "stack.yaml"
    stack_file.write_text(yaml.safe_dump(document), encoding="utf-8")
    stack = load_stack(document)
    ask = {"model": "phoenix", "messages": [{"role": "user", "content": PROMPT}],
           "max_tokens": options.tokens, "temperature": 0}
    in_process = median_ms(lambda: route(PROMPT, stack, max_tokens=options.tokens, temperature=0), options.runs)
    shaped = median_ms(lambda: chat_completions(ask, stack), options.runs)
    process, base = start_server(stack_file)
    try:
        client = OpenAI(base_url=f"{base}/api/r/phoenix/v1", api_key=TOKEN, max_retries=0)
        over_http = median_ms(lambda: client.chat.completions.create(**ask), options.runs)
        first_local = first_piece_ms(lambda: route_stream(PROMPT, stack, max_tokens=options.tokens,
                                                          temperature=0), options.runs)
        first_http = first_piece_ms(lambda: (c for c in client.chat.completions.create(**ask, stream=True)
                                             if c.choices and c.choices[0].delta.content), options.runs)
    finally:
        process.terminate()
        process.wait(timeout=30)
    print(f"requests: {options.runs} per row, max_tokens {options.tokens}, tiny model, 1 thread")
    print(f"route() in process              {in_process:8.2f} ms")
    print(f"chat_completions() in process   {shaped:8.2f} ms   (+{shaped - in_process:.2f} ms: OpenAI checks and shapes)")
    print(f"openai client -> serve.py route {over_http:8.2f} ms   (+{over_http - in_process:.2f} ms per request)")
    print(f"first token, route_stream()     {first_local:8.2f} ms")
    print(f"first token, streamed route     {first_http:8.2f} ms   (+{first_http - first_local:.2f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
