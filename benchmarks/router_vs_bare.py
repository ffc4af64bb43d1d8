#!/usr/bin/env python3
"""Generation tokens/s through the whole router path vs a bare llama-cpp-python loop.

Same model, same prompt, same greedy sampling, same thread count, in one run:

  python scripts/bench.py router_vs_bare                 # the embedded model
  python scripts/bench.py router_vs_bare --model x.gguf --tokens 128 --runs 5

The router path is ``route()`` end to end (stack loading, classification,
candidate ordering, breaker look-ups, the backend, orchestrator JSON). The
bare loop is ``Llama.generate()`` on the same ChatML prompt with its own model
instance. Both are warmed up first; the median of the runs is reported, and
the ratio router/bare should be at least 0.95.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lib.backends.llama_local import REPEAT_PENALTY, default_threads
from lib.backends.embedded.backend import ensure_embedded_model
from lib.router.core import route

PROMPT = "Describe, in a few sentences, how a home AI stack can route tasks between local models."


def bare_loop(llama, prompt: str, tokens: int) -> tuple[int, float, list[int]]:
    text = f"<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n"
    prompt_tokens = llama.tokenize(text.encode(), add_bos=False, special=True)
    produced: list[int] = []
    started = time.perf_counter()
    for token in llama.generate(prompt_tokens, temp=0.0, repeat_penalty=REPEAT_PENALTY):
        if token == llama.token_eos() or len(produced) >= tokens:
            break
        produced.append(token)
    return len(produced), time.perf_counter() - started, produced


def router_path(stack: dict, prompt: str, tokens: int) -> tuple[int, float]:
    started = time.perf_counter()
    result = route(prompt, stack, mode="text", max_tokens=tokens, temperature=0.0, priority="existing")
    elapsed = time.perf_counter() - started
    assert result["model"]["backend"] == "embedded", result["trace"]
    return result["usage"]["completion_tokens"], elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="GGUF file (default: the embedded model)")
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    model = Path(options.model) if options.model else ensure_embedded_model(log=lambda _: None)
    threads = default_threads()
    from llama_cpp import Llama

    bare = Llama(model_path=str(model), n_ctx=2048, n_threads=threads, n_threads_batch=threads, verbose=False)
    with tempfile.TemporaryDirectory() as state:
        stack = {"state_dir": state, "models": {"embedded": {"path": str(model), "n_ctx": 2048},
                                                "phoenixcore": {"path": None}},
                 "services": {"ollama": {"url": "http://127.0.0.1:9"}}, "routing": {"threads": threads}}
        router_path(stack, PROMPT, options.tokens)
        bare_loop(bare, PROMPT, options.tokens)
        router_rates, bare_rates = [], []
        for run in range(options.runs):
            n_router, t_router = router_path(stack, PROMPT, options.tokens)
            # The same number of tokens on both sides (the texts may differ slightly:
            # the chat handler and the raw loop do not sample identically).
            n_bare, t_bare, _ = bare_loop(bare, PROMPT, n_router)
            router_rates.append(n_router / t_router)
            bare_rates.append(n_bare / t_bare)
            print(f"run {run + 1}: router {n_router} tokens in {t_router:.3f}s ({n_router / t_router:.1f} tok/s), "
                  f"bare {n_bare} tokens in {t_bare:.3f}s ({n_bare / t_bare:.1f} tok/s)", flush=True)
    router_rate, bare_rate = statistics.median(router_rates), statistics.median(bare_rates)
    print(f"model: {model.name}, threads: {threads}, tokens per run: {options.tokens}")
    print(f"router path : {router_rate:.1f} tokens/s (median of {options.runs})")
    print(f"bare loop   : {bare_rate:.1f} tokens/s (median of {options.runs})")
    print(f"ratio router/bare: {router_rate / bare_rate:.3f} (target >= 0.95)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
