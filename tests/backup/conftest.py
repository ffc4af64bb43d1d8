"""The operator folder the backup tests work on, and its stack."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.backup.trees import make_operator_tree, stack_for


@pytest.fixture
def root(tmp_path) -> Path:
    root = tmp_path / "BooPhoenix"
    make_operator_tree(root)
    return root


@pytest.fixture
def stack(root):
    return stack_for(root)
