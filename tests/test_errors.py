"""One error model: every exception class under lib/ is a PhoenixError with a kind, drawn in lib/errors.py's tree."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

from lib import errors
from lib.errors import KINDS, BackendError, ConfigError, InputError, JobFailed, PhoenixError, raise_if_failed
from lib.n8n.errors import N8nNotFound, N8nUnreachable
from lib.n8n.export import canonical_workflow
from lib.n8n.workflow import WorkflowError, parse_workflow

LIB = Path(__file__).resolve().parents[1] / "lib"
#: exception classes under lib/ that are not PhoenixErrors, each with the reason
NOT_PHOENIX_ERRORS = {
    "lib.yaml_reader._Refused": "private to the stack reader's loader, which turns it into a ConfigError",
    "lib.backup.archive._DestinationFailed": "private to the archive writer, which turns it into a StorageError",
}


def _library_modules() -> list:
    names = [".".join(("lib",) + path.relative_to(LIB).with_suffix("").parts) for path in LIB.rglob("*.py")]
    return [importlib.import_module(name) for name in sorted(names)]


def _exception_classes() -> list[type]:
    found = {}
    for module in _library_modules():
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, BaseException) and cls.__module__ == module.__name__:
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return [found[name] for name in sorted(found)]


CLASSES = _exception_classes()


def test_the_walk_finds_the_classes_it_should():
    names = {cls.__name__ for cls in CLASSES}
    assert {"ConfigError", "WorkflowError", "StructureError", "Untranslatable", "N8nConflict", "CorruptModel",
            "NotStarted", "WriteRefused", "PodmanUnreachable", "InputRefused"} <= names


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: f"{cls.__module__}.{cls.__qualname__}")
def test_every_exception_under_lib_is_a_phoenix_error_with_a_kind(cls):
    name = f"{cls.__module__}.{cls.__qualname__}"
    if name in NOT_PHOENIX_ERRORS:
        return
    assert issubclass(cls, PhoenixError), f"{name} derives from {cls.__mro__[1].__name__}, not PhoenixError"
    assert re.fullmatch(r"[a-z][a-z_]*", cls.kind), f"{name}.kind = {cls.kind!r}"
    if issubclass(cls, BackendError):
        assert cls.kind in KINDS, f"{name}.kind {cls.kind!r} is not in lib.errors.KINDS"


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__qualname__)
def test_every_exception_is_drawn_in_the_tree(cls):
    """The tree at the top of lib/errors.py names each class with its own kind (or none: its parent's)."""
    if f"{cls.__module__}.{cls.__qualname__}" in NOT_PHOENIX_ERRORS:
        return
    drawn = dict(re.findall(r"(?m)^ *[*-] (\w+)(?: \[(\w+)\])?", errors.__doc__))
    assert cls.__name__ in drawn, f"{cls.__name__} is missing from the tree in lib/errors.py's docstring"
    own = cls.__dict__.get("kind", "")
    assert drawn[cls.__name__] == own, f"{cls.__name__} is drawn as [{drawn[cls.__name__]}], its kind is {own!r}"


def test_the_allow_list_names_only_real_exceptions():
    names = {f"{cls.__module__}.{cls.__qualname__}" for cls in CLASSES}
    assert set(NOT_PHOENIX_ERRORS) <= names


def test_a_failed_result_has_one_shape_that_fails_the_job():
    result = N8nUnreachable("nothing answers at 127.0.0.1:9").as_result()
    assert result == {"ok": False, "error": {"kind": "unreachable", "message": "nothing answers at 127.0.0.1:9"}}
    assert N8nNotFound("no workflow 7", status=404).as_result()["error"]["status"] == 404
    assert ConfigError("stack.yaml", "routing.priority", "not one of ...").as_result()["error"]["kind"] == "config"
    with pytest.raises(JobFailed, match="nothing answers"):
        raise_if_failed(result, "pull")
    with pytest.raises(InputError):
        raise_if_failed(InputError("prompt is empty").as_result(), "route")


def test_the_n8n_not_a_workflow_failures_are_one_class():
    for attempt in (lambda: canonical_workflow({"nodes": "x"}), lambda: parse_workflow([], "w.json")):
        with pytest.raises(WorkflowError, match="not an n8n workflow") as error:
            attempt()
        assert error.value.kind == "input"
