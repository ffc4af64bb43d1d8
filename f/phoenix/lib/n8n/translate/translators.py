# GENERATED from lib/n8n/translate/translators.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Every node translator, registered by importing the modules that define them.

Where is node type X translated? Every n8n-nodes-base node runs on the node host
(``host.py``) unless one of these modules registers it, under ``@structural(BASE + "X")``
(``LANGCHAIN + "X"`` for AI nodes) or, for a native step proven equal to n8n,
``@translates(BASE + "X")`` with an entry in ``registry.PROVEN_NATIVE``:

- ``nodes/triggers.py``: manual, webhook, form, chat, schedule, called and service triggers;
- ``nodes/flow_control.py``: Split In Batches, Wait, Respond to Webhook, No-op;
- ``nodes/subflows.py``: Execute Workflow, Execute Workflow Trigger, Error Trigger (sub-flows);
- ``nodes/data.py``: native data steps proven equal to n8n (Limit, Rename Keys);
- ``../ai.py``: agents and chains folded into a Phoenix router call.

A new translator goes into the module of its family (or a new module listed here).
"""

from __future__ import annotations

from ..ai import ai_root
from .nodes.data import limit
from .nodes.flow_control import split_in_batches
from .nodes.subflows import execute_workflow
from .nodes.triggers import manual_trigger

# One translator of each module: importing it made the module register all of its translators.
# (Windmill follows `from <module> import <name>` when it resolves a script's dependencies, not
# `from <package> import <module>`, so each module is imported by one of its names.)
ONE_PER_MODULE = (manual_trigger, split_in_batches, limit, execute_workflow, ai_root)
