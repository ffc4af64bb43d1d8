"""One wording for a YAML document that does not parse, wherever Phoenix reads one.

PyYAML's own message runs over several lines with an excerpt of the text; a
Phoenix error says where and what on one line, 1-based like an editor:
``line 3, column 7: mapping values are not allowed here``. Nothing here
imports yaml: the exception carries all it needs, and set-up imports the
modules that use this before PyYAML is installed.
"""

from __future__ import annotations


def yaml_error_location(exc: Exception) -> tuple[int, int] | None:
    """(line, column), 1-based, of the problem PyYAML found; None when it names no place."""
    mark = getattr(exc, "problem_mark", None)
    return (mark.line + 1, mark.column + 1) if mark is not None else None


def yaml_error_problem(exc: Exception) -> str:
    """What is wrong, in PyYAML's words, on one line."""
    problem = getattr(exc, "problem", None)
    if problem:
        return str(problem)
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def yaml_error_message(exc: Exception) -> str:
    """``line L, column C: problem`` (or the problem alone when PyYAML names no place)."""
    location = yaml_error_location(exc)
    problem = yaml_error_problem(exc)
    return f"line {location[0]}, column {location[1]}: {problem}" if location else problem
