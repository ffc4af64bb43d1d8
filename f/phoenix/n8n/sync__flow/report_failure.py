"""Failure module: which step of the sync failed and why (the run still ends failed)."""

from f.phoenix.lib.job import job
from f.phoenix.lib.n8n.sync import sync_failure


@job
def main(message: str, name: str = "Error", step_id: str = "unknown"):
    return sync_failure(message, name, step_id)
