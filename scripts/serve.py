#!/usr/bin/env python3
"""Serve the package's HTTP routes on loopback, the way Windmill serves them.

  python scripts/serve.py --stack my-stack.yaml            # port 8765
  python scripts/serve.py --port 0 --stack my-stack.yaml   # any free port (printed)

Every f/phoenix/**/*.http_trigger.yaml is served at /api/r/<route_path>
(so the OpenAI-compatible base URL is http://127.0.0.1:<port>/api/r/phoenix/v1),
each request run in this one process: models stay loaded between requests.
Routes with authentication_method windmill want "Authorization: Bearer
<token>": the token is the value of $PHOENIX_SERVE_TOKEN, or one generated
at start and printed once to stderr (never written to a file).
See scripts/tooling/http_routes.py for what is reproduced of Windmill.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.tooling.http_routes import load_routes, make_server  # noqa: E402
from scripts.tooling.local_runner import LocalRunError, check_resources, load_document  # noqa: E402

TOKEN_ENV = "PHOENIX_SERVE_TOKEN"
LOOPBACK = ("127.0.0.1", "::1", "localhost")


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted.

    Args:
        argv: command-line arguments (default: sys.argv[1:]): --host (loopback only,
            default 127.0.0.1), --port (default 8765; 0 picks a free one), --stack (a stack
            YAML file used for every c_phoenix_stack argument), --resources (a local
            resources YAML file, as scripts/run.py takes).
    """
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on")
    parser.add_argument("--port", type=int, default=8765, help="port (0: any free one)")
    parser.add_argument("--stack", default=None, help="stack YAML file for c_phoenix_stack arguments")
    parser.add_argument("--resources", default=None, help="local resources/variables YAML file")
    options = parser.parse_args(argv)
    if options.host not in LOOPBACK:
        print(f"error: --host {options.host}: serve.py listens on loopback only (Windmill is the way to share)",
              file=sys.stderr)
        return 2
    try:
        resources = check_resources(load_document(options.resources, "--resources"))
        if options.stack:
            resources.setdefault("resource_types", {})["c_phoenix_stack"] = load_document(options.stack, "--stack")
    except LocalRunError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    token = os.environ.get(TOKEN_ENV) or _announced_token()
    server = make_server(options.host, options.port, token, resources)
    routes, skipped = load_routes()
    host, port = server.server_address[:2]
    for line in skipped:
        print(f"not served: {line}", file=sys.stderr)
    for method, path in sorted(routes, key=lambda key: key[1]):
        print(f"{method:6} http://{host}:{port}{path}", file=sys.stderr)
    print(f"serving on http://{host}:{port}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _announced_token() -> str:
    token = secrets.token_urlsafe(32)
    print(f"token (set {TOKEN_ENV} to choose one): {token}", file=sys.stderr)
    return token


if __name__ == "__main__":
    sys.exit(main())
