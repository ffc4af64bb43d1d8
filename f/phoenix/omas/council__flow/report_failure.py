#extra_requirements:
#jsonschema==4.26.0
#pyyaml==6.0.3

"""Failure module: report which step of the council failed and why.

Args:
    message: The failed step's error message.
    name: The error's type name.
    step_id: The id of the step that failed.
"""

from f.phoenix.lib.job import job
from f.phoenix.lib.omas.council import failure_report


@job
def main(message: str, name: str = "Error", step_id: str = "unknown"):
    return failure_report(message, name, step_id)
