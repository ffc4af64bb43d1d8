#extra_requirements:
#jsonschema==4.26.0
#wmill==1.850.0

"""Pull n8n workflows into git-friendly files (one per workflow, stable, secret-free).

Reads every workflow from n8n's API (or from a folder of exported JSON files
such as n8n/workflows/) and writes its canonical form to out_dir, relative to
the stack root. Pulling again with nothing changed in n8n changes no file. A file edited
since the last pull (waiting to be pushed) is kept unless discard_local_edits.
"""

from typing import Literal, Optional

from f.phoenix.lib.job import job
from f.phoenix.lib.n8n.export import pull
from f.phoenix.lib.stack import c_phoenix_stack


@job
def main(
    source: Literal["api", "folder"] = "api",
    folder: str = "n8n/workflows",
    out_dir: str = "n8n/git",
    prune: bool = True,
    discard_local_edits: bool = False,
    stack: Optional[c_phoenix_stack] = None,
):
    return pull(stack, source=source, folder=folder, out_dir=out_dir, prune=prune,
                discard_local_edits=discard_local_edits)
