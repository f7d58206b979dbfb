"""Reading settings from the environment into each service's own settings Struct.

Each service declares one ``msgspec.Struct`` of settings and reads it once at start-up with
:func:`load_settings`; nothing reads ``os.environ`` anywhere else. Field ``x_y`` is read from
``WS_X_Y`` (or ``X_Y`` for the connection URLs ``REDIS_URL`` and ``AMQP_URL``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal, TypeVar

import msgspec

__all__ = ["DebugLevel", "SettingsError", "load_settings"]

#: Moodle's debugging levels that matter to web services: ``none`` hides debuginfo, ``normal``
#: shows it, ``developer`` also appends it to messages.
DebugLevel = Literal["none", "normal", "developer"]

_UNPREFIXED = frozenset({"redis_url", "amqp_url"})

S = TypeVar("S", bound=msgspec.Struct)


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable."""


def env_name(field: str) -> str:
    return field.upper() if field in _UNPREFIXED else f"WS_{field.upper()}"


def load_settings(cls: type[S], environ: Mapping[str, str] | None = None, **overrides: object) -> S:
    """Build ``cls`` from the environment; ``overrides`` (already typed) win over it."""
    env = os.environ if environ is None else environ
    raw: dict[str, object] = {}
    for field in msgspec.structs.fields(cls):
        value = env.get(env_name(field.name))
        if value is not None and value != "":
            raw[field.name] = value
    raw.update(overrides)
    try:
        return msgspec.convert(raw, cls, strict=False)
    except msgspec.ValidationError as exc:
        # "Expected `int`, got `str` - at `$.http_port`" -> name the variable instead.
        text = str(exc)
        for field in msgspec.structs.fields(cls):
            text = text.replace(f"`$.{field.name}`", env_name(field.name))
        raise SettingsError(f"invalid configuration: {text}") from None
