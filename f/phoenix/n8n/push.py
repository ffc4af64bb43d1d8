#extra_requirements:
#wmill==1.850.0

"""Push pulled workflow files back to n8n safely (dry run unless told otherwise).

Shows the diff of each workflow that would change, refuses workflows changed
in n8n since the last pull (conflicts), backs up what it overwrites into the
stack's backup folder, and sends nothing for an unchanged workflow.

Args:
    folder: The folder of pulled workflow files, relative to the stack root.
    workflow_ids: Push only these n8n workflow ids; empty for every workflow in the folder.
    dry_run: Only show the diff of what would change, and send nothing. Turn it off to push.
    on_conflict: What to do with a workflow changed both here and in n8n since the last pull: refuse
        it, or overwrite n8n's version (backed up first).
    create_missing: Create in n8n the workflows of files it does not have; without it they are
        reported and left alone.
    stack: The Phoenix stack resource (c_phoenix_stack): the root folder and n8n's URL come from it;
        empty for the defaults.
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
