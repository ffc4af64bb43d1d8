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

"""OpenAI-compatible chat completions, answered by the Phoenix router.

POST {windmill}/api/r/phoenix/v1/chat/completions with an OpenAI body: the
model names are phoenix (routed), phoenix-<task_type> and each concrete
backend:model of GET .../v1/models. Errors come back in OpenAI's shape
with OpenAI's status codes; the router's trace is in phoenix_trace.
"""

from typing import Any, Optional

from f.phoenix.lib.job import job
from f.phoenix.lib.openai_api.chat import chat_completions
from f.phoenix.lib.stack import c_phoenix_stack

#: for scripts/serve.py: what this script writes to its result stream is its streamed
#: HTTP body (OpenAI's Server-Sent Events), sent as it comes; Windmill sends it at the end
HTTP_STREAM_BODY = True


@job
def main(
    model: Any = None,
    messages: Any = None,
    temperature: Any = None,
    max_tokens: Any = None,
    max_completion_tokens: Any = None,
    stop: Any = None,
    seed: Any = None,
    response_format: Any = None,
    stream: Any = None,
    stream_options: Any = None,
    tools: Any = None,
    tool_choice: Any = None,
    parallel_tool_calls: Any = None,
    n: Any = None,
    top_p: Any = None,
    presence_penalty: Any = None,
    frequency_penalty: Any = None,
    logit_bias: Any = None,
    logprobs: Any = None,
    top_logprobs: Any = None,
    user: Any = None,
    metadata: Any = None,
    store: Any = None,
    service_tier: Any = None,
    stack: Optional[c_phoenix_stack] = None,
):
    """Answer one OpenAI chat-completions request (the route's JSON body is these arguments).

    Every body field is taken as it came (typed Any) and checked by the library, so a
    bad one is answered with OpenAI's 400 error naming it, not a failed Windmill job.

    Args:
        model: phoenix, phoenix-<reasoning|coding|fast|complex>, or a concrete model from
            /v1/models (tried first; the rest still fall back).
        messages: the conversation: system/developer, user, assistant (with tool_calls)
            and tool turns; text content only.
        temperature: sampling temperature from 0 to 2 (empty: the stack's).
        max_tokens: the most tokens to generate (empty: the stack's).
        max_completion_tokens: OpenAI's newer name for max_tokens; wins when both are given.
        stop: a string or up to 4 strings that end the answer.
        seed: a whole number for repeatable sampling where the backend supports it.
        response_format: {type: text}, {type: json_object} or {type: json_schema,
            json_schema: {name, schema}}; JSON answers are valid for the schema on every call.
        stream: true for Server-Sent Events (chat.completion.chunk events, then [DONE]).
        stream_options: {include_usage: true} adds a last chunk with the usage.
        tools: function definitions [{type: function, function: {name, description, parameters}}].
        tool_choice: none, auto, required, or {type: function, function: {name}}.
        parallel_tool_calls: accepted; one call is returned per turn.
        n: number of choices; only 1 is served.
        top_p: accepted and checked (0 to 1); the router does not use it.
        presence_penalty: accepted; not used by the router.
        frequency_penalty: accepted; not used by the router.
        logit_bias: accepted; not used by the router.
        logprobs: must be false or empty: the router has no log probabilities.
        top_logprobs: accepted only without logprobs.
        user: accepted; not used.
        metadata: accepted; not used.
        store: accepted; nothing is stored.
        service_tier: accepted; not used.
        stack: the Phoenix stack (resource); empty: the default one.
    """
    body = {key: value for key, value in locals().items() if key != "stack" and value is not None}
    if not stream:
        return chat_completions(body, stack)
    from wmill import append_to_result_stream

    return chat_completions(body, stack, emit=append_to_result_stream)
