#extra_requirements:
#jsonschema==4.26.0
#wmill==1.850.0

"""Push pulled workflow files back to n8n safely (dry run unless told otherwise).

Shows the diff of each workflow that would change, refuses workflows changed
in n8n since the last pull (conflicts), backs up what it overwrites into the
stack's backup folder, and sends nothing for an unchanged workflow.
"""

from typing import Literal, Optional

from f.phoenix.lib.job import job
from f.phoenix.lib.n8n.push import push
from f.phoenix.lib.stack import c_phoenix_stack


@job
def main(
    folder: str = "n8n/git",
    workflow_ids: Optional[list[str]] = None,
    dry_run: bool = True,
    on_conflict: Literal["refuse", "overwrite"] = "refuse",
    create_missing: bool = False,
    stack: Optional[c_phoenix_stack] = None,
):
    return push(stack, folder=folder, workflow_ids=workflow_ids, dry_run=dry_run,
                on_conflict=on_conflict, create_missing=create_missing)
