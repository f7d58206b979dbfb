"""PHP's bracket form encoding, the only way Moodle REST takes nested arguments.

``{"courseids": [2, 3], "options": [{"name": "x", "value": True}]}`` becomes
``courseids[0]=2``, ``courseids[1]=3``, ``options[0][name]=x``, ``options[0][value]=1``.

Moodle's rules shape the choices: every value arrives as a string, and ``PARAM_BOOL`` accepts
only ``0``/``1`` on REST (``"true"`` is an invalid parameter), so booleans are sent as ``1``/``0``.
A form cannot express null or an empty list, so ``None`` values and empty containers are left
out and the server applies the parameter's default.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["encode_form", "encode_scalar", "prune_none"]


def encode_scalar(value: object) -> str:
    """One leaf value as PHP would receive it."""
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "1" if value else "0"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return repr(value)
    raise TypeError(f"cannot form-encode a value of type {type(value).__name__}")


def _walk(prefix: str, value: Any, out: list[tuple[str, str]]) -> None:
    if value is None:
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str | int) or "[" in str(key) or "]" in str(key):
                raise TypeError(f"{prefix}: key {key!r} cannot be written in bracket form")
            _walk(f"{prefix}[{key}]", item, out)
    elif isinstance(value, Sequence) and not isinstance(value, str | bytes | bytearray):
        for index, item in enumerate(value):
            _walk(f"{prefix}[{index}]", item, out)
    else:
        out.append((prefix, encode_scalar(value)))


def encode_form(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Flatten nested arguments into ordered ``(name, value)`` pairs for a form body.

    Lists are indexed from 0 in order, dicts keep their insertion order. Raises TypeError for
    values a form cannot carry (bytes, arbitrary objects).
    """
    out: list[tuple[str, str]] = []
    for key, value in params.items():
        if not isinstance(key, str) or not key:
            raise TypeError(f"parameter names must be non-empty strings, not {key!r}")
        _walk(key, value, out)
    return out


def prune_none(value: Any) -> Any:
    """``value`` without the ``None`` entries of its dicts, at any depth.

    JSON bodies (the JSON API, batch arguments) drop them too, so ``None`` means "use the
    default" whichever protocol carries the call.
    """
    if isinstance(value, Mapping):
        return {k: prune_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [prune_none(v) for v in value]
    return value
