"""Run generated n8n trigger scripts as Windmill jobs, and n8n's own poller beside them.

``run_job`` runs a trigger script once in a fresh Bun process (one Windmill job: nothing in
memory survives to the next), with the environment a job gets pointed at a loopback stand-in
of Windmill's API (tests/support/windmill_api_stub.py). ``ReferencePoller`` keeps n8n's own
poller alive in one process (tests/n8n_host/reference_poll.cjs) and ticks it on demand.
``serve_feed`` serves an RSS 2.0 feed whose entries a test changes between runs.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass, field
from email.utils import format_datetime
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.support.n8n_host_run import HERE, bun_binary, host_environment

SCRIPT_RUNNER = HERE / "run_script.ts"
REFERENCE_POLLER = HERE / "reference_poll.cjs"
REPO_TRIGGERS = (HERE.parents[1] / "f" / "phoenix" / "n8n_host" / "triggers.ts").as_posix()


def run_job(script: str, job: dict, environment: dict, cache: Path | None = None, timeout: int = 300) -> dict:
    """``{"ok": True, "result": ...}`` or ``{"ok": False, "error": "Name: message"}`` of one run of ``script``."""
    with tempfile.TemporaryDirectory(prefix="phoenix-trigger-job-") as tmp:
        file, spec = Path(tmp, "script.ts"), Path(tmp, "job.json")
        file.write_text(script, encoding="ascii")
        spec.write_text(json.dumps(job), encoding="utf-8")
        proc = subprocess.run([str(bun_binary()), str(SCRIPT_RUNNER), str(file), str(spec)], capture_output=True,
                              text=True, env={**host_environment(cache), **environment}, timeout=timeout)
    lines = [line for line in proc.stdout.split("\n") if line.startswith("RESULT ")]  # U+2028 may be in the data
    if not lines:
        raise AssertionError(f"the trigger script did not run (exit {proc.returncode}): {proc.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT "):])


class ReferencePoller:
    """n8n's poller for one node, alive across ticks like an active n8n workflow."""

    def __init__(self, node: dict, credentials: dict | None = None):
        self._tmp = tempfile.TemporaryDirectory(prefix="phoenix-reference-poll-")
        spec = Path(self._tmp.name, "spec.json")
        spec.write_text(json.dumps({"node": node, "credentials": credentials or {}}), encoding="utf-8")
        self.proc = subprocess.Popen([str(bun_binary()), str(REFERENCE_POLLER), str(spec)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env=host_environment())

    def tick(self):
        self.proc.stdin.write("poll\n")
        self.proc.stdin.flush()
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError(f"the reference poller stopped: {self.proc.stderr.read()[-3000:]}")
            if line.startswith("TICK "):
                return json.loads(line[len("TICK "):])

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self._tmp.cleanup()


@dataclass
class Feed:
    """An RSS 2.0 feed at ``url``; ``entries`` ({title, link, guid, date: datetime}) can change between polls."""
    url: str
    entries: list = field(default_factory=list)

    def answer(self, _request: Request) -> Response:
        return Response(self.xml(), content_type="application/rss+xml; charset=utf-8")

    def xml(self) -> str:
        items = "".join(
            f"<item><title>{e['title']}</title><link>{e['link']}</link><guid>{e['guid']}</guid>"
            f"<pubDate>{format_datetime(e['date'])}</pubDate></item>" for e in self.entries)
        return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Loopback feed</title>'
                f"<link>http://127.0.0.1/</link><description>test</description>{items}</channel></rss>")


def serve_feed(server: HTTPServer, entries: list) -> Feed:
    """Serve a feed of ``entries`` at /feed.xml of a pytest-httpserver ``server``."""
    feed = Feed(server.url_for("/feed.xml"), entries)
    server.expect_request("/feed.xml", method="GET").respond_with_handler(feed.answer)
    return feed
