#extra_requirements:
#pyyaml==6.0.3
#wmill==1.850.0

"""Call an n8n webhook (a published workflow's Webhook node) from Windmill.

The secret for header, basic ("user:password") or bearer auth is read from a
Windmill variable, or an environment variable of the worker; it never appears
in the result. Failures (n8n down, slow, unknown path, refused auth) come back
as {"ok": false, "error": {...}}.

Args:
    path: The Webhook node's path in n8n, e.g. phoenix-echo (called as <n8n url>/webhook/<path>).
    payload: The JSON body to send; empty for {}. GET sends none.
    method: The HTTP method the Webhook node listens to.
    auth: The authentication the Webhook node expects: none, header (a secret in header_name), basic
        (the secret is user:password) or bearer.
    secret_variable: The Windmill variable that holds the secret (read inside Windmill).
    secret_env: The worker's environment variable to read the secret from when the variable has
        none.
    header_name: The header that carries the secret when auth is header.
    timeout_s: Seconds to wait for n8n's answer (at most 3600).
    stack: The Phoenix stack resource (c_phoenix_stack): n8n's URL comes from it; empty for the
        defaults.
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
