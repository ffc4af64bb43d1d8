from f.phoenix.lib.job import job
from f.phoenix.lib.n8n.sync import sync_report


@job
def main(pull: dict, translation: dict):
    return sync_report(pull, translation)
