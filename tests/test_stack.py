"""The stack document: defaults, overrides and precise errors."""

import pytest

from lib.errors import ConfigError
from lib.stack import DEFAULT_STACK, load_stack


def test_defaults_describe_a_machine_with_nothing_running():
    stack = load_stack(None)
    assert stack["routing"]["priority"] == "existing"
    assert stack["models"]["ollama"]["reasoning"] == ["llama3:8b", "zamba2-7b-instruct"]
    assert stack["models"]["ollama"]["complex"] == ["mixtral:8x7b"]
    assert stack.service_url("ollama") == "http://127.0.0.1:11435"
    assert stack.service_url("n8n") == "http://127.0.0.1:5678"
    assert stack.service_url("windmill") == "http://127.0.0.1:8002"


def test_file_overrides_merge_over_defaults(tmp_path):
    path = tmp_path / "stack.yaml"
    path.write_text("root: /srv/boo\nrouting:\n  max_tokens: 99\nmodels:\n  ollama:\n    fast: [phi3]\n")
    stack = load_stack(path)
    assert stack["routing"]["max_tokens"] == 99
    assert stack["routing"]["attempt_timeout_s"] == DEFAULT_STACK["routing"]["attempt_timeout_s"]
    assert stack["models"]["ollama"]["fast"] == ["phi3"]
    assert stack["models"]["ollama"]["coding"] == DEFAULT_STACK["models"]["ollama"]["coding"]
    assert str(stack.under_root("models/x.gguf")) == "/srv/boo/models/x.gguf"
    assert str(stack.under_root("/abs/x.gguf")) == "/abs/x.gguf"


def test_a_resource_value_dict_is_accepted():
    assert load_stack({"routing": {"priority": "speed"}})["routing"]["priority"] == "speed"


def test_malformed_yaml_names_file_and_line(tmp_path):
    path = tmp_path / "stack.yaml"
    path.write_text("routing:\n  max_tokens: [1, 2\n")
    with pytest.raises(ConfigError) as error:
        load_stack(path)
    assert str(path) in str(error.value) and "malformed YAML" in str(error.value) and "line" in str(error.value)


def test_unknown_key_is_named_with_its_dotted_path(tmp_path):
    path = tmp_path / "stack.yaml"
    path.write_text("routing:\n  breaker:\n    cooldown: 5\n")
    with pytest.raises(ConfigError) as error:
        load_stack(path)
    assert error.value.key == "routing.breaker.cooldown"
    assert "unknown key" in error.value.reason and "cooldown_s" in error.value.reason


def test_wrong_type_is_named(tmp_path):
    with pytest.raises(ConfigError) as error:
        load_stack({"routing": {"max_tokens": "many"}})
    assert error.value.key == "routing.max_tokens"
    assert "integer" in error.value.reason


def test_bad_choice_and_bad_url():
    with pytest.raises(ConfigError, match="routing.priority"):
        load_stack({"routing": {"priority": "fastest"}})
    with pytest.raises(ConfigError, match="services.ollama.url"):
        load_stack({"services": {"ollama": {"url": "localhost:11435"}}})


def test_missing_file_and_non_mapping(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_stack(tmp_path / "absent.yaml")
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_stack(path)


def test_empty_file_means_defaults(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("")
    assert load_stack(path)["routing"] == DEFAULT_STACK["routing"]


def test_env_var_names_the_stack_file(tmp_path, monkeypatch):
    path = tmp_path / "stack.yaml"
    path.write_text("routing: {priority: quality}\n")
    monkeypatch.setenv("PHOENIX_STACK", str(path))
    assert load_stack()["routing"]["priority"] == "quality"


@pytest.mark.parametrize("value", [5, 2.5, True, ["root"]])
def test_a_stack_argument_of_the_wrong_type_is_a_config_error(value):
    with pytest.raises(ConfigError, match="a stack must be a mapping, a YAML file path or YAML text"):
        load_stack(value)


@pytest.mark.parametrize("document, key", [
    ({"services": {"n8n": {"api_key_env": "eyJhbGciOiJIUzI1NiJ9.s3cr3t-payload.sig"}}}, "services.n8n.api_key_env"),
    ({"alerts": {"token_env": "hf_s3cr3t-payload"}}, "alerts.token_env"),
    ({"models": {"huggingface": {"endpoints": [{"name": "e", "url": "http://127.0.0.1:1",
                                                "token_env": "sk-s3cr3t-payload"}]}}},
     "models.huggingface.endpoints.0.token_env"),
    ({"services": {"ollama": {"url": "sk-s3cr3t-payload"}}}, "services.ollama.url"),
])
def test_a_secret_put_where_a_name_or_url_goes_is_refused_without_echoing_it(document, key):
    with pytest.raises(ConfigError) as caught:
        load_stack(document)
    assert f"{key}:" in str(caught.value)
    assert "s3cr3t" not in str(caught.value)


def test_a_key_pasted_as_the_n8n_variable_path_is_refused_without_echoing_it():
    with pytest.raises(ConfigError, match="services.n8n.api_key_variable:") as caught:
        load_stack({"services": {"n8n": {"api_key_variable": "n8n_api_s3cr3t0123456789"}}})
    assert "s3cr3t" not in str(caught.value)
    assert load_stack({"services": {"n8n": {"api_key_variable": "u/admin/n8n_key"}}})


def test_numbers_written_with_an_exponent_are_numbers(tmp_path):
    # YAML 1.1 (PyYAML) reads 1e3 as the string '1e3'; an operator means a number
    path = tmp_path / "stack.yaml"
    path.write_text("routing:\n  attempt_timeout_s: 6e1\n  temperature: 1E-1\n")
    stack = load_stack(path)
    assert stack["routing"]["attempt_timeout_s"] == 60.0 and stack["routing"]["temperature"] == 0.1
    assert load_stack("name: x\nrouting: {overall_timeout_s: 1.5e2}\n")["routing"]["overall_timeout_s"] == 150.0


@pytest.mark.parametrize("value", [".inf", "1e308"])
def test_an_endless_timeout_is_refused(tmp_path, value):
    path = tmp_path / "stack.yaml"
    path.write_text(f"routing:\n  overall_timeout_s: {value}\n")
    with pytest.raises(ConfigError, match="routing.overall_timeout_s: .* is greater than the maximum of 86400"):
        load_stack(path)


def test_the_local_runner_reads_a_stack_file_as_load_stack_does(tmp_path):
    from lib.stack import read_stack_document

    path = tmp_path / "stack.yaml"
    path.write_text("routing: {attempt_timeout_s: 3e1}\n")
    assert read_stack_document(path) == {"routing": {"attempt_timeout_s": 30.0}}
