#extra_requirements:
#pyyaml==6.0.3
#wmill==1.850.0

"""Verify a backup: its checksum, every entry, and every file against the manifest.

Leave archive empty for the newest backup; give a file name from the backup
folder or a full path for another one.

Args:
    archive: The backup to verify: a file name in the stack's backup folder or a full path; empty
        for the newest backup.
    stack: The Phoenix stack resource (c_phoenix_stack); empty for the defaults, which describe a
        machine with nothing else running.
"""

from typing import Optional

from f.phoenix.lib.backup.verify import check_backup
from f.phoenix.lib.job import job
from f.phoenix.lib.stack import c_phoenix_stack


@job
def main(archive: str = "", stack: Optional[c_phoenix_stack] = None):
    return check_backup(stack, archive)
