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

"""OpenAI-compatible model listing: every model name the chat route answers to.

GET {windmill}/api/r/phoenix/v1/models. Read from the stack, nothing probed:
which models are up right now is f/phoenix/models/list's business.
"""

from typing import Optional

from f.phoenix.lib.job import job
from f.phoenix.lib.openai_api.models import list_models
from f.phoenix.lib.stack import c_phoenix_stack


@job
def main(stack: Optional[c_phoenix_stack] = None):
    """List the models as OpenAI's GET /v1/models does ({object: list, data: [...]}).

    Args:
        stack: the Phoenix stack (resource); empty: the default one.
    """
    return list_models(stack)
