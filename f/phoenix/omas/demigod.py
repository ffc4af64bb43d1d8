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

"""OMAS DemiGod: synthesize the surviving proposals into the final decision.

Takes Thanatos' judgements (and optionally Chaos' result for its trace),
adopts only proposals that survived, and answers in the seed's orchestrator
format with execution.omas_agent and the other facts filled by the system.
Says whether the decision's risk needs human approval (approval_risk, or
the stack's agents.approval_risk).

Args:
    task: The task the council decides on.
    judgements: Thanatos' verdicts, one per proposal ({proposal, verdict keep|veto, risk, reasons,
        ...}).
    chaos: Chaos' result, for the decision's trace and contributions; may be empty.
    approval_risk: The risk from which a human must approve: low, medium, high, never, or stack for
        the stack's agents.approval_risk.
    stack: The Phoenix stack resource (c_phoenix_stack); empty for the defaults (the embedded model
        answers).
"""

from typing import Literal, Optional

from f.phoenix.lib.job import job
from f.phoenix.lib.omas.demigod import decide
from f.phoenix.lib.stack import c_phoenix_stack


@job
def main(
    task: str,
    judgements: list[dict],
    chaos: Optional[dict] = None,
    approval_risk: Literal["stack", "low", "medium", "high", "never"] = "stack",
    stack: Optional[c_phoenix_stack] = None,
):
    return decide(task, judgements, stack, chaos=chaos, approval_risk=approval_risk)
