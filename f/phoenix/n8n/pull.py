#extra_requirements:
#wmill==1.850.0

"""Pull n8n workflows into git-friendly files (one per workflow, stable, secret-free).

Reads every workflow from n8n's API (or from a folder of exported JSON files
such as n8n/workflows/) and writes its canonical form to out_dir, relative to
the stack root. Pulling again with nothing changed in n8n changes no file. A file edited
since the last pull (waiting to be pushed) is kept unless discard_local_edits.

Args:
    source: api reads n8n's REST API (key in N8N_API_KEY or the f/phoenix/n8n_api_key variable);
        folder reads exported JSON files.
    folder: The folder of exported JSON files when source is folder, relative to the stack root.
    out_dir: Where the git-friendly workflow files go, relative to the stack root.
    prune: Remove the files of workflows that are gone from the source (a file edited since the last
        pull is kept).
    discard_local_edits: Overwrite or remove files edited since the last pull instead of keeping
        them.
    stack: The Phoenix stack resource (c_phoenix_stack): the root folder and n8n's URL come from it;
        empty for the defaults.
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
