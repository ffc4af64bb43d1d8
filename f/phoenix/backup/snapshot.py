#extra_requirements:
#pyyaml==6.0.3
#wmill==1.850.0

"""Back up the operator's folders into a timestamped, verified archive.

Archives .roo/, omas/, n8n/ and src/ by default (the stack's backup.folders)
with a manifest of sha256 sums, written under a temporary name and renamed
only when complete; verifies it; then applies retention (the newest backups
of each label are kept, and never the newest good one is deleted).

Args:
    folders: The folders to archive, relative to the stack root; empty for the stack's
        backup.folders (.roo, omas, n8n and src by default).
    label: A name for this backup in its file name (lowercase letters, digits and dashes); retention
        keeps the newest backups of each label apart.
    prune: After a verified backup, delete the old ones beyond the stack's backup.keep (never the
        newest good one).
    stack: The Phoenix stack resource (c_phoenix_stack); empty for the defaults, which describe a
        machine with nothing else running.
"""

from typing import Optional

from f.phoenix.lib.backup.snapshot import take_snapshot
from f.phoenix.lib.job import job
from f.phoenix.lib.stack import c_phoenix_stack


@job
def main(
    folders: Optional[list[str]] = None,
    label: str = "manual",
    prune: bool = True,
    stack: Optional[c_phoenix_stack] = None,
):
    return take_snapshot(stack, folders=folders, label=label, prune=prune)
