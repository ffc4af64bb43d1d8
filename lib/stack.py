"""The stack: one document describing the operator's whole home AI stack.

Locally it is a YAML file; inside Windmill it is a resource of type
``c_phoenix_stack`` whose value is the same document, passed to ``main()`` as a
dict. Every key has a default, and the defaults describe a machine with nothing
running, where the embedded model answers.

``load_stack`` accepts a path, a dict, YAML or JSON text or None, merges it
over the defaults, validates it against ``STACK_SCHEMA`` and raises
``ConfigError`` naming the source, the dotted key and the reason for anything
malformed or unknown: a key written twice, a token pasted where a variable's
name goes, and documents built to break parsers (too deep, alias bombs, tags,
several documents, huge files; see ``lib/yaml_reader.py``) included.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any, Callable, Hashable, Mapping, TypedDict

from .errors import ConfigError
from .guard import own_folder
from .redact import looks_like_secret, redact
from .yaml_reader import check_plain, dotted, load_document, shown_key

CATEGORIES = ("reasoning", "coding", "fast", "complex")
ROO_DOMAINS = ("dataanalysis", "decisionmaking", "education",
               "scientificresearch", "softwaredevelopment")

#: the worker tag inference scripts are committed with, and what any worker tag may be: one word,
#: since WORKER_TAGS is a comma-separated list (deploy and the pods share both)
INFERENCE_TAG = "phoenix-inference"
WORKER_TAG_PATTERN = r"[A-Za-z0-9_.:$()\[\]-]{1,100}"

_URL = {"type": "string", "pattern": "^https?://"}
_SECONDS = {"type": "number", "exclusiveMinimum": 0, "maximum": 86400}  # a day: .inf or 1e308 would never end
_NAMES = {"type": "array", "items": {"type": "string", "minLength": 1}}
_OPT_STR = {"type": ["string", "null"]}
# the NAME of an environment variable: a key pasted here instead would be echoed by "variable ... not set"
_ENV_NAME = {"type": ["string", "null"], "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"}
_VARIABLE_PATH = {"type": ["string", "null"], "pattern": "^[fu](/[\\w.-]+)+$"}  # f/... or u/...


def _obj(properties: dict, required: tuple = ()) -> dict:
    """A closed object schema: unknown keys are errors, not silently ignored."""
    return {"type": "object", "properties": properties,
            "required": list(required), "additionalProperties": False}


_GGUF_MODEL = _obj({
    "path": _OPT_STR,
    "chat_format": {"type": "string"},
    "n_ctx": {"type": "integer", "minimum": 128},
})
_HF_GGUF = _obj({"repo": {"type": "string", "pattern": "^[^/\\s]+/[^/\\s]+$"},
                 "file": {"type": "string", "minLength": 1},
                 "chat_format": {"type": "string"},
                 "n_ctx": {"type": "integer", "minimum": 128}}, required=("repo", "file"))
_ENDPOINT = _obj({"name": {"type": "string", "minLength": 1}, "url": _URL,
                  "model": {"type": "string"}, "token_env": _ENV_NAME,
                  "domains": {"type": "array", "items": {"enum": list(ROO_DOMAINS)}},
                  "ignores_response_format": {"type": "boolean"}},
                 required=("name", "url"))

# What scripts/stack.py runs on Podman (lib/workspace/). Ports and the root come
# from services.* and root; these are only what Podman alone needs.
_IMAGE = {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._/:@-]*$"}
_WORKERS = {"type": "integer", "minimum": 0, "maximum": 64}
_DATA_PATH = {"type": "string", "pattern": "^(volume:[A-Za-z0-9][A-Za-z0-9_.-]*|[^:]+|[A-Za-z]:[\\\\/].*)$"}
_PG_NAME = {"type": "string", "pattern": "^[a-z_][a-z0-9_]{0,62}$"}
_PODMAN = _obj({
    "images": _obj({name: _IMAGE for name in ("postgres", "windmill", "ollama", "n8n")}),
    "workers": _obj({"default": _WORKERS, "inference": _WORKERS,
                     "inference_tag": {"type": "string", "pattern": f"^{WORKER_TAG_PATTERN}$"}}),
    "gpu": _obj({"workers": {"type": "boolean"}, "ollama": {"type": "boolean"},
                 "device": {"type": "string", "pattern": "^[A-Za-z0-9.-]+/[A-Za-z0-9.-]+=[A-Za-z0-9_.:-]+$"}}),
    "paths": _obj({name: _DATA_PATH for name in ("postgres_data", "windmill_data", "ollama_data",
                                                 "n8n_data", "hf_models")}),
    "database": _obj({"name": _PG_NAME, "user": _PG_NAME}),
    "secrets": _obj({"db_password_env": _ENV_NAME}),
    "health_timeout_s": _SECONDS,
})

STACK_SCHEMA: dict = _obj({
    "version": {"const": 1},
    "name": {"type": "string"},
    "root": {"type": "string", "minLength": 1},
    "state_dir": _OPT_STR,
    "services": _obj({
        "n8n": _obj({"url": _URL, "api_key_env": _ENV_NAME, "api_key_variable": _VARIABLE_PATH}),
        "ollama": _obj({"url": _URL}),
        "windmill": _obj({"url": _URL, "workspace": {"type": "string"}}),
        "postgres": _obj({"host": {"type": "string"}, "port": {"type": "integer"}}),
        "podman": _obj({"socket": _OPT_STR, "containers": _NAMES}),
    }),
    "models": _obj({
        "embedded": _GGUF_MODEL,
        "phoenixcore": _GGUF_MODEL,
        "ollama": _obj({c: _NAMES for c in CATEGORIES}),
        # the one embedding model (lib/router/embeddings.py): the first Ollama one named, else the embedded model
        "embeddings": _obj({"ollama": _NAMES}),
        "huggingface": _obj({
            "cache_dir": _OPT_STR,
            "offline": {"type": "boolean"},
            "gguf": _obj({d: {"type": "array", "items": _HF_GGUF} for d in ROO_DOMAINS}),
            "endpoints": {"type": "array", "items": _ENDPOINT},
        }),
    }),
    "routing": _obj({
        "priority": {"enum": ["existing", "quality", "speed"]},
        "attempt_timeout_s": _SECONDS,
        "overall_timeout_s": _SECONDS,
        "connect_timeout_s": _SECONDS,
        "max_tokens": {"type": "integer", "minimum": 1},
        "temperature": {"type": "number", "minimum": 0, "maximum": 2},
        "threads": {"type": ["integer", "null"], "minimum": 1},
        "breaker": _obj({"failures_to_open": {"type": "integer", "minimum": 1},
                         "cooldown_s": _SECONDS, "probe_timeout_s": _SECONDS}),
    }),
    "agents": _obj({"dir": {"type": "string"}, "approval_risk": {"enum": ["low", "medium", "high", "never"]}}),
    "health": _obj({"probe_timeout_s": _SECONDS, "flap_threshold": {"type": "integer", "minimum": 1},
                    "folders": _NAMES, "router_timeout_s": _SECONDS,
                    "history_runs": {"type": "integer", "minimum": 1},
                    "dashboard_file": _OPT_STR}),
    "alerts": _obj({"url": {"type": ["string", "null"], "pattern": "^https?://"},
                    "token_env": _ENV_NAME}),
    "backup": _obj({"dir": {"type": "string"}, "folders": _NAMES,
                    "keep": {"type": "integer", "minimum": 1}}),
    "podman": _PODMAN,
})

DEFAULT_STACK: dict = {
    "version": 1,
    "name": "phoenix",
    "root": "~/BooPhoenix",
    "state_dir": None,
    "services": {
        "n8n": {"url": "http://127.0.0.1:5678", "api_key_env": "N8N_API_KEY",
                "api_key_variable": "f/phoenix/n8n_api_key"},
        "ollama": {"url": "http://127.0.0.1:11435"},
        "windmill": {"url": "http://127.0.0.1:8002", "workspace": "phoenix"},
        "postgres": {"host": "127.0.0.1", "port": 5432},
        "podman": {"socket": None,
                   "containers": ["n8n", "windmill-phoenix", "windmill-db-phoenix", "ollama-phoenix"]},
    },
    "models": {
        "embedded": {"path": None, "chat_format": "chatml", "n_ctx": 2048},
        "phoenixcore": {"path": "models/quantized/PhoenixCore-4bit-Q5.gguf",
                        "chat_format": "chatml", "n_ctx": 4096},
        "ollama": {
            "reasoning": ["llama3:8b", "zamba2-7b-instruct"],
            "coding": ["deepseek-coder-v2", "qwen2.5-coder:7b"],
            "fast": ["mistral:7b", "gemma:7b"],
            "complex": ["mixtral:8x7b"],
        },
        "embeddings": {"ollama": []},
        "huggingface": {"cache_dir": None, "offline": False,
                        "gguf": {d: [] for d in ROO_DOMAINS}, "endpoints": []},
    },
    "routing": {
        "priority": "existing",
        "attempt_timeout_s": 60,
        "overall_timeout_s": 180,
        # a dead host is found by its connect timeout, not by the attempt's
        "connect_timeout_s": 2,
        "max_tokens": 256,
        "temperature": 0.2,
        "threads": None,
        # a half-open breaker first asks the backend's health (probe_timeout_s)
        # before letting a real request through
        "breaker": {"failures_to_open": 1, "cooldown_s": 30, "probe_timeout_s": 2},
    },
    "agents": {"dir": "omas", "approval_risk": "high"},
    "health": {"probe_timeout_s": 3, "flap_threshold": 2,
               "folders": [".roo", "omas", "n8n/workflows", "models/quantized",
                           "windmill", "ollama-integration", "hf-models"],
               # the router probe may load a model: it gets its own, longer deadline
               "router_timeout_s": 30, "history_runs": 288,
               "dashboard_file": "docs/system-status.md"},
    "alerts": {"url": None, "token_env": None},
    "backup": {"dir": "backups", "folders": [".roo", "omas", "n8n", "src"], "keep": 7},
    "podman": {
        # pinned: the Windmill server matches the windmill-cli deploy is tested with (1.819.0);
        # Postgres is the major Windmill's own compose file runs (it needs 14 or later);
        # n8n is the version the tests run against
        "images": {"postgres": "docker.io/library/postgres:16.13",
                   "windmill": "ghcr.io/windmill-labs/windmill:1.819.0",
                   "ollama": "docker.io/ollama/ollama:0.16.3",
                   "n8n": "docker.io/n8nio/n8n:2.8.4"},
        "workers": {"default": 2, "inference": 1, "inference_tag": INFERENCE_TAG},
        "gpu": {"workers": False, "ollama": False, "device": "nvidia.com/gpu=all"},
        # relative to root (the seed's folders), absolute, or volume:NAME for a Podman volume
        "paths": {"postgres_data": "windmill-db-phoenix", "windmill_data": "windmill/data",
                  "ollama_data": "ollama-integration", "n8n_data": "volume:n8n-phoenix-data",
                  "hf_models": "hf-models"},
        "database": {"name": "windmill_phoenix", "user": "phoenix"},
        "secrets": {"db_password_env": "PHOENIX_DB_PASSWORD"},
        "health_timeout_s": 300,
    },
}


class c_phoenix_stack(TypedDict, total=False):
    """The Windmill resource type of a stack document (see STACK_SCHEMA).

    Scripts annotate their stack argument with this name so that Windmill
    offers a picker of ``c_phoenix_stack`` resources and passes the value.
    """


class Stack:
    """A validated stack document with the few derived values callers need."""

    def __init__(self, data: dict, source: str):
        self.data = data
        self.source = source
        self._derived: dict = {}

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def __repr__(self) -> str:  # never the document: a value in it may be a secret put in the wrong place
        return f"Stack(source={self.source!r}, name={redact(str(self.data.get('name')))!r})"

    def derived(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """``make()``, computed once per key for this stack.

        For what the router would otherwise recompute on every request from a
        document that does not change once loaded (candidate orders, the store).
        """
        try:
            return self._derived[key]
        except KeyError:
            value = self._derived[key] = make()
            return value

    @property
    def root(self) -> Path:
        return Path(os.path.expanduser(self.data["root"]))

    def under_root(self, relative: str | None) -> Path | None:
        """Resolve a path from the document: absolute stays, relative is under root."""
        if not relative:
            return None
        path = Path(os.path.expanduser(relative))
        return path if path.is_absolute() else self.root / path

    def service_url(self, name: str) -> str:
        return self.data["services"][name]["url"].rstrip("/")

    @property
    def state_dir(self) -> Path:
        configured = self.data.get("state_dir")
        if configured:
            # like backup.dir: relative is under the root, never in .roo/ or omas/ (ConfigError)
            return own_folder(self, configured, "state_dir")
        return phoenix_cache_dir() / "state"


def phoenix_cache_dir() -> Path:
    """Where set-up keeps wheels, models and tools: outside any checkout."""
    configured = os.environ.get("PHOENIX_CACHE")
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "phoenix"


def load_stack(source: str | os.PathLike | Mapping | None = None) -> Stack:
    """Load, merge over defaults and validate a stack document.

    ``source`` may be None (the defaults, or ``$PHOENIX_STACK`` when set), a
    path to a YAML file, a mapping (a Windmill resource value) or YAML text.
    """
    if source is None and os.environ.get("PHOENIX_STACK"):
        source = os.environ["PHOENIX_STACK"]
    document, label = _read(source)
    refuse_pasted_secrets(document, label)
    merged = _merge(copy.deepcopy(DEFAULT_STACK), document)
    validate_stack(merged, label)
    return Stack(merged, label)


#: a stack file is a few kilobytes; a bigger one is the wrong file (or an attack)
MAX_STACK_BYTES = 1_000_000
SECRET_NOT_NAME = ("looks like a secret value, not the name of a variable; "
                   "put the value in that variable and write its name here")


def _read(source) -> tuple[dict, str]:
    if source is None:
        return {}, "<defaults>"
    if isinstance(source, Mapping):
        document, label = dict(source), "<stack resource>"
        check_plain(document, label)
        return document, label
    if not isinstance(source, (str, os.PathLike)):
        # e.g. a number typed into the stack argument: say so, not a TypeError from pathlib
        raise ConfigError("<stack>", "", "a stack must be a mapping, a YAML file path or YAML text, "
                          f"got {type(source).__name__}")
    text, label = _text_of(source)
    document = load_document(text, label)
    if document is None:
        return {}, label
    if not isinstance(document, dict):
        raise ConfigError(label, "", f"expected a mapping at the top, got {_kind(document)}")
    check_plain(document, label)
    return document, label


def _text_of(source: str | os.PathLike) -> tuple[str, str]:
    """The stack's text and the label messages name it by: YAML or JSON text as given, or a file's."""
    if isinstance(source, str) and ("\n" in source or source.lstrip().startswith("{")):
        if len(source) > MAX_STACK_BYTES:
            raise ConfigError("<stack text>", "", f"{len(source)} characters: a stack is at most {MAX_STACK_BYTES}")
        return source, "<stack text>"
    name = os.fspath(source)
    label = shown_key(name, limit=300)
    path = Path(name).expanduser()
    try:
        if not path.is_file():
            raise ConfigError(label, "", "file not found")
        with open(path, "rb") as handle:
            data = handle.read(MAX_STACK_BYTES + 1)
    except (OSError, ValueError) as exc:  # a name too long or holding a NUL, a folder without permission
        raise ConfigError(label, "", f"cannot be read: {getattr(exc, 'strerror', None) or type(exc).__name__}") from None
    if len(data) > MAX_STACK_BYTES:
        raise ConfigError(label, "", f"larger than {MAX_STACK_BYTES} bytes: a stack file is a few kilobytes "
                          "(is this the right file?)")
    try:
        return data.decode("utf-8-sig"), label  # -sig: editors on Windows start files with a BOM
    except UnicodeDecodeError as exc:
        raise ConfigError(label, "", f"not UTF-8 text (byte {exc.start})") from None


def _kind(value) -> str:
    return {list: "a list", str: "text", int: "a number", float: "a number", bool: "true/false"}.get(
        type(value), type(value).__name__)


def read_stack_document(source) -> dict:
    """The stack document as written (not merged, not validated), parsed as ``load_stack`` parses it."""
    return _read(source)[0]


def refuse_pasted_secrets(document, label: str, path: tuple = ()) -> None:
    """Refuse a token written where the *name* of a variable goes, without repeating it.

    Every ``*_env`` key (an environment variable's name) and every ``*_variable``
    key (a Windmill variable's path), wherever it is in the document, so that a
    section added later is covered too.
    """
    if isinstance(document, dict):
        for key, value in document.items():
            where = path + (key,)
            if _names_a_variable(key) and isinstance(value, str) and looks_like_secret(value):
                raise ConfigError(label, dotted(where), SECRET_NOT_NAME)
            refuse_pasted_secrets(value, label, where)
    elif isinstance(document, list):
        for index, item in enumerate(document):
            refuse_pasted_secrets(item, label, path + (index,))


def _names_a_variable(key) -> bool:
    return isinstance(key, str) and (key.endswith("_env") or key.endswith("_variable"))


def _merge(base: dict, override: Mapping) -> dict:
    """Deep-merge ``override`` into ``base``; lists and scalars replace (keys are text: see check_plain)."""
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


def validate_stack(document: dict, label: str = "<stack>") -> None:
    """Raise ConfigError for the first (most specific) schema violation."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(STACK_SCHEMA)
    errors = sorted(validator.iter_errors(document), key=lambda e: (len(e.path), list(map(str, e.path))))
    if not errors:
        return
    error = errors[0]
    key = dotted(error.path)
    if error.validator == "additionalProperties":
        unknown = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        key = ".".join(filter(None, [key, shown_key(unknown[0])]))
        allowed = ", ".join(sorted(error.schema.get("properties", {})))
        raise ConfigError(label, key, f"unknown key (allowed here: {allowed})")
    if error.validator == "pattern":
        # URLs and variable names: the value may be a pasted secret, so it is not repeated
        raise ConfigError(label, key or "<top>", f"not a valid value here (must match {error.validator_value})")
    raise ConfigError(label, key or "<top>", _brief(redact(error.message)))


def _brief(message: str, limit: int = 300) -> str:
    """jsonschema repeats the whole offending value: a 100 kB list makes no message."""
    return message if len(message) <= limit else message[:limit] + "..."
