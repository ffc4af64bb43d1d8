"""The sync's report: what the pull wrote and what the translation made of it.

Args:
    pull: The pull step's result.
    translation: The translate step's result.
"""

from f.phoenix.lib.job import job
from f.phoenix.lib.n8n.sync import sync_report


@job
def main(pull: dict, translation: dict):
    return sync_report(pull, translation)
