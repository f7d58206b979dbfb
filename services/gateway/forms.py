"""Decoding form-encoded arguments the way PHP builds ``$_GET`` / ``$_POST``.

``courseids[0]=1&options[0][name]=x&ids[]=5`` becomes nested dicts keyed by strings (PHP arrays
keep insertion order; ``[]`` appends at the next integer key). Top-level names have ``.`` and
spaces turned into ``_``. Query and body are decoded separately and merged shallowly with the
body winning, as ``array_merge($_GET, $_POST)`` does.

Unlike PHP, hostile input is refused with :class:`FormError` instead of being silently
truncated: too many fields, nesting deeper than ``max_depth``, invalid UTF-8.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

__all__ = ["FormError", "FormLimits", "decode_pairs", "decode_query"]


class FormError(ValueError):
    """The request's form data cannot be decoded; the message says why."""


class FormLimits:
    __slots__ = ("max_depth", "max_fields")

    def __init__(self, max_fields: int = 10000, max_depth: int = 32) -> None:
        self.max_fields = max_fields
        self.max_depth = max_depth


def decode_query(raw: str | bytes, limits: FormLimits) -> dict[str, Any]:
    """Decode an ``application/x-www-form-urlencoded`` string (query string or body)."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise FormError("Invalid UTF-8 in form data") from None
    if not raw:
        return {}
    return decode_pairs(_pairs(raw, limits.max_fields), limits)


def _pairs(raw: str, max_fields: int) -> list[tuple[str, str]]:
    """``urllib.parse.parse_qsl(raw, keep_blank_values=True, errors="strict")``, in a third of
    its time: names and values without ``%`` or ``+`` (most of them) are taken as they are."""
    if raw.count("&") >= max_fields:
        raise FormError(f"Too many form fields (more than {max_fields})")
    pairs = []
    try:
        for field in raw.split("&"):
            if not field:
                continue
            name, _, value = field.partition("=")
            if "%" in name or "+" in name:
                name = unquote(name.replace("+", " "), errors="strict")
            if "%" in value or "+" in value:
                value = unquote(value.replace("+", " "), errors="strict")
            pairs.append((name, value))
    except UnicodeDecodeError:
        raise FormError("Invalid UTF-8 in form data") from None
    return pairs


def _split_name(name: str) -> tuple[str, list[str]] | None:
    """``a[b][]`` -> ("a", ["b", ""]); None when the name has no usable base."""
    open_at = name.find("[")
    if open_at <= 0:
        base = name if open_at < 0 else ""
        return (_clean_base(base), []) if base else None
    base = name[:open_at]
    segments: list[str] = []
    pos = open_at
    while pos < len(name) and name[pos] == "[":
        close = name.find("]", pos + 1)
        if close < 0:
            if not segments:
                # An unmatched "[" in the base: PHP turns it into "_" and keeps the rest.
                return _clean_base(name.replace("[", "_", 1)), []
            break  # PHP ignores what follows the last complete segment
        segments.append(name[pos + 1 : close])
        pos = close + 1
    return _clean_base(base), segments


def _clean_base(base: str) -> str:
    return base.replace(".", "_").replace(" ", "_")


def _next_index(container: dict[str, Any]) -> str:
    highest = -1
    for key in container:
        if key.lstrip("-").isdigit():
            highest = max(highest, int(key))
    return str(highest + 1)


def decode_pairs(pairs: Iterable[tuple[str, str]], limits: FormLimits) -> dict[str, Any]:
    """Build PHP-style nested arrays from ``(name, value)`` pairs."""
    result: dict[str, Any] = {}
    count = 0
    for name, value in pairs:
        count += 1
        if count > limits.max_fields:
            raise FormError(f"Too many form fields (more than {limits.max_fields})")
        split = _split_name(name)
        if split is None:
            continue
        base, segments = split
        if len(segments) > limits.max_depth:
            raise FormError(f"Form field nested deeper than {limits.max_depth} levels: {base}")
        if not segments:
            result[base] = value
            continue
        node = result.get(base)
        if not isinstance(node, dict):
            node = {}
            result[base] = node
        for segment in segments[:-1]:
            key = segment if segment != "" else _next_index(node)
            child = node.get(key)
            if not isinstance(child, dict):
                child = {}
                node[key] = child
            node = child
        last = segments[-1]
        node[last if last != "" else _next_index(node)] = value
    return result
