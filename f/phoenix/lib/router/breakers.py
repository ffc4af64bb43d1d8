# GENERATED from lib/router/breakers.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Circuit breakers whose state outlives the job.

After a backend is found dead, the next requests (in this process or a new
one) skip it at the cost of one small store read, until ``cooldown_s`` has
passed; then one request is let through as a half-open probe: success closes
the breaker, failure opens it for another cooldown. A model a backend does not
have is remembered per (backend, model) and skipped, not retried. A model
*file* that is absent or that llama.cpp cannot use is remembered by the file's
identity (``backends/model_files.py``), not by any name: one ``hf_gguf``
backend serves many files, and one bad file says nothing about the others;
the same file stays skipped without being read again (for up to a day: a
newer llama.cpp may read it), while a fixed path or a replaced file is tried
at once. The health schedule's findings (store key ``health/backends``) count
as evidence too.

What is saved goes through the store, which masks token-shaped text
(``lib/redact.py``); error texts are cut to a few hundred characters.

Times are wall-clock seconds, since they are compared across processes.
"""

from __future__ import annotations

import copy
import sys
import time

from ..redact import redact

BREAKERS_KEY = "router/breakers"
HEALTH_KEY = "health/backends"
# Failures that say something about the backend as a whole, not one request.
# ("error": an exception the backend's module did not map, which repeats per call.)
_BACKEND_FAILURES = {"down", "hung", "server_error", "error"}
# Failures of one model, by the state map that remembers them.
_MODEL_FAILURES = {"model_missing": "missing"}
FILES = "files"  # file identity -> {"at", "outcome", "backend"}
#: a file found unusable is not tried again until it changes, or for this long
FILE_RECHECK_S = 86400
_FILES_KEPT = 64


class Breakers:
    def __init__(self, store, failures_to_open: int = 1, cooldown_s: float = 30.0, clock=time.time):
        self.store = store
        self.failures_to_open = failures_to_open
        self.cooldown_s = cooldown_s
        self.clock = clock
        self._state = well_formed(store.get(BREAKERS_KEY, {}))
        self._health = _health_view(store.get(HEALTH_KEY, {}))

    def _clean(self) -> bool:
        """Nothing remembered against any backend: the usual state, decided at once."""
        return not any(self._state.values())

    def skip_reason(self, backend: str, model: str | None) -> str | None:
        """Why this candidate should not be called now, or None to call it."""
        if not self._health and self._clean():
            return None
        now = self.clock()
        for what in _MODEL_FAILURES.values():
            found_at = self._state.get(what, {}).get(f"{backend}|{model}")
            if found_at and now - found_at < self.cooldown_s:
                return f"model {model} {what} on {backend} {now - found_at:.0f}s ago"
        entry = self._state.get("backends", {}).get(backend)
        if entry and entry.get("open_since"):
            age = now - entry["open_since"]
            if age < self.cooldown_s:
                return f"circuit open for {self.cooldown_s - age:.0f}s more: {entry.get('last_error', '')}"
            return None  # half-open: this request is the probe
        probe = self._health.get(backend)
        if probe and not probe.get("up") and now - probe.get("at", 0) < self.cooldown_s:
            return f"health check found it down {now - probe['at']:.0f}s ago: {probe.get('detail', '')}"
        return None

    def knows_files(self) -> bool:
        """Whether any model file is remembered: only then is a candidate's file worth identifying."""
        return bool(self._state[FILES])

    def file_reason(self, file_key: str | None) -> str | None:
        """Why the file with this identity should not be loaded now, or None to load it."""
        entry = self._state[FILES].get(file_key) if file_key else None
        if entry is None:
            return None
        age = self.clock() - entry["at"]
        if age >= FILE_RECHECK_S:
            return None
        if entry.get("outcome") == "down":
            return f"model file not found {age:.0f}s ago, still not there: skipped until it appears"
        return (f"model file unusable ({entry.get('outcome')}) {age:.0f}s ago and unchanged since: "
                "skipped until it is replaced")

    def half_open(self, backend: str) -> bool:
        """True when the backend's breaker is open but cooled down: the next call is a probe."""
        entry = self._state.get("backends", {}).get(backend)
        return bool(entry and entry.get("open_since") and self.clock() - entry["open_since"] >= self.cooldown_s)

    def record(self, backend: str, model: str | None, outcome: str, error: str = "",
               file_key: str | None = None) -> None:
        """Remember an attempt's outcome; writes the store only when state changes.

        ``file_key`` is the identity of the model file the failure was about: such a
        failure is the file's, remembered for it alone, and opens no breaker.
        """
        if file_key and outcome != "ok":
            now = self.clock()
            self._update(lambda state: _mark_file(state, file_key, backend, outcome, now))
        elif outcome == "ok":
            if not self._clean() and (backend in self._state["backends"] or self._has_missing(backend, model)):
                self._update(lambda state: _closed(state, backend, model))
        elif outcome in _MODEL_FAILURES:
            now, what = self.clock(), _MODEL_FAILURES[outcome]
            self._update(lambda state: _mark_model(state, what, backend, model, now))
        elif outcome in _BACKEND_FAILURES:
            now, limit = self.clock(), self.failures_to_open
            self._update(lambda state: _failed(state, backend, error, now, limit))

    def _has_missing(self, backend: str, model: str | None) -> bool:
        return any(f"{backend}|{model}" in self._state.get(what, {}) for what in _MODEL_FAILURES.values())

    def _update(self, change) -> None:
        try:
            self._state = self.store.update(BREAKERS_KEY, lambda state: change(well_formed(state)), default={})
        except Exception as exc:  # noqa: BLE001 - the state is evidence, not a dependency: answer anyway
            print(f"phoenix router: breaker state not saved ({type(exc).__name__}: {str(exc)[:200]})",
                  file=sys.stderr)
            self._state = change(copy.deepcopy(self._state))  # this request still acts on what it learnt


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _mapping(value) -> dict:
    return value if isinstance(value, dict) else {}


def well_formed(state) -> dict:
    """The stored breaker state without what this code cannot read (a hand edit, another
    version's format): like an unreadable file, a malformed one must not take the router down."""
    state = _mapping(state)
    backends = {name: entry for name, entry in _mapping(state.get("backends")).items()
                if isinstance(entry, dict) and _number(entry.get("failures", 0))
                and _number(entry.get("open_since") or 0)}
    per_model = {what: {key: at for key, at in _mapping(state.get(what)).items() if _number(at)}
                 for what in _MODEL_FAILURES.values()}
    files = {key: entry for key, entry in _mapping(state.get(FILES)).items()
             if isinstance(entry, dict) and _number(entry.get("at"))}
    return {"backends": backends, **per_model, FILES: files}


def _health_view(view) -> dict:
    return {name: probe for name, probe in _mapping(view).items()
            if isinstance(probe, dict) and _number(probe.get("at", 0))}


def _closed(state: dict, backend: str, model: str | None) -> dict:
    state.setdefault("backends", {}).pop(backend, None)
    for what in _MODEL_FAILURES.values():
        state.setdefault(what, {}).pop(f"{backend}|{model}", None)
    return state


def _mark_model(state: dict, what: str, backend: str, model: str | None, now: float) -> dict:
    state.setdefault(what, {})[f"{backend}|{model}"] = now
    return state


def _mark_file(state: dict, file_key: str, backend: str, outcome: str, now: float) -> dict:
    files = {key: entry for key, entry in state.setdefault(FILES, {}).items() if now - entry["at"] < FILE_RECHECK_S}
    files[file_key] = {"at": now, "outcome": outcome, "backend": backend}
    state[FILES] = dict(sorted(files.items(), key=lambda item: item[1]["at"])[-_FILES_KEPT:])
    return state


def _failed(state: dict, backend: str, error: str, now: float, limit: int) -> dict:
    entry = state.setdefault("backends", {}).setdefault(backend, {"failures": 0})
    entry["failures"] = entry.get("failures", 0) + 1
    entry["last_error"] = redact(error)[:300]  # masked before it is cut: a cut token is no longer recognised
    if entry["failures"] >= limit:
        entry["open_since"] = now  # (re)open: a failed half-open probe restarts the cooldown
    return state
