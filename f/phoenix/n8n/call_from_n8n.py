#extra_requirements:
#jsonschema==4.26.0
#pyyaml==6.0.3
#wmill==1.850.0

"""The URLs and the n8n HTTP Request node that run a Phoenix script or flow from n8n.

Paste the returned `n8n_snippet` on the n8n canvas. It references a "Bearer
Auth" credential by name; put a Windmill token in that credential once in n8n.
No token is ever part of the output.
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
