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

"""Compare the operator's models on the same prompts: PhoenixCore, Ollama, Hugging Face, embedded.

Every model the stack names that is there answers the same prompt (runs
times, one model at a time), then a small structured (JSON schema) request.
Returns per model: median wall time, tokens, tokens/s and whether its JSON fit
the schema; models that are down or missing are listed with the reason.
An empty prompt uses a standard one.

Args:
    prompt: The prompt every model answers; empty for a standard one.
    runs: How many times each model answers it (1-10); the median time is reported.
    max_tokens: Tokens each answer may take (1-4096).
    backends: Only these backends, e.g. ollama, embedded or openai:<name>; empty for every backend
        of the stack.
    stack: The Phoenix stack resource (c_phoenix_stack); empty for the defaults, which describe a
        machine with nothing else running.
"""

from typing import List, Optional

from f.phoenix.lib.job import job
from f.phoenix.lib.models.benchmark import benchmark_models
from f.phoenix.lib.stack import c_phoenix_stack


@job
def main(
    prompt: str = "",
    runs: int = 2,
    max_tokens: int = 96,
    backends: Optional[List[str]] = None,
    stack: Optional[c_phoenix_stack] = None,
):
    return benchmark_models(stack, prompt=prompt, runs=runs, max_tokens=max_tokens, backends=backends)
