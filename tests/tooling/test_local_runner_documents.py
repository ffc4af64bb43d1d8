"""The local runner's --args/--resources documents: inline text or a file."""

import pytest

from scripts.tooling.local_runner import LocalRunError, load_document


def test_a_long_inline_document_is_not_mistaken_for_a_file_name():
    # stat() of a text longer than a file name may be raises ENAMETOOLONG: a long prompt
    # given inline crashed scripts/run.py with a traceback
    prompt = "Explain, step by step, " + "why backups matter " * 40
    assert load_document(f'{{"prompt": "{prompt}"}}', "--args") == {"prompt": prompt}


def test_a_missing_file_is_still_a_clear_error(tmp_path):
    with pytest.raises(LocalRunError, match="file not found"):
        load_document(str(tmp_path / "args.yaml"), "--args")
