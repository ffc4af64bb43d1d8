#extra_requirements:
#jsonschema==4.26.0
#pyyaml==6.0.3

"""What the approver sees while the council waits: the plan, its risk and why approval is needed.

Args:
    decision: DemiGod's decision (DEMIGOD_OUTPUT) waiting for approval.
"""

from f.phoenix.lib.job import job
from f.phoenix.lib.omas.council import approval_request


@job
def main(decision: dict):
    return approval_request(decision)
