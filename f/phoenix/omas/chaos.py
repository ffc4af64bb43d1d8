#extra_requirements:
#httpx==0.28.1
#httpx2==2.16.2
#huggingface-hub==2.4.0
#jsonschema==4.26.0
#llama-cpp-python==0.3.36
#ollama==0.6.3
#pyyaml==6.0.3
#requests==2.34.2
#wmill==1.850.0

"""OMAS Chaos: several distinct proposals for a task.

Each proposal comes from its own angle and, where the stack has several
healthy models, from a different model (run in parallel). Every proposal
carries structured actions ({kind, target}) so Thanatos can decide the
preservation rules in code. Agent settings come from the operator's omas/
folder (omas/agents/chaos.yaml), with working defaults.

Args:
    task: What the council should decide or do.
    proposals: How many proposals to write (1-5); empty for the agent's configured count.
    stack: The Phoenix stack resource (c_phoenix_stack); empty for the defaults (the embedded model
        answers).
"""

from typing import Optional

from f.phoenix.lib.job import job
from f.phoenix.lib.omas.chaos import explore
from f.phoenix.lib.stack import c_phoenix_stack


@job
def main(
    task: str,
    proposals: Optional[int] = None,
    stack: Optional[c_phoenix_stack] = None,
):
    return explore(task, stack, proposals=proposals)
