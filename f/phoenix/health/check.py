#extra_requirements:
#httpx==0.28.1
#httpx2==2.16.2
#huggingface-hub==2.4.0
#jsonschema==4.26.0
#llama-cpp-python==0.3.36
#ollama==0.6.3
#wmill==1.850.0

"""Check the health of the whole Phoenix stack and show the status dashboard.

Probes services (n8n, Windmill, Ollama and its models, Postgres), containers
through Podman, the operator's folders, models and integrations, all at once
with per-probe deadlines. Keeps history with flap damping, alerts the stack's
alert URL once per status change, tells the router which backends are up, and
writes docs/system-status.md in the operator's folder.

Args:
    output: dashboard answers with the status dashboard as markdown; report with every component's
        status, detail and history as JSON.
    send_alerts: POST each confirmed status change to the stack's alerts.url.
    write_dashboard: Also write the dashboard to docs/system-status.md in the operator's folder.
    stack: The Phoenix stack resource (c_phoenix_stack); empty for the defaults, which describe a
        machine with nothing else running.
"""

from typing import Literal, Optional

from f.phoenix.lib.health.run import health_check
from f.phoenix.lib.job import job
from f.phoenix.lib.stack import c_phoenix_stack


@job
def main(
    output: Literal["dashboard", "report"] = "dashboard",
    send_alerts: bool = True,
    write_dashboard: bool = True,
    stack: Optional[c_phoenix_stack] = None,
):
    return health_check(stack, output=output, send_alerts=send_alerts, write_dashboard=write_dashboard)
