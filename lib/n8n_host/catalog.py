"""What n8n's node and credential types are, without n8n: the catalog the translator reads.

The node host runs n8n's own node classes, which only the operator's workers
install; the translator must still know, offline and fast, whether a node's type
and version load in the host, which credentials it declares, and what fields a
credential type has (to write its Windmill resource type). ``catalog_data.py``
holds those facts, generated from the installed n8n-nodes-base and
@n8n/n8n-nodes-langchain (``python -m scripts.tooling.n8n_catalog``; a test
regenerates it and compares). Names come from workflow files, so every lookup
takes any value and answers None for what is not a known type.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Optional

from .catalog_data import CREDENTIALS, NODES, PACKAGES

MAX_NAME = 200  # longer than any n8n type name: refused before any lookup
OAUTH2_ROOT = "oAuth2Api"
OAUTH1_ROOT = "oAuth1Api"


@dataclass(frozen=True)
class NodeCredential:
    """A credential a node type declares: its type name, and when the node asks for it."""

    name: str
    required: bool
    display_options: Optional[dict]  # n8n's displayOptions ({show: {parameter: [values]}, hide: ...}) or None
    versions: tuple  # the node's typeVersions declaring it

    def applies(self, parameters: dict, version: float | None = None) -> Optional[bool]:
        """Whether the node asks for this credential with these parameters (n8n's displayOptions).

        None when the condition depends on something the catalog cannot tell (an
        absent parameter whose default n8n would use, an n8n condition operator).
        """
        if version is not None and not _same_version(version, self.versions):
            return False
        return _display_matches(self.display_options, parameters if isinstance(parameters, dict) else {}, version)


@dataclass(frozen=True)
class NodeTypeInfo:
    """One node type (e.g. ``n8n-nodes-base.set``) as the installed n8n defines it."""

    name: str
    package: str
    display_name: str
    versions: tuple  # every typeVersion the installed class supports, ascending
    group: tuple  # n8n's description.group, over all versions
    is_trigger: bool  # group "trigger", or a trigger()/poll() method
    polling: bool  # description.polling
    webhook: bool  # webhookMethods or description.webhooks
    credentials: tuple  # NodeCredential, each with the versions declaring it
    webhooks: tuple = ()  # (name, httpMethod, path) of each webhook n8n registers (description.webhooks), as n8n writes them
    webhook_methods: tuple = ()  # the webhooks the node itself registers with its service (webhookMethods' keys)

    def supports(self, version: Any) -> bool:
        return _same_version(version, self.versions)

    def at(self, version: Any) -> Optional["NodeTypeInfo"]:
        """The facts of one typeVersion only (its credentials, flags), or None if unsupported."""
        variant = _variant_at(self.name, version)
        return _info(self.name, [variant]) if variant else None

    def credential_names(self, version: Any = None) -> tuple:
        return tuple(dict.fromkeys(c.name for c in self.credentials
                                   if version is None or _same_version(version, c.versions)))


@dataclass(frozen=True)
class CredentialProperty:
    """One field of a credential type (``name``, ``value``, ``clientSecret``...)."""

    name: str
    type: str  # n8n's property type: string, number, boolean, options, multiOptions, hidden, json, ...
    display_name: str
    default: Any
    required: bool  # n8n marks it required (when it is shown: see display_options)
    secret: bool  # typeOptions.password: never shown, never logged
    options: tuple  # the allowed values of an options/multiOptions field
    display_options: Optional[dict]  # shown only for some other field's values (n8n's displayOptions)
    expirable: bool  # a token preAuthentication renews (typeOptions.expirable)

    def shown(self, values: dict) -> Optional[bool]:
        """Whether n8n shows this field when the other fields hold ``values`` (None: cannot tell)."""
        return _display_matches(self.display_options, values, None)


@dataclass(frozen=True)
class CredentialTypeInfo:
    """A credential type (e.g. ``httpHeaderAuth``) as the installed n8n defines it."""

    name: str
    package: str
    display_name: str
    extends: tuple  # the types it extends directly (n8n's ``extends``)
    chain: tuple  # itself, then every type it extends, nearest first
    properties: tuple  # CredentialProperty, merged over the chain as n8n merges them (the nearest wins)
    authenticate: Optional[str]  # "generic" (a declarative block), "function", or None
    pre_authentication: bool  # has preAuthentication (an expirable token fetched before requests)

    @property
    def is_oauth2(self) -> bool:
        return OAUTH2_ROOT in self.chain

    @property
    def is_oauth1(self) -> bool:
        return OAUTH1_ROOT in self.chain

    @property
    def secret_names(self) -> tuple:
        return tuple(p.name for p in self.properties if p.secret)


# -- lookups ---------------------------------------------------------------------

def _known_name(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_NAME


def node_type(type_name: Any) -> Optional[NodeTypeInfo]:
    """The node type named exactly ``type_name`` (``package.name``), or None."""
    if not _known_name(type_name) or type_name not in NODES:
        return None
    return _node_type(type_name)


@lru_cache(maxsize=None)
def _node_type(type_name: str) -> NodeTypeInfo:
    return _info(type_name, NODES[type_name]["variants"])


def supports(type_name: Any, version: Any) -> bool:
    """Whether the installed n8n has ``type_name`` in ``version`` (what the host can run)."""
    info = node_type(type_name)
    return bool(info and info.supports(version))


def credential_type(name: Any) -> Optional[CredentialTypeInfo]:
    """The credential type named exactly ``name``, or None."""
    if not _known_name(name) or name not in CREDENTIALS:
        return None
    return _credential_type(name)


def node_type_names() -> tuple:
    return tuple(NODES)


def credential_type_names() -> tuple:
    return tuple(CREDENTIALS)


def packages() -> dict:
    """{package name: version} the catalog was generated from."""
    return dict(PACKAGES)


# -- building the records --------------------------------------------------------

def _as_version(value: Any) -> Optional[float]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _same_version(version: Any, versions: tuple) -> bool:
    wanted = _as_version(version)
    return wanted is not None and any(float(v) == wanted for v in versions)


def _variant_at(type_name: str, version: Any) -> Optional[dict]:
    for variant in NODES[type_name]["variants"]:
        if _same_version(version, tuple(variant["versions"])):
            return variant
    return None


def _info(type_name: str, variants: list) -> NodeTypeInfo:
    entry = NODES[type_name]
    versions = tuple(sorted({v for variant in variants for v in variant["versions"]}))
    group = tuple(dict.fromkeys(g for variant in variants for g in variant["group"]))
    declared: dict[str, dict] = {}
    for variant in variants:
        for cred in variant.get("credentials", ()):
            key = repr((cred["name"], cred.get("required", False), cred.get("displayOptions")))
            declared.setdefault(key, {"cred": cred, "versions": []})["versions"].extend(variant["versions"])
    credentials = tuple(NodeCredential(name=d["cred"]["name"], required=bool(d["cred"].get("required")),
                                       display_options=d["cred"].get("displayOptions"),
                                       versions=tuple(sorted(set(d["versions"]))))
                        for d in declared.values())
    return NodeTypeInfo(
        name=type_name, package=entry["package"], display_name=entry["display"], versions=versions, group=group,
        is_trigger="trigger" in group or any(v.get("trigger") for v in variants),
        polling=any(v.get("polling") for v in variants), webhook=any(v.get("webhook") for v in variants),
        credentials=credentials,
        webhooks=tuple(dict.fromkeys((w["name"], w["httpMethod"], w["path"]) for v in variants
                                     for w in v.get("webhooks", ()))),
        webhook_methods=tuple(dict.fromkeys(m for v in variants for m in v.get("webhookMethods", ()))))


def _chain(name: str, seen: tuple = ()) -> tuple:
    """``name`` and the types it extends, nearest first (a cycle or an unknown parent stops the walk)."""
    if name in seen or name not in CREDENTIALS:
        return ()
    chain = (name,)
    for parent in CREDENTIALS[name].get("extends", ()):
        chain += tuple(p for p in _chain(parent, seen + chain) if p not in chain)
    return chain


def _merged_properties(name: str, seen: tuple = ()) -> list:
    """n8n's getCredentialsProperties: the parents' properties first, each own property replacing a parent's."""
    if name in seen or name not in CREDENTIALS:
        return []
    entry = CREDENTIALS[name]
    merged: list = []
    for parent in entry.get("extends", ()):
        _merge(merged, _merged_properties(parent, seen + (name,)))
    _merge(merged, entry["properties"])
    return merged


def _merge(into: list, properties: list) -> None:
    for prop in properties:
        index = next((i for i, p in enumerate(into) if p["name"] == prop["name"]), None)
        if index is None:
            into.append(prop)
        else:
            into[index] = prop


@lru_cache(maxsize=None)
def _credential_type(name: str) -> CredentialTypeInfo:
    entry = CREDENTIALS[name]
    properties = tuple(CredentialProperty(
        name=p["name"], type=p["type"], display_name=p.get("displayName", p["name"]), default=p.get("default"),
        required=bool(p.get("required")), secret=bool(p.get("password")), options=tuple(p.get("options", ())),
        display_options=p.get("displayOptions"), expirable=bool(p.get("expirable")))
        for p in _merged_properties(name))
    return CredentialTypeInfo(
        name=name, package=entry["package"], display_name=entry["display"], extends=tuple(entry.get("extends", ())),
        chain=_chain(name), properties=properties, authenticate=entry.get("authenticate"),
        pre_authentication=bool(entry.get("preAuthentication")))


# -- n8n's displayOptions, the simple forms ----------------------------------------

def _display_matches(options: Optional[dict], parameters: dict, version: Optional[float]) -> Optional[bool]:
    if not options:
        return True
    unknown = False
    for mode in ("show", "hide"):
        for key, wanted in (options.get(mode) or {}).items():
            hit = _condition(key, wanted, parameters, version)
            if hit is None:
                unknown = True
                continue
            if (mode == "show" and not hit) or (mode == "hide" and hit):
                return False
    return None if unknown else True


def _condition(key: str, wanted: Any, parameters: dict, version: Optional[float]) -> Optional[bool]:
    if key == "@version":
        actual: Any = version
        if actual is None:
            return None
    else:
        name = key.lstrip("/")
        if name not in parameters:
            return None  # n8n would use the parameter's default, which the catalog does not hold
        actual = parameters[name]
    values = wanted if isinstance(wanted, list) else [wanted]
    results = [_cnd(actual, v["_cnd"]) if isinstance(v, dict) and isinstance(v.get("_cnd"), dict)
               else (None if isinstance(v, dict) else actual == v) for v in values]
    if any(r is True for r in results):
        return True
    return None if any(r is None for r in results) else False


def _cnd(actual: Any, condition: dict) -> Optional[bool]:
    """n8n-workflow's displayOptions operators ({_cnd: {gte: 2}}); None for one it does not know."""
    if len(condition) != 1:
        return None
    (op, arg), = condition.items()
    number = isinstance(actual, (int, float)) and not isinstance(actual, bool)
    try:
        if op == "eq":
            return actual == arg
        if op == "not":
            return actual != arg
        if op in ("gte", "lte", "gt", "lt") and number and isinstance(arg, (int, float)):
            return {"gte": actual >= arg, "lte": actual <= arg, "gt": actual > arg, "lt": actual < arg}[op]
        if op == "between" and number and isinstance(arg, dict):
            return arg["from"] <= actual <= arg["to"]
        if op == "exists":
            return actual is not None and actual != ""
        if isinstance(actual, str) and isinstance(arg, str):
            if op == "startsWith":
                return actual.startswith(arg)
            if op == "endsWith":
                return actual.endswith(arg)
            if op == "includes":
                return arg in actual
    except (KeyError, TypeError):
        return None
    return None
