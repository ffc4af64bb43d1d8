"""Fixtures of the deploy tests: a sample package to damage, a loopback Windmill."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scripts.tooling.windmill_stub import StubWorkspace, WindmillStub
from tests.deploy.sample_package import build_package


@pytest.fixture(scope="session")
def pristine_package(tmp_path_factory) -> Path:
    return build_package(tmp_path_factory.mktemp("package"))


@pytest.fixture
def package(pristine_package, tmp_path) -> Path:
    """A private copy of the valid package, to damage."""
    target = tmp_path / "package"
    shutil.copytree(pristine_package, target)
    return target


@pytest.fixture
def stub():
    with WindmillStub(StubWorkspace(token="tok-" + "s3cr3t-" * 4)) as server:
        yield server


@pytest.fixture
def target_env(stub, monkeypatch):
    """The deploy target in the environment, pointing at the loopback stand-in."""
    monkeypatch.setenv("WINDMILL_URL", stub.url)
    monkeypatch.setenv("WINDMILL_WORKSPACE", stub.workspace.workspace_id)
    monkeypatch.setenv("WINDMILL_TOKEN", stub.workspace.token)
    return stub

