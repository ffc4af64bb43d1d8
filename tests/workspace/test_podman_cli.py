"""The podman client: what it asks, how it reads the answers, and what its errors say (and never say)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from lib.workspace.podman_cli import Podman, PodmanError, PodmanMissing, parse_version

SECRET = b"never-shown-0451"


def fake_podman(tmp_path: Path, script: str) -> Podman:
    """A podman that runs ``script`` (sh), so each answer can be shaped by the test."""
    path = tmp_path / "fake-podman"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)
    return Podman([str(path)])


def test_a_missing_podman_says_how_to_get_one(tmp_path):
    with pytest.raises(PodmanMissing, match="no podman-that-is-not-there command on this machine: install Podman"):
        Podman(["podman-that-is-not-there"]).version()


@pytest.mark.parametrize("script", [
    'cat >&2\necho "Error: phoenix-db: secret name in use" >&2\nexit 125\n',       # input on stderr, no newline
    'cat >/dev/null\necho "Error: phoenix-db: secret name in use" >&2\nexit 125\n',
])
def test_a_failing_command_gives_podmans_reason_and_never_its_input(tmp_path, script):
    with pytest.raises(PodmanError) as caught:
        fake_podman(tmp_path, script).create_secret("phoenix-db", SECRET, {"a": "b"})
    message = str(caught.value)
    assert message == ("`podman secret create --label a=b phoenix-db -` failed (exit 125): "
                       "phoenix-db: secret name in use")
    assert SECRET.decode() not in message


def test_a_secret_podman_would_repeat_is_masked(tmp_path):
    podman = fake_podman(tmp_path, 'printf "Error: bad data: " >&2\ncat >&2\nexit 125\n')
    with pytest.raises(PodmanError) as caught:
        podman.create_secret("phoenix-db", SECRET, {})
    assert str(caught.value).endswith("failed (exit 125): bad data: ***")


def test_an_answer_that_is_not_json_is_an_error_not_a_crash(tmp_path):
    with pytest.raises(PodmanError, match="podman ps --all: the answer is not JSON: 'json'"):
        fake_podman(tmp_path, "echo json\n").containers()


def test_nothing_listed_is_an_empty_list(tmp_path):
    assert fake_podman(tmp_path, "echo null\n").pods() == []
    assert fake_podman(tmp_path, "true\n").secret_names() == set()


def test_containers_with_port_ranges_and_names_as_podman_prints_them(tmp_path):
    listing = [{"Id": "1", "Names": ["/n8n"], "State": "Running", "Pod": "",
                "Ports": [{"host_ip": "", "container_port": 5678, "host_port": 5678, "range": 2, "protocol": "tcp"}]}]
    podman = fake_podman(tmp_path, f"cat <<'EOF'\n{json.dumps(listing)}\nEOF\n")
    [container] = podman.containers()
    assert container.name == "n8n" and container.running
    assert container.publishes(5678) and container.publishes(5679) and not container.publishes(5680)
    assert container.describe() == "n8n (running, 0.0.0.0:5678->5678, 0.0.0.0:5679->5679)"


def test_the_server_version_wins_for_a_remote_client(tmp_path):
    answer = {"Client": {"Version": "5.2.0"}, "Server": {"Version": "4.9.4-rhel"}}
    podman = fake_podman(tmp_path, f"echo '{json.dumps(answer)}'\n")
    assert podman.version() == ((4, 9, 4), "4.9.4-rhel")


@pytest.mark.parametrize("text, expected", [("4.3.1", (4, 3, 1)), ("5.4.0-dev", (5, 4, 0)), ("5", (5, 0, 0)),
                                            ("", (0, 0, 0)), ("v5.1", (0, 0, 0))])
def test_parse_version(text, expected):
    assert parse_version(text) == expected


def test_a_hung_pull_is_stopped_at_its_deadline_and_its_progress_was_shown(tmp_path):
    podman = fake_podman(tmp_path, 'echo "Trying to pull x..." >&2\nexec sleep 60\n')
    shown = []
    with pytest.raises(PodmanError, match="`podman pull x` did not finish within 1 s"):
        podman.pull("x", shown.append, timeout=1)
    assert shown == ["Trying to pull x..."]


def test_play_sends_the_pod_on_standard_input_not_the_command_line(tmp_path):
    record = tmp_path / "argv"
    podman = fake_podman(tmp_path, f'echo "$@" > {record}\ncat > {record}.stdin\n')
    podman.play("kind: Pod\n", replace=True, start=False)
    assert record.read_text().split() == ["kube", "play", "--replace", "--start=false", "-"]
    assert Path(f"{record}.stdin").read_text() == "kind: Pod\n"
    assert os.access(podman.command[0], os.X_OK)
