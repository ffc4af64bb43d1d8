"""Run one ``route`` in a fresh process and print what the tests need as JSON.

``python -m tests.support.route_once <stack.json> [preferred backend]``: the
process-level breaker tests use it to show that state written by one job is
what the next job (a new process, as every Windmill job is) acts on.
"""

from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    began = time.monotonic()
    from lib.router.core import route

    # Client libraries are imported before the clock starts, so ``route_s`` is the
    # routing itself, not Python's import time (reported apart as ``process_s``).
    import lib.backends.ollama.backend, lib.backends.openai_compat.backend  # noqa: F401,E401
    import httpx, ollama  # noqa: F401,E401
    from huggingface_hub import InferenceClient  # noqa: F401

    stack = json.loads(open(sys.argv[1], encoding="utf-8").read())
    prefer = sys.argv[2:] or None
    routed = time.monotonic()
    result = route("Explain why the sky is blue", stack, prefer=prefer)
    print(json.dumps({"model": result["model"], "attempts": result["trace"]["attempts"],
                      "route_s": time.monotonic() - routed, "process_s": time.monotonic() - began}))


if __name__ == "__main__":
    main()
