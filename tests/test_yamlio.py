"""One wording for YAML that does not parse: where (1-based) and what, on one line."""

import pytest
import yaml

from lib.errors import ConfigError
from lib.stack import load_stack
from lib.yamlio import yaml_error_location, yaml_error_message, yaml_error_problem
from scripts.tooling.local_runner import LocalRunError, load_document


def error_of(text: str) -> yaml.YAMLError:
    with pytest.raises(yaml.YAMLError) as caught:
        yaml.safe_load(text)
    return caught.value


def test_a_scanner_error_says_line_column_and_problem():
    exc = error_of("name: phoenix\nroot: a: b\n")
    assert yaml_error_location(exc) == (2, 8)
    assert yaml_error_message(exc) == "line 2, column 8: mapping values are not allowed here"


def test_a_parser_error_is_one_line_without_pyyamls_excerpt():
    exc = error_of("models: [a, b\n")
    message = yaml_error_message(exc)
    assert message.startswith("line 2, column 1: ") and "\n" not in message
    assert "\n" in str(exc)  # what PyYAML alone would have printed


def test_an_error_without_a_place_gives_its_first_line():
    exc = yaml.YAMLError("first line\nsecond line")
    assert yaml_error_location(exc) is None
    assert yaml_error_problem(exc) == yaml_error_message(exc) == "first line"
    assert yaml_error_message(yaml.YAMLError()) == "YAMLError"


def test_the_stack_and_the_tooling_say_it_the_same_way():
    with pytest.raises(ConfigError) as stack_error:
        load_stack("name: phoenix\nroot: a: b\n")
    with pytest.raises(LocalRunError) as args_error:
        load_document("name: phoenix\nroot: a: b\n", "--args")
    expected = "line 2, column 8: mapping values are not allowed here"
    assert str(stack_error.value).endswith(f"malformed YAML: {expected}")
    assert str(args_error.value) == f"--args: malformed JSON/YAML: {expected}"
