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

"""What models are where: each backend's health, its models, and what is missing.

Asks every backend of the stack at once (PhoenixCore, Ollama, Hugging Face
GGUF files in the cache, OpenAI-compatible endpoints, the embedded model),
each within timeout_s. Nothing is downloaded or loaded. Includes the
router's circuit-breaker view of each backend.

Args:
    timeout_s: Seconds each backend has to answer (above 0, at most 50); they are all asked at once.
    stack: The Phoenix stack resource (c_phoenix_stack); empty for the defaults, which describe a
        machine with nothing else running.
"""

from typing import Optional

from f.phoenix.lib.job import job
from f.phoenix.lib.models.inventory import inventory
from f.phoenix.lib.stack import c_phoenix_stack


@job
def main(
    timeout_s: float = 3.0,
    stack: Optional[c_phoenix_stack] = None,
):
    return inventory(stack, timeout_s=timeout_s)
