#extra_requirements:
#httpx==0.28.1
#httpx2==2.16.2
#huggingface-hub==2.4.0
#jsonschema==4.26.0
#llama-cpp-python==0.3.36
#ollama==0.6.3
#pydantic==2.13.4
#pyyaml==6.0.3
#wmill==1.850.0

"""Route a task to the best available model and answer it.

Returns the answer, the seed's orchestrator JSON (always schema-valid) and a
trace of every routing decision and failure. With nothing else running, the
embedded model answers.
"""

from typing import Literal, Optional

from f.phoenix.lib.router.core import route
from f.phoenix.lib.stack import c_phoenix_stack


def main(
    prompt: str,
    task_type: Literal["auto", "reasoning", "coding", "fast", "complex"] = "auto",
    complexity: Literal["auto", "low", "medium", "high"] = "auto",
    priority: Literal["auto", "existing", "quality", "speed"] = "auto",
    response_mode: Literal["text", "orchestrator"] = "orchestrator",
    max_tokens: Optional[int] = None,
    stack: Optional[c_phoenix_stack] = None,
):
    return route(prompt, stack, task_type=task_type, complexity=complexity, priority=priority,
                 mode=response_mode, max_tokens=max_tokens)
