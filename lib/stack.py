"""The stack: one document describing the operator's whole home AI stack.

Locally it is a YAML file; inside Windmill it is a resource of type
``c_phoenix_stack`` whose value is the same document, passed to ``main()`` as a
dict. ``Stack`` is that document typed (pydantic models, ``lib/settings.py``):
every key's type and default are declared once, on its section below (the
backend kinds' ``models`` section is their packages', put together in ``lib/backends/settings.py``), and
read as attributes: ``stack.routing.priority``, ``stack.services.n8n.url``.
The defaults describe a machine with nothing running, where the embedded
model answers. The resource type is generated from ``stack_schema()``.

``load_stack`` accepts a path, a dict, YAML or JSON text or None, reads it
over the defaults and raises ``ConfigError`` naming the source, the dotted
key and the reason for anything malformed or unknown: a key written twice, a
token pasted where a variable's name goes, and documents built to break
parsers (too deep, alias bombs, tags, several documents, huge files; see
``lib/yaml_reader.py``) included.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Callable, Hashable, Literal, Mapping, Optional, TypedDict

from pydantic import BeforeValidator, Field, PrivateAttr

from .backends.settings import Models
from .cache import phoenix_cache_dir
from .errors import ConfigError
from .guard import own_folder
from .redact import looks_like_secret, redact
from .settings import section, EnvName, Integer, Names, Number, Seconds, Settings, Url, VariablePath, json_schema, validated
from .yaml_reader import check_plain, dotted, load_document, shown_key

#: the worker tag inference scripts are committed with, and what any worker tag may be: one word,
#: since WORKER_TAGS is a comma-separated list (deploy and the pods share both)
INFERENCE_TAG = "phoenix-inference"
WORKER_TAG_PATTERN = r"[A-Za-z0-9_.:$()\[\]-]{1,100}"

AtLeastOne = Annotated[Integer, Field(ge=1)]


# -- services -------------------------------------------------------------------------------

class N8nService(Settings):
    url: Url = "http://127.0.0.1:5678"
    #: where the API key is: an environment variable (local runs) or a Windmill variable
    api_key_env: EnvName = "N8N_API_KEY"
    api_key_variable: VariablePath = "f/phoenix/n8n_api_key"


class OllamaService(Settings):
    url: Url = "http://127.0.0.1:11435"


class WindmillService(Settings):
    url: Url = "http://127.0.0.1:8002"
    workspace: str = "phoenix"


class PostgresService(Settings):
    host: str = "127.0.0.1"
    port: Integer = 5432


class PodmanService(Settings):
    socket: Optional[str] = None
    containers: Names = ["n8n", "windmill-phoenix", "windmill-db-phoenix", "ollama-phoenix"]


class Services(Settings):
    n8n: N8nService = section()
    ollama: OllamaService = section()
    windmill: WindmillService = section()
    postgres: PostgresService = section()
    podman: PodmanService = section()


# -- routing, agents, health, alerts, backup ---------------------------------------------------

class Breaker(Settings):
    """A half-open breaker first asks the backend's health (probe_timeout_s) before a real request."""

    failures_to_open: AtLeastOne = 1
    cooldown_s: Seconds = 30
    probe_timeout_s: Seconds = 2


class Routing(Settings):
    priority: Literal["existing", "quality", "speed"] = "existing"
    attempt_timeout_s: Seconds = 60
    overall_timeout_s: Seconds = 180
    #: a dead host is found by its connect timeout, not by the attempt's
    connect_timeout_s: Seconds = 2
    max_tokens: AtLeastOne = 256
    temperature: Annotated[Number, Field(ge=0, le=2)] = 0.2
    #: llama.cpp's threads; none: all cores but one
    threads: Optional[AtLeastOne] = None
    breaker: Breaker = section()


class Agents(Settings):
    dir: str = "omas"
    approval_risk: Literal["low", "medium", "high", "never"] = "high"


class HealthChecks(Settings):
    probe_timeout_s: Seconds = 3
    flap_threshold: AtLeastOne = 2
    folders: Names = [".roo", "omas", "n8n/workflows", "models/quantized", "windmill", "ollama-integration",
                      "hf-models"]
    #: the router probe may load a model: it gets its own, longer deadline
    router_timeout_s: Seconds = 30
    history_runs: AtLeastOne = 288
    dashboard_file: Optional[str] = "docs/system-status.md"


class Alerts(Settings):
    url: Optional[Url] = None
    token_env: EnvName = None


class Backup(Settings):
    dir: str = "backups"
    folders: Names = [".roo", "omas", "n8n", "src"]
    keep: AtLeastOne = 7


# -- podman: what scripts/stack.py runs (lib/workspace/); ports and the root come from services and root

Image = Annotated[str, Field(pattern="^[A-Za-z0-9][A-Za-z0-9._/:@-]*$")]
Workers = Annotated[Integer, Field(ge=0, le=64)]
#: relative to root (the seed's folders), absolute, or volume:NAME for a Podman volume
DataPath = Annotated[str, Field(pattern="^(volume:[A-Za-z0-9][A-Za-z0-9_.-]*|[^:]+|[A-Za-z]:[\\\\/].*)$")]
PgName = Annotated[str, Field(pattern="^[a-z_][a-z0-9_]{0,62}$")]


class Images(Settings):
    """Pinned: the Windmill server matches the windmill-cli deploy is tested with (1.819.0); Postgres is
    the major Windmill's own compose file runs (it needs 14 or later); n8n is the version the tests run against."""

    postgres: Image = "docker.io/library/postgres:16.13"
    windmill: Image = "ghcr.io/windmill-labs/windmill:1.819.0"
    ollama: Image = "docker.io/ollama/ollama:0.16.3"
    n8n: Image = "docker.io/n8nio/n8n:2.8.4"


class PodWorkers(Settings):
    default: Workers = 2
    inference: Workers = 1
    inference_tag: Annotated[str, Field(pattern=f"^{WORKER_TAG_PATTERN}$")] = INFERENCE_TAG


class Gpu(Settings):
    workers: bool = False
    ollama: bool = False
    device: Annotated[str, Field(pattern="^[A-Za-z0-9.-]+/[A-Za-z0-9.-]+=[A-Za-z0-9_.:-]+$")] = "nvidia.com/gpu=all"


class DataPaths(Settings):
    postgres_data: DataPath = "windmill-db-phoenix"
    windmill_data: DataPath = "windmill/data"
    ollama_data: DataPath = "ollama-integration"
    n8n_data: DataPath = "volume:n8n-phoenix-data"
    hf_models: DataPath = "hf-models"


class Database(Settings):
    name: PgName = "windmill_phoenix"
    user: PgName = "phoenix"


class PodSecrets(Settings):
    db_password_env: EnvName = "PHOENIX_DB_PASSWORD"


class Podman(Settings):
    images: Images = section()
    workers: PodWorkers = section()
    gpu: Gpu = section()
    paths: DataPaths = section()
    database: Database = section()
    secrets: PodSecrets = section()
    health_timeout_s: Seconds = 300


# -- the stack ------------------------------------------------------------------------------

def _not_true_or_false(value: Any) -> Any:
    """``version: true`` is not version 1 (Python's True == 1 would let it through)."""
    if isinstance(value, bool):
        raise ValueError("version 1 is a number")  # worded as the other wrong versions: "1 was expected"
    return value


class Stack(Settings):
    """A validated stack document, with the few derived values callers need.

    ``root`` and ``state_dir`` are paths (the document's texts, resolved);
    their texts as written are ``root_text`` and ``state_dir_text``.
    """

    version: Annotated[Literal[1], BeforeValidator(_not_true_or_false)] = 1
    name: str = "phoenix"
    root_text: Annotated[str, Field(min_length=1)] = Field("~/BooPhoenix", alias="root")
    state_dir_text: Optional[str] = Field(None, alias="state_dir")
    services: Services = section()
    models: Models = section()
    routing: Routing = section()
    agents: Agents = section()
    health: HealthChecks = section()
    alerts: Alerts = section()
    backup: Backup = section()
    podman: Podman = section()

    _source: str = PrivateAttr("<defaults>")
    _derived: dict = PrivateAttr(default_factory=dict)

    def __repr__(self) -> str:  # never the document: a value in it may be a secret put in the wrong place
        return f"Stack(source={self.source!r}, name={redact(str(self.name))!r})"

    __str__ = __repr__

    @property
    def source(self) -> str:
        """What the stack was read from, as messages name it: a file, ``<stack resource>``, ``<defaults>``."""
        return self._source

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

    def replaced(self, **sections: Settings) -> "Stack":
        """This stack with some sections replaced (already validated ones), and nothing derived yet."""
        changed = self.model_copy(update=sections)
        changed._derived = {}
        return changed

    @property
    def root(self) -> Path:
        return Path(os.path.expanduser(self.root_text))

    def under_root(self, relative: str | None) -> Path | None:
        """Resolve a path from the document: absolute stays, relative is under root."""
        if not relative:
            return None
        path = Path(os.path.expanduser(relative))
        return path if path.is_absolute() else self.root / path

    def service_url(self, name: str) -> str:
        return getattr(self.services, name).url.rstrip("/")

    @property
    def state_dir(self) -> Path:
        if self.state_dir_text:
            # like backup.dir: relative is under the root, never in .roo/ or omas/ (ConfigError)
            return own_folder(self, self.state_dir_text, "state_dir")
        return phoenix_cache_dir() / "state"


class c_phoenix_stack(TypedDict, total=False):
    """The Windmill resource type of a stack document (see ``stack_schema()``).

    Scripts annotate their stack argument with this name so that Windmill
    offers a picker of ``c_phoenix_stack`` resources and passes the value.
    """


def stack_schema() -> dict:
    """The stack document's JSON Schema: what the ``c_phoenix_stack`` resource type is generated from."""
    return json_schema(Stack)


def load_stack(source: str | os.PathLike | Mapping | None = None) -> Stack:
    """Load and validate a stack document; what it does not say, the defaults say.

    ``source`` may be None (the defaults, or ``$PHOENIX_STACK`` when set), a
    path to a YAML file, a mapping (a Windmill resource value) or YAML text.
    """
    if source is None and os.environ.get("PHOENIX_STACK"):
        source = os.environ["PHOENIX_STACK"]
    document, label = _read(source)
    refuse_pasted_secrets(document, label)
    return validate_stack(document, label)


def validate_stack(document: dict, label: str = "<stack>") -> Stack:
    """``document`` as a Stack, or ConfigError for its first (most specific) problem."""
    stack = validated(Stack, document, label)
    stack._source = label
    return stack


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
