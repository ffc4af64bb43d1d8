# GENERATED from lib/workspace/db_secret.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""The stack's one Podman secret, ``phoenix-db``: Windmill's database password and URLs.

``podman kube play`` mounts a secret as a folder of files, one per key of a
Kubernetes Secret stored as the Podman secret's data. Podman 4.3 reads the
keys' values as they are, unencoded (``data: {password: <text>}``); 4.4 and
later read a real Kubernetes Secret (base64 ``data``). The document is written
for the Podman that will read it, and the secret is labelled with the format,
so that ``plan`` can tell when an upgraded Podman could no longer read it.

The values exist only in this process's memory and on podman's standard input.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from urllib.parse import quote

from .pods import SECRET_KEYS, SECRET_NAME, endpoint

LABEL_FORMAT = "phoenix-stack/format"
LABEL_ADDRESS = "phoenix-stack/address"  # which database the URLs point at (a hash: not a secret)
LABEL_MANAGED = "app.kubernetes.io/managed-by"
MANAGED_BY = "phoenix-stack"
RAW = "raw-data"          # Podman 4.3
KUBERNETES = "kubernetes"  # Podman 4.4 and later


def secret_format(version: tuple[int, int, int]) -> str:
    return RAW if version < (4, 4, 0) else KUBERNETES


def secret_values(stack, password: str) -> dict[str, str]:
    """The password, and the URLs the server (inside its pod) and the workers (host network) connect with."""
    database, postgres = stack.podman.database, endpoint(stack, "postgres")
    user, secret = quote(database.user, safe=""), quote(password, safe="")
    host = postgres.dial_host

    def url(where: str) -> str:
        where = f"[{where}]" if ":" in where else where
        return f"postgres://{user}:{secret}@{where}:{postgres.port}/{database.name}?sslmode=disable"

    urls = {"database_url": url("127.0.0.1"), "workers_database_url": url(host)}
    return {key: password if key == "password" else urls[key] for key in SECRET_KEYS}


def secret_document(values: dict[str, str], fmt: str) -> bytes:
    if fmt == RAW:
        return json.dumps({"data": values}).encode()
    encoded = {key: base64.b64encode(value.encode()).decode() for key, value in values.items()}
    return json.dumps({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                       "metadata": {"name": SECRET_NAME}, "data": encoded}).encode()


def secret_labels(stack, fmt: str) -> dict[str, str]:
    return {LABEL_MANAGED: MANAGED_BY, LABEL_FORMAT: fmt, LABEL_ADDRESS: database_address(stack)}


def database_address(stack) -> str:
    """What the secret's URLs depend on besides the password: user, database, host and port."""
    database, postgres = stack.podman.database, endpoint(stack, "postgres")
    where = f"{database.user}@{postgres.dial_host}:{postgres.port}/{database.name}"
    return hashlib.sha256(where.encode()).hexdigest()[:12]


def new_password() -> str:
    return secrets.token_urlsafe(24)
