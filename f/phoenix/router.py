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

"""Route a task to the best available model and answer it.

Returns the answer, the seed's orchestrator JSON (always schema-valid) and a
trace of every routing decision and failure. With nothing else running, the
embedded model answers.

Args:
    prompt: The task or question, in any language.
    task_type: What kind of task it is, which decides the Ollama category tried first; auto guesses
        it from the prompt.
    complexity: How hard the task is, which decides the categories tried after the task's own; auto
        guesses it from the prompt.
    priority: existing tries the operator's PhoenixCore first, quality the strongest categories,
        speed the fast ones; auto uses the stack's routing.priority.
    response_mode: orchestrator also answers with the seed's orchestrator JSON (always
        schema-valid); text with the model's text only.
    max_tokens: The longest answer in tokens; empty for the stack's routing.max_tokens (orchestrator
        mode takes at least 512).
    stack: The Phoenix stack resource (c_phoenix_stack); empty for the defaults, where the embedded
        model answers.
    stream: Also send the answer's text to the job's result stream as the model writes it (an HTTP
        route in Sync SSE mode passes it on). Fallbacks work as usual until the first piece; in
        orchestrator mode the pieces are the model's JSON as it is written.
    temperature: Sampling temperature from 0 to 2; empty for the stack's routing.temperature.
    prefer: Models to try first, as backend or backend:model (e.g. ollama:llama3:8b); the others
        still follow as fallbacks. Names the stack does not have change nothing.
"""

from typing import Literal, Optional

from f.phoenix.lib.job import job
from f.phoenix.lib.router.core import route, route_streamed
from f.phoenix.lib.stack import c_phoenix_stack


@job
def main(
    prompt: str,
    task_type: Literal["auto", "reasoning", "coding", "fast", "complex"] = "auto",
    complexity: Literal["auto", "low", "medium", "high"] = "auto",
    priority: Literal["auto", "existing", "quality", "speed"] = "auto",
    response_mode: Literal["text", "orchestrator"] = "orchestrator",
    max_tokens: Optional[int] = None,
    stack: Optional[c_phoenix_stack] = None,
    stream: bool = False,
    temperature: Optional[float] = None,
    prefer: Optional[list[str]] = None,
):
    options = dict(task_type=task_type, complexity=complexity, priority=priority, mode=response_mode,
                   max_tokens=max_tokens, temperature=temperature, prefer=prefer)
    if not stream:
        return route(prompt, stack, **options)
    from wmill import append_to_result_stream

    return route_streamed(prompt, stack, emit=append_to_result_stream, **options)
