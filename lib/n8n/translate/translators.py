"""Every node translator, registered by importing the modules that define them.

Where is node type X translated? In one of these modules, under
``@translates(BASE + "X")`` (``LANGCHAIN + "X"`` for AI nodes):

- ``nodes/triggers.py``: manual, webhook, form, chat, schedule, called and service triggers;
- ``nodes/flow_control.py``: IF, Filter, Switch, Merge, No-op, Split In Batches, Wait,
  Stop and Error, Respond to Webhook;
- ``nodes/subflows.py``: Execute Workflow, Execute Workflow Trigger, Error Trigger;
- ``nodes/data.py``: Set, Split Out, Aggregate, Limit, Sort, Remove Duplicates, Rename Keys,
  Summarize, Item Lists;
- ``nodes/code.py``: Code, Function, Function Item;
- ``nodes/http.py``: HTTP Request;
- ``nodes/date_time.py``: Date & Time;
- ``../services.py``: service nodes that are one documented API call (Telegram, Slack, ...);
- ``../ai.py``: agents and chains folded into a Phoenix router call.

A new translator goes into the module of its family (or a new module listed here).
"""

from __future__ import annotations

from ..ai import ai_root
from ..services import telegram
from .nodes.code import code_node
from .nodes.data import set_node
from .nodes.date_time import date_time
from .nodes.flow_control import if_node
from .nodes.http import http_request
from .nodes.subflows import execute_workflow
from .nodes.triggers import manual_trigger

# One translator of each module: importing it made the module register all of its translators.
# (Windmill follows `from <module> import <name>` when it resolves a script's dependencies, not
# `from <package> import <module>`, so each module is imported by one of its names.)
ONE_PER_MODULE = (manual_trigger, if_node, set_node, code_node, http_request, date_time, execute_workflow, telegram,
                  ai_root)
