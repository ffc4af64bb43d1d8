#extra_requirements:
#wmill==1.850.0

"""Translate n8n workflow JSON files into Windmill flows, with a per-file report.

Reads every *.json under input_dir (recursively, relative to the stack root),
writes one flow folder per workflow (plus schedule and HTTP trigger files) to
out_dir, and returns the report: status and node counts per file. Nodes that
cannot be translated become placeholder steps that fail when run, saying why.

Args:
    input_dir: The folder of n8n workflow JSON files (read recursively), relative to the stack root.
    out_dir: Where the Windmill flow folders go, relative to the stack root.
    path_prefix: The Windmill folder the translated flows will live in: each flow is
        <path_prefix>/<workflow slug>, and calls between workflows use these paths.
    stack: The Phoenix stack resource (c_phoenix_stack): the root folder comes from it; empty for
        the defaults.
"""

from typing import Optional

from f.phoenix.lib.job import job
from f.phoenix.lib.n8n.report import translate_stack_folder
from f.phoenix.lib.stack import c_phoenix_stack


@job
def main(
    input_dir: str = "n8n/workflows",
    out_dir: str = "n8n/windmill",
    path_prefix: str = "f/phoenix/n8n",
    stack: Optional[c_phoenix_stack] = None,
):
    return translate_stack_folder(stack, input_dir=input_dir, out_dir=out_dir, path_prefix=path_prefix)
