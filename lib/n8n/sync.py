"""The last step of the scheduled n8n sync flow: one readable report.

The flow pulls n8n's workflows into git-friendly files, translates them into
Windmill flows, then calls ``sync_report`` with both results. Pushing back to
n8n is never part of the schedule: it stays a deliberate, reviewed action.

A step that fails (n8n unreachable, a bad folder) fails the flow: its failure
module returns ``sync_failure`` (which step, why) and the run stays failed,
so the schedule's error handler sees it. A report given a failed step's
result says ``FAILED`` for it and its ``ok`` is false, so its step fails too.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..errors import InputError, json_type, step_failure


def sync_report(pull: Mapping[str, Any] | None, translation: Mapping[str, Any] | None) -> dict:
    """Summarise a pull result and a translation report for the run's output."""
    pull = pull or {}
    translation = translation or {}
    for name, value in (("pull", pull), ("translation", translation)):
        if not isinstance(value, Mapping):
            raise InputError(f"{name} must be the {name} step's result (an object), got {json_type(value)}")
    pulled = _pull_summary(pull)
    translated = _translation_summary(translation)
    ok = pulled["ok"] and translated["ok"]
    lines = ["## n8n sync", "",
             f"- pull: {pulled['text']}",
             f"- translation: {translated['text']}",
             "- push: never automatic; run f/phoenix/n8n/push (dry run first) to send changes back."]
    return {"ok": ok, "pull": pulled, "translation": translated, "markdown": "\n".join(lines)}


def _pull_summary(pull: Mapping[str, Any]) -> dict:
    if pull.get("ok") is False:
        message = (pull.get("error") or {}).get("message", "unknown error")
        return {"ok": False, "text": f"FAILED: {message}"}
    counts = dict(pull.get("counts") or {})
    errors = len(pull.get("errors") or [])
    text = (f"{sum(counts.values())} workflow(s), {counts.get('written', 0)} file(s) changed, "
            f"{len(pull.get('removed') or [])} removed, {errors} unusable")
    if counts.get("kept_local_edit"):
        text += f", {counts['kept_local_edit']} local edit(s) kept for a push"
    return {"ok": True, "counts": counts, "errors": errors, "files_changed": pull.get("files_changed", 0),
            "text": text}


def _translation_summary(translation: Mapping[str, Any]) -> dict:
    if translation.get("ok") is False:
        error = translation.get("error")
        message = error.get("message") if isinstance(error, Mapping) else str(error or "unknown error")
        return {"ok": False, "text": f"FAILED: {message}"}
    entries = translation.get("workflows")
    if not isinstance(entries, list):
        entries = (translation.get("report") or {}).get("workflows") or []
    done = [e for e in entries if isinstance(e, Mapping) and e.get("status") == "translated"]
    total = sum(int(e.get("nodes_total") or 0) for e in entries if isinstance(e, Mapping))
    real = sum(int(e.get("nodes_translated") or 0) for e in entries if isinstance(e, Mapping))
    share = real / total if total else 0.0
    kept = [c for e in entries if isinstance(e, Mapping) for c in (e.get("conflicts") or [])]
    text = (f"{len(done)}/{len(entries)} workflow(s) translated, {real}/{total} nodes to real steps "
            f"({share:.0%}), {len(entries) - len(done)} error(s)")
    if kept:
        text += f", {len(kept)} generated file(s) kept because they were changed (see conflicts)"
    return {"ok": True, "files": len(entries), "translated": len(done), "nodes_total": total,
            "nodes_translated": real, "conflicts": kept, "text": text}


def sync_failure(message: str, name: str = "Error", step_id: str = "unknown") -> dict:
    """The sync flow's failure module: which step failed and why."""
    return step_failure("n8n sync", message, name, step_id,
                        hint="Nothing after the failed step ran. n8n errors name the URL and the reason; "
                             "folder errors name the folder.")
