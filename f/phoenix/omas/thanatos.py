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

"""OMAS Thanatos: judge one proposal against the rules and its risks, veto with reasons.

Rules that code can decide (never modify .roo/ without a backup, keep the
OMAS agents operational, preserve the n8n workflows, and the operator's
omas/rules/*.yaml) are decided in code on the proposal's actions; a code
veto stands whatever the model says. The model judges the rest.

Args:
    proposal: One proposal as Chaos writes it: {id, title, summary, risk, actions[{kind, target}]}.
    task: The task the proposal answers, for the model's judgement; may be empty.
    stack: The Phoenix stack resource (c_phoenix_stack); empty for the defaults (the embedded model
        answers).
"""

from typing import Optional

from f.phoenix.lib.job import job
from f.phoenix.lib.omas.thanatos import judge
from f.phoenix.lib.stack import c_phoenix_stack


@job
def main(
    proposal: dict,
    task: str = "",
    stack: Optional[c_phoenix_stack] = None,
):
    return judge(proposal, task, stack)
