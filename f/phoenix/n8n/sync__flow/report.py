from f.phoenix.lib.n8n.sync import sync_report


def main(pull: dict, translation: dict):
    return sync_report(pull, translation)
