#extra_requirements:
#jsonschema==4.26.0
#pyyaml==6.0.3

"""The council's result: DemiGod's decision with its approval status.

Args:
    decision: DemiGod's decision (DEMIGOD_OUTPUT), approved or not needing approval.
"""

from f.phoenix.lib.job import job
from f.phoenix.lib.omas.council import finalize


@job
def main(decision: dict):
    return finalize(decision)
