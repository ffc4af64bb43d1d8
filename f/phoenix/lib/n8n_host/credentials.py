# GENERATED from lib/n8n_host/credentials.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""n8n credentials as Windmill resources: what a host step is given, and the resource types to create.

An n8n node names its credentials by type and by the name the operator gave them
(``{"httpHeaderAuth": {"id": "7", "name": "Service token"}}``); the secrets stay
in n8n. A translated flow instead reads each credential from a Windmill resource
``f/phoenix/n8n_credentials/<type>_<name>`` whose value holds the credential's
own fields (n8n's names: ``{"name": ..., "value": ...}`` for Header Auth), typed
by a resource type generated from n8n's credential definition
(``c_n8n_<type>``). The flow file holds only ``$res:`` references, never a secret.

How the step gets the values: its ``credentials`` argument is a static input
transform ``{"httpHeaderAuth": "$res:f/phoenix/n8n_credentials/..."}``. Windmill
resolves ``$res:`` strings nested inside an argument's object, not only whole
arguments: verified in windmill-labs/windmill
``backend/windmill-worker/src/common.rs`` (``create_args_and_out_file`` ->
``transform_json``, which looks for ``$var:``/``$res:`` anywhere in an argument's
raw JSON, then ``transform_json_value``, which recurses into every
``Value::Object`` and replaces a ``"$res:<path>"`` string by
``get_resource_value_interpolated(path)``); a flow's static transforms reach the
job's arguments unchanged (``worker_flow.rs`` ``transform_input``). So each
credential type's values arrive already resolved in the step, and the job's
stored arguments keep only the references.

The same argument carries ``"@resources": {type: path}`` (plain paths, which
Windmill leaves alone: only strings starting with ``$`` are rewritten) so that the
host can write a refreshed OAuth2 token back to the resource it came from
(f/phoenix/n8n_host/credentials.ts).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Optional

from ..errors import InputError
from .catalog import CredentialProperty, node_type, packages
from .catalog import credential_type as catalog_credential_type

CREDENTIAL_FOLDER = "f/phoenix/n8n_credentials/"
RESOURCES_KEY = "@resources"  # in the credentials argument: {credential type: resource path}
RESOURCE_TYPE_PREFIX = "c_n8n_"
RESOURCE_TYPE_MAX = 50
RESOURCE_TYPE_SUFFIX = ".resource-type.yaml"  # wmill sync reads these at the sync root only (no "/" in the path)
SLUG_MAX = 80
TYPE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")
OAUTH_TOKEN_FIELD = "oauthTokenData"  # where n8n keeps an OAuth credential's tokens (access, refresh...)
JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"


@dataclass(frozen=True)
class CredentialInputs:
    """What a host step needs for its node's credentials.

    ``transform``: the Windmill input transform of the step's ``credentials``
    argument, or None when the node uses none. ``resources``: (resource path,
    resource type name) pairs the operator must create (the flow lists them).
    ``problem``: why the credentials cannot be mapped, or None; with a problem,
    ``transform`` is None and the step cannot run as translated.
    """

    transform: Optional[dict] = None
    resources: tuple = ()
    problem: Optional[str] = None
    credential_types: tuple = field(default=())  # the credential types the step is given


def credential_inputs(node: Any) -> CredentialInputs:
    """The ``credentials`` argument of the host step for ``node`` (lib/n8n/workflow.py's Node)."""
    declared = getattr(node, "credentials", None)
    if declared in (None, {}):
        return CredentialInputs()
    if not isinstance(declared, dict):
        return CredentialInputs(problem="the node's credentials are not an object of credential type: reference")
    used = _used_credentials(node, declared)
    if not used:
        return CredentialInputs()
    value: dict = {}
    paths: dict = {}
    resources = []
    for type_name in used:
        problem = _check(type_name, declared[type_name])
        if problem:
            return CredentialInputs(problem=problem)
        path = resource_path(type_name, declared[type_name].get("name"))
        value[type_name] = f"$res:{path}"
        paths[type_name] = path
        resources.append((path, resource_type_name(type_name)))
    value[RESOURCES_KEY] = paths
    return CredentialInputs(transform={"type": "static", "value": value}, resources=tuple(resources),
                            credential_types=tuple(used))


def _used_credentials(node: Any, declared: dict) -> list:
    """The credential types of ``declared`` the node would ask for, in a stable order.

    n8n keeps a credential in a node's JSON after the operator switched its
    ``authentication`` away from it; such a stale reference must not make the step
    need a resource. A credential is used when the node type's version declares it
    and its displayOptions do not rule it out, or when a parameter names it (the
    HTTP Request node's ``genericAuthType``/``nodeCredentialType``).
    """
    parameters = getattr(node, "parameters", None)
    parameters = parameters if isinstance(parameters, dict) else {}
    info = node_type(getattr(node, "type", None))
    version = getattr(node, "type_version", None)
    at = info.at(version) if info else None
    names = sorted(k for k in declared if isinstance(k, str)) + [k for k in declared if not isinstance(k, str)]
    if at is None:
        return names  # unknown type or version: the translator reports that; keep every reference
    named = {v for v in parameters.values() if isinstance(v, str)} if parameters.get("authentication") != "none" else set()
    used = []
    for name in names:
        rules = [c for c in at.credentials if c.name == name]
        if name in named or any(c.applies(parameters, version) is not False for c in rules):
            used.append(name)
    return used


def _check(type_name: Any, reference: Any) -> Optional[str]:
    if not isinstance(type_name, str) or not TYPE_NAME.match(type_name):
        return "a credential type name must be letters, digits and _ (at most 100), starting with a letter"
    if catalog_credential_type(type_name) is None:
        return (f"credential type {type_name} is not defined by the installed n8n packages "
                f"({', '.join(packages())}): no resource type can hold it")
    if not isinstance(reference, dict) or not isinstance(reference.get("name", ""), str):
        return f"the {type_name} credential reference must be an object with a text name"
    return None


def resource_path(type_name: str, credential_name: Optional[str]) -> str:
    """``f/phoenix/n8n_credentials/<type>_<name>``: lower-case ASCII letters, digits and ``_`` only.

    The name comes from a workflow file: accents are folded, everything else that
    is not a letter or digit becomes ``_``, and the result is cut to 80 characters.
    When folding changed more than case and separators (two names could meet), a
    short hash of the exact name keeps them apart.
    """
    name = credential_name if isinstance(credential_name, str) and credential_name.strip() else type_name
    text = f"{type_name}_{name}"
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", folded.lower()).strip("_") or "credential"
    simple = re.sub(r"[\s\-_.]+", "_", text.lower()).strip("_")
    if simple != slug:
        slug = f"{slug[:SLUG_MAX - 9]}_{hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"
    return CREDENTIAL_FOLDER + slug[:SLUG_MAX].rstrip("_")


def resource_type_name(type_name: str) -> str:
    """``c_n8n_`` and the credential type in snake case (``httpHeaderAuth`` -> ``c_n8n_http_header_auth``).

    Windmill takes 1 to 50 letters, digits, ``_`` or ``-`` (``check_proper_type_name``
    in its backend); a longer name is cut and keeps a short hash of the full one.
    """
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", type_name)
    name = RESOURCE_TYPE_PREFIX + re.sub(r"[^a-z0-9_]+", "_", snake.lower()).strip("_")
    if len(name) > RESOURCE_TYPE_MAX:
        name = f"{name[:RESOURCE_TYPE_MAX - 9].rstrip('_')}_{hashlib.sha256(type_name.encode()).hexdigest()[:8]}"
    return name


# -- resource types ----------------------------------------------------------------

_JSON_TYPES = {"string": "string", "number": "number", "boolean": "boolean", "options": "string",
               "hidden": None, "json": None, "multiOptions": "array"}


def resource_type_document(credential_type: str) -> tuple:
    """(file name, document) of the Windmill resource type holding ``credential_type``'s values.

    The document is what ``wmill sync`` reads from ``<name>.resource-type.yaml`` at
    the sync root: ``description`` and ``schema`` (a JSON schema with Windmill's
    ``password`` and ``order`` keys). Fields come from n8n's definition, merged
    over the types it extends: the types, option values as enums, secrets marked
    ``password``, defaults kept; a field n8n requires is required when it is shown
    whatever the operator picks in the other fields (n8n's displayOptions). Fields n8n fixes
    (``hidden``) are left out (the host fills them from the definition), except
    the OAuth token data the operator's resource must hold.
    Raises InputError (a ValueError) for a type the catalog does not know.
    """
    info = catalog_credential_type(credential_type)
    if info is None:
        raise InputError(f"credential type {credential_type!r} is not in the n8n catalog")
    fixed = {p.name: p.default for p in info.properties if p.type == "hidden"}
    properties: dict = {}
    required = []
    for prop in info.properties:
        schema = _property_schema(prop)
        if schema is None or prop.shown(fixed) is False:
            continue  # not a field, or one n8n never shows for this type (its fixed fields rule it out)
        properties[prop.name] = schema
        if prop.required and prop.shown(fixed) is True:  # required whatever the operator picks elsewhere
            required.append(prop.name)
    if info.is_oauth2 or info.is_oauth1:
        properties[OAUTH_TOKEN_FIELD] = {
            "type": "object", "title": "OAuth token data",
            "description": "The tokens n8n keeps for this credential (access_token, refresh_token, ...); "
                           "the node host writes refreshed tokens back here.",
            "password": True, "properties": {}}
    schema = {"$schema": JSON_SCHEMA, "type": "object", "properties": properties, "required": required,
              "order": list(properties)}
    description = (f"n8n credential {info.display_name} ({info.name}, from {info.package}), "
                   "as the node host of Phoenix reads it")
    name = resource_type_name(credential_type)
    return f"{name}{RESOURCE_TYPE_SUFFIX}", {"description": description, "schema": schema}


def _property_schema(prop: CredentialProperty) -> Optional[dict]:
    if prop.type not in _JSON_TYPES:
        return None  # fixedCollection, notice... : nothing an operator types into a resource
    kind = _JSON_TYPES[prop.type]
    if prop.type == "hidden":
        return None
    if prop.type == "json":
        out: dict = {"type": ["object", "array", "string"]}
    elif prop.type == "multiOptions":
        out = {"type": "array", "items": {"type": "string", "enum": list(prop.options)} if prop.options else {}}
    else:
        out = {"type": kind}
        if prop.options:
            out["enum"] = list(prop.options)
            if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in prop.options):
                out["type"] = "number"
            elif not all(isinstance(v, str) for v in prop.options):
                out.pop("type")
    out["title"] = prop.display_name
    if _usable_default(prop):
        out["default"] = prop.default
    if prop.secret:
        out["password"] = True
    return out


def _usable_default(prop: CredentialProperty) -> bool:
    """A default the schema can carry: not an n8n expression ("={{...}}", the host evaluates those),
    and one of the options where n8n lists them (n8n sometimes defaults an options field to "")."""
    default = prop.default
    if default is None or (isinstance(default, str) and default.startswith("=")):
        return False
    if prop.options and prop.type == "options":
        return default in prop.options
    if prop.options and prop.type == "multiOptions":
        return isinstance(default, list) and all(v in prop.options for v in default)
    return True
