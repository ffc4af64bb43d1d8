"""route() given a whole conversation, stop strings and a seed (what the OpenAI API passes on)."""

from __future__ import annotations

import pytest

from lib.errors import InputError
from lib.router.core import route

TURNS = [{"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi."},
         {"role": "user", "content": "Say more"}]


def test_conversation_seed_and_stop_reach_the_model(tiny_stack):
    first = route("Say more", tiny_stack, messages=TURNS, system="Be brief.", seed=3, temperature=1.0)
    again = route("Say more", tiny_stack, messages=TURNS, system="Be brief.", seed=3, temperature=1.0)
    assert first["answer"] == again["answer"] and first["finish_reason"] in ("stop", "length")
    other = route("Say more", tiny_stack, messages=TURNS[:1], system="Be brief.", seed=3, temperature=1.0)
    assert other["usage"]["prompt_tokens"] < first["usage"]["prompt_tokens"]  # the turns were sent
    text = first["answer"]
    if len(text) > 4 and text[2:4].strip():
        stopped = route("Say more", tiny_stack, messages=TURNS, system="Be brief.", seed=3, temperature=1.0,
                        stop=[text[2:4]])
        assert text[2:4] not in stopped["answer"]


@pytest.mark.parametrize("options, named", [
    ({"messages": []}, "messages"),
    ({"messages": "hello"}, "messages"),
    ({"messages": [{"role": "tool", "content": "x"}]}, "messages[0]"),
    ({"messages": [{"role": "user", "content": 5}]}, "messages[0]"),
    ({"stop": "x"}, "stop"),
    ({"stop": ["a", "b", "c", "d", "e"]}, "stop"),
    ({"stop": [""]}, "stop"),
    ({"seed": 1.5}, "seed"),
    ({"tools": [{"name": "f"}]}, "tools"),
])
def test_bad_turns_are_refused_by_name(tiny_stack, options, named):
    with pytest.raises(InputError, match=named.replace("[", r"\[").replace("]", r"\]")):
        route("hello", tiny_stack, **options)
