# GENERATED from lib/n8n/runtime.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""The runtime translated steps import: ``f/phoenix/n8n_host/runtime.ts`` (TypeScript, type-checked in CI).

n8n runs each node once per incoming item and lets expressions and Code
nodes read ``$json``, ``$input``, ``$('Node')``, ``$node[...]``, ``$items()``,
``$now``... A native translated step receives its items (``items``) and the
results of the nodes it reads (``nodes``: name -> items) as inputs; the
runtime's ``n8nContext`` rebuilds those bindings so the node's expressions run
unchanged, and ``toItems``/``passItems`` read the items however the earlier
step handed them on (plain JSON from native steps, n8n items from host steps).

Steps import it the way Windmill resolves a workspace script for a Bun step
(as host steps import the node host). The node's own expressions stay string
literals in the step; ``$e``/``$t`` evaluate them only when the node runs.
"""

from __future__ import annotations

from .literals import js_string

RUNTIME_PATH = "/f/phoenix/n8n_host/runtime.ts"


def runtime_import(*names: str) -> str:
    """``import { a, b } from "/f/phoenix/n8n_host/runtime.ts";`` (Phoenix's own names only)."""
    return f"import {{ {', '.join(sorted(names))} }} from {js_string(RUNTIME_PATH)};\n"


# Luxon is what n8n's $now/$today/DateTime are; Bun installs it from npm on first run.
LUXON_IMPORT = 'import { DateTime } from "luxon";\n'
# n8n's $now and $today, given to n8nContext so expressions and Code nodes see them
LUXON_BINDINGS = '{ DateTime, $now: DateTime.now(), $today: DateTime.now().startOf("day") }'
