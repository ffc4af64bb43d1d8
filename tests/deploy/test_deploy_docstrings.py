"""Reading a script's docstring: the summary, the description, and one description per argument."""

from __future__ import annotations

from scripts.tooling.docstrings import read_docstring

ROUTER_LIKE = '''\
#extra_requirements:
#pyyaml==6.0.3

"""Route a task to the best model.

Returns the answer and a trace.

Args:
    prompt: The task or question.
    max_tokens (int): The longest answer in tokens; empty for the
        stack's routing.max_tokens.

        Orchestrator mode takes at least 512.
    stack:
        The Phoenix stack resource.

Everything after the section is description again.
"""


def main(prompt: str, max_tokens: int = 0, stack: dict = None):
    return prompt
'''


def test_summary_description_and_arguments_from_the_module_docstring():
    docstring = read_docstring(ROUTER_LIKE)
    assert docstring.summary == "Route a task to the best model."
    assert docstring.description == "Returns the answer and a trace.\n\nEverything after the section is description again."
    assert docstring.arguments == {
        "prompt": "The task or question.",
        "max_tokens": "The longest answer in tokens; empty for the stack's routing.max_tokens. "
                      "Orchestrator mode takes at least 512.",
        "stack": "The Phoenix stack resource.",
    }
    assert list(docstring.arguments) == ["prompt", "max_tokens", "stack"]
    assert docstring.malformed == []


def test_mains_docstring_wins_over_the_modules():
    source = '"""Module words."""\n\ndef main(name: str):\n    """Greet.\n\n    Args:\n        name: Who.\n    """\n'
    docstring = read_docstring(source)
    assert (docstring.summary, docstring.arguments) == ("Greet.", {"name": "Who."})


def test_a_one_line_docstring_has_no_arguments():
    docstring = read_docstring('"""Show the dashboard."""\n\ndef main():\n    pass\n')
    assert (docstring.summary, docstring.description, docstring.arguments) == ("Show the dashboard.", "", {})


def test_lines_at_the_names_level_that_are_no_entry_are_reported():
    source = '"""S.\n\nArgs:\n    name: Who.\n    the rest of it\n    other (str) : Fine.\n    :no name\n"""\n'
    docstring = read_docstring(source)
    assert docstring.arguments == {"name": "Who.", "other": "Fine."}
    assert docstring.malformed == ["the rest of it", ":no name"]


def test_other_spellings_of_the_section_and_no_docstring_at_all():
    assert read_docstring('"""S.\n\nParameters:\n    x: An x.\n"""\n').arguments == {"x": "An x."}
    assert read_docstring("def main(x):\n    return x\n").arguments == {}
    assert read_docstring("def main(:\n").summary == ""  # does not parse: check reports that elsewhere
