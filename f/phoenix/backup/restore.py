#extra_requirements:
#pyyaml==6.0.3
#wmill==1.850.0

"""Restore a backup into a folder: verified first, and a dry run unless you say otherwise.

Leave archive empty for the newest full backup (pre-write backups of one
folder are only restored by name) and target empty for the stack's root
folder; a relative target is under the root. The dry run lists what would be
created or replaced. Existing
files that differ are replaced only with overwrite; entries that would land
outside the target are refused; writing into .roo/ or omas/ first takes a
verified backup of what is there.

Args:
    archive: The backup to restore: a file name in the stack's backup folder or a full path; empty
        for the newest backup.
    target: The folder to restore into; empty for the stack's root folder.
    dry_run: Only list what would be created or replaced, and write nothing. Turn it off to restore.
    overwrite: Replace existing files that differ from the backup; without it such files make the
        restore refuse.
    stack: The Phoenix stack resource (c_phoenix_stack); empty for the defaults, which describe a
        machine with nothing else running.
"""

from typing import Optional

from f.phoenix.lib.backup.restore import restore_backup
from f.phoenix.lib.job import job
from f.phoenix.lib.stack import c_phoenix_stack


@job
def main(
    archive: str = "",
    target: str = "",
    dry_run: bool = True,
    overwrite: bool = False,
    stack: Optional[c_phoenix_stack] = None,
):
    return restore_backup(stack, archive or None, target or None, dry_run=dry_run, overwrite=overwrite)
