"""Webhook signing secrets sealed at rest with Fernet (AES-128-CBC and HMAC-SHA256).

The `webhook_endpoints.secrets` column holds each secret as `fernet:<token>`; code above the
store only ever sees the plain `whsec_…` value, because the column type seals on write and
opens on read. The key comes from `BATON_SECRETS_KEY` (one Fernet key, or several separated by
commas: the first seals, all open, so the key itself can be rotated), bound to an engine by
`make_engine(url, secrets_key=…)`. An engine bound to no key uses a fixed development key,
which settings refuse in production (`BATON_PRODUCTION=true` needs `BATON_SECRETS_KEY`).
Signing (`baton.transfer`) is separate and unaware of this.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from weakref import WeakKeyDictionary

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import JSON, Engine
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from baton.errors import BatonError

SEALED = "fernet:"
# Public on purpose: it protects nothing, and keeps a development setup free of key handling.
DEV_KEY = base64.urlsafe_b64encode(hashlib.sha256(b"baton development secrets key").digest())


class SecretsKeyMismatch(BatonError):
    code = "secrets_key_mismatch"


class SecretBox:
    """Seals and opens short secrets with the configured keys."""

    def __init__(self, keys: str | bytes) -> None:
        raw = keys.decode("ascii") if isinstance(keys, bytes) else keys
        parts = [k.strip() for k in raw.split(",") if k.strip()]
        if not parts:
            raise ValueError("a secrets key is one or more Fernet keys, separated by commas")
        self._fernet = MultiFernet([Fernet(k.encode("ascii")) for k in parts])

    def seal(self, plain: str) -> str:
        if plain.startswith(SEALED):
            return plain
        return SEALED + self._fernet.encrypt(plain.encode("utf-8")).decode("ascii")

    def open(self, stored: str) -> str:
        """The plain secret; a value stored before sealing existed is returned as it is."""
        if not stored.startswith(SEALED):
            return stored
        try:
            return self._fernet.decrypt(stored.removeprefix(SEALED).encode("ascii")).decode()
        except InvalidToken:
            raise SecretsKeyMismatch(
                "a webhook secret was sealed with another key: set BATON_SECRETS_KEY to the key "
                "it was sealed with (several keys may be listed, comma-separated)"
            ) from None


def check_key(keys: str) -> str:
    """`keys` if it holds valid Fernet keys, else ValueError saying what one looks like."""
    try:
        SecretBox(keys)
    except (ValueError, TypeError) as exc:
        raise ValueError(
            "BATON_SECRETS_KEY is one or more Fernet keys (32 url-safe base64 bytes), "
            "e.g. from `python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'`"
        ) from exc
    return keys


_DEV_BOX = SecretBox(DEV_KEY)
_BOXES: WeakKeyDictionary[Dialect, SecretBox] = WeakKeyDictionary()


def bind(engine: Engine, keys: str | None) -> None:
    """Seal this engine's secrets with `keys` (the development key when None)."""
    _BOXES[engine.dialect] = SecretBox(keys) if keys else _DEV_BOX


def box_for(dialect: Dialect) -> SecretBox:
    return _BOXES.get(dialect, _DEV_BOX)


class SealedSecrets(TypeDecorator[list[Any]]):
    """A JSON list of `{"secret": …, "expires_at": …}` whose `secret` values are sealed."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        none_as_null = dialect.name == "sqlite"
        return dialect.type_descriptor(JSON(none_as_null=none_as_null))

    def process_bind_param(self, value: list[Any] | None, dialect: Dialect) -> list[Any] | None:
        if value is None:
            return None
        box = box_for(dialect)
        return [_with(entry, box.seal) for entry in value]

    def process_result_value(self, value: Any, dialect: Dialect) -> list[Any] | None:
        if value is None:
            return None
        box = box_for(dialect)
        return [_with(entry, box.open) for entry in value]


def _with(entry: Any, change: Any) -> Any:
    if isinstance(entry, dict) and isinstance(entry.get("secret"), str):
        return {**entry, "secret": change(entry["secret"])}
    return entry
