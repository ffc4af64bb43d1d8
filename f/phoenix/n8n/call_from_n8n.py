#extra_requirements:
#pyyaml==6.0.3
#wmill==1.850.0

"""The URLs and the n8n HTTP Request node that run a Phoenix script or flow from n8n.

Paste the returned `n8n_snippet` on the n8n canvas. It references a "Bearer
Auth" credential by name; put a Windmill token in that credential once in n8n.
No token is ever part of the output.

Args:
    windmill_path: The Windmill script or flow n8n should run, e.g. f/phoenix/router or
        f/phoenix/omas/council.
    kind: Whether that path is a script or a flow.
    mode: sync waits for the result in the same HTTP call; async answers at once with a job id whose
        result n8n fetches later.
    credential_name: The name of the n8n Bearer Auth credential, holding a Windmill token, that the
        node uses.
    stack: The Phoenix stack resource (c_phoenix_stack): Windmill's URL and workspace come from it;
        empty for the defaults.
"""

from typing import Literal, Optional

from f.phoenix.lib.job import job
from f.phoenix.lib.n8n.webhooks import describe_windmill_call
from f.phoenix.lib.stack import c_phoenix_stack


@job
def main(
    windmill_path: str = "f/phoenix/router",
    kind: Literal["script", "flow"] = "script",
    mode: Literal["sync", "async"] = "sync",
    credential_name: str = "Phoenix Windmill token",
    stack: Optional[c_phoenix_stack] = None,
):
    return describe_windmill_call(windmill_path, kind, mode=mode, credential_name=credential_name, stack=stack)
