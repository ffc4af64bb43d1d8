"""One wording for YAML that does not parse (lib/yaml_reader.py): where, 1-based, and what, on one line."""

import pytest
import yaml

from lib.errors import ConfigError
from lib.stack import load_stack
from lib.yaml_reader import yaml_error_location, yaml_error_message, yaml_error_problem
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


def test_an_error_without_a_place_or_problem_never_repeats_the_text():
    # PyYAML's text quotes the document, and a document may hold a secret.
    exc = yaml.YAMLError("api_key: sk-live-123\nsecond line")
    assert yaml_error_location(exc) is None
    assert yaml_error_message(exc) == "YAMLError"


def test_a_control_character_is_named_by_position():
    exc = error_of("name: a\x07b\n")
    assert yaml_error_message(exc) == "a character 0x0007 YAML does not allow, at position 7"


def test_the_stack_and_the_tooling_say_it_the_same_way():
    with pytest.raises(ConfigError) as stack_error:
        load_stack("name: phoenix\nroot: a: b\n")
    with pytest.raises(LocalRunError) as args_error:
        load_document("name: phoenix\nroot: a: b\n", "--args")
    expected = "line 2, column 8: mapping values are not allowed here"
    assert str(stack_error.value).endswith(f"malformed YAML: {expected}")
    assert str(args_error.value) == f"--args: malformed JSON/YAML: {expected}"
