#extra_requirements:
#jsonschema==4.26.0
#pyyaml==6.0.3
#wmill==1.850.0

"""Call an n8n webhook (a published workflow's Webhook node) from Windmill.

The secret for header, basic ("user:password") or bearer auth is read from a
Windmill variable, or an environment variable of the worker; it never appears
in the result. Failures (n8n down, slow, unknown path, refused auth) come back
as {"ok": false, "error": {...}}.
"""

from typing import Literal, Optional

from f.phoenix.lib.job import job
from f.phoenix.lib.n8n.webhooks import call_webhook
from f.phoenix.lib.stack import c_phoenix_stack


@job
def main(
    path: str,
    payload: Optional[dict] = None,
    method: Literal["POST", "GET", "PUT", "PATCH", "DELETE"] = "POST",
    auth: Literal["none", "header", "basic", "bearer"] = "none",
    secret_variable: str = "f/phoenix/n8n_webhook_secret",
    secret_env: str = "N8N_WEBHOOK_SECRET",
    header_name: str = "Authorization",
    timeout_s: float = 30.0,
    stack: Optional[c_phoenix_stack] = None,
):
    return call_webhook(path, payload, method=method, auth=auth, secret_variable=secret_variable,
                        secret_env=secret_env, header_name=header_name, timeout_s=timeout_s, stack=stack)
