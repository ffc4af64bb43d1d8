#!/usr/bin/env python3
"""Pull and push figures: the development corpus as a folder, and optionally a real n8n.

Usage: python scripts/bench.py n8n_sync [corpus_dir] [--real N]

Folder: pulls the corpus into a temporary git folder twice and prints the
time of each pull, how many files the second pull changed (must be 0) and
how many files became workflows or per-file errors.

--real N: also starts the cached n8n 2.8.4 (tests/support/n8n_server.py),
creates N corpus workflows through the API, then times a pull, a second pull,
and a real push of the unchanged folder, and prints how many workflows n8n
saw updated (``updatedAt`` moved; must be 0).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

from lib.n8n.client import N8nClient  # noqa: E402
from lib.n8n.errors import N8nError  # noqa: E402
from lib.n8n.export import pull_from_api, pull_from_folder, read_workflow_folder  # noqa: E402
from lib.n8n.push import push_folder  # noqa: E402
from tests.support.n8n_server import N8nServer, installed_n8n  # noqa: E402

DEFAULT_CORPUS = Path("/work/shared/corpus/n8n/zie619-dev")


def timed(action):
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def folder_figures(corpus: Path, work: Path) -> None:
    first, t1 = timed(lambda: pull_from_folder(corpus, work / "git").as_dict())
    second, t2 = timed(lambda: pull_from_folder(corpus, work / "git").as_dict())
    files = sum(1 for _ in corpus.rglob("*.json"))
    print(f"folder pull: {files} files -> {len(first['workflows'])} workflow files, "
          f"{len(first['errors'])} per-file errors")
    print(f"  first pull {t1:.2f} s, second pull {t2:.2f} s, files changed by the second pull: "
          f"{second['files_changed']}")


def real_figures(corpus: Path, count: int, work: Path) -> None:
    binary = installed_n8n()
    if binary is None:
        print("real n8n: not installed (python -m tests.support.n8n_server install)")
        return
    with N8nServer(binary, work / "n8n-home") as server, N8nClient(server.url, server.api_key) as api:
        pulled, _ = read_workflow_folder(corpus)
        created = 0
        for item in pulled:
            if created >= count:
                break
            body = {"settings": {}, **item.raw}
            if not body.get("name"):
                body["name"] = Path(item.origin).stem
            try:
                api.create_workflow(body)
                created += 1
            except N8nError:
                continue
        before = {w["id"]: w["updatedAt"] for w in api.iter_workflows()}
        first, t1 = timed(lambda: pull_from_api(api, work / "real").as_dict())
        second, t2 = timed(lambda: pull_from_api(api, work / "real").as_dict())
        pushed, t3 = timed(lambda: push_folder(api, work / "real", dry_run=False, backup_dir=work / "b"))
        after = {w["id"]: w["updatedAt"] for w in api.iter_workflows()}
        moved = sum(1 for k in before if after.get(k) != before[k])
        print(f"real n8n 2.8.4: {created} workflows created through the API")
        print(f"  pull {t1:.2f} s ({len(first['workflows'])} files), second pull {t2:.2f} s "
              f"(files changed: {second['files_changed']})")
        print(f"  push of the unchanged folder {t3:.2f} s: {json.dumps(pushed['counts'])}, "
              f"workflows updated in n8n: {moved}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--real", type=int, default=0, metavar="N")
    args = parser.parse_args(argv)
    corpus = Path(args.corpus)
    if not corpus.is_dir():
        print(f"no corpus at {corpus}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="phoenix-n8n-bench-") as work:
        folder_figures(corpus, Path(work))
        if args.real:
            real_figures(corpus, args.real, Path(work))
    return 0


if __name__ == "__main__":
    sys.exit(main())
