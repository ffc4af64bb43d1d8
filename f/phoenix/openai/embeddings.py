#extra_requirements:
#httpx==0.28.1
#jsonschema==4.26.0
#llama-cpp-python==0.3.36

"""OpenAI-compatible embeddings, made by the stack's embedding model.

POST {windmill}/api/r/phoenix/v1/embeddings with an OpenAI body: model phoenix (the
stack's one embedding model: the first Ollama one of models.embeddings, else the
embedded model in process), input a text or a list of texts. n8n's Embeddings
OpenAI node and Roo Code's codebase index use it with base URL
{windmill}/api/r/phoenix/v1.
"""

from typing import Any, Optional

from f.phoenix.lib.job import job
from f.phoenix.lib.openai_api.embeddings import embeddings
from f.phoenix.lib.stack import c_phoenix_stack


@job
def main(
    model: Any = None,
    input: Any = None,
    encoding_format: Any = None,
    dimensions: Any = None,
    user: Any = None,
    stack: Optional[c_phoenix_stack] = None,
):
    """Answer one OpenAI embeddings request (the route's JSON body is these arguments).

    Every body field is taken as it came (typed Any) and checked by the library, so a
    bad one is answered with OpenAI's 400 error naming it, not a failed Windmill job.

    Args:
        model: phoenix (the stack's embedding model), ollama:<name> (one the stack names)
            or embedded.
        input: a text or a list of texts to embed.
        encoding_format: float (default) or base64 (little-endian float32).
        dimensions: accepted only when it is the model's own size.
        user: accepted; not used.
        stack: the Phoenix stack (resource); empty: the default one.
    """
    body = {key: value for key, value in locals().items() if key != "stack" and value is not None}
    return embeddings(body, stack)
