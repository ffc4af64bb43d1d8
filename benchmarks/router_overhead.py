"""Router overhead per request: Phoenix's router against LiteLLM's Router.

Same run, same loopback backend, same request. For each API (Ollama's, and
the OpenAI-compatible one served by llama.cpp's own server) these callers
take turns, round after round, in rotating order:

- ``direct``: one plain httpx POST of the same body on a kept-alive
  connection: the model's own time plus the unavoidable HTTP round trip;
- ``client``: the official client library alone, called as Phoenix calls it
  (``ollama.Client.chat``; ``InferenceClient`` preparing and sending the
  request, Phoenix reading the JSON reply: ``openai_compat/backend.py``'s ``_chat``), the part
  of Phoenix's overhead that the mandated client costs;
- ``chat_completion`` (OpenAI API only, for reference): the same request
  through ``InferenceClient.chat_completion``, which also turns the reply into
  its nested dataclasses (why Phoenix reads the reply itself);
- ``phoenix``: ``route(...)`` with a loaded stack (classification, policy,
  breakers read from the store, the official client, validation, the
  orchestrator JSON and the trace);
- ``litellm``: ``Router.completion(...)`` with one deployment on that server.

Overhead is everything but the model's own time and the wire: the latency of
a call minus the time spent inside the HTTP transport (sending the request,
the server's work, reading the whole response). That time is clocked by
wrapping ``handle_request`` of httpx's and httpx2's transports, which every
client here goes through (ollama, the openai SDK LiteLLM uses, InferenceClient).
Each sample is one call; the figure is the median of its overheads. The tiny
GGUF never stops early, so every caller makes the server do the same work.
Callers run in blocks of calls, in rotating order, with a pause after each
block: LiteLLM hands logging to six background threads after every call, and
calls interleaved one by one would bill that work (GIL contention) to
whichever caller comes next.

A last section times the routers' own logic with no client and no HTTP at
all: ``route()`` over a backend that answers at once, against LiteLLM's
``Router.completion(..., mock_response=...)``, which skips its HTTP call.

    python scripts/bench.py router_overhead [--rounds 600] [--max-tokens 8]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no fetch of the cost map at import

from benchmarks._loopback import phoenix_stack, server, tiny_model  # noqa: E402
from lib.backends import registry  # noqa: E402
from lib.backends.base import Completion  # noqa: E402
from lib.backends.openai_compat.backend import OpenAICompatBackend, _chat, _prepare_session  # noqa: E402
from lib.router.core import route  # noqa: E402
from lib.stack import load_stack  # noqa: E402

MESSAGES = [{"role": "user", "content": "hi"}]


def callers(api: str, url: str, state_dir: Path, max_tokens: int) -> dict:
    import httpx
    import litellm
    from litellm import Router

    litellm.telemetry = False
    http = httpx.Client(timeout=30)
    if api == "ollama":
        stack = load_stack(phoenix_stack(state_dir, ollama_url=url))
        prefer, deployment = ["ollama"], {"model": "ollama_chat/llama3:8b", "api_base": url}
        body = {"model": "llama3:8b", "messages": MESSAGES, "stream": False,
                "options": {"num_predict": max_tokens, "temperature": 0}}
        endpoint = f"{url}/api/chat"
    else:
        stack = load_stack(phoenix_stack(state_dir, openai_url=url))
        prefer = ["openai:llamacpp"]
        deployment = {"model": "openai/tiny", "api_base": f"{url}/v1", "api_key": "none"}
        body = {"model": "tiny", "messages": MESSAGES, "max_tokens": max_tokens, "temperature": 0}
        endpoint = f"{url}/v1/chat/completions"
    router = Router(model_list=[{"model_name": "tiny", "litellm_params": deployment}])

    def direct():
        response = http.post(endpoint, json=body)
        response.raise_for_status()
        return response.json()

    if api == "ollama":
        import ollama

        bare = ollama.Client(host=url, timeout=30)

        def client():
            return bare.chat(model="llama3:8b", messages=MESSAGES, stream=False,
                             options={"num_predict": max_tokens, "temperature": 0})
    else:
        _prepare_session()  # offline mode would refuse loopback otherwise
        bare = OpenAICompatBackend("openai:bare", url)._new_client(None)  # the client exactly as Phoenix builds it
        bare.timeout = 30

        def client():
            return _chat(bare, MESSAGES, max_tokens=max_tokens, temperature=0, model="tiny")

        def chat_completion():
            return bare.chat_completion(MESSAGES, max_tokens=max_tokens, temperature=0, model="tiny")

    def phoenix():
        result = route("hi", stack, prefer=prefer, max_tokens=max_tokens, temperature=0)
        assert result["model"]["backend"] == prefer[0], result["trace"]["attempts"]
        return result

    def litellm_router():
        return router.completion(model="tiny", messages=MESSAGES, max_tokens=max_tokens, temperature=0)

    calls = {"direct": direct, "client": client, "phoenix": phoenix, "litellm": litellm_router}
    if api != "ollama":
        calls["chat_completion"] = chat_completion
    return calls


class WireClock:
    """Time spent inside HTTP transports (request out, server work, response in)."""

    def __init__(self):
        self.seconds = 0.0
        self.requests = 0

    def install(self) -> None:
        import httpx
        import httpx2

        for transport in (httpx.HTTPTransport, httpx2.HTTPTransport):
            transport.handle_request = self._timed(transport.handle_request)

    def _timed(self, handle_request):
        clock = self

        def timed(transport, request):
            began = time.perf_counter()
            response = handle_request(transport, request)
            response.read()  # the body is wire time too; later reads return it from memory
            clock.seconds += time.perf_counter() - began
            clock.requests += 1
            return response
        return timed


def measure(calls: dict, clock: WireClock, rounds: int, warmup: int = 10, block: int = 50,
            pause_s: float = 0.3) -> dict[str, dict]:
    names = list(calls)
    for _ in range(warmup):
        for name in names:
            calls[name]()
    samples = {name: {"total": [], "overhead": [], "requests": 0} for name in names}
    for repetition in range(max(1, rounds // block)):
        shift = repetition % len(names)
        for name in names[shift:] + names[:shift]:
            time.sleep(pause_s)  # let the previous caller's background work finish
            for _ in range(block):
                wire_before, requests_before = clock.seconds, clock.requests
                began = time.perf_counter()
                calls[name]()
                total = time.perf_counter() - began
                samples[name]["total"].append(total)
                samples[name]["overhead"].append(total - (clock.seconds - wire_before))
                samples[name]["requests"] += clock.requests - requests_before
    return samples


def report(api: str, samples: dict[str, dict]) -> dict:
    ms = {name: {key: statistics.median(values) * 1000 for key, values in entry.items() if key != "requests"}
          for name, entry in samples.items()}
    rounds = len(samples["direct"]["total"])
    ratio = ms["litellm"]["overhead"] / ms["phoenix"]["overhead"]
    print(f"\n{api} API: {rounds} calls each, median ms per request")
    print(f"  {'caller':30s} {'latency':>9s} {'overhead':>9s} {'HTTP requests/call':>19s}")
    for name, label in (("direct", "direct httpx call"), ("client", "official client alone"),
                        ("chat_completion", "  (InferenceClient.chat_completion)"),
                        ("phoenix", "phoenix route()"), ("litellm", "litellm Router.completion()")):
        if name not in ms:
            continue
        print(f"  {label:30s} {ms[name]['total']:9.3f} {ms[name]['overhead']:9.3f} "
              f"{samples[name]['requests'] / rounds:19.1f}")
    own = ms["phoenix"]["overhead"] - ms["client"]["overhead"]
    print(f"  phoenix's own logic (route() minus the client alone): {own:.3f} ms")
    print(f"  router overhead ratio, litellm / phoenix: {ratio:.1f}x (target >= 10x)")
    return {"api": api, "median_ms": ms, "ratio": ratio}


class NullBackend:
    """Answers at once: what is left of route() is the router's own logic."""

    name = "ollama"

    def complete(self, request, model, deadline):
        return Completion("hello there", "ollama", model or "-", 1, 8, 0.0, "length")


def logic_only(state_dir: Path, rounds: int) -> None:
    import litellm
    from litellm import Router

    litellm.telemetry = False
    stack = load_stack(phoenix_stack(state_dir, ollama_url="http://127.0.0.1:9"))
    router = Router(model_list=[{"model_name": "tiny", "litellm_params": {
        "model": "ollama_chat/llama3:8b", "api_base": "http://127.0.0.1:9"}}])
    null_ollama = dataclasses.replace(registry.kind_of("ollama"), build=lambda _stack, _key: NullBackend())
    with registry.registered(null_ollama):
        calls = {
            "phoenix": lambda: route("hi", stack, prefer=["ollama"], max_tokens=8, temperature=0),
            "litellm": lambda: router.completion(model="tiny", messages=MESSAGES, max_tokens=8, temperature=0,
                                                 mock_response="hello there"),
        }
        times = {name: [] for name in calls}
        for name in calls:
            for _ in range(10):
                calls[name]()
        for repetition in range(max(1, rounds // 50)):
            for name in (list(calls) if repetition % 2 else list(calls)[::-1]):
                time.sleep(0.3)
                for _ in range(50):
                    began = time.perf_counter()
                    calls[name]()
                    times[name].append(time.perf_counter() - began)
    ms = {name: statistics.median(values) * 1000 for name, values in times.items()}
    print(f"\nrouter logic alone (no client, no HTTP): {len(times['phoenix'])} calls each, median ms per request")
    print(f"  phoenix route() over a backend that answers at once   {ms['phoenix']:8.3f}")
    print(f"  litellm Router.completion(mock_response=...)          {ms['litellm']:8.3f}")
    print(f"  ratio, litellm / phoenix: {ms['litellm'] / ms['phoenix']:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=600)
    parser.add_argument("--max-tokens", type=int, default=8)
    parser.add_argument("--api", choices=["ollama", "openai", "both"], default="both")
    args = parser.parse_args()
    try:
        import litellm
    except ImportError:
        sys.exit("this benchmark compares against LiteLLM: pip install litellm==1.110.2")

    print(f"litellm {litellm.__version__ if hasattr(litellm, '__version__') else _version('litellm')}, "
          f"ollama {_version('ollama')}, huggingface-hub {_version('huggingface-hub')}, "
          f"llama-cpp-python {_version('llama-cpp-python')}")
    apis = ["ollama", "openai"] if args.api == "both" else [args.api]
    clock = WireClock()
    clock.install()
    with tempfile.TemporaryDirectory() as work:
        gguf = tiny_model(Path(work))
        for api in apis:
            with server("ollama" if api == "ollama" else "llamacpp", gguf) as url:
                calls = callers(api, url, Path(work) / f"state-{api}", args.max_tokens)
                report(api, measure(calls, clock, args.rounds))
        logic_only(Path(work) / "state-logic", args.rounds)


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


if __name__ == "__main__":
    main()
