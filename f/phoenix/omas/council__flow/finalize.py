#extra_requirements:
#jsonschema==4.26.0
#pyyaml==6.0.3
#wmill==1.850.0

"""The council's result: DemiGod's decision with its approval status."""

from f.phoenix.lib.job import job
from f.phoenix.lib.omas.council import finalize


@job
def main(decision: dict):
    return finalize(decision)
