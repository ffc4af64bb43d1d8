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

"""OpenAI-compatible moderation, judged by the Phoenix router's model.

POST {windmill}/api/r/phoenix/v1/moderations with an OpenAI body (input: a text or
a list of texts): each text judged by the router's model, held to a schema,
answered in OpenAI's shape. n8n's OpenAI node (Classify Text for Violations) uses
it with base URL {windmill}/api/r/phoenix/v1.
"""

from typing import Any, Optional

from f.phoenix.lib.job import job
from f.phoenix.lib.openai_api.moderations import moderations
from f.phoenix.lib.stack import c_phoenix_stack


@job
def main(
    input: Any = None,
    model: Any = None,
    stack: Optional[c_phoenix_stack] = None,
):
    """Answer one OpenAI moderations request (the route's JSON body is these arguments).

    Every body field is taken as it came (typed Any) and checked by the library, so a
    bad one is answered with OpenAI's 400 error naming it, not a failed Windmill job.

    Args:
        input: a text or a list of texts to judge.
        model: accepted (OpenAI's moderation model names); the router picks the model.
        stack: the Phoenix stack (resource); empty: the default one.
    """
    body = {key: value for key, value in locals().items() if key != "stack" and value is not None}
    return moderations(body, stack)
